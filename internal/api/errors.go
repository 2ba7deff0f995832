package api

import (
	"bytes"
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"reflect"
	"strings"
	"time"
	"unicode/utf8"

	"accord/internal/accord"
)

type errorBody struct {
	Error errorDetail `json:"error"`
}

type errorDetail struct {
	Kind    accord.Kind `json:"kind"`
	Field   string      `json:"field,omitempty"`
	Message string      `json:"message"`
	// Problems names every field at fault when there are several.
	Problems []accord.Problem `json:"problems,omitempty"`
	// Details are facts a client can act on, e.g. next_allowed_start.
	Details map[string]string `json:"details,omitempty"`
}

// writeError answers with err's kind and public message. Internal errors are
// logged here, once, with the request id, and their cause is not shown.
func (s *Server) writeError(w http.ResponseWriter, r *http.Request, err error) {
	kind := accord.KindOf(err)
	pub := accord.Public(err)
	if kind == accord.Internal {
		s.log.ErrorContext(r.Context(), "internal error", "err", err, "request_id", accord.RequestID(r.Context()), "route", r.Pattern)
	}
	msg := pub.Msg
	if msg == "" {
		msg = strings.ReplaceAll(string(kind), "_", " ")
	}
	writeJSON(w, kind.Status(), errorBody{errorDetail{Kind: kind, Field: pub.Field, Message: msg, Problems: pub.Problems, Details: pub.Details}})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// maxBody bounds request bodies; nothing in the API needs more.
const maxBody = 1 << 20

// decode reads a JSON body into v, refusing unknown fields, trailing data
// and bodies over maxBody, and names the offending field in its error. It
// is where every JSON input passes, so it also refuses, naming the field by
// its path, strings with control characters (checkJSONText) and instants
// out of range (checkInstants).
func decode(w http.ResponseWriter, r *http.Request, v any) error {
	if ct := r.Header.Get("Content-Type"); ct != "" && !strings.HasPrefix(ct, "application/json") {
		return accord.FieldError("Content-Type", "must be application/json")
	}
	b, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBody))
	var tooBig *http.MaxBytesError
	switch {
	case errors.As(err, &tooBig):
		return accord.FieldError("body", "must be at most %d bytes", tooBig.Limit)
	case err != nil:
		return accord.FieldError("body", "could not be read")
	}
	return decodeBytes(b, v)
}

// decodeBytes is decode of a document already read.
func decodeBytes(b []byte, v any) error {
	if err := checkJSONText(b); err != nil {
		return err
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	err := dec.Decode(v)
	if err == nil && dec.More() {
		err = errors.New("trailing data after the JSON value")
	}
	if err == nil {
		return checkInstants(reflect.ValueOf(v), "")
	}
	var typeErr *json.UnmarshalTypeError
	var syntaxErr *json.SyntaxError
	var timeErr *time.ParseError
	switch {
	case errors.As(err, &timeErr):
		// time.Time's decoder says neither where the instant was nor
		// the rule in words; 10000-01-01T00:00:00Z lands here.
		return accord.FieldError(stringPath(b, timeErr.Value), "must be an RFC 3339 instant such as 2024-03-11T20:00:00Z")
	case errors.As(err, &typeErr):
		field := typeErr.Field
		if field == "" {
			field = "body"
		}
		return accord.FieldError(field, "must be a JSON %s", jsonKind(typeErr.Type.Kind()))
	case errors.Is(err, io.ErrUnexpectedEOF):
		return accord.FieldError("body", "is not valid JSON (it ends too early)")
	case errors.As(err, &syntaxErr):
		return accord.FieldError("body", "is not valid JSON (at byte %d)", syntaxErr.Offset)
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		name := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
		return accord.FieldError(name, "is not a known field")
	case errors.Is(err, io.EOF):
		return accord.FieldError("body", "is empty; a JSON object is required")
	}
	return accord.FieldError("body", "%v", err)
}

// checkJSONText walks the JSON document b and refuses the first string,
// member name or value, that is not text (accord.TextProblem), naming it by
// its path: details.version, references[0].value. Invalid UTF-8 is looked
// for in the raw bytes, since decoding replaces it. Malformed JSON is left
// for the decoder to refuse. Most bodies hold nothing suspect, and walking
// their tokens costs more than decoding them, so only those that may are
// walked.
func checkJSONText(b []byte) error {
	if !mayHoldControls(b) {
		return nil
	}
	return walkStrings(b, func(path string, name bool, s string, raw []byte) error {
		problem := accord.TextProblem(s)
		if !utf8.Valid(raw) {
			problem = "must be UTF-8 text"
		}
		switch {
		case problem == "":
			return nil
		case name:
			return accord.FieldError(path, "a member name %s", problem)
		}
		return accord.FieldError(path, "%s", problem)
	})
}

// stringPath is the path of the first string value in the JSON document b
// that reads s, or "body" when there is none.
func stringPath(b []byte, s string) string {
	found := errors.New("found")
	path := "body"
	_ = walkStrings(b, func(p string, name bool, v string, _ []byte) error {
		if name || v != s {
			return nil
		}
		path = p
		return found
	})
	return path
}

// walkStrings calls visit with every string of the JSON document b, in
// order, and stops at the first error visit returns, which it returns. A
// value comes with its path (details.version, references[0].value); a
// member name (name is true) with the path of its object, "body" at the
// top. raw is the string as written in b. Malformed JSON ends the walk.
func walkStrings(b []byte, visit func(path string, name bool, s string, raw []byte) error) error {
	type level struct {
		array   bool
		index   int    // arrays: the element being read
		key     string // objects: the member being read
		wantKey bool   // objects: the next string is a key
	}
	var stack []level
	// pathOf names the value the first n levels lead to.
	pathOf := func(n int) string {
		var p strings.Builder
		for _, l := range stack[:n] {
			switch {
			case l.array:
				fmt.Fprintf(&p, "[%d]", l.index)
			case p.Len() > 0:
				p.WriteString("." + l.key)
			default:
				p.WriteString(l.key)
			}
		}
		if p.Len() == 0 {
			return "body"
		}
		return p.String()
	}
	// valueRead moves the enclosing level past the value just read.
	valueRead := func() {
		if n := len(stack); n > 0 {
			if stack[n-1].array {
				stack[n-1].index++
			} else {
				stack[n-1].wantKey = true
			}
		}
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	for {
		start := dec.InputOffset()
		tok, err := dec.Token()
		if err != nil {
			return nil // the end, or malformed JSON the decoder refuses
		}
		raw := b[start:dec.InputOffset()]
		switch t := tok.(type) {
		case json.Delim:
			switch t {
			case '{':
				stack = append(stack, level{wantKey: true})
			case '[':
				stack = append(stack, level{array: true})
			default:
				stack = stack[:len(stack)-1]
				valueRead()
			}
		case string:
			if n := len(stack); n > 0 && !stack[n-1].array && stack[n-1].wantKey {
				if err := visit(pathOf(n-1), true, t, raw); err != nil {
					return err
				}
				stack[n-1].key, stack[n-1].wantKey = t, false
				continue
			}
			if err := visit(pathOf(len(stack)), false, t, raw); err != nil {
				return err
			}
			valueRead()
		default:
			valueRead()
		}
	}
}

// mayHoldControls reports whether the JSON text b may decode to a string
// that is not text: it is not UTF-8, or holds DEL or an escape of a
// control character (\b, \f, \u0000-\u001f, \u007f). Raw controls other
// than DEL cannot stand inside a valid JSON string, and the decoder
// refuses them.
func mayHoldControls(b []byte) bool {
	if !utf8.Valid(b) || bytes.IndexByte(b, 0x7f) >= 0 || bytes.Contains(b, []byte(`\b`)) || bytes.Contains(b, []byte(`\f`)) {
		return true
	}
	for rest := b; ; {
		i := bytes.Index(rest, []byte(`\u00`))
		if i < 0 || i+6 > len(rest) {
			return i >= 0
		}
		switch hi, lo := rest[i+4], rest[i+5]|0x20; {
		case hi == '0' || hi == '1', hi == '7' && lo == 'f':
			return true
		}
		rest = rest[i+4:]
	}
}

// timeType is the type of the instants checkInstants bounds.
var timeType = reflect.TypeFor[time.Time]()

// checkInstants refuses the first instant in v, a decoded body, that lies
// outside the years accord.CheckInstant allows, naming it by its JSON path.
// A zero instant is one the body left out; the service says whether it is
// required.
func checkInstants(v reflect.Value, path string) error {
	at := func(name string) string {
		if path == "" {
			return name
		}
		return path + "." + name
	}
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface:
		if v.IsNil() {
			return nil
		}
		return checkInstants(v.Elem(), path)
	case reflect.Struct:
		if v.Type() == timeType {
			t := v.Interface().(time.Time)
			if t.IsZero() {
				return nil
			}
			field := path
			if field == "" {
				field = "body"
			}
			return accord.CheckInstant(field, t)
		}
		for i := range v.NumField() {
			f := v.Type().Field(i)
			if !f.IsExported() {
				continue
			}
			name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
			if name == "-" {
				continue
			}
			sub := path // an embedded struct's fields read as the outer one's
			if name != "" || !f.Anonymous {
				sub = at(cmp.Or(name, f.Name))
			}
			if err := checkInstants(v.Field(i), sub); err != nil {
				return err
			}
		}
	case reflect.Slice, reflect.Array:
		switch v.Type().Elem().Kind() {
		case reflect.Struct, reflect.Pointer, reflect.Interface, reflect.Slice, reflect.Array, reflect.Map:
		default:
			return nil // numbers, strings, bytes: no instant in them
		}
		for i := range v.Len() {
			if err := checkInstants(v.Index(i), fmt.Sprintf("%s[%d]", path, i)); err != nil {
				return err
			}
		}
	case reflect.Map:
		for it := v.MapRange(); it.Next(); {
			if err := checkInstants(it.Value(), at(fmt.Sprint(it.Key()))); err != nil {
				return err
			}
		}
	}
	return nil
}

// jsonKind names a Go kind the way a JSON client knows it.
func jsonKind(k reflect.Kind) string {
	switch k {
	case reflect.String:
		return "string"
	case reflect.Bool:
		return "boolean"
	case reflect.Struct, reflect.Map:
		return "object"
	case reflect.Slice, reflect.Array:
		return "array"
	}
	return "number"
}
