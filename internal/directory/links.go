package directory

import (
	"context"
	"time"

	"accord/internal/accord"
	"accord/internal/audit"
)

// Purpose is what a single-use link lets the person who holds it do.
type Purpose string

const (
	// Invitation lets a user who has never had a password choose one: the
	// first access of a person the vendor authorized.
	Invitation Purpose = "invitation"
	// PasswordReset lets an active user choose a new password.
	PasswordReset Purpose = "password_reset"
)

// Link is a single-use link mailed to a user. Its token is minted when the
// mail is delivered and exists only in that mail: the database keeps its
// SHA-256. A user has at most one link of each purpose; a newer one
// replaces it, and using one, setting a password or deactivating the user
// ends all of them.
type Link struct {
	ID        accord.ID // the topic of its letter
	OrgID     accord.ID
	UserID    accord.ID
	Purpose   Purpose
	CreatedAt time.Time
	ExpiresAt time.Time
	Hash      string // of the token; "" until the letter is delivered
}

// LinkJob is the kind of the job that mails a new link; its subject is the
// link's id.
const LinkJob = "user.link"

// The kinds of the letters that carry links (their templates' names).
const (
	InvitationLetter = "user.invitation"
	ResetLetter      = "user.password_reset"
)

// letterOf and pathOf pair each purpose with its letter and its page.
var (
	letterOf = map[Purpose]string{Invitation: InvitationLetter, PasswordReset: ResetLetter}
	pathOf   = map[Purpose]string{Invitation: "/invite/", PasswordReset: "/reset/"}
)

// LinkLetter is what the mail of a link says: the kind of letter, its
// topic (the link's id, so that a job that posts twice mails once), the
// recipient and the facts its templates show.
type LinkLetter struct {
	Kind   string
	Topic  string
	OrgID  accord.ID
	UserID accord.ID
	Facts  map[string]any
}

func (c Config) lifeOf(p Purpose) time.Duration {
	if p == Invitation {
		return c.InvitationLife
	}
	return c.ResetLife
}

// Invite mails a user a link to choose a first password, replacing any
// invitation sent before. Vendor administrators invite (and rules of other
// services acting for the system, such as an authorized contact's
// activation); only an active user who has no password yet can be
// invited.
func (s *Service) Invite(ctx context.Context, now time.Time, id accord.ID) error {
	const op = "directory.Invite"
	a, err := actor(ctx)
	if err != nil {
		return err
	}
	u, err := s.userForChange(ctx, now, id)
	if err != nil {
		return err
	}
	if err := requireAdmin(a, op); err != nil {
		return err
	}
	if err := invitable(u); err != nil {
		return err
	}
	l := s.newLink(u, Invitation, now)
	ch := audit.Changes{{Field: "expires_at", After: l.ExpiresAt}}
	return accord.Wrap(op, s.store.CreateLink(ctx, l, audit.New(a, now, u.OrgID, "user.invite", "user", u.ID, ch)))
}

// invitable says why u cannot be invited, if it cannot.
func invitable(u User) error {
	switch {
	case !u.Active:
		return &accord.Error{Kind: accord.Conflict, Msg: "the account is inactive; activate it before inviting its user"}
	case u.PasswordHash != "":
		return &accord.Error{Kind: accord.Conflict, Msg: "the user has a password already; they can ask for a password reset"}
	}
	return nil
}

func (s *Service) newLink(u User, p Purpose, now time.Time) Link {
	now = now.UTC()
	return Link{ID: accord.NewID("lnk"), OrgID: u.OrgID, UserID: u.ID, Purpose: p, CreatedAt: now, ExpiresAt: now.Add(s.cfg.lifeOf(p))}
}

// RequestReset mails a link to choose a new password to the active user
// who has the address, if there is one. Its answer and its work are the
// same whether or not anyone has the address, so that nobody learns which
// addresses have accounts: the store runs the same statements either way,
// and the mail job finds out. Requests are limited per client address like
// failed sign-ins.
func (s *Service) RequestReset(ctx context.Context, now time.Time, email, address string) error {
	const op = "directory.RequestReset"
	email, err := checkEmail(email)
	if err != nil {
		return err
	}
	now = now.UTC()
	key := "reset:" + address
	n, start, err := s.store.RecordLoginAttempt(ctx, key, now, now.Add(-s.cfg.Window))
	if err != nil {
		return accord.Wrap(op, err)
	}
	if n > s.cfg.ResetRequests {
		return tooMany(start.Add(s.cfg.Window).Sub(now))
	}
	l := Link{ID: accord.NewID("lnk"), Purpose: PasswordReset, CreatedAt: now, ExpiresAt: now.Add(s.cfg.ResetLife)}
	return accord.Wrap(op, s.store.RequestReset(ctx, EmailKey(email), l))
}

// LinkLetter says what to mail about a link, for the job that posts it;
// ok is false when the link is gone (replaced, used or expired).
func (s *Service) LinkLetter(ctx context.Context, now time.Time, id accord.ID) (LinkLetter, bool, error) {
	l, err := s.store.Link(ctx, id)
	if accord.IsKind(err, accord.NotFound) || (err == nil && !now.Before(l.ExpiresAt)) {
		return LinkLetter{}, false, nil
	}
	if err != nil {
		return LinkLetter{}, false, accord.Wrap("directory.LinkLetter", err)
	}
	facts := map[string]any{"expires_at": l.ExpiresAt}
	if l.Purpose == Invitation {
		org, err := s.store.GetOrganization(ctx, accord.Scope{All: true}, l.OrgID)
		if err != nil {
			return LinkLetter{}, false, accord.Wrap("directory.LinkLetter", err)
		}
		facts["organization"] = org.Name
	}
	return LinkLetter{Kind: letterOf[l.Purpose], Topic: string(l.ID), OrgID: l.OrgID, UserID: l.UserID, Facts: facts}, true, nil
}

// MintLink makes the token of a link as its letter is delivered and
// returns the path the letter points to, with the token. A link replaced,
// used or expired is NotFound, and one whose user no longer fits it (an
// invitee who has a password meanwhile, a deactivated user) is Conflict:
// its letter is then withdrawn. Minting again (a delivery retried) makes a
// new token and voids the old one. It provides notify.Links.
func (s *Service) MintLink(ctx context.Context, now time.Time, kind, topic string, userID accord.ID) (string, error) {
	const op = "directory.MintLink"
	token := randomSecret()
	var path string
	err := s.store.MintLink(ctx, accord.ID(topic), func(l Link, u User) (Link, error) {
		if l.UserID != userID || letterOf[l.Purpose] != kind || !now.Before(l.ExpiresAt) {
			return l, &accord.Error{Kind: accord.NotFound, Msg: "the link is gone"}
		}
		if err := fits(l, u); err != nil {
			return l, err
		}
		l.Hash, path = hashSecret(token), pathOf[l.Purpose]+token
		return l, nil
	})
	if err != nil {
		return "", accord.Wrap(op, err)
	}
	return path, nil
}

// fits says whether u may still use a link of l's purpose.
func fits(l Link, u User) error {
	if l.Purpose == Invitation {
		return invitable(u)
	}
	if !u.Active {
		return &accord.Error{Kind: accord.Conflict, Msg: "the account is inactive"}
	}
	return nil
}

// errBadLink answers every token that does not work, for whatever reason,
// in the same words.
var errBadLink = &accord.Error{Kind: accord.NotFound, Msg: "this link is unknown, used or expired; ask for a new one"}

// CheckLink says whether a token is a link of purpose p that works now,
// for the page that asks for the new password before anything is typed.
func (s *Service) CheckLink(ctx context.Context, now time.Time, p Purpose, token string) error {
	l, u, err := s.store.LinkByHash(ctx, hashSecret(token))
	if accord.IsKind(err, accord.NotFound) {
		return errBadLink
	}
	if err != nil {
		return accord.Wrap("directory.CheckLink", err)
	}
	if l.Purpose != p || !now.Before(l.ExpiresAt) || fits(l, u) != nil {
		return errBadLink
	}
	return nil
}

// UseLink sets the password of the user a link of purpose p was mailed to,
// once: the link and the user's other links end, and so do the user's
// sessions and tokens. The password follows SetPassword's rules. The user
// signs in with it afterwards.
func (s *Service) UseLink(ctx context.Context, now time.Time, p Purpose, token, password string) (User, error) {
	const op = "directory.UseLink"
	hash := hashSecret(token)
	l, u, err := s.store.LinkByHash(ctx, hash)
	if accord.IsKind(err, accord.NotFound) || (err == nil && (l.Purpose != p || !now.Before(l.ExpiresAt) || fits(l, u) != nil)) {
		return User{}, errBadLink
	}
	if err != nil {
		return User{}, accord.Wrap(op, err)
	}
	if err := checkPasswordRules("password", password, u.Email, u.Name); err != nil {
		return User{}, err
	}
	// Hashed before the transaction: argon2 takes a while, and SQLite has
	// one writer.
	pw := s.cfg.Argon2.hashPassword(password)
	u, err = s.store.UseLink(ctx, hash, func(l Link, u User) (User, audit.Event, error) {
		// Checked again under the lock: the link may have been used or
		// replaced meanwhile.
		if l.Purpose != p || !now.Before(l.ExpiresAt) || fits(l, u) != nil {
			return User{}, audit.Event{}, errBadLink
		}
		u.PasswordHash, u.UpdatedAt = pw, now.UTC()
		var ch audit.Changes
		ch.Secret("password")
		ch.Add("link", nil, string(p))
		return u, audit.New(actorOf(u, accord.RequestID(ctx)), now, u.OrgID, "user.password", "user", u.ID, ch), nil
	})
	if accord.IsKind(err, accord.NotFound) {
		return User{}, errBadLink
	}
	return u, accord.Wrap(op, err)
}
