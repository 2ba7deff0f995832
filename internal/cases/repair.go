package cases

import (
	"context"
	"slices"
	"strings"
	"time"

	"accord/internal/accord"
	"accord/internal/audit"
	"accord/internal/sla"
)

// Section 5.4 of the support policy includes "Crypto Appliance
// Maintenance: Repair of the device in case of malfunction (if
// applicable)". A support case about an appliance installation can be a
// repair request with the device's serial number; vendor staff record its
// steps in order, each a public timeline entry mailed to the customer.

// RepairStep is where a repair stands, and a step that moves it.
type RepairStep string

const (
	RepairRequested RepairStep = "requested" // the case asks for the device's repair
	DeviceReceived  RepairStep = "received"  // the vendor has the device
	DeviceDiagnosed RepairStep = "diagnosed"
	DeviceRepaired  RepairStep = "repaired"
	DeviceReplaced  RepairStep = "replaced" // instead of repaired: hardware replacement
	DeviceShipped   RepairStep = "shipped"  // back to the customer
)

// repairNext lists the steps that may follow each: in order, with
// repaired or replaced after the diagnosis.
var repairNext = map[RepairStep][]RepairStep{
	RepairRequested: {DeviceReceived},
	DeviceReceived:  {DeviceDiagnosed},
	DeviceDiagnosed: {DeviceRepaired, DeviceReplaced},
	DeviceRepaired:  {DeviceShipped},
	DeviceReplaced:  {DeviceShipped},
}

// RepairSteps are the steps vendor staff record, in order.
var RepairSteps = []RepairStep{DeviceReceived, DeviceDiagnosed, DeviceRepaired, DeviceReplaced, DeviceShipped}

// Next lists the steps that may follow r's, in order.
func (r Repair) Next() []RepairStep { return repairNext[r.Step] }

// Repair is the repair of an appliance a case requests.
type Repair struct {
	InstallationID accord.ID  `json:"installation_id"`
	Product        string     `json:"product,omitempty"` // the installation's product, as it was named then
	Serial         string     `json:"serial"`
	Step           RepairStep `json:"step"` // the latest
	RequestedAt    time.Time  `json:"requested_at"`
	ReceivedAt     *time.Time `json:"received_at,omitempty"`
	DiagnosedAt    *time.Time `json:"diagnosed_at,omitempty"`
	Diagnosis      string     `json:"diagnosis,omitempty"`
	// FixedAt is when the device was repaired or replaced, as Fix says.
	FixedAt *time.Time `json:"fixed_at,omitempty"`
	Fix     RepairStep `json:"fix,omitempty"`
	// Replacement is the serial number of the device that replaced it.
	Replacement string     `json:"replacement_serial,omitempty"`
	ShippedAt   *time.Time `json:"shipped_at,omitempty"`
	Carrier     string     `json:"carrier,omitempty"`
	Tracking    string     `json:"tracking,omitempty"`
}

// Appliance is an installation as a repair request needs it: the store
// reads it from the customer's installations.
type Appliance struct {
	ID         accord.ID
	OrgID      accord.ID // the customer
	Product    string
	Deployment string // "appliance" for a device the vendor repairs
	Serial     string // "" when the inventory does not know it
}

// ApplianceDeployment is the installations' deployment of a device.
const ApplianceDeployment = "appliance"

// RepairRequest is the input to RequestRepair.
type RepairRequest struct {
	InstallationID accord.ID `json:"installation_id"`
	Serial         string    `json:"serial"` // the installation's, when left out and known
	Note           string    `json:"note"`
}

// RepairInput is a step of a repair recorded by vendor staff.
type RepairInput struct {
	Step        RepairStep `json:"step"`
	Note        string     `json:"note"`
	Diagnosis   string     `json:"diagnosis"`          // diagnosed: required
	Replacement string     `json:"replacement_serial"` // replaced: optional
	Carrier     string     `json:"carrier"`            // shipped: optional
	Tracking    string     `json:"tracking"`           // shipped: optional
}

// RepairNote is what a repair entry of the timeline records; its Body
// holds the diagnosis or the note.
type RepairNote struct {
	Step        RepairStep `json:"step"`
	Serial      string     `json:"serial"`
	Replacement string     `json:"replacement_serial,omitempty"`
	Carrier     string     `json:"carrier,omitempty"`
	Tracking    string     `json:"tracking,omitempty"`
}

// SerialProblem says what makes s implausible as a device's serial
// number, or "" when it is plausible: 4 to 64 characters, letters and
// digits with inner '-', '.', '/' or '_', at least one digit.
func SerialProblem(s string) string {
	if len(s) < 4 || len(s) > 64 {
		return "a serial number has 4 to 64 characters"
	}
	digit := false
	for i, r := range s {
		switch {
		case r >= '0' && r <= '9':
			digit = true
		case r >= 'A' && r <= 'Z', r >= 'a' && r <= 'z':
		case strings.ContainsRune("-./_", r) && i > 0 && i < len(s)-1:
		default:
			return "a serial number has letters, digits and inner - . / _ only"
		}
	}
	if !digit {
		return "a serial number has at least one digit"
	}
	return ""
}

func checkSerial(ps *[]accord.Problem, field, v string, required bool) string {
	v = strings.TrimSpace(v)
	switch {
	case v == "" && !required:
	case v == "":
		*ps = append(*ps, accord.Problem{Field: field, Msg: "is required"})
	case SerialProblem(v) != "":
		*ps = append(*ps, accord.Problem{Field: field, Msg: SerialProblem(v)})
	}
	return v
}

// NextRepair applies a step to the repair r at now and returns the repair
// afterwards, the timeline note and the text the entry shows. Steps go in
// order: received, diagnosed, repaired or replaced, shipped.
func NextRepair(r Repair, in RepairInput, now time.Time) (Repair, RepairNote, string, error) {
	const op = "cases.RecordRepair"
	var ps []accord.Problem
	note := checkText(&ps, "note", in.Note, false, maxText)
	diagnosis := checkText(&ps, "diagnosis", in.Diagnosis, in.Step == DeviceDiagnosed, maxText)
	replacement := checkSerial(&ps, "replacement_serial", in.Replacement, false)
	carrier := checkText(&ps, "carrier", in.Carrier, false, maxPlatform)
	tracking := checkText(&ps, "tracking", in.Tracking, false, maxPlatform)
	if !slices.Contains(RepairSteps, in.Step) {
		ps = append(ps, accord.Problem{Field: "step", Msg: "must be received, diagnosed, repaired, replaced or shipped"})
	}
	if diagnosis != "" && in.Step != DeviceDiagnosed {
		ps = append(ps, accord.Problem{Field: "diagnosis", Msg: "goes with the diagnosed step"})
	}
	if replacement != "" && in.Step != DeviceReplaced {
		ps = append(ps, accord.Problem{Field: "replacement_serial", Msg: "goes with the replaced step"})
	}
	if (carrier != "" || tracking != "") && in.Step != DeviceShipped {
		ps = append(ps, accord.Problem{Field: "carrier", Msg: "carrier and tracking go with the shipped step"})
	}
	if err := accord.InvalidFields(op, ps); err != nil {
		return r, RepairNote{}, "", err
	}
	next := repairNext[r.Step]
	if !slices.Contains(next, in.Step) {
		if len(next) == 0 {
			return r, RepairNote{}, "", refuse("step", "the device was shipped back; the repair is complete")
		}
		l := make([]string, len(next))
		for i, s := range next {
			l[i] = string(s)
		}
		return r, RepairNote{}, "", refuse("step", "the repair is %s; the next step is %s", r.Step, strings.Join(l, " or "))
	}
	at := now
	out := r
	out.Step = in.Step
	rec := RepairNote{Step: in.Step, Serial: r.Serial}
	body := note
	switch in.Step {
	case DeviceReceived:
		out.ReceivedAt = &at
	case DeviceDiagnosed:
		out.DiagnosedAt, out.Diagnosis = &at, diagnosis
		body = diagnosis
		if note != "" {
			body += "\n\n" + note
		}
	case DeviceRepaired, DeviceReplaced:
		out.FixedAt, out.Fix, out.Replacement, rec.Replacement = &at, in.Step, replacement, replacement
	case DeviceShipped:
		out.ShippedAt, out.Carrier, out.Tracking, rec.Carrier, rec.Tracking = &at, carrier, tracking, carrier, tracking
	}
	return out, rec, body, nil
}

// repairable refuses the cases that cannot request a repair.
func repairable(op string, c Case) error {
	switch {
	case c.Type == Enhancement || c.Type == RootCause || c.Type == AccessRequest:
		return conflict(op, "only incidents, defects and questions request a repair")
	case c.State == Closed:
		return conflict(op, "the case is closed; open a new case and mention this one")
	}
	return nil
}

// RequestRepair makes a case about an appliance installation of its
// customer a request for the device's repair, with its serial number
// (the customer's contacts and agents). Until the device is received the
// request may be corrected.
func (s *Service) RequestRepair(ctx context.Context, now time.Time, id accord.ID, in RepairRequest) (Case, error) {
	const op = "cases.RequestRepair"
	var ps []accord.Problem
	serial := checkSerial(&ps, "serial", in.Serial, false)
	note := checkText(&ps, "note", in.Note, false, maxText)
	if in.InstallationID == "" {
		ps = append(ps, accord.Problem{Field: "installation_id", Msg: "is required"})
	}
	if err := accord.InvalidFields(op, ps); err != nil {
		return Case{}, err
	}
	// The installation is read before the case is locked: decide must not
	// use the database. It is read in the actor's scope, for the case's
	// customer: another tenant's installation is not found.
	_, scope, err := s.scoped(ctx, now)
	if err != nil {
		return Case{}, err
	}
	seen, err := s.store.Get(ctx, scope, id)
	if err != nil {
		return Case{}, accord.Wrap(op, err)
	}
	dev, err := s.store.Appliance(ctx, scope, seen.OrgID, in.InstallationID)
	if accord.IsKind(err, accord.NotFound) {
		return Case{}, accord.FieldError("installation_id", "must be an installation of the case's customer")
	}
	if err != nil {
		return Case{}, accord.Wrap(op, err)
	}
	if dev.Deployment != ApplianceDeployment {
		return Case{}, accord.FieldError("installation_id", "is a %s installation; only appliances are repaired", strings.ReplaceAll(dev.Deployment, "_", " "))
	}
	switch {
	case serial == "" && dev.Serial == "":
		return Case{}, accord.FieldError("serial", "is required: the inventory does not know this appliance's serial number")
	case serial == "" && SerialProblem(dev.Serial) != "":
		// The inventory takes any text as a serial; the repair's is checked
		// like one typed in, whichever way it comes.
		return Case{}, accord.FieldError("serial", "is required: the inventory's serial number of this appliance is not one (%s); correct the installation", SerialProblem(dev.Serial))
	case serial == "":
		serial = dev.Serial
	case dev.Serial != "" && !strings.EqualFold(serial, dev.Serial):
		return Case{}, accord.FieldError("serial", "does not match the installation's serial number %s", dev.Serial)
	}
	return s.change(ctx, now, op, id, func(a accord.Actor, pol *sla.Policy, c Case) (Change, error) {
		if !isAgent(a) && !isCustomer(a, c) {
			return Change{}, forbidden(op, "the customer's contacts and agents request a repair")
		}
		if err := repairable(op, c); err != nil {
			return Change{}, err
		}
		if c.OrgID != dev.OrgID {
			return Change{}, accord.FieldError("installation_id", "must be an installation of the case's customer")
		}
		if r := c.Repair; r != nil {
			if r.Step != RepairRequested {
				return Change{}, refuse("installation_id", "the device is %s; the request can no longer change", r.Step)
			}
			if r.InstallationID == dev.ID && r.Serial == serial {
				return Change{}, refuse("serial", "the repair of %s is already requested", serial)
			}
		}
		r := Repair{InstallationID: dev.ID, Product: dev.Product, Serial: serial, Step: RepairRequested, RequestedAt: now}
		return repairChange(a, pol, now, c, r, RepairNote{Step: RepairRequested, Serial: serial}, note)
	})
}

// RecordRepair records the next step of a case's repair (vendor staff).
func (s *Service) RecordRepair(ctx context.Context, now time.Time, id accord.ID, in RepairInput) (Case, error) {
	const op = "cases.RecordRepair"
	return s.change(ctx, now, op, id, func(a accord.Actor, pol *sla.Policy, c Case) (Change, error) {
		if !isVendorAgent(a) {
			return Change{}, forbidden(op, "the vendor records the steps of a repair")
		}
		if err := repairable(op, c); err != nil {
			return Change{}, err
		}
		if c.Repair == nil {
			return Change{}, refuse("step", "the case requests no repair")
		}
		r, rec, body, err := NextRepair(*c.Repair, in, now)
		if err != nil {
			return Change{}, err
		}
		return repairChange(a, pol, now, c, r, rec, body)
	})
}

// repairChange records r on c with its timeline entry.
func repairChange(a accord.Actor, pol *sla.Policy, now time.Time, c Case, r Repair, rec RepairNote, body string) (Change, error) {
	before, after := c, c
	after.Repair = &r
	e := entry(a, now, c, RepairEntry)
	e.Body, e.Data.Repair = body, &rec
	ch, err := finish(pol, a, now, before, after, "case.repair_"+string(rec.Step), nil, e)
	if err != nil {
		return ch, err
	}
	was := Repair{}
	if before.Repair != nil {
		was = *before.Repair
	}
	var rc audit.Changes
	rc.Add("repair.installation_id", was.InstallationID, r.InstallationID)
	rc.Add("repair.serial", was.Serial, r.Serial)
	rc.Add("repair.step", was.Step, r.Step)
	rc.Add("repair.diagnosis", was.Diagnosis, r.Diagnosis)
	rc.Add("repair.replacement_serial", was.Replacement, r.Replacement)
	rc.Add("repair.carrier", was.Carrier, r.Carrier)
	rc.Add("repair.tracking", was.Tracking, r.Tracking)
	ch.Events[0].Changes = append(ch.Events[0].Changes, rc...)
	return ch, nil
}
