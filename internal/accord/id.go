package accord

import (
	"crypto/rand"
	"encoding/base32"
	"strings"
)

// ID identifies a record. IDs are random, so that one tenant cannot guess
// another's, and text, so that both engines store them alike.
type ID string

var idEncoding = base32.NewEncoding("0123456789abcdefghjkmnpqrstvwxyz").WithPadding(base32.NoPadding)

// NewID returns a fresh random id with a short prefix naming its kind
// ("org_", "usr_"), which makes logs and audit trails readable.
func NewID(prefix string) ID {
	var b [16]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails since Go 1.24
	return ID(prefix + "_" + idEncoding.EncodeToString(b[:]))
}

// ValidID reports whether s looks like an id made by NewID, so that handlers
// can answer NotFound without a query for garbage.
func ValidID(s string) bool {
	i := strings.IndexByte(s, '_')
	if i <= 0 || len(s)-i-1 != 26 {
		return false
	}
	_, err := idEncoding.DecodeString(s[i+1:])
	return err == nil
}
