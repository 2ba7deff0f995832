package store_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"accord/internal/accord"
	"accord/internal/audit"
	"accord/internal/contracts"
	"accord/internal/directory"
	"accord/internal/store"
	"accord/internal/store/dbtest"
	"accord/internal/store/storetest"
)

func TestMain(m *testing.M) { dbtest.Main(m) }

func TestConformance(t *testing.T) {
	dbtest.Engines(t, storetest.Run)
}

// TestCadenceBackfill runs the statements of migration 00011 that give the
// terms recorded before it their two jobs: due at once, readable by the job
// store on both engines, and none for a cancelled term.
func TestCadenceBackfill(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, open func(testing.TB) *store.DB) {
		ctx := context.Background()
		db := open(t)
		sys := accord.SystemActor("test")
		org := directory.Organization{ID: accord.NewID("org"), Kind: directory.KindCustomer, Name: "Backfill", CreatedAt: time.Now(), UpdatedAt: time.Now()}
		if err := store.NewDirectory(db).CreateOrganization(ctx, org, audit.New(sys, time.Now(), org.ID, "organization.create", "organization", org.ID, nil)); err != nil {
			t.Fatal(err)
		}
		var live, cancelled contracts.Contract
		for i, c := range []*contracts.Contract{&live, &cancelled} {
			id := accord.NewID("ctr")
			*c = contracts.Contract{ID: id, OrgID: org.ID, SeriesID: id, Plan: "premium", SignedOn: fmt.Sprintf("20%d-03-08", 30+2*i), Years: 1,
				EndsOn: fmt.Sprintf("20%d-03-07", 31+2*i), CreatedAt: time.Now(), UpdatedAt: time.Now()}
			if err := store.NewContracts(db).CreateContract(ctx, contracts.NewTerm{Contract: *c,
				Event: audit.New(sys, time.Now(), org.ID, "contract.create", "contract", id, nil)}); err != nil {
				t.Fatal(err)
			}
		}
		cancelled.CancelledOn, cancelled.CancelReason = "2031-01-01", "x"
		if err := store.NewContracts(db).CancelContract(ctx, cancelled, nil, audit.New(sys, time.Now(), org.ID, "contract.cancel", "contract", cancelled.ID, nil)); err != nil {
			t.Fatal(err)
		}
		sqlText, err := os.ReadFile(filepath.Join("migrations", string(db.Engine()), "00011_contract_cadence.sql"))
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for _, stmt := range strings.Split(string(sqlText), ";") {
			if i := strings.Index(stmt, "INSERT INTO jobs"); i >= 0 {
				if _, err := db.SQL().ExecContext(ctx, stmt[i:]); err != nil {
					t.Fatal(err)
				}
				n++
			}
		}
		if n != 2 {
			t.Fatalf("%d backfill statements, want 2", n)
		}
		claimed, err := store.NewJobs(db).Claim(ctx, time.Now().Add(time.Minute), "test", time.Minute, 10)
		if err != nil {
			t.Fatal(err)
		}
		kinds := map[string]bool{}
		for _, j := range claimed {
			if j.SubjectID == cancelled.ID || j.SubjectID != live.ID || time.Since(j.RunAt) > time.Minute || j.RunAt.After(time.Now()) {
				t.Errorf("job %+v", j)
			}
			kinds[j.Kind] = true
		}
		if len(claimed) != 2 || !kinds[contracts.RenewalJob] || !kinds[contracts.SurveyJob] {
			t.Fatalf("claimed %+v, want the live term's two jobs", claimed)
		}
	})
}
