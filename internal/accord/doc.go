// Package accord is the shared kernel every other package may import: the one
// error type and its kinds, the acting user (Actor) carried in a context, the
// roles, and the rules every input obeys whatever its path (text without
// control characters, instants in years 1900 to 9999). It uses the standard
// library only.
//
// Invariants: an Error always has a Kind; a record of another tenant is
// reported as NotFound, never as Forbidden, so that ids leak nothing.
package accord
