package service

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/google/uuid"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"

	"rectify/internal/campaign"
	"rectify/internal/domain"
	"rectify/internal/intake"
	"rectify/internal/spreadsheet"
	"rectify/internal/store"
	"rectify/internal/user"
	"rectify/internal/web/i18n"
	"rectify/workflows"
)

// rejectionsShown is how many rejected rows (and, apart, how many warnings and rows
// already there) a batch answer lists; the downloads have all of them.
const rejectionsShown = 200

// BatchView is a batch as the API shows it: per file, how many rows started, were
// already there (and which opinions they are), were refused (and why) and were
// imported with warnings (and which).
type BatchView struct {
	store.Batch
	DryRun  bool `json:"dry_run"`
	Pending int  `json:"pending"`
	// Rejections are the first refused rows: by the file's checks, or for a key
	// conflict; RejectionsTotal counts all of them. Each cell shows its first
	// spreadsheet.CutRunes characters (shownCells); the downloads have them whole.
	Rejections      []store.Rejection `json:"rejections"`
	RejectionsTotal int               `json:"rejections_total"`
	// AlreadyPresentRows are the first rows that were already there, each with the
	// opinion it is; already_present counts all of them.
	AlreadyPresentRows []store.PresentRow `json:"already_present_rows"`
	// Warnings are the first warnings; warnings_total counts all of them.
	Warnings []store.Warning `json:"warnings"`
	// The refused rows and the rows with warnings, with their original cells.
	RejectionsXLSX string `json:"rejections_xlsx,omitempty"`
	RejectionsCSV  string `json:"rejections_csv,omitempty"`
}

// fileRefusal words a whole file's refusal in every language: the file's name and
// the code's text, and for missing columns which ones, with the headers that name
// each.
func fileRefusal(name string, e *spreadsheet.FileError) i18n.Message {
	if e.Code != spreadsheet.CodeMissingColumn || len(e.Missing) == 0 {
		return i18n.M("api.file_refused", name, i18n.M("code.file_"+e.Code))
	}
	columns := make([]i18n.Message, len(e.Missing))
	for i, f := range e.Missing {
		columns[i] = i18n.M("api.column_headers", i18n.M("column."+string(f)), strings.Join(spreadsheet.Aliases[f], " / "))
	}
	return i18n.M("api.file_missing_columns", name, columns)
}

// In is the view with its reasons in lang: they are stored as messages (or, in
// batches stored before, as English text, shown as it is).
func (v BatchView) In(lang string) BatchView {
	rejections := make([]store.Rejection, len(v.Rejections))
	for i, r := range v.Rejections {
		r.Reason = i18n.Render(lang, r.Reason)
		rejections[i] = r
	}
	warnings := make([]store.Warning, len(v.Warnings))
	for i, w := range v.Warnings {
		w.Reason = i18n.Render(lang, w.Reason)
		warnings[i] = w
	}
	v.Rejections, v.Warnings = rejections, warnings
	return v
}

func batchView(b store.Batch, rejections []store.Rejection, present []store.PresentRow, warnings []store.Warning) BatchView {
	if present == nil {
		present = []store.PresentRow{}
	}
	if warnings == nil {
		warnings = []store.Warning{}
	}
	shown := make([]store.Rejection, len(rejections))
	for i, r := range rejections {
		r.Cells = shownCells(r.Cells)
		shown[i] = r
	}
	v := BatchView{Batch: b, Rejections: shown, RejectionsTotal: b.Refused, AlreadyPresentRows: present, Warnings: warnings}
	v.Headers = nil
	if b.State == store.BatchImporting || b.State == store.BatchDone {
		v.Pending = b.Accepted - b.Started - b.AlreadyPresent - b.KeyConflicts
	}
	if (b.Refused > 0 || b.WarningsTotal > 0) && b.ID != "" {
		v.RejectionsXLSX = "/api/v1/batches/" + b.ID + "/rejections.xlsx"
		v.RejectionsCSV = "/api/v1/batches/" + b.ID + "/rejections.csv"
	}
	return v
}

// shownCells are a refused row's cells as the batch answer lists them: a cell
// longer than spreadsheet.CutRunes characters shows its start and "…". The
// answer names the rows to fix; with every cell of every row whole, a file of
// long cells would make it as large as the file unpacked.
func shownCells(cells []string) []string {
	if cells == nil {
		return nil
	}
	out := make([]string, len(cells))
	for i, c := range cells {
		if len(c) > spreadsheet.CutRunes && utf8.RuneCountInString(c) > spreadsheet.CutRunes {
			end := 0
			for range spreadsheet.CutRunes {
				_, size := utf8.DecodeRuneInString(c[end:])
				end += size
			}
			c = c[:end] + "…"
		}
		out[i] = c
	}
	return out
}

// ImportOptions are the switches of an import.
type ImportOptions struct {
	// Strict imports nothing unless every row is valid.
	Strict bool
	// DryRun checks the file and reports, storing nothing.
	DryRun bool
	Limits spreadsheet.Limits
}

// batchSink writes checked rows into a new batch, or only counts them on a dry run.
type batchSink struct {
	campaignID string
	w          *store.BatchWriter
	rejections []store.Rejection
	warnings   []store.Warning
	// warningsTotal counts every warning; warnings keeps the first.
	warningsTotal int
}

func (b *batchSink) Accept(ctx context.Context, a intake.Accepted) error {
	var warnings []store.Warning
	for _, w := range a.Warnings {
		sw := store.Warning{Sheet: a.Sheet, Line: a.Line, Serial: a.Serial, Column: w.Column, Code: w.Code, Reason: w.Reason.Stored()}
		warnings = append(warnings, sw)
		b.warningsTotal++
		if len(b.warnings) < rejectionsShown {
			b.warnings = append(b.warnings, sw)
		}
	}
	if b.w == nil {
		return nil
	}
	return b.w.AcceptRow(ctx, store.AcceptedRow{
		Opinion: a.Pending(), OpinionID: domain.OpinionID(b.campaignID, a.Opinion.Key),
		Sheet: a.Sheet, Line: a.Line, Serial: a.Serial, KeyColumn: a.KeyColumn, Cells: a.Cells, Warnings: warnings,
		UnderWay: a.Progress != nil,
	})
}

func (b *batchSink) Reject(ctx context.Context, r intake.Rejection) error {
	rej := store.Rejection{Sheet: r.Sheet, Line: r.Line, Column: r.Column, Code: r.Code, Reason: r.Reason.Stored(), Cells: r.Cells}
	if len(b.rejections) < rejectionsShown {
		b.rejections = append(b.rejections, rej)
	}
	if b.w == nil {
		return nil
	}
	return b.w.Reject(ctx, rej)
}

// Import reads and checks a ledger file and, unless it is a dry run or a strict
// import with refused rows, stores the batch and starts its process. Importing is
// the office's (CampaignWork). A whole-file problem stores nothing.
func (s *Service) Import(ctx context.Context, u user.User, c campaign.Campaign, path, name string, opts ImportOptions) (BatchView, error) {
	if err := CampaignWork.CheckIn(u, c.ID); err != nil {
		return BatchView{}, err
	}
	b := store.Batch{
		ID: "b-" + strings.ReplaceAll(uuid.NewString(), "-", "")[:16], CampaignID: c.ID, FileName: name,
		Strict: opts.Strict, CreatedBy: u.Username, CreatedAt: s.Now().UTC(),
	}
	sink := &batchSink{campaignID: c.ID}
	if !opts.DryRun {
		w, err := s.store.NewBatch(ctx, b)
		if err != nil {
			return BatchView{}, err
		}
		defer w.Rollback()
		sink.w = w
	}
	sum, err := intake.ReadLedger(ctx, path, name, c, s.today(c.Policy).Format(domain.DateLayout),
		intake.ReadOptions{Limits: opts.Limits, Strict: opts.Strict, People: s.people()}, sink)
	var fileErr *spreadsheet.FileError
	if errors.As(err, &fileErr) {
		e := errorf(http.StatusUnprocessableEntity, "file_"+fileErr.Code, "%s: %s; nothing was imported", name, fileErr.Message)
		e.Text = fileRefusal(name, fileErr)
		return BatchView{}, e
	}
	if err != nil {
		return BatchView{}, err
	}
	if opts.DryRun {
		b.ID, b.State, b.Rows, b.Accepted, b.Rejected, b.SkippedSheets = "", "dry_run", sum.Rows, sum.Accepted, sum.Rejected, sum.Skipped
		b.Refused, b.AcceptedWithWarnings, b.WarningsTotal = sum.Rejected, sum.Warned, sink.warningsTotal
		b.UnderWay = sum.UnderWay
		v := batchView(b, sink.rejections, nil, sink.warnings)
		v.DryRun = true
		return v, nil
	}
	state := store.BatchImporting
	if opts.Strict && sum.Rejected > 0 {
		state = store.BatchRefused
	}
	if b, err = sink.w.Commit(ctx, sum.Rows, state, sum.Skipped, sum.Headers); err != nil {
		return BatchView{}, err
	}
	if state == store.BatchImporting {
		if err := StartBatch(ctx, s.temporal, b); err != nil {
			return BatchView{}, fmt.Errorf("start batch %s: %w", b.ID, err)
		}
	}
	b.Refused = b.Rejected
	return batchView(b, sink.rejections, nil, sink.warnings), nil
}

// people finds the users a ledger names as responsible (intake.People): by
// username, or by a name one holder of the role alone has. The names are indexed
// once for the whole file, which may name someone on every one of its rows.
func (s *Service) people() intake.People {
	byName := map[string][]user.User{}
	for _, u := range s.users.All() {
		byName[u.Name] = append(byName[u.Name], u)
	}
	return func(name string, role domain.Role) (string, bool) {
		if u, ok := s.users.Lookup(name); ok {
			return u.Username, u.Has(role)
		}
		found, holders := "", 0
		for _, u := range byName[name] {
			if u.Has(role) {
				found, holders = u.Username, holders+1
			}
		}
		return found, holders == 1
	}
}

// StartBatch starts (or finds running) a stored batch's process. It is safe to call
// again, which is how imports interrupted before their process started are resumed.
func StartBatch(ctx context.Context, tc client.Client, b store.Batch) error {
	return startProcess(ctx, tc, workflows.BatchWorkflowID(b.ID), workflows.BatchWorkflowName,
		workflows.BatchInput{BatchID: b.ID, Accepted: b.Accepted, ChunkSize: workflows.DefaultChunkSize})
}

// startProcess starts the workflow id, or finds it running: a stored batch's or
// bulk's process, started once however often it is asked for. One that failed
// may start again.
func startProcess(ctx context.Context, tc client.Client, id, name string, input any) error {
	_, err := tc.ExecuteWorkflow(ctx, client.StartWorkflowOptions{
		ID:                       id,
		TaskQueue:                workflows.TaskQueue,
		WorkflowIDConflictPolicy: enumspb.WORKFLOW_ID_CONFLICT_POLICY_USE_EXISTING,
		WorkflowIDReusePolicy:    enumspb.WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE_FAILED_ONLY,
	}, name, input)
	return err
}

// AuditBatch records that u was shown the original cells of v's refused rows —
// names and phones among them — when v has any.
func (s *Service) AuditBatch(ctx context.Context, u user.User, v BatchView) {
	if n := rowsWithCells(v.Rejections); n > 0 {
		s.recordReads(ctx, s.auditEntry(ctx, u, store.AuditReadPersonalData, v.ID, n))
	}
}

// rowsWithCells counts the rejections that carry a cell of the original file.
func rowsWithCells(rejections []store.Rejection) int {
	n := 0
	for _, r := range rejections {
		if slices.ContainsFunc(r.Cells, func(c string) bool { return c != "" }) {
			n++
		}
	}
	return n
}

// Batch is a stored batch's progress and report as u (who must be office) may see
// it: the counts, what is still pending and the first rejected rows.
func (s *Service) Batch(ctx context.Context, u user.User, id string) (BatchView, error) {
	b, err := s.batch(ctx, id, u)
	if err != nil {
		return BatchView{}, err
	}
	rej, err := s.store.Rejections(ctx, b.ID, rejectionsShown)
	if err != nil {
		return BatchView{}, err
	}
	present, err := s.store.AlreadyPresentRows(ctx, b.ID, rejectionsShown)
	if err != nil {
		return BatchView{}, err
	}
	warnings, err := s.store.Warnings(ctx, b.ID, rejectionsShown)
	if err != nil {
		return BatchView{}, err
	}
	return batchView(b, rej, present, warnings), nil
}

func (s *Service) batch(ctx context.Context, id string, u user.User) (store.Batch, error) {
	return officeRecord(ctx, u, id, "batch_not_found", "batch", s.store.Batch, func(b store.Batch) string { return b.CampaignID })
}

// officeRecord reads a record only the office reads — an import's batch, a bulk —
// for u: a 403 for anyone else, before anything is read, a 404 with code when
// there is no what with that id, and 403 out_of_scope when its campaign
// (campaignOf) is outside u's scope.
func officeRecord[T any](ctx context.Context, u user.User, id, code, what string, read func(context.Context, string) (T, error),
	campaignOf func(T) string) (T, error) {
	if err := CampaignWork.Check(u); err != nil {
		var none T
		return none, err
	}
	rec, err := read(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return rec, Refuse(http.StatusNotFound, code, "api.no_such", i18n.M("api.noun."+what), id)
	}
	if err != nil {
		return rec, err
	}
	return rec, scopedOut(u, campaignOf(rec))
}

// RejectionsFile is a batch's refused rows and its imported rows with warnings,
// in file order, as XLSX or CSV (format "xlsx" or "csv"), with their sheet, row
// number, column and reason before the original cells, ready to fix and re-import
// (a row with warnings was imported: importing it again finds it already there).
// The API and the web pages both serve it, so the two downloads are the same file.
// It is the office's (CampaignWork); an unknown batch or format is a 404.
// The file is written in lang, its reasons and its own headers and sheet name alike.
func (s *Service) RejectionsFile(ctx context.Context, u user.User, batchID, format, lang string) (*Download, error) {
	b, err := s.batch(ctx, batchID, u)
	if err != nil {
		return nil, err
	}
	write := map[string]func(io.Writer, string, []string, []spreadsheet.Rejected) error{
		"xlsx": spreadsheet.WriteRejectedXLSX, "csv": spreadsheet.WriteRejectedCSV,
	}[format]
	if write == nil {
		return nil, Refuse(http.StatusNotFound, "unknown_format", "api.rejections_format")
	}
	flagged, err := s.store.FlaggedRows(ctx, b.ID)
	if err != nil {
		return nil, err
	}
	rows := make([]spreadsheet.Rejected, len(flagged))
	for i, f := range flagged {
		rows[i] = spreadsheet.Rejected{Sheet: f.Sheet, Line: f.Line, Cells: f.Cells, Column: f.Column, Reason: i18n.Render(lang, f.Reason), Warning: f.Warning}
	}
	header, rows := spreadsheet.AlignRejected(b.Headers, rows)
	// The rows are the file's original cells, names and phones among them: handed
	// out only once recorded.
	if err := s.AuditRequired(ctx, u, store.AuditExportPersonalData, b.ID, len(rows)); err != nil {
		return nil, err
	}
	base := strings.TrimSuffix(b.FileName, filepath.Ext(b.FileName))
	return &Download{Name: base + "-rejected." + format, ContentType: contentTypes[format], Size: -1,
		write: func(w io.Writer) error { return write(w, lang, header, rows) }}, nil
}
