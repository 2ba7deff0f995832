package accord

import (
	"errors"
	"fmt"
	"strings"
)

// Kind classifies an error for the caller; Status maps each to one HTTP
// status, for the API and the web pages alike.
type Kind string

const (
	Invalid         Kind = "invalid"         // the input breaks a rule; Field names it
	NotFound        Kind = "not_found"       // absent, or belongs to another tenant
	Conflict        Kind = "conflict"        // clashes with the current state (duplicate, stale)
	Forbidden       Kind = "forbidden"       // the actor's role may not do this
	Unauthenticated Kind = "unauthenticated" // no valid session or token
	Unprocessable   Kind = "unprocessable"   // well-formed, but the domain refuses it now
	TooManyRequests Kind = "too_many_requests"
	Internal        Kind = "internal"
)

// Status is the HTTP status code that answers an error of kind k. The
// numbers are written out so that this package, which every domain package
// imports, does not import net/http.
func (k Kind) Status() int {
	switch k {
	case Invalid:
		return 400
	case Unauthenticated:
		return 401
	case Forbidden:
		return 403
	case NotFound:
		return 404
	case Conflict:
		return 409
	case Unprocessable:
		return 422
	case TooManyRequests:
		return 429
	}
	return 500
}

// Error is the error every package returns for anything a caller may act on.
type Error struct {
	Kind  Kind
	Op    string // the operation, e.g. "directory.CreateUser"
	Field string // the input field at fault, as a path ("email", "hours.mon[0]")
	Msg   string // for people; safe to show to the actor
	Err   error  // the underlying cause, if any
	// Problems lists every field at fault when there are several; Field and
	// Msg then repeat the first.
	Problems []Problem
	// Details are facts a client can act on without reading Msg, such as
	// the next allowed start of a refused schedule; answered as "details".
	Details map[string]string
}

// Problem is one field at fault and the rule it broke.
type Problem struct {
	Field string `json:"field"`
	Msg   string `json:"message"`
}

// InvalidFields makes an Invalid error naming every field in ps, or returns nil
// when ps is empty.
func InvalidFields(op string, ps []Problem) error {
	if len(ps) == 0 {
		return nil
	}
	return &Error{Kind: Invalid, Op: op, Field: ps[0].Field, Msg: ps[0].Msg, Problems: ps}
}

func (e *Error) Error() string {
	var b strings.Builder
	if e.Op != "" {
		b.WriteString(e.Op)
		b.WriteString(": ")
	}
	if e.Field != "" {
		b.WriteString(e.Field)
		b.WriteString(": ")
	}
	if e.Msg != "" {
		b.WriteString(e.Msg)
	} else if e.Err == nil {
		b.WriteString(string(e.Kind))
	}
	if e.Err != nil {
		if e.Msg != "" {
			b.WriteString(": ")
		}
		b.WriteString(e.Err.Error())
	}
	return b.String()
}

func (e *Error) Unwrap() error { return e.Err }

// Errorf makes an Error of kind k with a formatted message.
func Errorf(k Kind, format string, args ...any) *Error {
	return &Error{Kind: k, Msg: fmt.Sprintf(format, args...)}
}

// FieldError makes an Invalid error that names the field and the rule it broke.
func FieldError(field, format string, args ...any) *Error {
	return &Error{Kind: Invalid, Field: field, Msg: fmt.Sprintf(format, args...)}
}

// KindOf returns the kind of the first Error in err's chain, Internal if
// there is none, and "" for nil.
func KindOf(err error) Kind {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Kind
	}
	return Internal
}

// IsKind reports whether err's kind is k.
func IsKind(err error, k Kind) bool { return KindOf(err) == k }

// Public returns the first Error in err's chain, so that its Field and Msg
// can be shown; internal causes are replaced by a generic message.
func Public(err error) *Error {
	var e *Error
	if errors.As(err, &e) && e.Kind != Internal {
		return e
	}
	return &Error{Kind: Internal, Msg: "internal error"}
}

// Wrap adds an operation name to err, keeping its kind.
func Wrap(op string, err error) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("%s: %w", op, err)
}
