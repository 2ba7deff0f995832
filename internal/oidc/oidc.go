// Package oidc is Accord's OpenID Connect relying party: it sends a browser
// to an organization's identity provider (authorization code flow with PKCE
// S256, state and nonce) and verifies what comes back (the code exchanged
// at the token endpoint, the ID token's signature with the provider's keys,
// issuer, audience, expiry and nonce) with github.com/coreos/go-oidc and
// golang.org/x/oauth2. The rules of who may sign in stay in the directory.
package oidc

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"time"

	gooidc "github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"accord/internal/directory"
)

// Client talks to identity providers. The zero value is not usable; make
// one with New.
type Client struct {
	http *http.Client
	now  func() time.Time

	mu sync.Mutex
	// providers caches each issuer's discovery document and key set (the
	// key set refreshes itself when a token names an unknown key).
	providers map[string]*gooidc.Provider
}

// New returns a client using hc (nil: a client with a 30-second timeout)
// and now as the clock ID tokens' expiry is checked against.
func New(hc *http.Client, now func() time.Time) *Client {
	if hc == nil {
		hc = &http.Client{Timeout: 30 * time.Second}
	}
	if now == nil {
		now = time.Now
	}
	return &Client{http: hc, now: now, providers: map[string]*gooidc.Provider{}}
}

func (c *Client) provider(ctx context.Context, issuer string) (*gooidc.Provider, error) {
	c.mu.Lock()
	p, ok := c.providers[issuer]
	c.mu.Unlock()
	if ok {
		return p, nil
	}
	// The provider keeps the context for fetching keys later: it must
	// outlive this request.
	p, err := gooidc.NewProvider(gooidc.ClientContext(context.WithoutCancel(ctx), c.http), issuer)
	if err != nil {
		return nil, fmt.Errorf("discover %s: %w", issuer, err)
	}
	c.mu.Lock()
	c.providers[issuer] = p
	c.mu.Unlock()
	return p, nil
}

func (c *Client) config(ctx context.Context, ip directory.IdentityProvider, redirect string) (*gooidc.Provider, oauth2.Config, error) {
	p, err := c.provider(ctx, ip.Issuer)
	if err != nil {
		return nil, oauth2.Config{}, err
	}
	return p, oauth2.Config{ClientID: ip.ClientID, ClientSecret: ip.ClientSecret, Endpoint: p.Endpoint(),
		RedirectURL: redirect, Scopes: ip.Scopes}, nil
}

// AuthURL is where to send the browser to sign in with st's provider; the
// provider answers at redirect.
func (c *Client) AuthURL(ctx context.Context, st directory.SSOStart, redirect, loginHint string) (string, error) {
	_, cfg, err := c.config(ctx, st.Provider, redirect)
	if err != nil {
		return "", err
	}
	return cfg.AuthCodeURL(st.State, gooidc.Nonce(st.Nonce), oauth2.S256ChallengeOption(st.Verifier),
		oauth2.SetAuthURLParam("login_hint", loginHint)), nil
}

// ErrNonce is an ID token whose nonce is not the sign-in's.
var ErrNonce = errors.New("the ID token's nonce does not match the sign-in")

// Exchange trades the authorization code for tokens and returns who the
// verified ID token names.
func (c *Client) Exchange(ctx context.Context, cb directory.SSOCallback, redirect, code string) (directory.Identity, error) {
	p, cfg, err := c.config(ctx, cb.Provider, redirect)
	if err != nil {
		return directory.Identity{}, err
	}
	tok, err := cfg.Exchange(gooidc.ClientContext(ctx, c.http), code, oauth2.VerifierOption(cb.State.Verifier))
	if err != nil {
		return directory.Identity{}, fmt.Errorf("exchange the code: %w", err)
	}
	raw, ok := tok.Extra("id_token").(string)
	if !ok || raw == "" {
		return directory.Identity{}, errors.New("the provider returned no ID token")
	}
	v := p.Verifier(&gooidc.Config{ClientID: cb.Provider.ClientID, Now: c.now})
	idt, err := v.Verify(gooidc.ClientContext(ctx, c.http), raw)
	if err != nil {
		return directory.Identity{}, fmt.Errorf("verify the ID token: %w", err)
	}
	if idt.Nonce != cb.State.Nonce {
		return directory.Identity{}, ErrNonce
	}
	var claims struct {
		Email         string `json:"email"`
		EmailVerified any    `json:"email_verified"`
	}
	if err := idt.Claims(&claims); err != nil {
		return directory.Identity{}, fmt.Errorf("read the ID token's claims: %w", err)
	}
	// Some providers send email_verified as the string "true".
	verified := claims.EmailVerified == true || claims.EmailVerified == "true"
	return directory.Identity{Subject: idt.Subject, Email: claims.Email, EmailVerified: verified}, nil
}
