package web

import (
	"embed"
	"encoding/json"
	"fmt"
	"io/fs"
	"path"
	"slices"

	"accord/internal/lang"
)

// Locales are the languages every page is offered in; the first is the
// fallback for people whose browser asks for none of them.
var Locales = lang.Locales

//go:embed i18n
var catalogFiles embed.FS

// catalogs holds, per locale, every message by key. Each locale is a folder
// of JSON files, one per area of the UI, so that the areas can be edited
// apart; a key defined twice within a locale is an error.
type catalogs map[string]map[string]string

func loadCatalogs(fsys fs.FS) (catalogs, error) {
	all := catalogs{}
	for _, loc := range Locales {
		msgs := map[string]string{}
		files, err := fs.Glob(fsys, path.Join("i18n", loc, "*.json"))
		if err != nil {
			return nil, err
		}
		if len(files) == 0 {
			return nil, fmt.Errorf("i18n: no catalog for %s", loc)
		}
		for _, f := range files {
			b, err := fs.ReadFile(fsys, f)
			if err != nil {
				return nil, err
			}
			var m map[string]string
			if err := json.Unmarshal(b, &m); err != nil {
				return nil, fmt.Errorf("i18n: %s: %w", f, err)
			}
			for k, v := range m {
				if _, dup := msgs[k]; dup {
					return nil, fmt.Errorf("i18n: %s: key %q is defined twice in %s", f, k, loc)
				}
				msgs[k] = v
			}
		}
		all[loc] = msgs
	}
	return all, nil
}

// text is the message key in locale, with args put in by fmt verbs (so a
// translation may reorder them with %[2]s). A missing key shows as the key
// itself, which catalog_test.go makes sure never ships.
func (c catalogs) text(locale, key string, args ...any) string {
	msg, ok := c[locale][key]
	if !ok {
		msg, ok = c[Locales[0]][key]
	}
	if !ok {
		return key
	}
	if len(args) == 0 {
		return msg
	}
	return fmt.Sprintf(msg, args...)
}

// has reports whether locale's catalog defines key.
func (c catalogs) has(locale, key string) bool {
	_, ok := c[locale][key]
	return ok
}

// negotiate picks the first of Locales an Accept-Language header asks for
// (lang.Negotiate), and en-US when it asks for none of them.
func negotiate(header string) string {
	if loc := lang.Negotiate(header); loc != "" {
		return loc
	}
	return Locales[0]
}

// supported returns loc if it is one of Locales, else "".
func supported(loc string) string {
	if slices.Contains(Locales, loc) {
		return loc
	}
	return ""
}
