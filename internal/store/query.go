package store

import (
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"accord/internal/accord"
)

// where builds a WHERE clause whose conditions are written with "?" and
// numbered into $1..$n here, so that optional filters compose without
// counting placeholders by hand.
type where struct {
	conds []string
	args  []any
}

func (w *where) add(cond string, vals ...any) {
	var b strings.Builder
	for _, r := range cond {
		if r == '?' {
			w.args = append(w.args, vals[0])
			vals = vals[1:]
			b.WriteString("$" + strconv.Itoa(len(w.args)))
			continue
		}
		b.WriteRune(r)
	}
	w.conds = append(w.conds, b.String())
}

// scope restricts col to the organizations in s.
func (w *where) scope(col string, s accord.Scope) {
	if s.All {
		return
	}
	if len(s.Orgs) == 0 {
		w.conds = append(w.conds, "1 = 0")
		return
	}
	w.conds = append(w.conds, col+" IN "+inList(len(w.args)+1, len(s.Orgs)))
	for _, o := range s.Orgs {
		w.args = append(w.args, o)
	}
}

// after continues a list sorted by (keyCol, idCol) past the cursor.
func (w *where) after(keyCol, idCol string, c accord.Cursor) {
	if c.ID == "" {
		return
	}
	w.add("("+keyCol+" > ? OR ("+keyCol+" = ? AND "+idCol+" > ?))", c.Key, c.Key, c.ID)
}

// before continues a list sorted by (keyCol, idCol) descending.
func (w *where) before(keyCol, idCol string, c accord.Cursor) {
	if c.ID == "" {
		return
	}
	w.add("("+keyCol+" < ? OR ("+keyCol+" = ? AND "+idCol+" < ?))", c.Key, c.Key, c.ID)
}

// beforeTime continues a list sorted newest first by (col, idCol), whose
// cursors were made by timeCursor.
func (w *where) beforeTime(col, idCol string, c accord.Cursor) error {
	if c.ID == "" {
		return nil
	}
	at, err := time.Parse(time.RFC3339Nano, c.Key)
	if err != nil {
		return accord.FieldError("cursor", "is not a cursor this server issued")
	}
	// The leading "col <= ?" repeats what the OR implies: PostgreSQL bounds
	// the index scan by it, where it would otherwise filter every row
	// before the cursor, so that a page deep in a list (an export's
	// thousandth) read all the rows before it.
	w.add("("+col+" <= ? AND ("+col+" < ? OR ("+col+" = ? AND "+idCol+" < ?)))", at, at, at, c.ID)
	return nil
}

// timeCursor is the cursor after a row of a list sorted by time and id.
func timeCursor(t time.Time, id accord.ID) accord.Cursor {
	return accord.Cursor{Key: t.UTC().Format(time.RFC3339Nano), ID: id}
}

func (w *where) String() string {
	if len(w.conds) == 0 {
		return ""
	}
	return " WHERE " + strings.Join(w.conds, " AND ")
}

// limit appends a LIMIT one past the page, so that the caller knows whether
// another page follows.
func (w *where) limit(p accord.Page) string {
	w.args = append(w.args, p.Limit+1)
	return " LIMIT $" + strconv.Itoa(len(w.args))
}

// page trims rows to the page and returns the cursor of the next one.
func page[T any](rows []T, p accord.Page, cursor func(T) accord.Cursor) ([]T, string) {
	if len(rows) <= p.Limit {
		return rows, ""
	}
	rows = rows[:p.Limit]
	return rows, cursor(rows[len(rows)-1]).Encode()
}

// oneRow scans a single row; no row is NotFound, naming what was sought.
func oneRow[T any](scan func(interface{ Scan(...any) error }) (T, error), row *sql.Row, what string) (T, error) {
	v, err := scan(row)
	if errors.Is(err, sql.ErrNoRows) {
		return v, notFound(what)
	}
	if err != nil {
		return v, fmt.Errorf("get %s: %w", what, err)
	}
	return v, nil
}
