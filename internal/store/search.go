package store

import (
	"cmp"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"golang.org/x/text/width"

	"rectify/internal/domain"
	"rectify/internal/text"
)

// The triage filters (Filter.Query and the filters on what an opinion was
// collected with) read columns of opinions that the projection writes beside the
// document: reading a field out of every JSON document at query time would cost
// a parse per row. The release that added them fills them in for the opinions
// already stored (fillTriageColumns), and an index serves them (triageIndex in
// dialect.go). A keyword is a substring test over every opinion the other
// filters leave; docs/performance.md has the figures that make that acceptable.

// ErrInvalidFilter is returned for a filter value the store cannot read (a date
// not written YYYY-MM-DD, an unknown kind of target), so that callers can answer
// that the request is wrong rather than that the store failed.
var ErrInvalidFilter = errors.New("invalid filter")

// triageColumns are the columns the triage filters read, in the order
// triageValues gives their values.
var triageColumns = []string{"content_folded", "channel", "collected_at", "suggested_category", "target"}

// triageValues are the values of triageColumns for an opinion: its content as the
// keyword search compares it, and the rest as written.
func triageValues(o domain.Opinion) []any {
	return []any{folded(o.Content), storable(o.Channel), storable(o.CollectedAt),
		storable(o.SuggestedCategory), storable(o.Target)}
}

// triageFill fills triageColumns in for the opinions stored before they existed.
var triageFill = &columnFill{name: "the triage columns", run: fillTriageColumns}

// storable is s as both databases keep and compare it: PostgreSQL refuses a NUL
// character and a byte that is not UTF-8, so the NUL goes and each such byte
// becomes U+FFFD (as in the opinion's JSON document). Stored values and filter
// values both pass through it, so they compare alike on either database.
func storable(s string) string {
	return strings.Map(func(r rune) rune {
		if r == 0 {
			return -1
		}
		return r
	}, s)
}

// folded is s as the keyword search compares it: storable, full-width forms of
// ASCII read as ASCII (ＷｉＦｉ as WiFi, the ideographic space as a space;
// width.Fold) and letters in lower case. Content and keyword are both folded in
// Go, so the comparison is the same on both databases whatever their locale.
func folded(s string) string {
	return strings.ToLower(width.Fold.String(storable(s)))
}

// likeLiteral escapes the characters a LIKE pattern (with ESCAPE '\') reads as
// other than themselves, so a keyword matches as written.
var likeLiteral = strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)

// keyword is the filter's keyword as cleaned text (text.Clean: blank ends
// trimmed, control characters removed); "" for none.
func (f Filter) keyword() string { return text.Clean(f.Query) }

// triaged reports whether the filter uses any of the triage filters, which
// opinion_counts does not count by.
func (f Filter) triaged() bool {
	return f.keyword() != "" || f.Channel != "" || f.SuggestedCategory != "" ||
		f.CollectedFrom != "" || f.CollectedTo != "" || f.Target != "" || f.TargetKind != ""
}

// check refuses the triage filter values the store cannot read.
func (f Filter) check() error {
	for _, d := range []struct{ name, date string }{{"collected from", f.CollectedFrom}, {"collected to", f.CollectedTo}} {
		if _, err := time.Parse(domain.DateLayout, d.date); d.date != "" && err != nil {
			return fmt.Errorf("%w: %s %q is not a date written YYYY-MM-DD", ErrInvalidFilter, d.name, d.date)
		}
	}
	switch f.TargetKind {
	case "", TargetTeam, TargetIndividual:
		return nil
	}
	return fmt.Errorf("%w: target kind %q is neither %q nor %q", ErrInvalidFilter, f.TargetKind, TargetTeam, TargetIndividual)
}

// triageConds are the conditions of the triage filters (see Filter).
func (f Filter) triageConds(p *params) []string {
	var conds []string
	if q := f.keyword(); q != "" {
		// LIKE rather than a function: PostgreSQL estimates from the column's
		// statistics how many opinions a pattern matches, and so scans for a rare
		// keyword instead of walking the whole list in order. A key is stored as
		// intake reads it: full-width letters and digits narrowed.
		conds = append(conds, "(content_folded LIKE "+p.add("%"+likeLiteral.Replace(folded(q))+"%")+` ESCAPE '\'`+
			" OR key = "+p.add(storable(width.Narrow.String(q)))+")")
	}
	if f.Channel != "" {
		conds = append(conds, "channel = "+p.add(storable(f.Channel)))
	}
	if f.SuggestedCategory != "" {
		conds = append(conds, "suggested_category = "+p.add(storable(f.SuggestedCategory)))
	}
	if f.CollectedFrom != "" || f.CollectedTo != "" {
		// Every date is on or after 0000-01-01 and "" is not: an opinion without a
		// collection date is in no range.
		conds = append(conds, "collected_at >= "+p.add(cmp.Or(f.CollectedFrom, "0000-01-01")))
		if f.CollectedTo != "" {
			conds = append(conds, "collected_at <= "+p.add(f.CollectedTo))
		}
	}
	if f.Target != "" {
		conds = append(conds, "target = "+p.add(storable(f.Target)))
	}
	switch f.TargetKind {
	case TargetTeam:
		conds = append(conds, "target = "+p.add(TargetTeam))
	case TargetIndividual: // as TargetKind reads a target
		conds = append(conds, "target NOT IN ('', "+p.add(TargetTeam)+")")
	}
	return conds
}

// columnFill writes columns added to a table for the rows already there (see
// addedColumns).
type columnFill struct {
	name string
	run  func(context.Context, *sql.Tx) error
}

// fillBatch is how many opinions fillTriageColumns reads and writes per statement:
// few, as the SQLite driver's cost of binding a statement's parameters grows faster
// than their number (the first open with 100,000 opinions took 30 s at 500 a
// statement, 8–9 s at 50).
const fillBatch = 50

// fillTriageColumns writes triageColumns of every stored opinion from its
// document, with the projection's own triageValues, so a store filled in and one
// projected since agree. It reads the documents in Go rather than with the
// databases' JSON functions: a document PostgreSQL's jsonb refuses (a \u0000 in
// a text) must not keep the store from opening.
func fillTriageColumns(ctx context.Context, tx *sql.Tx) error {
	set := make([]string, len(triageColumns))
	for i, c := range triageColumns {
		set[i] = c + " = v." + c
	}
	after := ""
	for {
		rows, err := tx.QueryContext(ctx, `SELECT id, doc FROM opinions WHERE id > $1 ORDER BY id LIMIT $2`, after, fillBatch)
		if err != nil {
			return err
		}
		var values []string
		var args params
		for rows.Next() {
			var id, doc string
			if err := rows.Scan(&id, &doc); err != nil {
				rows.Close()
				return err
			}
			var o domain.Opinion
			if err := json.Unmarshal([]byte(doc), &o); err != nil {
				rows.Close()
				return fmt.Errorf("opinion %s: %w", id, err)
			}
			values = append(values, "("+args.add(append([]any{id}, triageValues(o)...)...)+")")
			after = id
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		if len(values) == 0 {
			return nil
		}
		_, err = tx.ExecContext(ctx, `WITH v (id, `+strings.Join(triageColumns, ", ")+`) AS (VALUES `+strings.Join(values, ", ")+`)
UPDATE opinions SET `+strings.Join(set, ", ")+` FROM v WHERE opinions.id = v.id`, args...)
		if err != nil {
			return err
		}
	}
}
