package accord

import "context"

// Role is what a user may do; each user has exactly one.
type Role string

const (
	RoleAdmin           Role = "admin"            // vendor administrator
	RoleAgent           Role = "agent"            // vendor support engineer
	RolePartnerAgent    Role = "partner_agent"    // reseller engineer, limited to its partner's customers
	RoleCustomerContact Role = "customer_contact" // a customer's employee
	RoleAuditor         Role = "auditor"          // vendor side, read-only
)

// Roles lists every role, in the order they are shown.
var Roles = []Role{RoleAdmin, RoleAgent, RolePartnerAgent, RoleCustomerContact, RoleAuditor}

// Valid reports whether r is one of Roles.
func (r Role) Valid() bool {
	for _, x := range Roles {
		if x == r {
			return true
		}
	}
	return false
}

// Vendor reports whether the role belongs to the vendor's own staff, who see
// every tenant.
func (r Role) Vendor() bool { return r == RoleAdmin || r == RoleAgent || r == RoleAuditor }

// Actor is who is acting: a signed-in user, an API token's owner, or the
// system itself (jobs, CLI). Services authorize from it alone.
type Actor struct {
	UserID    ID
	OrgID     ID // the actor's own organization
	Role      Role
	Name      string
	RequestID string
	// CustomerAdmin is set for a customer contact who administers its
	// organization's contacts.
	CustomerAdmin bool
	// System marks work not done on behalf of a person (jobs, the CLI's
	// administrative commands); it may do what an admin may.
	System bool
}

// IsVendor reports whether the actor sees every tenant.
func (a Actor) IsVendor() bool { return a.System || a.Role.Vendor() }

// CanWrite reports whether the actor may change anything at all; auditors
// may only read.
func (a Actor) CanWrite() bool { return a.System || a.Role != RoleAuditor }

// SystemActor is the actor for jobs and command-line administration.
func SystemActor(name string) Actor {
	return Actor{Role: RoleAdmin, Name: name, System: true}
}

type actorKey struct{}

// WithActor returns a context that carries a.
func WithActor(ctx context.Context, a Actor) context.Context {
	return context.WithValue(ctx, actorKey{}, a)
}

// ActorFrom returns the actor in ctx; without one, the caller is
// unauthenticated.
func ActorFrom(ctx context.Context) (Actor, error) {
	a, ok := ctx.Value(actorKey{}).(Actor)
	if !ok {
		return Actor{}, &Error{Kind: Unauthenticated, Msg: "sign in first"}
	}
	return a, nil
}

type requestIDKey struct{}

// WithRequestID returns a context that carries the id of the request being
// served, for audit events written before anyone has signed in.
func WithRequestID(ctx context.Context, id string) context.Context {
	return context.WithValue(ctx, requestIDKey{}, id)
}

// RequestID returns the request id in ctx, or "".
func RequestID(ctx context.Context) string {
	id, _ := ctx.Value(requestIDKey{}).(string)
	return id
}
