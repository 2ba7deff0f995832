package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"time"
)

// runHealthcheck asks a running Accord whether it is ready (GET /readyz:
// the database answers and its schema is current) and exits 0 when it is,
// 1 when not. It is the container image's HEALTHCHECK: the image has no
// shell and no curl, and a probe written in Go reads the same ACCORD_ADDR
// the server listens on.
func runHealthcheck(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "healthcheck", "healthcheck [--addr host:port] [--timeout 5s]")
	addr := fs.String("addr", envOr(e, "ACCORD_ADDR", "127.0.0.1:8080"), "the `address` the server listens on; a wildcard host is asked on loopback (ACCORD_ADDR)")
	timeout := fs.Duration("timeout", 5*time.Second, "how long to wait for the answer")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	u, err := readyzURL(*addr)
	if err != nil {
		return usageError{fmt.Sprintf("-addr: %v", err)}
	}
	if *timeout <= 0 {
		return usageError{fmt.Sprintf("-timeout: %s is not a positive duration", *timeout)}
	}
	ctx, cancel := context.WithTimeout(ctx, *timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("not ready: %w", err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<10))
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("not ready: %s answered %s %s", u, resp.Status, strings.TrimSpace(string(body)))
	}
	fmt.Fprintf(e.stdout, "ready: %s\n", strings.TrimSpace(string(body)))
	return nil
}

// readyzURL is the /readyz URL of a server listening on addr. A server
// listening on every interface (":8080", "0.0.0.0:8080", "[::]:8080") is
// asked on the loopback address of the same family.
func readyzURL(addr string) (string, error) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return "", err
	}
	switch host {
	case "", "0.0.0.0":
		host = "127.0.0.1"
	case "::":
		host = "::1"
	}
	return "http://" + net.JoinHostPort(host, port) + "/readyz", nil
}
