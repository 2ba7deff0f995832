package directory

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"fmt"
	"strings"
	"unicode/utf8"

	"golang.org/x/crypto/argon2"

	"accord/internal/accord"
)

// Argon2 holds the argon2id cost parameters. Hashes record their own
// parameters, so raising them later keeps old hashes verifiable.
type Argon2 struct {
	MemoryKiB uint32
	Time      uint32
	Threads   uint8
}

// DefaultArgon2 is OWASP's recommended minimum for argon2id (19 MiB, t=2).
var DefaultArgon2 = Argon2{MemoryKiB: 19 * 1024, Time: 2, Threads: 1}

const (
	MinPasswordLength = 12
	maxPasswordLength = 256
)

// hashPassword returns a PHC-format argon2id hash of pw.
func (p Argon2) hashPassword(pw string) string {
	salt := make([]byte, 16)
	_, _ = rand.Read(salt)
	key := argon2.IDKey([]byte(pw), salt, p.Time, p.MemoryKiB, p.Threads, 32)
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, p.MemoryKiB, p.Time, p.Threads,
		base64.RawStdEncoding.EncodeToString(salt), base64.RawStdEncoding.EncodeToString(key))
}

// checkPassword reports whether pw matches the PHC-format hash.
func checkPassword(hash, pw string) bool {
	parts := strings.Split(hash, "$")
	if len(parts) != 6 || parts[1] != "argon2id" {
		return false
	}
	var p Argon2
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &p.MemoryKiB, &p.Time, &p.Threads); err != nil {
		return false
	}
	salt, err1 := base64.RawStdEncoding.DecodeString(parts[4])
	want, err2 := base64.RawStdEncoding.DecodeString(parts[5])
	if err1 != nil || err2 != nil || len(want) == 0 {
		return false
	}
	got := argon2.IDKey([]byte(pw), salt, p.Time, p.MemoryKiB, p.Threads, uint32(len(want)))
	return subtle.ConstantTimeCompare(got, want) == 1
}

// checkPasswordRules enforces the length rule and refuses a password built
// from the user's own e-mail or name, the first thing an attacker tries.
func checkPasswordRules(field, pw, email, name string) error {
	n := utf8.RuneCountInString(pw)
	if n < MinPasswordLength {
		return accord.FieldError(field, "must be at least %d characters", MinPasswordLength)
	}
	if n > maxPasswordLength {
		return accord.FieldError(field, "must be at most %d characters", maxPasswordLength)
	}
	low := strings.ToLower(pw)
	local, _, _ := strings.Cut(strings.ToLower(email), "@")
	for _, s := range append([]string{local}, strings.Fields(strings.ToLower(name))...) {
		if len(s) >= 4 && strings.Contains(low, s) {
			return accord.FieldError(field, "must not contain your e-mail address or name")
		}
	}
	return nil
}
