package api

import (
	"context"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"
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
	"rectify/workflows"
)

// rejectionsShown is how many rejected rows (and, apart, how many warnings and rows
// already there) a batch answer lists; the downloads have all of them.
const rejectionsShown = 200

// importTimeout bounds reading and checking an uploaded file (a 200k-row workbook
// takes seconds, not minutes).
const importTimeout = 5 * time.Minute

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

func (s *Service) createBatch(r *http.Request, u user.User) (int, any, error) {
	if err := CampaignWork.Check(u); err != nil {
		return 0, nil, err
	}
	c, err := s.campaign(r.Context(), r.PathValue("id"))
	if err != nil {
		return 0, nil, err
	}
	opts := ImportOptions{Limits: s.importLimits()}
	path, name, err := s.receiveUpload(r, &opts)
	if path != "" {
		defer os.Remove(path)
	}
	if err != nil {
		return 0, nil, err
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(r.Context()), importTimeout)
	defer cancel()
	v, err := s.Import(ctx, u, c, path, name, opts)
	if err != nil {
		return 0, nil, err
	}
	if opts.DryRun {
		return http.StatusOK, v, nil
	}
	return http.StatusCreated, v, nil
}

func (s *Service) importLimits() spreadsheet.Limits {
	if s.ImportLimits.MaxBytes > 0 {
		return s.ImportLimits
	}
	return spreadsheet.DefaultLimits
}

// receiveUpload streams the multipart "file" part to a temporary file (never more
// than the size limit) and reads the strict and dry_run fields.
func (s *Service) receiveUpload(r *http.Request, opts *ImportOptions) (path, name string, err error) {
	mediaType, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if mediaType != "multipart/form-data" {
		return "", "", errorf(http.StatusBadRequest, "not_multipart", "upload the file as multipart/form-data with the file in a field named \"file\"")
	}
	mr, err := r.MultipartReader()
	if err != nil {
		return "", "", errorf(http.StatusBadRequest, "malformed_multipart", "the upload is not valid multipart/form-data: %v", err)
	}
	for {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return path, name, errorf(http.StatusBadRequest, "malformed_multipart", "the upload is not valid multipart/form-data: %v", err)
		}
		switch part.FormName() {
		case "strict", "dry_run":
			v, _ := io.ReadAll(io.LimitReader(part, 16))
			on, err := formBool(part.FormName(), string(v))
			if err != nil {
				return path, name, err
			}
			if part.FormName() == "strict" {
				opts.Strict = on
			} else {
				opts.DryRun = on
			}
		case "file":
			if path != "" {
				return path, name, errorf(http.StatusBadRequest, "two_files", "upload one file per batch")
			}
			name = filepath.Base(part.FileName())
			if path, err = spool(part, opts.Limits.MaxBytes); err != nil {
				return path, name, err
			}
		}
	}
	if path == "" {
		return "", "", errorf(http.StatusBadRequest, "file_required", "the upload has no field named \"file\"")
	}
	return path, name, nil
}

func formBool(field, v string) (bool, error) {
	switch strings.ToLower(strings.TrimSpace(v)) {
	case "", "false", "0", "no", "off":
		return false, nil
	case "true", "1", "yes", "on":
		return true, nil
	}
	return false, errorf(http.StatusUnprocessableEntity, "invalid_"+field, "%s must be true or false", field)
}

// spool copies an upload to a temporary file, refusing more than max bytes.
func spool(part io.Reader, max int64) (string, error) {
	f, err := os.CreateTemp("", "rectify-upload-*")
	if err != nil {
		return "", err
	}
	n, err := io.Copy(f, io.LimitReader(part, max+1))
	if err != nil {
		_ = f.Close()
		return f.Name(), errorf(http.StatusBadRequest, "upload_interrupted", "the upload was interrupted: %v", err)
	}
	// The importer reads the file by name: a write that fails only on close (a full
	// disk) must not reach it as a shorter file.
	if err := f.Close(); err != nil {
		return f.Name(), err
	}
	if n > max {
		return f.Name(), errorf(http.StatusRequestEntityTooLarge, "file_too_large", "the file is larger than %d MB; split it or ask the operator to raise RECTIFY_IMPORT_MAX_BYTES", max>>20)
	}
	return f.Name(), nil
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
		sw := store.Warning{Sheet: a.Sheet, Line: a.Line, Serial: a.Serial, Column: w.Column, Code: w.Code, Reason: w.Reason}
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
	})
}

func (b *batchSink) Reject(ctx context.Context, r intake.Rejection) error {
	rej := store.Rejection{Sheet: r.Sheet, Line: r.Line, Column: r.Column, Code: r.Code, Reason: r.Reason, Cells: r.Cells}
	if len(b.rejections) < rejectionsShown {
		b.rejections = append(b.rejections, rej)
	}
	if b.w == nil {
		return nil
	}
	return b.w.Reject(ctx, rej)
}

// Import reads and checks a ledger file and, unless it is a dry run or a strict
// import with refused rows, stores the batch and starts its process. A whole-file
// problem stores nothing.
func (s *Service) Import(ctx context.Context, u user.User, c campaign.Campaign, path, name string, opts ImportOptions) (BatchView, error) {
	b := store.Batch{
		ID: "b-" + strings.ReplaceAll(uuid.NewString(), "-", "")[:16], CampaignID: c.ID, FileName: name,
		Strict: opts.Strict, CreatedBy: u.Username, CreatedAt: s.Now().UTC(),
	}
	sink := &batchSink{campaignID: c.ID}
	if !opts.DryRun {
		w, err := s.Store.NewBatch(ctx, b)
		if err != nil {
			return BatchView{}, err
		}
		defer w.Rollback()
		sink.w = w
	}
	sum, err := intake.ReadLedger(ctx, path, name, c, s.today(c.Policy).Format(domain.DateLayout),
		intake.ReadOptions{Limits: opts.Limits, Strict: opts.Strict}, sink)
	var fileErr *spreadsheet.FileError
	if errors.As(err, &fileErr) {
		return BatchView{}, errorf(http.StatusUnprocessableEntity, "file_"+fileErr.Code, "%s: %s; nothing was imported", name, fileErr.Message)
	}
	if err != nil {
		return BatchView{}, err
	}
	if opts.DryRun {
		b.ID, b.State, b.Rows, b.Accepted, b.Rejected, b.SkippedSheets = "", "dry_run", sum.Rows, sum.Accepted, sum.Rejected, sum.Skipped
		b.Refused, b.AcceptedWithWarnings, b.WarningsTotal = sum.Rejected, sum.Warned, sink.warningsTotal
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
		if err := StartBatch(ctx, s.Temporal, b); err != nil {
			return BatchView{}, fmt.Errorf("start batch %s: %w", b.ID, err)
		}
	}
	b.Refused = b.Rejected
	return batchView(b, sink.rejections, nil, sink.warnings), nil
}

// StartBatch starts (or finds running) a stored batch's process. It is safe to call
// again, which is how imports interrupted before their process started are resumed.
func StartBatch(ctx context.Context, tc client.Client, b store.Batch) error {
	_, err := tc.ExecuteWorkflow(ctx, client.StartWorkflowOptions{
		ID:                       workflows.BatchWorkflowID(b.ID),
		TaskQueue:                workflows.TaskQueue,
		WorkflowIDConflictPolicy: enumspb.WORKFLOW_ID_CONFLICT_POLICY_USE_EXISTING,
		WorkflowIDReusePolicy:    enumspb.WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE_FAILED_ONLY,
	}, workflows.BatchWorkflowName, workflows.BatchInput{BatchID: b.ID, Accepted: b.Accepted, ChunkSize: workflows.DefaultChunkSize})
	return err
}

func (s *Service) getBatch(r *http.Request, u user.User) (int, any, error) {
	v, err := s.Batch(r.Context(), u, r.PathValue("id"))
	if err != nil {
		return 0, nil, err
	}
	// The refused rows come with the file's original cells: names and phones.
	if n := rowsWithCells(v.Rejections); n > 0 {
		s.recordReads(r.Context(), s.auditEntry(r.Context(), u, store.AuditReadPersonalData, v.ID, n))
	}
	return http.StatusOK, v, nil
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
	rej, err := s.Store.Rejections(ctx, b.ID, rejectionsShown)
	if err != nil {
		return BatchView{}, err
	}
	present, err := s.Store.AlreadyPresentRows(ctx, b.ID, rejectionsShown)
	if err != nil {
		return BatchView{}, err
	}
	warnings, err := s.Store.Warnings(ctx, b.ID, rejectionsShown)
	if err != nil {
		return BatchView{}, err
	}
	return batchView(b, rej, present, warnings), nil
}

func (s *Service) batch(ctx context.Context, id string, u user.User) (store.Batch, error) {
	if err := CampaignWork.Check(u); err != nil {
		return store.Batch{}, err
	}
	b, err := s.Store.Batch(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return b, errorf(http.StatusNotFound, "batch_not_found", "no batch with id %q", id)
	}
	return b, err
}

// downloadRejections serves a batch's refused rows and rows with warnings as
// rejections.xlsx or rejections.csv.
func (s *Service) downloadRejections(w http.ResponseWriter, r *http.Request, u user.User) error {
	format, ok := strings.CutPrefix(r.PathValue("file"), "rejections.")
	if !ok {
		format = "" // refused by WriteRejections, after the batch and role checks
	}
	return s.WriteRejections(r.Context(), u, r.PathValue("id"), format, w)
}

// WriteRejections writes a batch's refused rows and its imported rows with warnings,
// in file order, as XLSX or CSV (format "xlsx" or "csv"), with their sheet, row
// number, column and reason before the original cells, ready to fix and re-import
// (a row with warnings was imported: importing it again finds it already there).
// The API and the web pages both serve it, so the two downloads are the same file.
// Nothing is written when it returns an error before the first byte (unknown batch
// or format, or u not office).
func (s *Service) WriteRejections(ctx context.Context, u user.User, batchID, format string, w http.ResponseWriter) error {
	b, err := s.batch(ctx, batchID, u)
	if err != nil {
		return err
	}
	write := map[string]func(io.Writer, []string, []spreadsheet.Rejected) error{
		"xlsx": spreadsheet.WriteRejectedXLSX, "csv": spreadsheet.WriteRejectedCSV,
	}[format]
	if write == nil {
		return errorf(http.StatusNotFound, "unknown_format", "rejected rows come as rejections.xlsx or rejections.csv")
	}
	flagged, err := s.Store.FlaggedRows(ctx, b.ID)
	if err != nil {
		return err
	}
	rows := make([]spreadsheet.Rejected, len(flagged))
	for i, f := range flagged {
		rows[i] = spreadsheet.Rejected{Sheet: f.Sheet, Line: f.Line, Cells: f.Cells, Column: f.Column, Reason: f.Reason, Warning: f.Warning}
	}
	header, rows := spreadsheet.AlignRejected(b.Headers, rows)
	// The rows are the file's original cells, names and phones among them: handed
	// out only once recorded.
	if err := s.AuditRequired(ctx, u, store.AuditExportPersonalData, b.ID, len(rows)); err != nil {
		return err
	}
	contentType := map[string]string{
		"xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
		"csv":  "text/csv; charset=utf-8",
	}[format]
	w.Header().Set("Content-Type", contentType)
	base := strings.TrimSuffix(b.FileName, filepath.Ext(b.FileName))
	w.Header().Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": base + "-rejected." + format}))
	return write(w, header, rows)
}
