package intake

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"strings"
	"time"

	"rectify/internal/campaign"
	"rectify/internal/domain"
	"rectify/internal/spreadsheet"
	"rectify/internal/text"
	"rectify/internal/web/i18n"
	"rectify/workflows"
)

// Rejection is a row of a ledger file that cannot be imported, and why: the sheet,
// the row number as the user sees it, the column (its header as written) and the rule.
type Rejection struct {
	Sheet  string
	Line   int
	Column string
	// Code is the rule in a bounded vocabulary: invalid_<field>, cell_too_long,
	// duplicate_key, unknown_department and unknown_category (a strict import
	// refuses rows with warnings), or key_conflict (found when the import starts
	// the opinion).
	Code   string
	Reason i18n.Message
	// Cells are the row's cells as the file has them, but for a cell over
	// spreadsheet.MaxCellRunes, which is cut (spreadsheet.Cut).
	Cells []string
}

// CodeCellTooLong refuses a row with a cell over spreadsheet.MaxCellRunes.
const CodeCellTooLong = "cell_too_long"

// tooLong is the rejection of a row with cells over spreadsheet.MaxCellRunes,
// naming the first.
func tooLong(row spreadsheet.Row) *Rejection {
	first := row.TooLong[0]
	where := i18n.M("rule.column_letter", first.Letter)
	if first.Column != "column "+first.Letter {
		where = i18n.M("rule.column_letter_named", first.Letter, first.Column)
	}
	var reason i18n.Message
	switch more := row.TooLong[1:]; len(more) {
	case 0:
		reason = i18n.M("rule.cell_too_long", where, first.Runes, spreadsheet.MaxCellRunes, spreadsheet.CutRunes)
	case 1:
		reason = i18n.M("rule.cell_too_long_one", where, first.Runes, spreadsheet.MaxCellRunes, more[0].Letter, spreadsheet.CutRunes)
	default:
		letters := make([]string, len(more))
		for i, lc := range more {
			letters[i] = lc.Letter
		}
		reason = i18n.M("rule.cell_too_long_many", where, first.Runes, spreadsheet.MaxCellRunes, letters, spreadsheet.CutRunes)
	}
	return &Rejection{Sheet: row.Sheet, Line: row.Line, Column: first.Column, Code: CodeCellTooLong, Reason: reason, Cells: row.Cells}
}

// RowWarning is a routing hint in an accepted row that the campaign does not know
// (see Warning): the row becomes an opinion with the text kept as written, and the
// batch report lists the warning with the row's sheet, number and column.
type RowWarning struct {
	// Column is the header as written.
	Column string
	// Code is unknown_department or unknown_category.
	Code   string
	Reason i18n.Message
}

// Accepted is a row that becomes an opinion, with where it came from so the batch
// report can point at it.
type Accepted struct {
	Opinion Opinion
	Sheet   string
	Line    int
	// Serial is the row's 序号 (or other row counter) as written; "" without one.
	// It is only a position in the file, never the opinion's key.
	Serial string
	// KeyColumn is the header of the identifier column the key came from; "" when
	// the key was derived from the opinion's content, channel, date and submitter.
	KeyColumn string
	// SerialKey is the key this row got when a 序号 still served as a key (imports
	// before serial numbers stopped being identities). An opinion imported then
	// under it, saying the same, is this row's opinion; one saying something else
	// is a different opinion that happened to have the same number.
	SerialKey string
	Cells     []string
	Warnings  []RowWarning
	// Progress is where an item already under way stands (the ledger's state
	// columns); nil for an opinion to triage.
	Progress *domain.Backfill
}

// Sink receives a ledger's rows as they are checked.
type Sink interface {
	Accept(ctx context.Context, a Accepted) error
	Reject(ctx context.Context, r Rejection) error
}

// ReadOptions are the switches of reading a ledger.
type ReadOptions struct {
	Limits spreadsheet.Limits
	// People finds the users a row under way names (see readProgress); without it
	// no row may carry a state past 待交办.
	People People
	// Strict refuses a row with a warning (an unknown department or category) as
	// well, for offices that want every routing hint to be one of theirs.
	Strict bool
}

// Summary describes a read ledger.
type Summary struct {
	Rows     int
	Accepted int
	Rejected int
	// Warned counts the accepted rows with at least one warning.
	Warned int
	// UnderWay counts the accepted rows of items already under way.
	UnderWay int
	// Skipped names sheets without a recognisable header row.
	Skipped []string
	// Headers are each sheet's header cells, for the rejected-rows file.
	Headers map[string][]string
}

// ReadLedger reads an office's ledger file (xlsx, csv or json) row by row, checks
// each row as Normalize does plus the file's own rule (a key may not repeat an
// earlier row), and hands every row to the sink. A whole-file problem is returned as
// a *spreadsheet.FileError before or instead of any row.
//
// An opinion's key comes from an identifier column (spreadsheet.Aliases lists
// them: 编号, 意见编号, 工单号, 受理编号, key, id …) or, in a row without one, from
// what the opinion says (DerivedKey). A 序号 is never a key: every office numbers
// its sheets 1…N, so two files of one campaign share their numbers but not their
// opinions.
func ReadLedger(ctx context.Context, path, name string, c campaign.Campaign, today string, opts ReadOptions, sink Sink) (Summary, error) {
	sum := Summary{Headers: map[string][]string{}}
	if opts.People == nil {
		opts.People = func(string, domain.Role) (string, bool) { return "", false }
	}
	r, err := spreadsheet.Open(path, name, opts.Limits)
	if err != nil {
		return sum, err
	}
	defer func() { _ = r.Close() }() // only read from: what went wrong, Next said
	// Identifiers may restart on every sheet of a workbook (as numbering does), so
	// keys are scoped by sheet there.
	scopeBySheet := len(r.Sheets()) > 1
	seen := map[string]int{}
	for {
		if err := ctx.Err(); err != nil {
			return sum, err
		}
		row, err := r.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return sum, err
		}
		if _, ok := sum.Headers[row.Sheet]; !ok {
			sum.Headers[row.Sheet] = r.Header(row.Sheet)
		}
		sum.Rows++
		a, rej := checkRow(row, c, today, opts, scopeBySheet, seen)
		if rej != nil {
			sum.Rejected++
			if err := sink.Reject(ctx, *rej); err != nil {
				return sum, err
			}
			continue
		}
		sum.Accepted++
		if len(a.Warnings) > 0 {
			sum.Warned++
		}
		if a.Progress != nil {
			sum.UnderWay++
		}
		if err := sink.Accept(ctx, a); err != nil {
			return sum, err
		}
	}
	if sum.Rows == 0 {
		return sum, &spreadsheet.FileError{Code: "no_data_rows", Message: "the file has a header row but no data rows"}
	}
	sum.Skipped = r.Skipped()
	return sum, nil
}

// checkRow turns a row into a checked opinion, or says why it cannot be one.
func checkRow(row spreadsheet.Row, c campaign.Campaign, today string, opts ReadOptions, scopeBySheet bool, seen map[string]int) (Accepted, *Rejection) {
	if len(row.TooLong) > 0 {
		return Accepted{}, tooLong(row)
	}
	f := row.Fields
	o := Opinion{
		Key: f[spreadsheet.FieldKey], Content: f[spreadsheet.FieldContent], Channel: f[spreadsheet.FieldChannel],
		CollectedAt: f[spreadsheet.FieldCollectedAt], Submitter: f[spreadsheet.FieldSubmitter],
		Phone: f[spreadsheet.FieldPhone], Target: f[spreadsheet.FieldTarget],
		Department: f[spreadsheet.FieldDepartment], Category: f[spreadsheet.FieldCategory],
	}
	serial := f[spreadsheet.FieldSerial]
	if len(row.Extra) > 0 || row.Sheet != "" || serial != "" {
		o.Extra = make(map[string]string, len(row.Extra)+2)
		for k, v := range row.Extra {
			o.Extra[k] = v
		}
		if row.Sheet != "" {
			o.Extra["sheet"] = row.Sheet
		}
		// The 序号 stays with the opinion as the office wrote it, so the opinion
		// can be found in the office's own sheet.
		if serial != "" {
			o.Extra[strings.TrimSpace(row.Columns[spreadsheet.FieldSerial])] = serial
		}
	}
	column := func(field spreadsheet.Field) string {
		if c := row.Columns[field]; c != "" {
			return c
		}
		return string(field)
	}
	reject := func(field spreadsheet.Field, code string, reason i18n.Message) (Accepted, *Rejection) {
		return Accepted{}, &Rejection{Sheet: row.Sheet, Line: row.Line, Column: column(field), Code: code, Reason: reason, Cells: row.Cells}
	}
	if d := o.CollectedAt; d != "" {
		if _, err := time.Parse(domain.DateLayout, d); err != nil {
			return reject(spreadsheet.FieldCollectedAt, "invalid_collected_at", i18n.M("rule.not_a_date", quote(d)))
		}
	}
	keyColumn := ""
	if o.Key != "" {
		keyColumn = row.Columns[spreadsheet.FieldKey]
		if scopeBySheet && row.Sheet != "" {
			o.Key = row.Sheet + "/" + o.Key
		}
	}
	warnings, err := Normalize(&o, c, today)
	if err != nil {
		var fe *FieldError
		if errors.As(err, &fe) {
			return reject(spreadsheet.Field(fe.Field), "invalid_"+fe.Field, fe.Rule)
		}
		return reject(spreadsheet.FieldContent, "invalid_content", i18n.M("rule.row_unreadable", err.Error()))
	}
	progress, fe := readProgress(f, o, c, today, opts.People)
	if fe != nil {
		return reject(spreadsheet.Field(fe.Field), "invalid_"+fe.Field, fe.Rule)
	}
	if progress != nil {
		// An item under way has its department and category, or it was refused.
		warnings = nil
	}
	var rowWarnings []RowWarning
	for _, w := range warnings {
		rowWarnings = append(rowWarnings, RowWarning{Column: column(spreadsheet.Field(w.Field)), Code: w.Code, Reason: w.Rule})
	}
	if opts.Strict && len(warnings) > 0 {
		problem := warnings[0].Problem
		for _, w := range warnings[1:] {
			problem = i18n.M("rule.joined", problem, w.Problem)
		}
		return reject(spreadsheet.Field(warnings[0].Field), warnings[0].Code, i18n.M("rule.strict", problem))
	}
	if first, dup := seen[o.Key]; dup {
		if keyColumn != "" {
			return reject(spreadsheet.FieldKey, "duplicate_key", i18n.M("rule.duplicate_key", first, keyColumn))
		}
		// No identifier: the same content, channel, date and submitter twice is one
		// opinion written down twice.
		return reject(spreadsheet.FieldContent, "duplicate_key", i18n.M("rule.duplicate_content", first))
	}
	seen[o.Key] = row.Line
	a := Accepted{Opinion: o, Sheet: row.Sheet, Line: row.Line, Serial: serial, KeyColumn: keyColumn, Cells: row.Cells,
		Warnings: rowWarnings, Progress: progress}
	if serial != "" {
		old := clean(serial)
		if scopeBySheet && row.Sheet != "" {
			old = row.Sheet + "/" + old
		}
		if old != o.Key && keyChars.MatchString(old) {
			a.SerialKey = old
		}
	}
	return a, nil
}

// Pending is how an accepted row waits in its batch until the import starts its
// opinion: the checked opinion, the routing hints it keeps as written (which
// Opinion's own JSON leaves out), and the key it had when serial numbers were
// keys. It reads back rows stored before these were added.
type Pending struct {
	Opinion
	Written   *Written         `json:"written,omitempty"`
	SerialKey string           `json:"serial_key,omitempty"`
	Progress  *domain.Backfill `json:"progress,omitempty"`
}

// Written holds routing hints the campaign did not know, as the file had them.
type Written struct {
	Department string `json:"department,omitempty"`
	Category   string `json:"category,omitempty"`
}

// Pending is the row as its batch stores it.
func (a Accepted) Pending() Pending {
	p := Pending{Opinion: a.Opinion, SerialKey: a.SerialKey, Progress: a.Progress}
	if a.Opinion.WrittenDepartment != "" || a.Opinion.WrittenCategory != "" {
		p.Written = &Written{Department: a.Opinion.WrittenDepartment, Category: a.Opinion.WrittenCategory}
	}
	return p
}

// DecodePending reads a row stored by a batch back into the opinion to start.
func DecodePending(data []byte) (Pending, error) {
	var p Pending
	if err := json.Unmarshal(data, &p); err != nil {
		return p, err
	}
	if p.Written != nil {
		p.Opinion.WrittenDepartment, p.Opinion.WrittenCategory = p.Written.Department, p.Written.Category
	}
	return p, nil
}

// Identity is what makes an opinion the one it is. Two opinions with one key are
// the same opinion exactly when these agree (both normalized); anything else about
// them (target, routing hints, extra columns) may differ.
type Identity struct {
	Content     string
	Channel     string
	CollectedAt string
	Submitter   string
	Phone       string
}

// InputIdentity is the identity of an opinion about to be started.
func InputIdentity(in workflows.OpinionInput) Identity {
	return Identity{in.Content, in.Channel, in.CollectedAt, in.Submitter, in.Phone}
}

// OpinionIdentity is the identity of a recorded opinion.
func OpinionIdentity(o domain.Opinion) Identity {
	return Identity{o.Content, o.Channel, o.CollectedAt, o.Submitter, o.Phone}
}

// Differences names the fields in which other is not the same opinion as id; none
// when they are one.
func (id Identity) Differences(other Identity) []string {
	var out []string
	for _, f := range []struct {
		name string
		a, b string
	}{
		// Compared as cleaned: an opinion recorded before free text was cleaned
		// is the same opinion as its cleaned text (see Normalize).
		{"content", text.Clean(id.Content), text.Clean(other.Content)},
		{"channel", id.Channel, other.Channel},
		{"collected_at", id.CollectedAt, other.CollectedAt},
		{"submitter", text.Clean(id.Submitter), text.Clean(other.Submitter)},
		{"phone", id.Phone, other.Phone},
	} {
		if f.a != f.b {
			out = append(out, f.name)
		}
	}
	return out
}

// KeyConflict is an opinion whose key already belongs to another opinion that says
// something else. It is refused: counting it "already there" would lose it, and
// starting it under another key would hide that the key is wrong.
type KeyConflict struct {
	Key string
	// Existing is the id of the opinion the key belongs to.
	Existing string
	// Fields name where the two differ (never their values: they are citizens').
	Fields []string
}

// Error is the conflict in English.
func (e *KeyConflict) Error() string { return e.Message().In(i18n.English) }

// Message names the key, the existing opinion and the fields that differ.
func (e *KeyConflict) Message() i18n.Message {
	fields := make([]i18n.Message, len(e.Fields))
	for i, f := range e.Fields {
		fields[i] = i18n.M("column." + f)
	}
	return i18n.M("rule.key_conflict", e.Key, e.Existing, fields)
}
