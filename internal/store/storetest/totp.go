package storetest

import (
	"sync"
	"testing"
	"time"

	"accord/internal/accord"
	"accord/internal/directory"
	"accord/internal/store"
)

// testTOTP: an enrolment is replaced only while pending; a recovery code
// and a sign-in challenge are spent once, even by parallel sign-ins; a
// refused decision writes nothing; the policy is one row per rule.
func testTOTP(t *testing.T, db *store.DB) {
	d := store.NewDirectory(db)
	o := mkOrg(t, d, directory.KindCustomer, "testTOTP")
	u := mkUser(t, d, o.ID, "totp@t.example", accord.RoleCustomerContact)
	begin := func(secret string) error {
		return d.BeginTOTP(ctx, directory.TOTP{UserID: u.ID, OrgID: o.ID, Secret: secret, CreatedAt: t0}, ev(o.ID, "user.totp_begin"))
	}
	for _, s := range []string{"FIRSTSECRET", "SECONDSECRET"} {
		if err := begin(s); err != nil {
			t.Fatal(err)
		}
	}
	confirmed := t0.Add(time.Minute)
	err := d.ChangeTOTP(ctx, u.ID, func(x directory.TOTP) (directory.TOTP, error) {
		x.ConfirmedAt, x.LastStep = &confirmed, 42
		return x, nil
	}, directory.TOTPChange{Recovery: []string{"h1", "h2"}, Now: confirmed}, ev(o.ID, "user.totp_enable"))
	if err != nil {
		t.Fatal(err)
	}
	got, err := d.TOTP(ctx, u.ID)
	if err != nil || got.Secret != "SECONDSECRET" || got.LastStep != 42 || got.ConfirmedAt == nil || !got.ConfirmedAt.Equal(confirmed) {
		t.Fatalf("enrolment: %+v %v", got, err)
	}
	wantKind(t, begin("THIRD"), accord.Conflict)

	// A refused decision spends nothing.
	refused := accord.Errorf(accord.Unauthenticated, "wrong")
	err = d.ChangeTOTP(ctx, u.ID, func(x directory.TOTP) (directory.TOTP, error) { return x, refused },
		directory.TOTPChange{UseRecovery: "h1", Now: t0})
	wantKind(t, err, accord.Unauthenticated)
	if n, err := d.RecoveryCodesLeft(ctx, u.ID); err != nil || n != 2 {
		t.Fatalf("codes left after a refusal: %d %v", n, err)
	}

	// Parallel sign-ins quoting one challenge and one recovery code: one
	// session opens.
	ch := directory.Challenge{ID: "challenge-hash", UserID: u.ID, OrgID: o.ID, Address: "10.0.0.9", CreatedAt: t0, ExpiresAt: t0.Add(5 * time.Minute)}
	if err := d.CreateChallenge(ctx, ch, ev(o.ID, "session.second_factor_asked")); err != nil {
		t.Fatal(err)
	}
	if c, err := d.Challenge(ctx, ch.ID, t0.Add(time.Minute)); err != nil || c != ch {
		t.Fatalf("challenge: %+v %v", c, err)
	}
	_, err = d.Challenge(ctx, ch.ID, t0.Add(5*time.Minute))
	wantKind(t, err, accord.NotFound)
	const parallel = 6
	var wg sync.WaitGroup
	var mu sync.Mutex
	opened := 0
	for i := range parallel {
		wg.Go(func() {
			sess := directory.Session{ID: string(accord.NewID("ses")), UserID: u.ID, OrgID: o.ID, CreatedAt: t0, ExpiresAt: t0.Add(time.Hour),
				LastSeenAt: t0, Address: "10.0.0.9", UserAgent: "test", SecondFactorAt: &t0}
			err := d.ChangeTOTP(ctx, u.ID, func(x directory.TOTP) (directory.TOTP, error) { return x, nil },
				directory.TOTPChange{UseRecovery: "h2", Challenge: ch.ID, Session: &sess, Now: t0}, ev(o.ID, "session.create"))
			if err == nil {
				mu.Lock()
				opened++
				mu.Unlock()
			} else if !accord.IsKind(err, accord.NotFound) {
				t.Errorf("sign-in %d: %v", i, err)
			}
		})
	}
	wg.Wait()
	if opened != 1 {
		t.Fatalf("%d sessions opened from one challenge", opened)
	}
	sessions, err := d.ListSessions(ctx, u.ID, t0)
	if err != nil || len(sessions) != 1 || sessions[0].SecondFactorAt == nil || !sessions[0].SecondFactorAt.Equal(t0) || sessions[0].EnrolOnly {
		t.Fatalf("sessions: %+v %v", sessions, err)
	}

	for _, req := range []bool{true, false} {
		if err := d.SetTOTPPolicy(ctx, o.ID, "agent", req, t0, ev(o.ID, "totp_policy.set")); err != nil {
			t.Fatal(err)
		}
	}
	if p, err := d.TOTPPolicy(ctx); err != nil || len(p) != 1 || p["agent"] {
		t.Fatalf("policy: %v %v", p, err)
	}

	if err := d.ChangeTOTP(ctx, u.ID, func(x directory.TOTP) (directory.TOTP, error) { return x, nil },
		directory.TOTPChange{Remove: true, Now: t0}, ev(o.ID, "user.totp_disable")); err != nil {
		t.Fatal(err)
	}
	_, err = d.TOTP(ctx, u.ID)
	wantKind(t, err, accord.NotFound)
	if n, err := d.RecoveryCodesLeft(ctx, u.ID); err != nil || n != 0 {
		t.Fatalf("codes left after removal: %d %v", n, err)
	}
}
