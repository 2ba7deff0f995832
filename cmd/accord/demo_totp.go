package main

import (
	"context"
	"time"

	"accord/internal/accord"
)

// seedTOTP stores the demo's two-factor policy: nobody is made to enrol,
// so that the demo's people sign in with the demo password alone; a vendor
// administrator turns the rule back on at /admin/security.
func seedTOTP(ctx context.Context, svc *services, now time.Time) error {
	return svc.directory.SetTOTPPolicy(accord.WithActor(ctx, accord.SystemActor("demo")), now, "admin", false)
}
