package bench

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// bench due explains and times the statements the store runs: if jobs.go
// changes them, due.go must follow.
func TestBenchDueQueriesAreTheStores(t *testing.T) {
	norm := func(s string) string { return strings.Join(strings.Fields(s), " ") }
	code := norm(string(readFile(t, filepath.Join("..", "store", "jobs.go"))))
	dialect := norm(string(readFile(t, filepath.Join("..", "store", "dialect.go"))))
	claimStart := claimSQL[:strings.Index(claimSQL, "LIMIT $4")+len("LIMIT $4")]
	for _, q := range []string{claimStart + "`+s.db.skipLocked()+`) RETURNING `+jobColumns", nextRunSQL} {
		if !strings.Contains(code, norm(q)) {
			t.Errorf("internal/store/jobs.go no longer runs %q", norm(q))
		}
	}
	if !strings.Contains(dialect, `return " FOR UPDATE SKIP LOCKED"`) {
		t.Error("skipLocked no longer appends FOR UPDATE SKIP LOCKED on PostgreSQL")
	}
	if !strings.HasSuffix(norm(claimSQL), "RETURNING id, org_id, subject_id, kind, run_at, attempts, last_error, failed_at") ||
		!strings.Contains(code, "const jobColumns = `id, org_id, subject_id, kind, run_at, attempts, last_error, failed_at`") {
		t.Error("the claim's RETURNING list differs from jobColumns")
	}
}

func readFile(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
