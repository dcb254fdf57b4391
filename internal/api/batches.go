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
	"strings"
	"time"

	"github.com/google/uuid"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"

	"rectify/internal/campaign"
	"rectify/internal/intake"
	"rectify/internal/spreadsheet"
	"rectify/internal/store"
	"rectify/internal/user"
	"rectify/workflows"
)

// rejectionsShown is how many rejected rows a batch answer lists; the downloads
// have all of them.
const rejectionsShown = 200

// importTimeout bounds reading and checking an uploaded file (a 200k-row workbook
// takes seconds, not minutes).
const importTimeout = 5 * time.Minute

// BatchView is a batch as the API shows it.
type BatchView struct {
	store.Batch
	DryRun          bool              `json:"dry_run"`
	Pending         int               `json:"pending"`
	Rejections      []store.Rejection `json:"rejections"`
	RejectionsTotal int               `json:"rejections_total"`
	RejectionsXLSX  string            `json:"rejections_xlsx,omitempty"`
	RejectionsCSV   string            `json:"rejections_csv,omitempty"`
}

func batchView(b store.Batch, rejections []store.Rejection) BatchView {
	v := BatchView{Batch: b, Rejections: rejections, RejectionsTotal: b.Rejected}
	v.Headers = nil
	if b.State == store.BatchImporting || b.State == store.BatchDone {
		v.Pending = b.Accepted - b.Started - b.AlreadyPresent
	}
	if b.Rejected > 0 && b.ID != "" {
		v.RejectionsXLSX = "/api/v1/batches/" + b.ID + "/rejections.xlsx"
		v.RejectionsCSV = "/api/v1/batches/" + b.ID + "/rejections.csv"
	}
	return v
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
	defer f.Close()
	n, err := io.Copy(f, io.LimitReader(part, max+1))
	if err != nil {
		return f.Name(), errorf(http.StatusBadRequest, "upload_interrupted", "the upload was interrupted: %v", err)
	}
	if n > max {
		return f.Name(), errorf(http.StatusRequestEntityTooLarge, "file_too_large", "the file is larger than %d MB; split it or ask the operator to raise RECTIFY_IMPORT_MAX_BYTES", max>>20)
	}
	return f.Name(), nil
}

// batchSink writes checked rows into a new batch, or only counts them on a dry run.
type batchSink struct {
	w          *store.BatchWriter
	rejections []store.Rejection
}

func (b *batchSink) Accept(ctx context.Context, o intake.Opinion) error {
	if b.w == nil {
		return nil
	}
	return b.w.Accept(ctx, o)
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
	sink := &batchSink{}
	if !opts.DryRun {
		w, err := s.Store.NewBatch(ctx, b)
		if err != nil {
			return BatchView{}, err
		}
		defer w.Rollback()
		sink.w = w
	}
	sum, err := intake.ReadLedger(ctx, path, name, c, s.today(c.Policy).Format(workflows.DateLayout), opts.Limits, sink)
	var fileErr *spreadsheet.FileError
	if errors.As(err, &fileErr) {
		return BatchView{}, errorf(http.StatusUnprocessableEntity, "file_"+fileErr.Code, "%s: %s; nothing was imported", name, fileErr.Message)
	}
	if err != nil {
		return BatchView{}, err
	}
	if opts.DryRun {
		b.ID, b.State, b.Rows, b.Accepted, b.Rejected, b.SkippedSheets = "", "dry_run", sum.Rows, sum.Accepted, sum.Rejected, sum.Skipped
		v := batchView(b, sink.rejections)
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
	return batchView(b, sink.rejections), nil
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
	return http.StatusOK, v, nil
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
	return batchView(b, rej), nil
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

// downloadRejections serves a batch's refused rows as rejections.xlsx or
// rejections.csv.
func (s *Service) downloadRejections(w http.ResponseWriter, r *http.Request, u user.User) error {
	format, ok := strings.CutPrefix(r.PathValue("file"), "rejections.")
	if !ok {
		format = "" // refused by WriteRejections, after the batch and role checks
	}
	return s.WriteRejections(r.Context(), u, r.PathValue("id"), format, w)
}

// WriteRejections writes a batch's refused rows as XLSX or CSV (format "xlsx" or
// "csv"), with their sheet, row number, column and reason before the original
// cells, ready to fix and re-import. The API and the web pages both serve it, so
// the two downloads are the same file. Nothing is written when it returns an error
// before the first byte (unknown batch or format, or u not office).
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
	rejections, err := s.Store.Rejections(ctx, b.ID, 0)
	if err != nil {
		return err
	}
	rows := make([]spreadsheet.Rejected, len(rejections))
	for i, rej := range rejections {
		rows[i] = spreadsheet.Rejected{Sheet: rej.Sheet, Line: rej.Line, Cells: rej.Cells, Column: rej.Column, Reason: rej.Reason}
	}
	header, rows := spreadsheet.AlignRejected(b.Headers, rows)
	contentType := map[string]string{
		"xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
		"csv":  "text/csv; charset=utf-8",
	}[format]
	w.Header().Set("Content-Type", contentType)
	base := strings.TrimSuffix(b.FileName, filepath.Ext(b.FileName))
	w.Header().Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": base + "-rejected." + format}))
	return write(w, header, rows)
}
