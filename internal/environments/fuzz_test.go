package environments_test

import (
	"encoding/json"
	"reflect"
	"testing"

	"accord/internal/environments"
)

// FuzzBackupPolicyJSON: whatever a client sends as a policy, reading it
// never panics, and what is read writes back to the same policy.
func FuzzBackupPolicyJSON(f *testing.F) {
	for _, s := range []string{
		`{"frequency":"daily","retention_days":30,"covers":"db","snapshot_before_change":true,"snapshot_max_age_hours":12,"restore_test_months":12}`,
		`{"snapshot_max_age_hours":0.5,"agreed_by":"usr_x","agreed_at":"2026-11-20T14:00:00Z"}`,
		`{"snapshot_max_age_hours":1e300}`, `null`, `[]`, `{"agreed_at":"yesterday"}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		var p environments.BackupPolicy
		if err := json.Unmarshal(b, &p); err != nil {
			return
		}
		out, err := json.Marshal(p)
		if err != nil {
			t.Fatalf("%+v does not write: %v", p, err)
		}
		var q environments.BackupPolicy
		if err := json.Unmarshal(out, &q); err != nil {
			t.Fatalf("%s does not read back: %v", out, err)
		}
		if !reflect.DeepEqual(p, q) {
			t.Fatalf("round trip:\n got %+v\nwant %+v", q, p)
		}
	})
}
