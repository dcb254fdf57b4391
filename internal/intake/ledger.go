package intake

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"rectify/internal/campaign"
	"rectify/internal/spreadsheet"
	"rectify/workflows"
)

// Rejection is a row of a ledger file that cannot be imported, and why: the sheet,
// the row number as the user sees it, the column (its header as written) and the rule.
type Rejection struct {
	Sheet  string
	Line   int
	Column string
	// Code is the rule in a bounded vocabulary: invalid_<field> or duplicate_key.
	Code   string
	Reason string
	Cells  []string
}

// Sink receives a ledger's rows as they are checked.
type Sink interface {
	Accept(ctx context.Context, o Opinion) error
	Reject(ctx context.Context, r Rejection) error
}

// Summary describes a read ledger.
type Summary struct {
	Rows     int
	Accepted int
	Rejected int
	// Skipped names sheets without a recognisable header row.
	Skipped []string
	// Headers are each sheet's header cells, for the rejected-rows file.
	Headers map[string][]string
}

// ReadLedger reads an office's ledger file (xlsx, csv or json) row by row, checks
// each row as Normalize does plus the file's own rule (a key may not repeat an
// earlier row), and hands every row to the sink. A whole-file problem is returned as
// a *spreadsheet.FileError before or instead of any row.
func ReadLedger(ctx context.Context, path, name string, c campaign.Campaign, today string, limits spreadsheet.Limits, sink Sink) (Summary, error) {
	sum := Summary{Headers: map[string][]string{}}
	r, err := spreadsheet.Open(path, name, limits)
	if err != nil {
		return sum, err
	}
	defer r.Close()
	// 序号 restarts on every sheet of a workbook, so keys are scoped by sheet there.
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
		o, rej := checkRow(row, c, today, scopeBySheet, seen)
		if rej != nil {
			sum.Rejected++
			if err := sink.Reject(ctx, *rej); err != nil {
				return sum, err
			}
			continue
		}
		sum.Accepted++
		if err := sink.Accept(ctx, o); err != nil {
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
func checkRow(row spreadsheet.Row, c campaign.Campaign, today string, scopeBySheet bool, seen map[string]int) (Opinion, *Rejection) {
	f := row.Fields
	o := Opinion{
		Key: f[spreadsheet.FieldKey], Content: f[spreadsheet.FieldContent], Channel: f[spreadsheet.FieldChannel],
		CollectedAt: f[spreadsheet.FieldCollectedAt], Submitter: f[spreadsheet.FieldSubmitter],
		Phone: f[spreadsheet.FieldPhone], Target: f[spreadsheet.FieldTarget],
		Department: f[spreadsheet.FieldDepartment], Category: f[spreadsheet.FieldCategory],
	}
	if len(row.Extra) > 0 || row.Sheet != "" {
		o.Extra = make(map[string]string, len(row.Extra)+1)
		for k, v := range row.Extra {
			o.Extra[k] = v
		}
		if row.Sheet != "" {
			o.Extra["sheet"] = row.Sheet
		}
	}
	reject := func(field spreadsheet.Field, code, reason string) (Opinion, *Rejection) {
		column := row.Columns[field]
		if column == "" {
			column = string(field)
		}
		return Opinion{}, &Rejection{Sheet: row.Sheet, Line: row.Line, Column: column, Code: code, Reason: reason, Cells: row.Cells}
	}
	if d := o.CollectedAt; d != "" {
		if _, err := time.Parse(workflows.DateLayout, d); err != nil {
			return reject(spreadsheet.FieldCollectedAt, "invalid_collected_at", fmt.Sprintf("%q is not a date (use 2014-04-02, 2014/4/2, 2014年4月2日, 2014.4.2 or an Excel date)", d))
		}
	}
	if o.Key != "" && scopeBySheet && row.Sheet != "" {
		o.Key = row.Sheet + "/" + o.Key
	}
	if _, err := Normalize(&o, c, today); err != nil {
		var fe *FieldError
		if errors.As(err, &fe) {
			return reject(spreadsheet.Field(fe.Field), "invalid_"+fe.Field, fe.Rule)
		}
		return reject(spreadsheet.FieldContent, "invalid_content", err.Error())
	}
	if first, dup := seen[o.Key]; dup {
		field := spreadsheet.FieldKey
		if row.Columns[field] == "" {
			field = spreadsheet.FieldContent // no key column: the same opinion twice
		}
		return reject(field, "duplicate_key", fmt.Sprintf("repeats row %d of this file", first))
	}
	seen[o.Key] = row.Line
	return o, nil
}
