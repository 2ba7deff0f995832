package main

import (
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"
)

// TestBrowserTOTP: the vendor administrator requires two-factor sign-in
// for administrators again (the demo stores it off), sets an authenticator
// up from the QR page, then signs out and back in with a code the test
// computes from the secret the page showed, as the phone would.
func TestBrowserTOTP(t *testing.T) {
	b := newBrowser(t)
	admin := b.person("admin")
	admin.signIn("admin@northwind.example")
	admin.open("/admin/security")
	admin.do("require it for administrators", chromedp.Click(chromedp.CSS(`input[value="admin"]`)))
	admin.submit(`form[action="/admin/security"]`)
	admin.see(`[role="status"]`, "The two-factor policy is saved.")
	admin.checkA11y("/admin/security")

	admin.open("/account/security")
	admin.submit(`form[action="/account/security/begin"]`)
	admin.see(`#totp-qr`)
	secret := get(admin, "read the secret", chromedp.Text(chromedp.CSS(`#totp-secret`)))
	code := func(at time.Time) string {
		c, err := totp.GenerateCodeCustom(secret, at, totp.ValidateOpts{Period: 30, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1})
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	admin.fill("#f-code", code(time.Now()))
	admin.submit(`form[action="/account/security/confirm"]`)
	admin.see(`#recovery-codes`)
	admin.see(`#totp-state`, "Two-factor sign-in is on")
	admin.checkA11y("/account/security")

	admin.submit(`form[action="/logout"]`)
	admin.open("/login")
	admin.fill("#f-email", "admin@northwind.example", "#f-password", demoPassword)
	admin.submit(`form[action="/login"]`)
	admin.see(`form[action="/login/totp"]`)
	admin.checkA11y("/login (code step)")
	// The code of the step after the one just used: the same code is
	// never accepted twice, and one step of skew is.
	admin.fill("#f-code", code(time.Now().Add(30*time.Second)))
	admin.submit(`form[action="/login/totp"]`)
	if p := admin.path(); p != "/dashboard" {
		t.Fatalf("after the code: on %s\n%s", p, admin.where())
	}
}
