package main

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"time"

	"accord/internal/accord"
	"accord/internal/directory"
)

// runAdmin holds the administrative commands that must work without the web
// interface: creating the first administrator, recovering a lost password,
// and letting a user slowed down by failed sign-ins in at once.
func runAdmin(ctx context.Context, e *env, args []string) error {
	return runGroup(ctx, e, "admin", []subcommand{
		{"create-user", "create a user; the first one creates the vendor", adminCreateUser},
		{"reset-password", "set a user's password and end their sessions", adminResetPassword},
		{"unlock", "let an account's slowed-down sign-in addresses try again at once", adminUnlock},
	}, args)
}

func adminCreateUser(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "admin create-user", "admin create-user -email ana@example.com -name 'Ana Lima' [flags]")
	var db dbFlags
	db.register(fs, e)
	var in directory.NewUser
	fs.StringVar(&in.Email, "email", "", "e-mail address (required)")
	fs.StringVar(&in.Name, "name", "", "full name (required)")
	role := fs.String("role", "admin", "role: admin, agent, auditor, partner_agent, customer_contact")
	org := fs.String("org", "", "organization id or exact name; default: the vendor (created as -vendor-name if none exists)")
	vendorName := fs.String("vendor-name", "Vendor", "name of the vendor organization to create when the database has none")
	fs.StringVar(&in.Locale, "locale", "en-US", "locale: en-US, pt-BR, es-ES")
	fs.StringVar(&in.TimeZone, "time-zone", "UTC", "IANA time zone")
	fs.BoolVar(&in.AuthorizedContact, "authorized-contact", false, "customer contacts: may open cases")
	fs.BoolVar(&in.CustomerAdmin, "customer-admin", false, "customer contacts: administers the customer's contacts")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if in.Email == "" || in.Name == "" {
		return usageError{"-email and -name are required"}
	}
	in.Role = accord.Role(*role)
	d, err := db.openMigrated(ctx, slog.New(slog.DiscardHandler))
	if err != nil {
		return err
	}
	defer d.Close()
	svc := newServices(d)
	ctx = accord.WithActor(ctx, accord.SystemActor("accord admin"))
	now := time.Now()
	if in.OrgID, err = resolveOrg(ctx, svc, now, *org, *vendorName); err != nil {
		return err
	}
	pw, generated, err := readPassword(e)
	if err != nil {
		return err
	}
	in.Password = pw
	u, err := svc.directory.CreateUser(ctx, now, in)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "created %s %s <%s> (%s)\n", u.Role, u.Name, u.Email, u.ID)
	if generated {
		fmt.Fprintf(e.stdout, "password: %s\n", pw)
	}
	return nil
}

// resolveOrg finds the organization named by ref (an id or an exact name),
// or the vendor, creating it on an empty database.
func resolveOrg(ctx context.Context, svc *services, now time.Time, ref, vendorName string) (accord.ID, error) {
	if ref != "" && accord.ValidID(ref) {
		o, err := svc.directory.GetOrganization(ctx, now, accord.ID(ref))
		return o.ID, err
	}
	var f directory.OrgFilter
	if ref == "" {
		k := directory.KindVendor
		f.Kind = &k
	}
	for p := (accord.Page{Limit: accord.MaxLimit}); ; {
		orgs, next, err := svc.directory.ListOrganizations(ctx, now, f, p)
		if err != nil {
			return "", err
		}
		for _, o := range orgs {
			if ref == "" || strings.EqualFold(o.Name, ref) {
				return o.ID, nil
			}
		}
		if next == "" {
			break
		}
		p.Cursor = next
	}
	if ref != "" {
		return "", fmt.Errorf("no organization named %q", ref)
	}
	o, err := svc.directory.CreateOrganization(ctx, now, directory.NewOrganization{Kind: directory.KindVendor, Name: vendorName})
	return o.ID, err
}

// readPassword takes a password from ACCORD_ADMIN_PASSWORD or the first line
// of standard input; with neither, it makes one up and says so.
func readPassword(e *env) (pw string, generated bool, err error) {
	if pw = e.getenv("ACCORD_ADMIN_PASSWORD"); pw != "" {
		return pw, false, nil
	}
	if e.stdin != nil {
		line, err := bufio.NewReader(e.stdin).ReadString('\n')
		if pw = strings.TrimRight(line, "\r\n"); pw != "" {
			return pw, false, nil
		}
		if err != nil && !errors.Is(err, io.EOF) {
			return "", false, fmt.Errorf("read password: %w", err)
		}
	}
	b := make([]byte, 15)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b), true, nil
}

// adminOnUser runs do as Accord itself on the user that -email names, for
// the commands that act on one existing account.
func adminOnUser(ctx context.Context, e *env, name, usage string, args []string, do func(ctx context.Context, svc *services, now time.Time, u directory.User) error) error {
	fs := newFlags(e, name, usage)
	var db dbFlags
	db.register(fs, e)
	email := fs.String("email", "", "the user's e-mail address (required)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *email == "" {
		return usageError{"-email is required"}
	}
	d, err := db.openMigrated(ctx, slog.New(slog.DiscardHandler))
	if err != nil {
		return err
	}
	defer d.Close()
	svc := newServices(d)
	ctx = accord.WithActor(ctx, accord.SystemActor("accord admin"))
	now := time.Now()
	u, err := svc.directory.UserByEmail(ctx, now, *email)
	if err != nil {
		return err
	}
	return do(ctx, svc, now, u)
}

func adminResetPassword(ctx context.Context, e *env, args []string) error {
	return adminOnUser(ctx, e, "admin reset-password", "admin reset-password -email ana@example.com [flags] (new password from ACCORD_ADMIN_PASSWORD, stdin, or generated)", args,
		func(ctx context.Context, svc *services, now time.Time, u directory.User) error {
			pw, generated, err := readPassword(e)
			if err != nil {
				return err
			}
			if err := svc.directory.SetPassword(ctx, now, u.ID, "", pw); err != nil {
				return err
			}
			fmt.Fprintf(e.stdout, "password reset for %s; their sessions have ended\n", u.Email)
			if generated {
				fmt.Fprintf(e.stdout, "password: %s\n", pw)
			}
			return nil
		})
}

// adminUnlock forgets the failed sign-ins on a user's account, so that every
// client address slowed down on it may try again at once.
func adminUnlock(ctx context.Context, e *env, args []string) error {
	return adminOnUser(ctx, e, "admin unlock", "admin unlock -email ana@example.com [flags]", args,
		func(ctx context.Context, svc *services, now time.Time, u directory.User) error {
			n, err := svc.directory.Unlock(ctx, now, u.ID)
			if err != nil {
				return err
			}
			fmt.Fprintf(e.stdout, "unlocked %s: %d address(es) slowed down by failed sign-ins may try again at once\n", u.Email, n)
			return nil
		})
}
