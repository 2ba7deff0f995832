package directory

import (
	"context"
	"net/mail"
	"slices"
	"strings"
	"sync"
	"time"
	"unicode"
	"unicode/utf8"

	"accord/internal/accord"
	"accord/internal/audit"
)

// Config tunes the service; the zero value is not usable, start from
// DefaultConfig.
type Config struct {
	Argon2          Argon2
	SessionLifetime time.Duration
	// Sign-in throttling slows down guesses at one account from one client
	// address, never the account from everywhere: after SlowAfter failures
	// each further attempt from that address waits SlowFirst, doubling with
	// every failure up to SlowMax. A success, an administrator's unlock or
	// Forget without failures clears the count.
	SlowAfter int
	SlowFirst time.Duration
	SlowMax   time.Duration
	Forget    time.Duration
	// Every client address may also make AddressFailures failed attempts
	// in each Window, on any accounts.
	AddressFailures int
	Window          time.Duration
	MaxTokenLife    time.Duration
	// Single-use links by mail: an invitation works for InvitationLife, a
	// password reset for ResetLife, from when it was asked for. A client
	// address may ask for ResetRequests resets in each Window.
	InvitationLife time.Duration
	ResetLife      time.Duration
	ResetRequests  int
	// RequireTOTP names the rules (TOTPRules) that require a second factor
	// until the vendor stores its own choice for them.
	RequireTOTP []string
}

// DefaultConfig suits production.
func DefaultConfig() Config {
	return Config{
		Argon2:          DefaultArgon2,
		SessionLifetime: 12 * time.Hour,
		SlowAfter:       5,
		SlowFirst:       2 * time.Second,
		SlowMax:         15 * time.Minute,
		Forget:          24 * time.Hour,
		AddressFailures: 50,
		Window:          15 * time.Minute,
		MaxTokenLife:    366 * 24 * time.Hour,
		InvitationLife:  7 * 24 * time.Hour,
		ResetLife:       time.Hour,
		ResetRequests:   10,
		RequireTOTP:     []string{"admin"},
	}
}

// Service applies the directory's rules and authorization.
type Service struct {
	store Store
	cfg   Config
	// dummyHash is checked against when an account does not exist or has no
	// password, so that a wrong e-mail costs the same time as a wrong
	// password; made with the service's own cost parameters.
	dummyHash func() string
	// signIns is told of refused sign-ins, for the operators' metrics and
	// logs; set once with ObserveSignIns before the service is used.
	signIns func(ctx context.Context, r SignInRefusal)
}

// SignInRefusal is a sign-in Login refused: a wrong password (or unknown
// or inactive account), or an attempt throttled before it was checked.
type SignInRefusal struct {
	Throttled bool
	Account   string        // the e-mail address tried, normalized
	Address   string        // the client's address
	Wait      time.Duration // throttled: how long before the next attempt counts
}

// ObserveSignIns has f told of every refused sign-in.
func (s *Service) ObserveSignIns(f func(ctx context.Context, r SignInRefusal)) { s.signIns = f }

// refused records r in the audit chain of the account's organization, so
// that it reaches its auditors and SIEM receivers: "session.fail" for a
// wrong password, "session.throttle" for an attempt refused unchecked. An
// address that is no account's goes to the vendor's "global" chain. u is
// the account when Login already read it. Then the observer, if any, is
// told.
func (s *Service) refused(ctx context.Context, now time.Time, r SignInRefusal, u *User) error {
	if u == nil {
		found, err := s.store.UserByEmail(ctx, r.Account)
		if err != nil && !accord.IsKind(err, accord.NotFound) {
			return err
		}
		u = &found
	}
	org, action := u.OrgID, "session.fail"
	if org == "" {
		org = audit.GlobalOrg
	}
	ch := audit.Changes{{Field: "account", After: r.Account}, {Field: "address", After: r.Address}}
	if r.Throttled {
		action = "session.throttle"
		ch = append(ch, audit.Change{Field: "wait_seconds", After: int64(r.Wait / time.Second)})
	}
	a := accord.Actor{Name: "anonymous", RequestID: accord.RequestID(ctx)}
	if err := s.store.RecordEvent(ctx, audit.New(a, now, org, action, "user", u.ID, ch)); err != nil {
		return err
	}
	if s.signIns != nil {
		s.signIns(ctx, r)
	}
	return nil
}

// NewService returns a service over store.
func NewService(store Store, cfg Config) *Service {
	return &Service{store: store, cfg: cfg, dummyHash: sync.OnceValue(func() string {
		return cfg.Argon2.hashPassword("not a password anyone has")
	})}
}

// Locales are the languages Accord speaks.
var Locales = []string{"en-US", "pt-BR", "es-ES"}

func actor(ctx context.Context) (accord.Actor, error) { return accord.ActorFrom(ctx) }

func forbidden(op, msg string) error { return &accord.Error{Kind: accord.Forbidden, Op: op, Msg: msg} }

// requireAdmin lets vendor administrators (and the system) through.
func requireAdmin(a accord.Actor, op string) error {
	if a.System || a.Role == accord.RoleAdmin {
		return nil
	}
	return forbidden(op, "only vendor administrators may do this")
}

// Scope returns the organizations the acting user may read at now. A partner
// agent without a certification valid today is refused outright, with the
// reason, rather than silently shown nothing.
func (s *Service) Scope(ctx context.Context, now time.Time) (accord.Scope, error) {
	a, err := actor(ctx)
	if err != nil {
		return accord.Scope{}, err
	}
	switch {
	case a.IsVendor():
		return accord.Scope{All: true}, nil
	case a.Role == accord.RolePartnerAgent:
		if err := s.requireCertified(ctx, a, now); err != nil {
			return accord.Scope{}, err
		}
		customers, err := s.store.PartnerCustomers(ctx, a.OrgID)
		if err != nil {
			return accord.Scope{}, err
		}
		return accord.Scope{Orgs: append([]accord.ID{a.OrgID}, customers...)}, nil
	default:
		return accord.OnlyOrg(a.OrgID), nil
	}
}

func (s *Service) requireCertified(ctx context.Context, a accord.Actor, now time.Time) error {
	certs, err := s.store.ListCertifications(ctx, accord.OnlyOrg(a.OrgID), a.UserID)
	if err != nil {
		return err
	}
	today := now.UTC().Format(time.DateOnly)
	last := ""
	for _, c := range certs {
		if c.ValidOn(today) {
			return nil
		}
		if c.ValidUntil < today && c.ValidUntil > last {
			last = c.ValidUntil
		}
	}
	if last != "" {
		return forbidden("directory.Scope", "your partner certification expired on "+last+"; customers' data is available again once a valid certification is recorded")
	}
	return forbidden("directory.Scope", "you hold no valid partner certification; customers' data is available once one is recorded")
}

// --- organizations

// NewOrganization is the input to CreateOrganization.
type NewOrganization struct {
	Kind Kind   `json:"kind"`
	Name string `json:"name"`
}

// OrgUpdate changes an organization; nil fields stay as they are.
type OrgUpdate struct {
	Name *string `json:"name"`
}

func checkName(field, name string) (string, error) {
	name = strings.TrimSpace(name)
	if name == "" {
		return "", accord.FieldError(field, "is required")
	}
	if !utf8.ValidString(name) || strings.ContainsFunc(name, unicode.IsControl) {
		return "", accord.FieldError(field, "must not contain control characters")
	}
	if len(name) > 200 {
		return "", accord.FieldError(field, "must be at most 200 characters")
	}
	return name, nil
}

// CreateOrganization adds a partner or customer (or the single vendor).
func (s *Service) CreateOrganization(ctx context.Context, now time.Time, in NewOrganization) (Organization, error) {
	o, ev, err := s.PrepareOrganization(ctx, now, in)
	if err != nil {
		return Organization{}, err
	}
	if err := s.store.CreateOrganization(ctx, o, ev); err != nil {
		if accord.IsKind(err, accord.Conflict) {
			return Organization{}, &accord.Error{Kind: accord.Conflict, Field: "name", Msg: "an organization with this name (or a second vendor) already exists", Err: err}
		}
		return Organization{}, accord.Wrap("directory.CreateOrganization", err)
	}
	return o, nil
}

// PrepareOrganization checks in and builds the organization and its audit
// event without storing them, for CreateOrganization and for bulk imports
// that store many records in one transaction.
func (s *Service) PrepareOrganization(ctx context.Context, now time.Time, in NewOrganization) (Organization, audit.Event, error) {
	a, err := actor(ctx)
	if err != nil {
		return Organization{}, audit.Event{}, err
	}
	if err := requireAdmin(a, "directory.CreateOrganization"); err != nil {
		return Organization{}, audit.Event{}, err
	}
	if in.Kind != KindVendor && in.Kind != KindPartner && in.Kind != KindCustomer {
		return Organization{}, audit.Event{}, accord.FieldError("kind", "must be vendor, partner or customer")
	}
	name, err := checkName("name", in.Name)
	if err != nil {
		return Organization{}, audit.Event{}, err
	}
	o := Organization{ID: accord.NewID("org"), Kind: in.Kind, Name: name, CreatedAt: now.UTC(), UpdatedAt: now.UTC()}
	var ch audit.Changes
	ch.Add("kind", nil, o.Kind)
	ch.Add("name", nil, o.Name)
	return o, audit.New(a, now, o.ID, "organization.create", "organization", o.ID, ch), nil
}

// UpdateOrganization renames an organization.
func (s *Service) UpdateOrganization(ctx context.Context, now time.Time, id accord.ID, up OrgUpdate) (Organization, error) {
	const op = "directory.UpdateOrganization"
	o, err := s.GetOrganization(ctx, now, id)
	if err != nil {
		return Organization{}, err
	}
	a, _ := actor(ctx)
	if err := requireAdmin(a, op); err != nil {
		return Organization{}, err
	}
	var ch audit.Changes
	if up.Name != nil {
		name, err := checkName("name", *up.Name)
		if err != nil {
			return Organization{}, err
		}
		ch.Add("name", o.Name, name)
		o.Name = name
	}
	if len(ch) == 0 {
		return o, nil
	}
	o.UpdatedAt = now.UTC()
	if err := s.store.UpdateOrganization(ctx, o, audit.New(a, now, o.ID, "organization.update", "organization", o.ID, ch)); err != nil {
		if accord.IsKind(err, accord.Conflict) {
			return Organization{}, &accord.Error{Kind: accord.Conflict, Field: "name", Msg: "an organization with this name already exists", Err: err}
		}
		return Organization{}, accord.Wrap(op, err)
	}
	return o, nil
}

// GetOrganization returns an organization the actor may see.
func (s *Service) GetOrganization(ctx context.Context, now time.Time, id accord.ID) (Organization, error) {
	scope, err := s.Scope(ctx, now)
	if err != nil {
		return Organization{}, err
	}
	return s.store.GetOrganization(ctx, scope, id)
}

// ListOrganizations lists the organizations the actor may see, by name.
func (s *Service) ListOrganizations(ctx context.Context, now time.Time, f OrgFilter, p accord.Page) ([]Organization, string, error) {
	scope, err := s.Scope(ctx, now)
	if err != nil {
		return nil, "", err
	}
	return s.store.ListOrganizations(ctx, scope, f, p.Normalize())
}

// LinkPartner records that a partner serves a customer.
func (s *Service) LinkPartner(ctx context.Context, now time.Time, partnerID, customerID accord.ID) error {
	const op = "directory.LinkPartner"
	if _, err := actor(ctx); err != nil {
		return err
	}
	partner, err := s.orgOrZero(ctx, partnerID)
	if err != nil {
		return accord.Wrap(op, err)
	}
	customer, err := s.orgOrZero(ctx, customerID)
	if err != nil {
		return accord.Wrap(op, err)
	}
	ev, err := s.PrepareLink(ctx, now, partner, customer)
	if err != nil {
		return err
	}
	err = s.store.LinkPartner(ctx, partnerID, customerID, now.UTC(), ev)
	if accord.IsKind(err, accord.Conflict) {
		return &accord.Error{Kind: accord.Conflict, Field: "customer_id", Msg: "the partner already serves this customer", Err: err}
	}
	return accord.Wrap(op, err)
}

// PrepareLink checks that partner may serve customer and builds the link's
// audit event without storing it. A zero organization is one that does not
// exist.
func (s *Service) PrepareLink(ctx context.Context, now time.Time, partner, customer Organization) (audit.Event, error) {
	a, err := actor(ctx)
	if err != nil {
		return audit.Event{}, err
	}
	if err := requireAdmin(a, "directory.LinkPartner"); err != nil {
		return audit.Event{}, err
	}
	if err := checkKind(partner, KindPartner, "partner_id"); err != nil {
		return audit.Event{}, err
	}
	if err := checkKind(customer, KindCustomer, "customer_id"); err != nil {
		return audit.Event{}, err
	}
	ch := audit.Changes{{Field: "partner_id", After: partner.ID}}
	return audit.New(a, now, customer.ID, "partner.link", "organization", customer.ID, ch), nil
}

// UnlinkPartner ends a partner's service of a customer.
func (s *Service) UnlinkPartner(ctx context.Context, now time.Time, partnerID, customerID accord.ID) error {
	a, err := actor(ctx)
	if err != nil {
		return err
	}
	if err := requireAdmin(a, "directory.UnlinkPartner"); err != nil {
		return err
	}
	ch := audit.Changes{{Field: "partner_id", Before: partnerID}}
	return s.store.UnlinkPartner(ctx, partnerID, customerID, audit.New(a, now, customerID, "partner.unlink", "organization", customerID, ch))
}

// PartnerServes reports whether a partner serves a customer. It is for
// other services' rules (a contract's reseller must serve its customer) and
// reveals nothing to a caller beyond yes or no.
func (s *Service) PartnerServes(ctx context.Context, partnerID, customerID accord.ID) (bool, error) {
	ids, err := s.store.PartnerCustomers(ctx, partnerID)
	return slices.Contains(ids, customerID), err
}

// orgOrZero returns the organization id names, whatever the actor's scope,
// or the zero organization when there is none.
func (s *Service) orgOrZero(ctx context.Context, id accord.ID) (Organization, error) {
	o, err := s.store.GetOrganization(ctx, accord.Scope{All: true}, id)
	if accord.IsKind(err, accord.NotFound) {
		return Organization{}, nil
	}
	return o, err
}

func checkKind(o Organization, want Kind, field string) error {
	if o.ID == "" {
		return accord.FieldError(field, "no such organization")
	}
	if o.Kind != want {
		return accord.FieldError(field, "must be a %s organization, not a %s", want, o.Kind)
	}
	return nil
}

// --- users

// NewUser is the input to CreateUser.
type NewUser struct {
	OrgID             accord.ID   `json:"org_id"`
	Email             string      `json:"email"`
	Name              string      `json:"name"`
	Locale            string      `json:"locale"`
	TimeZone          string      `json:"time_zone"`
	Role              accord.Role `json:"role"`
	AuthorizedContact bool        `json:"authorized_contact"`
	CustomerAdmin     bool        `json:"customer_admin"`
	Password          string      `json:"password"`
	// Invite creates the user without a password and mails an invitation
	// to choose one; Password must then be empty.
	Invite bool `json:"invite"`
	// WithoutPassword creates a user who cannot sign in until an
	// administrator sets a password or an invitation is used (bulk
	// imports). Only Go callers may ask for it, not API clients.
	WithoutPassword bool `json:"-"`
}

// UserUpdate changes a user; nil fields stay as they are.
type UserUpdate struct {
	Name              *string      `json:"name"`
	Locale            *string      `json:"locale"`
	TimeZone          *string      `json:"time_zone"`
	Role              *accord.Role `json:"role"`
	Active            *bool        `json:"active"`
	AuthorizedContact *bool        `json:"authorized_contact"`
	CustomerAdmin     *bool        `json:"customer_admin"`
	Senior            *bool        `json:"senior"` // administrators only
	Away              *bool        `json:"away"`   // the user or an administrator
}

// EmailKey is the form under which e-mail addresses are unique.
func EmailKey(email string) string { return strings.ToLower(strings.TrimSpace(email)) }

func checkEmail(email string) (string, error) {
	email = strings.TrimSpace(email)
	addr, err := mail.ParseAddress(email)
	if err != nil || addr.Address != email || addr.Name != "" {
		return "", accord.FieldError("email", "must be a plain e-mail address such as ana@example.com")
	}
	return email, nil
}

func checkLocale(l string) error {
	for _, x := range Locales {
		if l == x {
			return nil
		}
	}
	return accord.FieldError("locale", "must be one of en-US, pt-BR, es-ES")
}

func checkZone(z string) error {
	if z == "" || z == "Local" {
		return accord.FieldError("time_zone", "must be an IANA time zone such as America/New_York")
	}
	if _, err := time.LoadLocation(z); err != nil {
		return accord.FieldError("time_zone", "%q is not an IANA time zone", z)
	}
	return nil
}

// checkRoleFits enforces the role/organization-kind invariant.
func checkRoleFits(u User, kind Kind) error {
	if !u.Role.Valid() {
		return accord.FieldError("role", "must be one of admin, agent, partner_agent, customer_contact, auditor")
	}
	want := map[accord.Role]Kind{
		accord.RoleAdmin: KindVendor, accord.RoleAgent: KindVendor, accord.RoleAuditor: KindVendor,
		accord.RolePartnerAgent: KindPartner, accord.RoleCustomerContact: KindCustomer,
	}[u.Role]
	if kind != want {
		return accord.FieldError("role", "a %s belongs to a %s organization, and this one is a %s", u.Role, want, kind)
	}
	if u.Role != accord.RoleCustomerContact && (u.AuthorizedContact || u.CustomerAdmin) {
		return accord.FieldError("authorized_contact", "only customer contacts can be authorized contacts or customer administrators")
	}
	return nil
}

// CreateUser adds a user to an organization.
func (s *Service) CreateUser(ctx context.Context, now time.Time, in NewUser) (User, error) {
	const op = "directory.CreateUser"
	if _, err := actor(ctx); err != nil {
		return User{}, err
	}
	org, err := s.orgOrZero(ctx, in.OrgID)
	if err != nil {
		return User{}, accord.Wrap(op, err)
	}
	u, ev, err := s.PrepareUser(ctx, now, in, org)
	if err != nil {
		return User{}, err
	}
	if err := s.store.CreateUser(ctx, u, ev); err != nil {
		if accord.IsKind(err, accord.Conflict) {
			return User{}, &accord.Error{Kind: accord.Conflict, Field: "email", Msg: "a user with this e-mail address already exists", Err: err}
		}
		return User{}, accord.Wrap(op, err)
	}
	if in.Invite {
		// The user exists without a password either way; an invitation
		// that failed to be recorded is sent again from the user's page.
		if err := s.Invite(ctx, now, u.ID); err != nil {
			return u, accord.Wrap(op, err)
		}
	}
	return u, nil
}

// PrepareUser checks in and builds the user and its audit event without
// storing them, for CreateUser and for bulk imports. org is the
// organization in.OrgID names, or the zero organization when there is none;
// the caller looks it up because an import may be creating it too.
func (s *Service) PrepareUser(ctx context.Context, now time.Time, in NewUser, org Organization) (User, audit.Event, error) {
	a, err := actor(ctx)
	if err != nil {
		return User{}, audit.Event{}, err
	}
	if err := requireAdmin(a, "directory.CreateUser"); err != nil {
		return User{}, audit.Event{}, err
	}
	u := User{
		ID: accord.NewID("usr"), OrgID: in.OrgID, Locale: in.Locale, TimeZone: in.TimeZone, Role: in.Role, Active: true,
		AuthorizedContact: in.AuthorizedContact, CustomerAdmin: in.CustomerAdmin, CreatedAt: now.UTC(), UpdatedAt: now.UTC(),
	}
	if u.Email, err = checkEmail(in.Email); err != nil {
		return User{}, audit.Event{}, err
	}
	if u.Name, err = checkName("name", in.Name); err != nil {
		return User{}, audit.Event{}, err
	}
	if u.Locale == "" {
		u.Locale = "en-US"
	}
	if err := checkLocale(u.Locale); err != nil {
		return User{}, audit.Event{}, err
	}
	if u.TimeZone == "" {
		u.TimeZone = "UTC"
	}
	if err := checkZone(u.TimeZone); err != nil {
		return User{}, audit.Event{}, err
	}
	if org.ID == "" || org.ID != in.OrgID {
		return User{}, audit.Event{}, accord.FieldError("org_id", "no such organization")
	}
	if err := checkRoleFits(u, org.Kind); err != nil {
		return User{}, audit.Event{}, err
	}
	if in.Invite && in.Password != "" {
		return User{}, audit.Event{}, accord.FieldError("password", "must be empty: an invited user chooses it")
	}
	if !in.WithoutPassword && !in.Invite {
		if err := checkPasswordRules("password", in.Password, u.Email, u.Name); err != nil {
			return User{}, audit.Event{}, err
		}
		u.PasswordHash = s.cfg.Argon2.hashPassword(in.Password)
	}
	var ch audit.Changes
	for _, c := range [][3]any{{"email", u.Email}, {"name", u.Name}, {"locale", u.Locale}, {"time_zone", u.TimeZone},
		{"role", u.Role}, {"active", u.Active}, {"authorized_contact", u.AuthorizedContact}, {"customer_admin", u.CustomerAdmin}} {
		ch.Add(c[0].(string), nil, c[1])
	}
	if u.PasswordHash != "" {
		ch.Secret("password")
	}
	return u, audit.New(a, now, u.OrgID, "user.create", "user", u.ID, ch), nil
}

// GetUser returns a user the actor may see.
func (s *Service) GetUser(ctx context.Context, now time.Time, id accord.ID) (User, error) {
	scope, err := s.Scope(ctx, now)
	if err != nil {
		return User{}, err
	}
	return s.store.GetUser(ctx, scope, id)
}

// UserByEmail finds a user the actor may see by e-mail address.
func (s *Service) UserByEmail(ctx context.Context, now time.Time, email string) (User, error) {
	scope, err := s.Scope(ctx, now)
	if err != nil {
		return User{}, err
	}
	u, err := s.store.UserByEmail(ctx, EmailKey(email))
	if err == nil && !scope.Allows(u.OrgID) {
		err = &accord.Error{Kind: accord.NotFound, Msg: "user not found"}
	}
	if accord.IsKind(err, accord.NotFound) {
		return User{}, &accord.Error{Kind: accord.NotFound, Field: "email", Msg: "no user has this e-mail address"}
	}
	return u, err
}

// ListUsers lists the users the actor may see, by e-mail.
func (s *Service) ListUsers(ctx context.Context, now time.Time, f UserFilter, p accord.Page) ([]User, string, error) {
	scope, err := s.Scope(ctx, now)
	if err != nil {
		return nil, "", err
	}
	return s.store.ListUsers(ctx, scope, f, p.Normalize())
}

// UpdateUser changes a user. Administrators may change anything; everyone
// may change their own name, locale and time zone.
func (s *Service) UpdateUser(ctx context.Context, now time.Time, id accord.ID, up UserUpdate) (User, error) {
	const op = "directory.UpdateUser"
	u, err := s.userForChange(ctx, now, id)
	if err != nil {
		return User{}, err
	}
	a, _ := actor(ctx)
	adminOnly := up.Role != nil || up.Active != nil || up.AuthorizedContact != nil || up.CustomerAdmin != nil || up.Senior != nil
	if u.ID != a.UserID || adminOnly {
		if err := requireAdmin(a, op); err != nil {
			return User{}, err
		}
	}
	before := u
	if up.Name != nil {
		if u.Name, err = checkName("name", *up.Name); err != nil {
			return User{}, err
		}
	}
	if up.Locale != nil {
		if err := checkLocale(*up.Locale); err != nil {
			return User{}, err
		}
		u.Locale = *up.Locale
	}
	if up.TimeZone != nil {
		if err := checkZone(*up.TimeZone); err != nil {
			return User{}, err
		}
		u.TimeZone = *up.TimeZone
	}
	if up.Role != nil {
		u.Role = *up.Role
	}
	if up.Active != nil {
		if !*up.Active && u.ID == a.UserID {
			return User{}, accord.FieldError("active", "you cannot deactivate yourself")
		}
		u.Active = *up.Active
	}
	if up.AuthorizedContact != nil {
		u.AuthorizedContact = *up.AuthorizedContact
	}
	if up.CustomerAdmin != nil {
		u.CustomerAdmin = *up.CustomerAdmin
	}
	if up.Senior != nil {
		u.Senior = *up.Senior
	}
	if up.Away != nil {
		u.Away = *up.Away
	}
	if (up.Senior != nil && u.Senior || up.Away != nil && u.Away) && !isAgentRole(u.Role) {
		field := "senior"
		if up.Senior == nil || !u.Senior {
			field = "away"
		}
		return User{}, accord.FieldError(field, "only agents are senior or away")
	}
	if up.Role != nil || up.AuthorizedContact != nil || up.CustomerAdmin != nil {
		org, err := s.store.GetOrganization(ctx, accord.Scope{All: true}, u.OrgID)
		if err != nil {
			return User{}, accord.Wrap(op, err)
		}
		if err := checkRoleFits(u, org.Kind); err != nil {
			return User{}, err
		}
	}
	var ch audit.Changes
	ch.Add("name", before.Name, u.Name)
	ch.Add("locale", before.Locale, u.Locale)
	ch.Add("time_zone", before.TimeZone, u.TimeZone)
	ch.Add("role", before.Role, u.Role)
	ch.Add("active", before.Active, u.Active)
	ch.Add("authorized_contact", before.AuthorizedContact, u.AuthorizedContact)
	ch.Add("customer_admin", before.CustomerAdmin, u.CustomerAdmin)
	ch.Add("senior", before.Senior, u.Senior)
	ch.Add("away", before.Away, u.Away)
	if len(ch) == 0 {
		return u, nil
	}
	u.UpdatedAt = now.UTC()
	// A deactivated user or a changed role must not keep old sessions.
	revoke := before.Active && !u.Active || before.Role != u.Role
	if err := s.store.UpdateUser(ctx, u, revoke, audit.New(a, now, u.OrgID, "user.update", "user", u.ID, ch)); err != nil {
		return User{}, accord.Wrap(op, err)
	}
	return u, nil
}

// isAgentRole: the roles that work cases.
func isAgentRole(r accord.Role) bool {
	return r == accord.RoleAdmin || r == accord.RoleAgent || r == accord.RolePartnerAgent
}

// userForChange loads a user the actor may change. Users reach their own
// record whatever their scope, so that a partner agent whose certification
// lapsed can still keep its own profile and password.
func (s *Service) userForChange(ctx context.Context, now time.Time, id accord.ID) (User, error) {
	a, err := actor(ctx)
	if err != nil {
		return User{}, err
	}
	if a.System || id == a.UserID {
		return s.store.GetUser(ctx, accord.Scope{All: true}, id)
	}
	return s.GetUser(ctx, now, id)
}

// SetPassword sets a user's password. Users change their own by giving the
// current one; administrators (and the CLI) reset anyone's without it. Every
// session of the user ends.
func (s *Service) SetPassword(ctx context.Context, now time.Time, id accord.ID, current, next string) error {
	const op = "directory.SetPassword"
	a, err := actor(ctx)
	if err != nil {
		return err
	}
	u, err := s.userForChange(ctx, now, id)
	if err != nil {
		return err
	}
	switch {
	case a.System, a.Role == accord.RoleAdmin && u.ID != a.UserID:
	case u.ID == a.UserID:
		if !checkPassword(u.PasswordHash, current) {
			return accord.FieldError("current_password", "does not match your current password")
		}
	default:
		return forbidden(op, "only vendor administrators may reset another user's password")
	}
	if err := checkPasswordRules("password", next, u.Email, u.Name); err != nil {
		return err
	}
	u.PasswordHash = s.cfg.Argon2.hashPassword(next)
	u.UpdatedAt = now.UTC()
	var ch audit.Changes
	ch.Secret("password")
	return accord.Wrap(op, s.store.UpdateUser(ctx, u, true, audit.New(a, now, u.OrgID, "user.password", "user", u.ID, ch)))
}

// --- certifications

// NewCertification is the input to CreateCertification.
type NewCertification struct {
	Name       string `json:"name"`
	Number     string `json:"number"`
	ValidFrom  string `json:"valid_from"`
	ValidUntil string `json:"valid_until"`
}

// CreateCertification records a partner agent's certification.
func (s *Service) CreateCertification(ctx context.Context, now time.Time, userID accord.ID, in NewCertification) (Certification, error) {
	const op = "directory.CreateCertification"
	a, err := actor(ctx)
	if err != nil {
		return Certification{}, err
	}
	u, err := s.GetUser(ctx, now, userID)
	if err != nil {
		return Certification{}, err
	}
	if err := requireAdmin(a, op); err != nil {
		return Certification{}, err
	}
	if u.Role != accord.RolePartnerAgent {
		return Certification{}, accord.FieldError("user_id", "certifications are recorded for partner agents only")
	}
	c := Certification{ID: accord.NewID("crt"), OrgID: u.OrgID, UserID: u.ID, CreatedAt: now.UTC()}
	if c.Name, err = checkName("name", in.Name); err != nil {
		return Certification{}, err
	}
	if c.Number, err = checkName("number", in.Number); err != nil {
		return Certification{}, err
	}
	for _, d := range []struct{ field, v string }{{"valid_from", in.ValidFrom}, {"valid_until", in.ValidUntil}} {
		if _, err := time.Parse(time.DateOnly, d.v); err != nil {
			return Certification{}, accord.FieldError(d.field, "must be a date as YYYY-MM-DD")
		}
	}
	if in.ValidUntil < in.ValidFrom {
		return Certification{}, accord.FieldError("valid_until", "must not be before valid_from")
	}
	c.ValidFrom, c.ValidUntil = in.ValidFrom, in.ValidUntil
	var ch audit.Changes
	ch.Add("name", nil, c.Name)
	ch.Add("number", nil, c.Number)
	ch.Add("valid_from", nil, c.ValidFrom)
	ch.Add("valid_until", nil, c.ValidUntil)
	if err := s.store.CreateCertification(ctx, c, audit.New(a, now, c.OrgID, "certification.create", "certification", c.ID, ch)); err != nil {
		return Certification{}, accord.Wrap(op, err)
	}
	return c, nil
}

// ListCertifications lists a user's certifications.
func (s *Service) ListCertifications(ctx context.Context, now time.Time, userID accord.ID) ([]Certification, error) {
	scope, err := s.Scope(ctx, now)
	if err != nil {
		return nil, err
	}
	if _, err := s.store.GetUser(ctx, scope, userID); err != nil {
		return nil, err
	}
	return s.store.ListCertifications(ctx, scope, userID)
}

// DeleteCertification removes a certification recorded in error.
func (s *Service) DeleteCertification(ctx context.Context, now time.Time, id accord.ID) error {
	a, err := actor(ctx)
	if err != nil {
		return err
	}
	if err := requireAdmin(a, "directory.DeleteCertification"); err != nil {
		return err
	}
	return s.store.DeleteCertification(ctx, accord.Scope{All: true}, id, audit.New(a, now, "", "certification.delete", "certification", id, nil))
}
