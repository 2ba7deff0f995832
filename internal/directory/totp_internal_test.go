package directory

import (
	"encoding/base32"
	"testing"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"
)

// rfcSecret is the SHA-1 seed of RFC 6238's appendix B, "12345678901234567890".
var rfcSecret = base32.StdEncoding.EncodeToString([]byte("12345678901234567890"))

// The RFC's SHA-1 test vectors: pquerna's validation at a fixed now with
// eight digits, and this package's six-digit check (the last six digits of
// the same number), which also accepts the step before and after, only
// after the last one used.
func TestTOTPVectors(t *testing.T) {
	for _, v := range []struct {
		unix int64
		code string
	}{
		{59, "94287082"},
		{1111111109, "07081804"},
		{1111111111, "14050471"},
		{1234567890, "89005924"},
		{2000000000, "69279037"},
		{20000000000, "65353130"},
	} {
		now := time.Unix(v.unix, 0).UTC()
		ok, err := totp.ValidateCustom(v.code, rfcSecret, now, totp.ValidateOpts{Period: 30, Digits: otp.DigitsEight, Algorithm: otp.AlgorithmSHA1})
		if err != nil || !ok {
			t.Errorf("%d: pquerna refuses %s: %v", v.unix, v.code, err)
		}
		six := v.code[2:]
		step := v.unix / 30
		tt := TOTP{Secret: rfcSecret}
		for _, at := range []time.Time{now, now.Add(-30 * time.Second), now.Add(30 * time.Second)} {
			if got, ok := checkCode(tt, six, at); !ok || got != step {
				t.Errorf("%d at %s: step %d %v, want %d", v.unix, at, got, ok, step)
			}
		}
		if _, ok := checkCode(tt, six, now.Add(time.Minute+30*time.Second)); ok {
			t.Errorf("%d: accepted three steps late", v.unix)
		}
		if _, ok := checkCode(TOTP{Secret: rfcSecret, LastStep: step}, six, now); ok {
			t.Errorf("%d: accepted again in its step", v.unix)
		}
	}
}

func TestRecoveryCodes(t *testing.T) {
	codes, hashes := newRecoveryCodes()
	seen := map[string]bool{}
	for i, c := range codes {
		n := normalizeCode(" " + c + " ")
		if len(c) != 19 || len(n) != recoveryLength || hashSecret(n) != hashes[i] || seen[n] {
			t.Fatalf("code %q (normalized %q) hash %s", c, n, hashes[i])
		}
		seen[n] = true
	}
}

func FuzzNormalizeCode(f *testing.F) {
	f.Add("abcd-efgh-ijkl-mnop")
	f.Add(" 123 456 ")
	f.Fuzz(func(t *testing.T, s string) {
		n := normalizeCode(s)
		if normalizeCode(n) != n {
			t.Fatalf("not idempotent: %q -> %q", s, n)
		}
	})
}
