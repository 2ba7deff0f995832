package siem

import (
	"context"
	"net"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"accord/internal/accord"
	"accord/internal/audit"
)

// DeliverJob is the kind of the job that delivers one receiver's events;
// its subject is the receiver.
const DeliverJob = "siem.deliver"

// Protocol is how a receiver is reached.
type Protocol string

const (
	// SyslogTLS is RFC 5424 over TLS with RFC 5425 octet-counted framing.
	SyslogTLS Protocol = "syslog-tls"
	// SyslogTCP is the same framing over plain TCP, for labs.
	SyslogTCP Protocol = "syslog-tcp"
	// SyslogUDP is one RFC 5424 message per datagram (RFC 5426), for labs.
	SyslogUDP Protocol = "syslog-udp"
	// HTTPSJSONLines posts batches of events, one JSON object a line.
	HTTPSJSONLines Protocol = "https-jsonl"
)

// Protocols lists every protocol, for forms and validation.
var Protocols = []Protocol{SyslogTLS, SyslogTCP, SyslogUDP, HTTPSJSONLines}

// Receiver is a SIEM endpoint and how far it has read.
type Receiver struct {
	ID      accord.ID `json:"id"`
	OrgID   accord.ID `json:"org_id"`   // the owner
	AllOrgs bool      `json:"all_orgs"` // reads every chain: owned by the vendor
	Name    string    `json:"name"`
	// Protocol and Address: host:port for syslog, an https URL otherwise.
	Protocol Protocol `json:"protocol"`
	Address  string   `json:"address"`
	// CAPEM holds the certificates the server's certificate must chain to;
	// empty means the system roots.
	CAPEM string `json:"ca_pem"`
	// Authorization is sent as the Authorization header of https posts
	// (a SIEM's collector token). It is never read back.
	Authorization string `json:"-"`
	HasAuth       bool   `json:"has_authorization"`
	// Actions filters the events by action prefix ("session.", "token.");
	// empty sends every event.
	Actions   []string  `json:"actions"`
	Enabled   bool      `json:"enabled"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
	Status    Status    `json:"status"`
}

// Status is a receiver's delivery progress.
type Status struct {
	Sent          int64      `json:"sent"`
	LastSuccessAt *time.Time `json:"last_success_at"`
	Failures      int        `json:"failures"` // consecutive failed attempts
	LastError     string     `json:"last_error"`
	LastErrorAt   *time.Time `json:"last_error_at"`
	// Lag is how many events of its chains the receiver has not read yet.
	Lag int64 `json:"lag"`
}

// Wants reports whether the receiver's filter selects action.
func (r Receiver) Wants(action string) bool {
	if len(r.Actions) == 0 {
		return true
	}
	for _, p := range r.Actions {
		if strings.HasPrefix(action, p) {
			return true
		}
	}
	return false
}

// Input is what a caller sets on a receiver; nil fields of an update stay.
type Input struct {
	Name          *string   `json:"name"`
	Protocol      *Protocol `json:"protocol"`
	Address       *string   `json:"address"`
	CAPEM         *string   `json:"ca_pem"`
	Authorization *string   `json:"authorization"`
	Actions       *[]string `json:"actions"`
	Enabled       *bool     `json:"enabled"`
	// OrgID, on creation by the vendor, names a customer organization the
	// receiver serves; by default the vendor's own receiver reads all.
	OrgID *accord.ID `json:"org_id"`
}

// apply sets in on r and checks the result.
func (in Input) apply(r *Receiver) error {
	if in.Name != nil {
		r.Name = strings.TrimSpace(*in.Name)
	}
	if in.Protocol != nil {
		r.Protocol = *in.Protocol
	}
	if in.Address != nil {
		r.Address = strings.TrimSpace(*in.Address)
	}
	if in.CAPEM != nil {
		r.CAPEM = strings.TrimSpace(*in.CAPEM)
	}
	if in.Authorization != nil {
		r.Authorization = *in.Authorization
	}
	if in.Actions != nil {
		r.Actions = slices.Clone(*in.Actions)
	}
	if in.Enabled != nil {
		r.Enabled = *in.Enabled
	}
	r.HasAuth = r.Authorization != ""
	if r.Actions == nil {
		r.Actions = []string{}
	}
	return r.validate()
}

func (r Receiver) validate() error {
	if r.Name == "" || utf8.RuneCountInString(r.Name) > 100 {
		return accord.FieldError("name", "is required, at most 100 characters")
	}
	if !slices.Contains(Protocols, r.Protocol) {
		return accord.FieldError("protocol", "must be one of syslog-tls, syslog-tcp, syslog-udp, https-jsonl")
	}
	if err := checkAddress(r.Protocol, r.Address); err != nil {
		return err
	}
	if r.CAPEM != "" && !strings.Contains(r.CAPEM, "-----BEGIN CERTIFICATE-----") {
		return accord.FieldError("ca_pem", "must hold PEM certificates")
	}
	if r.CAPEM != "" && r.Protocol != SyslogTLS && r.Protocol != HTTPSJSONLines {
		return accord.FieldError("ca_pem", "applies only to syslog-tls and https-jsonl")
	}
	if r.Authorization != "" && r.Protocol != HTTPSJSONLines {
		return accord.FieldError("authorization", "applies only to https-jsonl")
	}
	if strings.ContainsAny(r.Authorization, "\r\n") || len(r.Authorization) > 1000 {
		return accord.FieldError("authorization", "must be one header value line, at most 1000 characters")
	}
	if len(r.Actions) > 50 {
		return accord.FieldError("actions", "at most 50 prefixes")
	}
	for _, a := range r.Actions {
		if a == "" || len(a) > 64 || strings.ContainsAny(a, " \t\r\n") {
			return accord.FieldError("actions", "each prefix is 1 to 64 characters without spaces, like \"session.\"")
		}
	}
	return nil
}

// checkAddress checks that address suits protocol: host:port with a port
// for syslog, an https URL with a host otherwise.
func checkAddress(p Protocol, address string) error {
	if p == HTTPSJSONLines {
		u, err := url.Parse(address)
		if err != nil || u.Scheme != "https" || u.Host == "" || u.User != nil || u.Fragment != "" {
			return accord.FieldError("address", "must be an https:// URL without credentials")
		}
		return nil
	}
	host, port, err := net.SplitHostPort(address)
	if err != nil || host == "" || strings.ContainsAny(host, "/ ") {
		return accord.FieldError("address", "must be host:port")
	}
	if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 {
		return accord.FieldError("address", "must be host:port with a port from 1 to 65535")
	}
	return nil
}

// Batch is the next events a receiver has to send, in chain order, and
// where its cursors stood when they were read.
type Batch struct {
	Events []audit.Event
	// From is the cursor of every chain in Events before them (0: the
	// chain's start), for the compare-and-set that advances it.
	From map[accord.ID]int64
}

// Progress is a successful attempt: advance each chain's cursor from
// From to To, count Sent events more, and run again at Next.
type Progress struct {
	From, To map[accord.ID]int64
	Sent     int
	At       time.Time
	Next     time.Time
}

// Store persists receivers and their cursors.
type Store interface {
	// CreateReceiver inserts r with its event and schedules its job at
	// r.CreatedAt. Its cursors start at every readable chain's head, so
	// that it receives what happens from now on, its own creation first.
	CreateReceiver(ctx context.Context, r Receiver, ev audit.Event) error
	GetReceiver(ctx context.Context, scope accord.Scope, id accord.ID) (Receiver, error)
	ListReceivers(ctx context.Context, scope accord.Scope) ([]Receiver, error)
	// UpdateReceiver runs decide under the receiver's row lock and stores
	// what it returns with its event; an enabled receiver's job is
	// scheduled at the event's time, a disabled one's is removed.
	UpdateReceiver(ctx context.Context, scope accord.Scope, id accord.ID, decide func(Receiver) (Receiver, audit.Event, error)) (Receiver, error)
	// DeleteReceiver removes the receiver, its cursors and its job.
	DeleteReceiver(ctx context.Context, scope accord.Scope, id accord.ID, ev func(Receiver) audit.Event) error
	// Pending reads up to limit events after the receiver's cursors, in
	// order of organization and seq.
	Pending(ctx context.Context, r Receiver, limit int) (Batch, error)
	// Advance records p. A cursor that moved meanwhile (another attempt
	// sent the same events) is a Conflict and nothing is recorded.
	Advance(ctx context.Context, id accord.ID, p Progress) error
	// Fail records a failed attempt and runs the job again at next.
	Fail(ctx context.Context, id accord.ID, at time.Time, msg string, next time.Time) error
}

// Transport sends a batch of events to a receiver, returning once the
// receiver accepted all of them (an https 2xx, a flushed stream), or test
// events that are no part of any chain.
type Transport interface {
	Send(ctx context.Context, r Receiver, events []audit.Event) error
}
