package accord

import (
	"encoding/base64"
	"encoding/json"
)

// Page asks for one page of a list: at most Limit items after Cursor.
type Page struct {
	Limit  int
	Cursor string // opaque, from a previous List's Next
}

const (
	DefaultLimit = 50
	MaxLimit     = 500
)

// Normalize clamps Limit into [1, MaxLimit], defaulting to DefaultLimit.
func (p Page) Normalize() Page {
	if p.Limit <= 0 {
		p.Limit = DefaultLimit
	}
	if p.Limit > MaxLimit {
		p.Limit = MaxLimit
	}
	return p
}

// Cursor is the position after the last item of a page: the sort key and
// the id that breaks ties.
type Cursor struct {
	Key string `json:"k"`
	ID  ID     `json:"i"`
}

// Encode returns the opaque form of c.
func (c Cursor) Encode() string {
	b, _ := json.Marshal(c)
	return base64.RawURLEncoding.EncodeToString(b)
}

// DecodeCursor reads an opaque cursor; "" is the start of the list.
func DecodeCursor(s string) (Cursor, error) {
	var c Cursor
	if s == "" {
		return c, nil
	}
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err == nil {
		err = json.Unmarshal(b, &c)
	}
	// A cursor is echoed into queries: text the engines would store or
	// compare differently (a NUL) is no cursor this server issued either.
	if err != nil || c.ID == "" || TextProblem(c.Key) != "" || TextProblem(string(c.ID)) != "" {
		return Cursor{}, FieldError("cursor", "is not a cursor this server issued")
	}
	return c, nil
}
