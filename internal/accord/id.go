package accord

import (
	"crypto/rand"
	"encoding/base32"
	"strings"
	"time"
)

// ID identifies a record. IDs are text, so that both engines store them
// alike, and unguessable, so that one tenant cannot guess another's: 80 of
// their 128 bits are random. The first 48 are the creation time in
// milliseconds, and the encoding keeps byte order, so ids made one after
// the other sort together: a new row's key lands on the last pages of a
// primary-key index rather than on a random page of a million rows, which
// is what made opening a case write a full page per index after each
// checkpoint (docs/benchmarks.md). No rule reads that time back; it only
// tells when a row was made, as a ULID or a UUIDv7 does.
type ID string

var idEncoding = base32.NewEncoding("0123456789abcdefghjkmnpqrstvwxyz").WithPadding(base32.NoPadding)

// NewID returns a fresh random id with a short prefix naming its kind
// ("org_", "usr_"), which makes logs and audit trails readable.
func NewID(prefix string) ID { return newID(prefix, time.Now().UnixMilli()) }

// newID makes an id at the Unix time ms, in milliseconds.
func newID(prefix string, ms int64) ID {
	var b [16]byte
	for i := range 6 {
		b[i] = byte(uint64(ms) >> (40 - 8*i))
	}
	_, _ = rand.Read(b[6:]) // crypto/rand.Read never fails since Go 1.24
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
