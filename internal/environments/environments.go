package environments

import (
	"encoding/json"
	"slices"
	"strings"
	"time"

	"accord/internal/accord"
	"accord/internal/audit"
)

// Status is where an environment stands.
type Status string

const (
	Provisioning Status = "provisioning"
	Active       Status = "active"
	Suspended    Status = "suspended"
	Retired      Status = "retired"
)

// Statuses lists every status in lifecycle order.
var Statuses = []Status{Provisioning, Active, Suspended, Retired}

func (s Status) valid() bool { return slices.Contains(Statuses, s) }

// Environment is one installation of the vendor's product that the vendor
// runs for a customer.
type Environment struct {
	ID    accord.ID `json:"id"`
	OrgID accord.ID `json:"org_id"` // the customer organization that owns it
	// ResellerID is the partner that delivers it; empty when the vendor
	// delivers directly.
	ResellerID accord.ID    `json:"reseller_id,omitempty"`
	Name       string       `json:"name"`
	Product    string       `json:"product"`
	Version    string       `json:"version"`
	Region     string       `json:"region"`
	Status     Status       `json:"status"`
	Backup     BackupPolicy `json:"backup"`
	CreatedAt  time.Time    `json:"created_at"`
	UpdatedAt  time.Time    `json:"updated_at"`
}

// Frequencies of scheduled backups.
const (
	Daily  = "daily"
	Weekly = "weekly"
)

// BackupPolicy is how an environment is backed up, as the vendor defined
// it and the customer agreed.
type BackupPolicy struct {
	Frequency            string        `json:"frequency"`      // Daily (the default) or Weekly
	RetentionDays        int           `json:"retention_days"` // default 30
	Covers               string        `json:"covers"`         // what is covered
	SnapshotBeforeChange bool          `json:"snapshot_before_change"`
	SnapshotMaxAge       time.Duration // in JSON as snapshot_max_age_hours; default 12h: a pre-change snapshot must be this recent
	RestoreTestMonths    int           `json:"restore_test_months"`
	// AgreedBy is the customer contact consulted who agreed to the policy;
	// empty until one does, and again after the policy changes.
	AgreedBy accord.ID  `json:"agreed_by,omitempty"`
	AgreedAt *time.Time `json:"agreed_at,omitempty"`
}

// Period is the longest a scheduled backup may be apart from the next.
func (p BackupPolicy) Period() time.Duration {
	if p.Frequency == Weekly {
		return 7 * 24 * time.Hour
	}
	return 24 * time.Hour
}

// DefaultBackup is the policy an environment gets unless told otherwise:
// a daily backup kept 30 days, a snapshot no older than 12 hours before
// each change, a restore test every 12 months.
func DefaultBackup() BackupPolicy {
	return BackupPolicy{Frequency: Daily, RetentionDays: 30, SnapshotBeforeChange: true, SnapshotMaxAge: 12 * time.Hour, RestoreTestMonths: 12}
}

// Limits of a policy.
const (
	MaxRetentionDays     = 3650
	MaxRestoreTestMonths = 60
	MaxSnapshotMaxAge    = 7 * 24 * time.Hour
)

// SnapshotKind says why a snapshot was taken.
type SnapshotKind string

const (
	DailySnapshot     SnapshotKind = "daily" // the scheduled backup
	PreChangeSnapshot SnapshotKind = "pre-change"
	OnDemandSnapshot  SnapshotKind = "on-demand"
)

// SnapshotKinds lists every kind.
var SnapshotKinds = []SnapshotKind{DailySnapshot, PreChangeSnapshot, OnDemandSnapshot}

func (k SnapshotKind) valid() bool { return slices.Contains(SnapshotKinds, k) }

// Snapshot is one backup of an environment, as the automation reported it.
type Snapshot struct {
	ID            accord.ID    `json:"id"`
	OrgID         accord.ID    `json:"org_id"`
	EnvironmentID accord.ID    `json:"environment_id"`
	TakenAt       time.Time    `json:"taken_at"`
	Kind          SnapshotKind `json:"kind"`
	SizeBytes     int64        `json:"size_bytes"`
	Location      string       `json:"location"`
	Checksum      string       `json:"checksum"`
	Verified      bool         `json:"verified"`
	// ExpiresAt is TakenAt plus the retention of the policy in force when
	// it was recorded.
	ExpiresAt  time.Time `json:"expires_at"`
	RecordedBy accord.ID `json:"recorded_by,omitempty"`
	RecordedAt time.Time `json:"recorded_at"`
}

// NewEnvironment is the input to Create. A nil Backup takes DefaultBackup.
type NewEnvironment struct {
	OrgID      accord.ID    `json:"org_id"`
	ResellerID accord.ID    `json:"reseller_id"`
	Name       string       `json:"name"`
	Product    string       `json:"product"`
	Version    string       `json:"version"`
	Region     string       `json:"region"`
	Status     Status       `json:"status"` // default Provisioning
	Backup     *PolicyInput `json:"backup"`
}

// PolicyInput is a backup policy as people write it; a nil field keeps the
// current value (the default for a new environment).
type PolicyInput struct {
	Frequency            *string `json:"frequency"`
	RetentionDays        *int    `json:"retention_days"`
	Covers               *string `json:"covers"`
	SnapshotBeforeChange *bool   `json:"snapshot_before_change"`
	SnapshotMaxAgeHours  *int    `json:"snapshot_max_age_hours"`
	RestoreTestMonths    *int    `json:"restore_test_months"`
}

// EnvironmentUpdate is the input to Update; a nil field stays. An empty
// ResellerID clears the reseller.
type EnvironmentUpdate struct {
	ResellerID *accord.ID   `json:"reseller_id"`
	Name       *string      `json:"name"`
	Product    *string      `json:"product"`
	Version    *string      `json:"version"`
	Region     *string      `json:"region"`
	Status     *Status      `json:"status"`
	Backup     *PolicyInput `json:"backup"`
}

// NewSnapshot is the input to RecordSnapshot.
type NewSnapshot struct {
	EnvironmentID accord.ID    `json:"environment_id"`
	TakenAt       time.Time    `json:"taken_at"`
	Kind          SnapshotKind `json:"kind"`
	SizeBytes     int64        `json:"size_bytes"`
	Location      string       `json:"location"`
	Checksum      string       `json:"checksum"`
	Verified      bool         `json:"verified"`
}

// Filter narrows a list of environments.
type Filter struct {
	OrgID      accord.ID `json:"org_id"`
	ResellerID accord.ID `json:"reseller_id"`
	Status     Status    `json:"status"`
}

// text checks a text field: trimmed, required when req, at most max
// characters, no control characters, and on one line unless multiline.
func text(field, v string, req bool, max int, multiline bool) (string, error) {
	v = strings.TrimSpace(v)
	if err := accord.CheckText(field, v); err != nil {
		return "", err
	}
	if req && v == "" {
		return "", accord.FieldError(field, "is required")
	}
	if n := len([]rune(v)); n > max {
		return "", accord.FieldError(field, "must be at most %d characters", max)
	}
	if !multiline && strings.ContainsAny(v, "\r\n") {
		return "", accord.FieldError(field, "must be one line")
	}
	return v, nil
}

// apply writes in onto p, checking each value; it reports whether anything
// the customer agreed to changed.
func (in PolicyInput) apply(p *BackupPolicy) (bool, error) {
	before := *p
	if in.Frequency != nil {
		f := strings.TrimSpace(*in.Frequency)
		if f != Daily && f != Weekly {
			return false, accord.FieldError("backup.frequency", "must be %q or %q", Daily, Weekly)
		}
		p.Frequency = f
	}
	if in.RetentionDays != nil {
		if *in.RetentionDays < 1 || *in.RetentionDays > MaxRetentionDays {
			return false, accord.FieldError("backup.retention_days", "must be a whole number of days from 1 to %d", MaxRetentionDays)
		}
		p.RetentionDays = *in.RetentionDays
	}
	if in.Covers != nil {
		c, err := text("backup.covers", *in.Covers, false, 2000, true)
		if err != nil {
			return false, err
		}
		p.Covers = c
	}
	if in.SnapshotBeforeChange != nil {
		p.SnapshotBeforeChange = *in.SnapshotBeforeChange
	}
	if in.SnapshotMaxAgeHours != nil {
		h := *in.SnapshotMaxAgeHours
		if h < 1 || time.Duration(h)*time.Hour > MaxSnapshotMaxAge {
			return false, accord.FieldError("backup.snapshot_max_age_hours", "must be a whole number of hours from 1 to %d", int(MaxSnapshotMaxAge/time.Hour))
		}
		p.SnapshotMaxAge = time.Duration(h) * time.Hour
	}
	if in.RestoreTestMonths != nil {
		if *in.RestoreTestMonths < 0 || *in.RestoreTestMonths > MaxRestoreTestMonths {
			return false, accord.FieldError("backup.restore_test_months", "must be a whole number of months from 0 (no restore tests) to %d", MaxRestoreTestMonths)
		}
		p.RestoreTestMonths = *in.RestoreTestMonths
	}
	changed := p.Frequency != before.Frequency || p.RetentionDays != before.RetentionDays || p.Covers != before.Covers ||
		p.SnapshotBeforeChange != before.SnapshotBeforeChange || p.SnapshotMaxAge != before.SnapshotMaxAge ||
		p.RestoreTestMonths != before.RestoreTestMonths
	return changed, nil
}

// policyChanges lists the fields of a policy that differ, for the audit trail.
func policyChanges(ch *audit.Changes, a, b BackupPolicy) {
	ch.Add("backup.frequency", a.Frequency, b.Frequency)
	ch.Add("backup.retention_days", a.RetentionDays, b.RetentionDays)
	ch.Add("backup.covers", a.Covers, b.Covers)
	ch.Add("backup.snapshot_before_change", a.SnapshotBeforeChange, b.SnapshotBeforeChange)
	ch.Add("backup.snapshot_max_age_hours", a.SnapshotMaxAge.Hours(), b.SnapshotMaxAge.Hours())
	ch.Add("backup.restore_test_months", a.RestoreTestMonths, b.RestoreTestMonths)
	ch.Add("backup.agreed_by", a.AgreedBy, b.AgreedBy)
	ch.Add("backup.agreed_at", a.AgreedAt, b.AgreedAt)
}

// policyJSON is a policy as the API shows it: the snapshot age in hours.
type policyJSON struct {
	Frequency            string     `json:"frequency"`
	RetentionDays        int        `json:"retention_days"`
	Covers               string     `json:"covers"`
	SnapshotBeforeChange bool       `json:"snapshot_before_change"`
	SnapshotMaxAgeHours  float64    `json:"snapshot_max_age_hours"`
	RestoreTestMonths    int        `json:"restore_test_months"`
	AgreedBy             accord.ID  `json:"agreed_by,omitempty"`
	AgreedAt             *time.Time `json:"agreed_at,omitempty"`
}

// MarshalJSON writes the snapshot age in hours.
func (p BackupPolicy) MarshalJSON() ([]byte, error) {
	return json.Marshal(policyJSON{p.Frequency, p.RetentionDays, p.Covers, p.SnapshotBeforeChange, p.SnapshotMaxAge.Hours(),
		p.RestoreTestMonths, p.AgreedBy, p.AgreedAt})
}

// UnmarshalJSON reads what MarshalJSON writes.
func (p *BackupPolicy) UnmarshalJSON(b []byte) error {
	var j policyJSON
	if err := json.Unmarshal(b, &j); err != nil {
		return err
	}
	*p = BackupPolicy{j.Frequency, j.RetentionDays, j.Covers, j.SnapshotBeforeChange, time.Duration(j.SnapshotMaxAgeHours * float64(time.Hour)),
		j.RestoreTestMonths, j.AgreedBy, j.AgreedAt}
	return nil
}
