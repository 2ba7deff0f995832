package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5/pgconn"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"accord/internal/accord"
	"accord/internal/audit"
	"accord/internal/cases"
	"accord/internal/kb"
)

// The places where SQLite and PostgreSQL differ, named once.

// forUpdate locks the selected rows on PostgreSQL. SQLite needs nothing: its
// immediate transactions already hold the one write lock.
func (db *DB) forUpdate() string {
	if db.engine == Postgres {
		return " FOR UPDATE"
	}
	return ""
}

// forChange locks a row the transaction will update without changing its
// keys. PostgreSQL's FOR NO KEY UPDATE excludes other writers of the row as
// FOR UPDATE does, but lets other transactions insert rows that refer to it
// (a case opened with it as parent), which FOR UPDATE would make wait, and
// could deadlock against the case-number lock. SQLite needs nothing.
func (db *DB) forChange() string {
	if db.engine == Postgres {
		return " FOR NO KEY UPDATE"
	}
	return ""
}

// tableExists asks each engine's catalog whether a table exists.
func (db *DB) tableExists(ctx context.Context, name string) (bool, error) {
	q := `SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = $1`
	if db.engine == Postgres {
		q = `SELECT count(*) FROM information_schema.tables WHERE table_schema = current_schema() AND table_name = $1`
	}
	var n int
	if err := db.sql.QueryRowContext(ctx, q, name).Scan(&n); err != nil {
		return false, fmt.Errorf("look up table %s: %w", name, err)
	}
	return n > 0, nil
}

// inList returns "($n, $n+1, ...)" for k values starting at placeholder n.
// It is used instead of PostgreSQL's "= ANY($n)", which SQLite lacks.
func inList(n, k int) string {
	var b strings.Builder
	b.WriteByte('(')
	for i := range k {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteByte('$')
		b.WriteString(strconv.Itoa(n + i))
	}
	b.WriteByte(')')
	return b.String()
}

// constraintKind classifies a driver error by its code: which constraint, if
// any, the statement violated.
type constraintKind int

const (
	noConstraint constraintKind = iota
	uniqueViolation
	foreignKeyViolation
	checkViolation
)

func constraintOf(err error) constraintKind {
	var pg *pgconn.PgError
	if errors.As(err, &pg) {
		switch pg.Code {
		case "23505":
			return uniqueViolation
		case "23503":
			return foreignKeyViolation
		case "23514", "23502":
			return checkViolation
		}
		return noConstraint
	}
	var lite *sqlite.Error
	if errors.As(err, &lite) {
		switch lite.Code() {
		case sqlite3.SQLITE_CONSTRAINT_UNIQUE, sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY:
			return uniqueViolation
		case sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY:
			return foreignKeyViolation
		case sqlite3.SQLITE_CONSTRAINT_CHECK, sqlite3.SQLITE_CONSTRAINT_NOTNULL:
			return checkViolation
		}
	}
	return noConstraint
}

// mapErr turns constraint violations into domain errors; other errors pass
// through wrapped as they are (and become Internal at the edge).
func (db *DB) mapErr(err error) error {
	switch constraintOf(err) {
	case uniqueViolation:
		return &accord.Error{Kind: accord.Conflict, Msg: "already exists", Err: err}
	case foreignKeyViolation:
		return &accord.Error{Kind: accord.Invalid, Msg: "refers to a record that does not exist", Err: err}
	case checkViolation:
		return &accord.Error{Kind: accord.Invalid, Msg: "breaks a rule of the database", Err: err}
	}
	return err
}

// skipLocked ends a SELECT of rows to claim: on PostgreSQL it locks them and
// passes over rows another transaction holds, so concurrent claimers take
// different rows without waiting; SQLite has one writer and needs nothing.
func (db *DB) skipLocked() string {
	if db.engine == Postgres {
		return " FOR UPDATE SKIP LOCKED"
	}
	return ""
}

// indexCase writes a case's search documents: the public one (title,
// description, details, public replies) and its internal notes.
// PostgreSQL keeps them as 'simple' tsvectors in cases.search (public) and
// cases.search_all (public and notes); SQLite in the FTS5 table
// case_search, columns body and notes, whose rowid is the case's number.
func (db *DB) indexCase(ctx context.Context, tx *sql.Tx, id accord.ID, number int64, public, notes string) error {
	if db.engine == Postgres {
		_, err := tx.ExecContext(ctx, `UPDATE cases SET search = to_tsvector('simple', $1),
			search_all = to_tsvector('simple', $1) || to_tsvector('simple', $2) WHERE id = $3`, public, notes, id)
		return err
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM case_search WHERE rowid = $1`, number); err != nil {
		return err
	}
	_, err := tx.ExecContext(ctx, `INSERT INTO case_search (rowid, body, notes) VALUES ($1, $2, $3)`, number, public, notes)
	return err
}

// insertCase numbers a new case and writes its row and search documents,
// returning the number.
//
// PostgreSQL takes the number from the case_numbers sequence, which holds
// no lock past the call: two openings never wait on each other for a
// number, and one that rolls back leaves a gap. SQLite runs one writer at a
// time, so the highest number plus one, read in the opening's transaction,
// is taken without a race and without gaps (docs/cases.md, "Case
// numbers"). Either is taken in the INSERT itself, one round trip fewer.
//
// PostgreSQL computes the tsvectors in the INSERT too, so that the row is
// written once rather than inserted and then updated with a second version
// in every index; SQLite adds the FTS5 row.
func (db *DB) insertCase(ctx context.Context, tx *sql.Tx, c cases.Case, public, notes string) (int64, error) {
	vals, err := caseValues(c)
	if err != nil {
		return 0, err
	}
	args := append([]any{c.ID, c.OrgID, c.CreatedAt.UTC()}, vals...)
	n := len(args)
	values := strings.TrimPrefix(inList(3, n-2), "(") // created_at onwards
	number, search := `(SELECT COALESCE(MAX(number), 0) + 1 FROM cases)`, ""
	if db.engine == Postgres {
		number = `nextval('case_numbers')`
		values = strings.TrimSuffix(values, ")") + fmt.Sprintf(`, to_tsvector('simple', $%d), to_tsvector('simple', $%d) || to_tsvector('simple', $%d))`, n+1, n+1, n+2)
		search = ", search, search_all"
		args = append(args, public, notes)
	}
	q := `INSERT INTO cases (` + caseColumns + search + `) VALUES ($1, $2, ` + number + `, ` + values + ` RETURNING number`
	if err := tx.QueryRowContext(ctx, q, args...).Scan(&c.Number); err != nil {
		return 0, db.mapErr(fmt.Errorf("insert case: %w", err))
	}
	if db.engine == Postgres {
		return c.Number, nil
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO case_search (rowid, body, notes) VALUES ($1, $2, $3)`, c.Number, public, notes); err != nil {
		return 0, fmt.Errorf("index case: %w", err)
	}
	return c.Number, nil
}

// writeChain writes sealed events of one organization, in chain order, and
// moves its head to the last. PostgreSQL does both in one statement (a
// data-modifying WITH), so that the head, locked by the caller, is held
// for one round trip fewer before the commit; SQLite has no such
// statement and no concurrent writer to wait.
func (db *DB) writeChain(ctx context.Context, tx *sql.Tx, org accord.ID, events []audit.Event) error {
	const cols = 14
	var rows strings.Builder
	args := make([]any, 0, cols*len(events)+3)
	for i, ev := range events {
		changes, err := json.Marshal(ev.Changes)
		if err != nil {
			return fmt.Errorf("audit changes: %w", err)
		}
		if i > 0 {
			rows.WriteString(", ")
		}
		rows.WriteString(inList(len(args)+1, cols))
		args = append(args, ev.OrgID, ev.Seq, ev.ID, ev.At, ev.ActorID, ev.ActorName, ev.ActorOrgID, ev.Action, ev.EntityType, ev.EntityID,
			string(changes), ev.RequestID, ev.PrevHash, ev.Hash)
	}
	last := events[len(events)-1]
	insert := `INSERT INTO audit_events (` + eventColumns + `) VALUES ` + rows.String()
	head := func(n int) string {
		return fmt.Sprintf(`UPDATE audit_heads SET seq = $%d, hash = $%d WHERE org_id = $%d`, n, n+1, n+2)
	}
	if db.engine == Postgres {
		args = append(args, last.Seq, last.Hash, org)
		if _, err := tx.ExecContext(ctx, `WITH written AS (`+insert+`) `+head(len(args)-2), args...); err != nil {
			return fmt.Errorf("audit event: %w", err)
		}
		return nil
	}
	if _, err := tx.ExecContext(ctx, insert, args...); err != nil {
		return fmt.Errorf("audit event: %w", err)
	}
	if _, err := tx.ExecContext(ctx, head(1), last.Seq, last.Hash, org); err != nil {
		return fmt.Errorf("audit head: %w", err)
	}
	return nil
}

// matchCases restricts w (over the cases table, unaliased) to the cases
// whose document has every word: the public document, or with notes the
// public one and the internal notes together. Words are what searchWords
// keeps; none means no condition. On SQLite each word is quoted as an FTS5
// string, so that nothing a person types is FTS5 syntax (OR, NEAR,
// parentheses, quotes, column filters); PostgreSQL's plainto_tsquery has
// no syntax.
func (db *DB) matchCases(w *where, words []string, notes bool) {
	if len(words) == 0 {
		return
	}
	if db.engine == Postgres {
		col := "search"
		if notes {
			col = "search_all"
		}
		w.add(col+" @@ plainto_tsquery('simple', ?)", strings.Join(words, " "))
		return
	}
	quoted := make([]string, len(words))
	for i, word := range words {
		quoted[i] = `"` + strings.ReplaceAll(word, `"`, `""`) + `"`
	}
	q := strings.Join(quoted, " ")
	if !notes {
		q = "body : (" + q + ")"
	}
	w.add("number IN (SELECT rowid FROM case_search WHERE case_search MATCH ?)", q)
}

// commonWords reports whether each of words is in at least one in
// searchWindow of the cases, by PostgreSQL's statistics of the search
// column (a word outside its most common elements is rarer): only then can
// the newest cases fill a page of a search (listKeyed). The statistics are
// right for each word; it is the words together that PostgreSQL misjudges.
// SQLite keeps no such statistics, and searches as it always has.
func (db *DB) commonWords(ctx context.Context, words []string, notes bool) (bool, error) {
	if db.engine != Postgres {
		return false, nil
	}
	col := "search"
	if notes {
		col = "search_all"
	}
	var least float64
	err := db.sql.QueryRowContext(ctx, `SELECT coalesce(min(coalesce(s.f, 0)), 0)
		FROM unnest(tsvector_to_array(to_tsvector('simple', $1))) w(x)
		LEFT JOIN (SELECT e, f FROM pg_stats, unnest(most_common_elems::text::text[], most_common_elem_freqs) u(e, f)
			WHERE schemaname = current_schema() AND tablename = 'cases' AND attname = $2) s ON s.e = w.x`,
		strings.Join(words, " "), col).Scan(&least)
	if err != nil {
		return false, fmt.Errorf("search statistics: %w", err)
	}
	return least*searchWindow >= 1, nil
}

// bytewise makes a text comparison follow the bytes of UTF-8, as SQLite
// compares by default, rather than PostgreSQL's locale: the engines then
// sort names alike.
func (db *DB) bytewise() string {
	if db.engine == Postgres {
		return ` COLLATE "C"`
	}
	return ""
}

// maxRowFile is the largest attachment SQLite keeps inside the database;
// larger ones go to the data directory. PostgreSQL keeps every file in its
// row, because several processes share the database and no disk.
const maxRowFile = 64 << 10

// fileInRow reports whether an attachment of n bytes is kept in its row.
func (db *DB) fileInRow(n int) bool { return db.engine == Postgres || n <= maxRowFile }

// kbConfig is the PostgreSQL text-search configuration of each article
// language: its Snowball stemmer.
var kbConfig = map[string]string{"en-US": "english", "pt-BR": "portuguese", "es-ES": "spanish"}

// indexArticle writes an article's search document: its title and body
// folded in Go (kb.Document). PostgreSQL keeps them in kb_articles.search
// as 'simple' words, which prefix queries match, and as the words of the
// article's language stemmed by its configuration; SQLite in the FTS5 table
// kb_search.
func (db *DB) indexArticle(ctx context.Context, tx *sql.Tx, a kb.Article) error {
	title, body := kb.Document(a.Title, a.Body)
	if db.engine == Postgres {
		_, err := tx.ExecContext(ctx, `UPDATE kb_articles SET search =
			setweight(to_tsvector('simple', $1), 'A') || setweight(to_tsvector('simple', $2), 'B') ||
			setweight(to_tsvector($3::regconfig, $1), 'A') || setweight(to_tsvector($3::regconfig, $2), 'B') WHERE id = $4`,
			title, body, kbConfig[a.Lang], a.ID)
		return err
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM kb_search WHERE article_id = $1`, a.ID); err != nil {
		return err
	}
	_, err := tx.ExecContext(ctx, `INSERT INTO kb_search (article_id, title, body) VALUES ($1, $2, $3)`, a.ID, title, body)
	return err
}

// matchArticles restricts w (over kb_articles aliased a) to the articles
// with a word starting with each term, or with any, any (kb.Terms: folded letters and
// digits only, so nothing in them is query syntax), and returns the FROM
// clause and the rank expression, higher better. PostgreSQL matches the
// 'simple' words by prefix, or the stemmed ones through the language's
// configuration, ranked by ts_rank; SQLite matches FTS5 prefix queries,
// ranked by bm25 with the title five times the body.
func (db *DB) matchArticles(w *where, terms []string, any bool) (from, rank string) {
	and, or := " & ", " | "
	if db.engine == SQLite {
		and, or = " ", " OR "
	}
	join := and
	if any {
		join = or
	}
	if db.engine == Postgres {
		prefixes := make([]string, len(terms))
		for i, t := range terms {
			prefixes[i] = t + ":*"
		}
		// The rank repeats the condition's query by its placeholders'
		// numbers, which both drivers bind by number.
		n := len(w.args)
		lang := `(CASE a.lang WHEN 'pt-BR' THEN 'portuguese' WHEN 'es-ES' THEN 'spanish' ELSE 'english' END)::regconfig`
		w.add("a.search @@ (to_tsquery('simple', ?) || to_tsquery("+lang+", ?))", strings.Join(prefixes, join), strings.Join(terms, join))
		q := fmt.Sprintf("(to_tsquery('simple', $%d) || to_tsquery(%s, $%d))", n+1, lang, n+2)
		return " FROM kb_articles a", "ts_rank(a.search, " + q + ")::float8"
	}
	quoted := make([]string, len(terms))
	for i, t := range terms {
		quoted[i] = `"` + t + `"*`
	}
	w.add("kb_search MATCH ?", strings.Join(quoted, join))
	return " FROM kb_articles a JOIN kb_search ON kb_search.article_id = a.id", "-bm25(kb_search, 0.0, 5.0, 1.0)"
}
