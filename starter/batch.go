package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"
)

// batch is a file import as the API returns it (POST /api/v1/campaigns/{id}/batches,
// GET /api/v1/batches/{id}). Accepted rows are imported in the background while the
// state is "importing"; started + already_present + key_conflicts grows towards
// accepted, and the import is done once the ledger shows every opinion it started.
type batch struct {
	ID                   string          `json:"id"`
	CampaignID           string          `json:"campaign_id"`
	FileName             string          `json:"file_name"`
	State                string          `json:"state"`
	Strict               bool            `json:"strict"`
	DryRun               bool            `json:"dry_run"`
	Rows                 int             `json:"rows"`
	Accepted             int             `json:"accepted"`
	Rejected             int             `json:"rejected"`
	Refused              int             `json:"refused"`
	Started              int             `json:"started"`
	AlreadyPresent       int             `json:"already_present"`
	KeyConflicts         int             `json:"key_conflicts"`
	AcceptedWithWarnings int             `json:"accepted_with_warnings"`
	WarningsTotal        int             `json:"warnings_total"`
	UnderWay             int             `json:"under_way"`
	SkippedSheets        json.RawMessage `json:"skipped_sheets"`
	Rejections           []rejection     `json:"rejections"`
	RejectionsTotal      int             `json:"rejections_total"`
	Warnings             []rejection     `json:"warnings"`
	AlreadyPresentRows   []presentRow    `json:"already_present_rows"`
	CreatedAt            string          `json:"created_at"`
	FinishedAt           string          `json:"finished_at"`
	RejectionsXLSX       string          `json:"rejections_xlsx"`
	RejectionsCSV        string          `json:"rejections_csv"`
}

// rejection is one refused row, or one warning about an imported row: where it is
// in the user's spreadsheet and why.
type rejection struct {
	Sheet  string          `json:"sheet"`
	Row    json.RawMessage `json:"row"`
	Column string          `json:"column"`
	Reason string          `json:"reason"`
}

// presentRow is a row whose opinion was already there, and which opinion it is.
type presentRow struct {
	Sheet     string          `json:"sheet"`
	Row       json.RawMessage `json:"row"`
	Serial    string          `json:"serial"`
	OpinionID string          `json:"opinion_id"`
}

// Batch states of the API contract.
const (
	stateImporting = "importing"
	stateDone      = "done"
	stateDryRun    = "dry_run"
	stateRefused   = "refused"
	stateFailed    = "failed"
)

// done is how many accepted rows are through: started now, found already there, or
// refused because their key belongs to another opinion.
func (b batch) done() int { return b.Started + b.AlreadyPresent + b.KeyConflicts }

// pending is how many accepted rows are not through yet.
func (b batch) pending() int { return max(b.Accepted-b.done(), 0) }

// warned is the number of warnings, of which Warnings lists the first.
func (b batch) warned() int { return max(b.WarningsTotal, len(b.Warnings)) }

// rejectedTotal is the number of refused rows (by the file's checks or for a key
// conflict), of which Rejections lists the first.
func (b batch) rejectedTotal() int {
	return max(b.RejectionsTotal, b.Refused, b.Rejected+b.KeyConflicts, len(b.Rejections))
}

// Tunables, variables so tests can shorten them.
var (
	// pollEvery is how often import asks for progress.
	pollEvery = 500 * time.Millisecond
	// maxPollOutage is how long import keeps asking while the server does not answer
	// (it may be restarting: the import survives that) before it gives up waiting.
	maxPollOutage = 2 * time.Minute
	// isTerminal reports whether w is a terminal, which gets a redrawn progress bar
	// instead of a line every tenth.
	isTerminal = func(w io.Writer) bool {
		f, ok := w.(*os.File)
		if !ok {
			return false
		}
		fi, err := f.Stat()
		return err == nil && fi.Mode()&os.ModeCharDevice != 0
	}
)

// shownRejections is how many rejected rows the summary lists; the rest are in the
// downloadable file.
const shownRejections = 20

// importExts are the file types the server reads.
var importExts = []string{".xlsx", ".csv", ".json"}

var importCmd = &command{
	name:     "import",
	synopsis: "--campaign ID [--strict] [--dry-run] [--rejections PATH] FILE",
	example: "starter import --campaign <campaign-id> 意见台账.xlsx\n" +
		"starter import --campaign <campaign-id> --dry-run hotline.csv\n" +
		"starter import --campaign <campaign-id> --strict --rejections rejected.xlsx opinions.json",
	run: importFile,
}

func importFile(e *env, c *cmdline) int {
	campaignID := c.fs.String("campaign", "", e.t("cli.flag.import.campaign"))
	strict := c.fs.Bool("strict", false, e.t("cli.flag.import.strict"))
	dryRun := c.fs.Bool("dry-run", false, e.t("cli.flag.import.dry-run"))
	rejPath := c.fs.String("rejections", "", e.t("cli.flag.rejections"))
	pos, code, ok := c.parse(1, 1)
	if !ok {
		return code
	}
	file := pos[0]
	if *campaignID == "" {
		return c.usageError(e.t("cli.err.required", "--campaign"))
	}
	if ext := strings.ToLower(filepath.Ext(file)); !slices.Contains(importExts, ext) {
		return c.usageError(e.t("cli.batch.want_ledger", file))
	}
	if msg := checkDownloadPath(e, "--rejections", *rejPath); msg != "" {
		return c.usageError(msg)
	}
	fi, err := os.Stat(file)
	if err != nil {
		return e.fail(e.fileError(file, err))
	}
	if !fi.Mode().IsRegular() {
		return e.fail(errors.New(e.t("cli.batch.not_a_file", file)))
	}
	cl, code, ok := c.client()
	if !ok {
		return code
	}

	pw := e.notes()
	prog := &progress{e: e, w: pw, terminal: isTerminal(pw), label: e.t("cli.batch.importing")}
	if prog.terminal {
		fmt.Fprintln(pw, e.t("cli.batch.uploading", filepath.Base(file), byteSize(fi.Size()), *campaignID))
	}

	var fields []formField
	if *strict {
		fields = append(fields, formField{"strict", "true"})
	}
	if *dryRun {
		fields = append(fields, formField{"dry_run", "true"})
	}
	body, err := cl.upload(e.ctx, apiPath("campaigns", *campaignID, "batches"), fields, "file", file)
	if err != nil {
		code := e.fail(err)
		var ae *apiError
		switch {
		case errors.As(err, &ae) && (ae.Status == http.StatusUnprocessableEntity || strings.HasPrefix(ae.Code, "file_")):
			fmt.Fprintln(e.stderr, e.t("cli.batch.fix_file"))
		case e.ctx.Err() != nil:
			fmt.Fprintln(e.stderr, e.t("cli.batch.upload_stopped"))
		}
		return code
	}
	var b batch
	// A dry run stores nothing, so its answer may carry no id; anything else must.
	if err := json.Unmarshal(body, &b); err != nil || (b.ID == "" && b.State != stateDryRun) {
		fmt.Fprintln(e.stderr, e.t("cli.batch.not_a_batch"))
		printJSON(e.stderr, body)
		return exitFail
	}

	if b.State == stateImporting {
		fmt.Fprintln(pw, e.t("cli.batch.started", b.ID, thousands(b.Accepted), dash(b.CampaignID)))
		prog.update(b)
		b, body, err = waitForBatch(e, cl, b, body, prog)
		prog.end()
		if err != nil {
			if e.ctx.Err() != nil {
				fmt.Fprintln(e.stderr, e.t("cli.batch.stopped_waiting", b.ID))
				return exitFail
			}
			e.fail(err)
			fmt.Fprintln(e.stderr, e.t("cli.batch.may_be_running", b.ID))
			return exitFail
		}
		if !e.jsonOut {
			fmt.Fprintln(e.stdout) // set the summary apart from the progress
		}
	}
	return finishBatch(e, cl, b, body, *rejPath)
}

var batchShowCmd = &command{
	name:     "show",
	synopsis: "<batch-id> [--rejections PATH]",
	example:  "starter batch show <batch-id>\nstarter batch show <batch-id> --rejections rejected.csv",
	run:      batchShow,
}

func batchShow(e *env, c *cmdline) int {
	rejPath := c.fs.String("rejections", "", e.t("cli.flag.rejections"))
	pos, code, ok := c.parse(1, 1)
	if !ok {
		return code
	}
	if msg := checkDownloadPath(e, "--rejections", *rejPath); msg != "" {
		return c.usageError(msg)
	}
	cl, code, ok := c.client()
	if !ok {
		return code
	}
	body, err := cl.do(e.ctx, http.MethodGet, apiPath("batches", pos[0]), nil, nil)
	if err != nil {
		return e.fail(err)
	}
	var b batch
	if err := json.Unmarshal(body, &b); err != nil {
		fmt.Fprintln(e.stderr, e.t("cli.msg.unexpected", err))
		printJSON(e.stdout, body)
		return exitFail
	}
	if b.ID == "" {
		b.ID = pos[0]
	}
	return finishBatch(e, cl, b, body, *rejPath)
}

// checkDownloadPath returns what is wrong with a flag naming where to save a
// spreadsheet download, or "" (also when the flag is not given).
func checkDownloadPath(e *env, flag, p string) string {
	if p == "" {
		return ""
	}
	if ext := strings.ToLower(filepath.Ext(p)); ext != ".xlsx" && ext != ".csv" {
		return e.t("cli.batch.want_download", flag, p)
	}
	return ""
}

// waitForBatch polls the batch until it leaves "importing", updating the progress.
// It returns the last batch seen and its body; the error is ctx's when the user
// pressed Ctrl-C.
func waitForBatch(e *env, cl *client, b batch, body []byte, prog *progress) (batch, []byte, error) {
	if b.State != stateImporting {
		return b, body, nil
	}
	err := pollUntil(e, prog, func() (bool, error) {
		nb, resp, err := getJSON[batch](e, cl, apiPath("batches", b.ID), nil)
		if err != nil {
			return false, err
		}
		if nb.ID == "" {
			nb.ID = b.ID
		}
		b, body = nb, resp
		prog.update(b)
		return b.State != stateImporting, nil
	})
	return b, body, err
}

// getJSON GETs an API path and decodes the answer into a T; the error of an
// answer that is not one names the path asked.
func getJSON[T any](e *env, cl *client, path string, query url.Values) (T, []byte, error) {
	var v T
	resp, err := cl.do(e.ctx, http.MethodGet, path, query, nil)
	if err != nil {
		return v, nil, err
	}
	if err := json.Unmarshal(resp, &v); err != nil {
		return v, resp, errors.New(e.t("cli.err.unusable_answer", path, err))
	}
	return v, resp, nil
}

// pollUntil asks every pollEvery until ask says the work on the server is finished,
// and returns ask's error, or ctx's when the user pressed Ctrl-C. A server that does
// not answer (restarting, say: imports and bulks survive that) is asked again until
// maxPollOutage has passed.
func pollUntil(e *env, prog *progress, ask func() (finished bool, err error)) error {
	ticker := time.NewTicker(pollEvery)
	defer ticker.Stop()
	var outage time.Time // when the server stopped answering; zero while it answers
	for {
		select {
		case <-e.ctx.Done():
			return e.ctx.Err()
		case <-ticker.C:
		}
		finished, err := ask()
		if err != nil {
			if e.ctx.Err() != nil {
				return e.ctx.Err()
			}
			if !transient(err) {
				return err
			}
			if outage.IsZero() {
				outage = time.Now()
				prog.end()
				fmt.Fprintln(e.stderr, e.t("cli.msg.asking_again", err))
			} else if time.Since(outage) > maxPollOutage {
				return fmt.Errorf("%s: %w", e.t("cli.msg.no_answer", maxPollOutage), err)
			}
			continue
		}
		outage = time.Time{}
		if finished {
			return nil
		}
	}
}

// transient reports whether a failed poll is worth repeating: no answer at all, or
// the server (or a proxy in front of it) saying it is busy or restarting.
func transient(err error) bool {
	var ce *connError
	if errors.As(err, &ce) {
		return true
	}
	var ae *apiError
	return errors.As(err, &ae) && (ae.Status == http.StatusTooManyRequests || ae.Status >= 500)
}

// finishBatch saves the rejected rows if asked, prints the summary (or the JSON) and
// returns the exit status the batch calls for.
func finishBatch(e *env, cl *client, b batch, body []byte, rejPath string) int {
	saved := ""
	var saveErr error
	if rejPath != "" {
		if b.rejectedTotal() == 0 && b.warned() == 0 {
			fmt.Fprintln(e.stderr, e.t("cli.batch.nothing_to_save", rejPath))
		} else if saveErr = saveRejections(e, cl, b, rejPath); saveErr == nil {
			saved = rejPath
		}
	}
	if e.jsonOut {
		printJSON(e.stdout, body)
		if saved != "" {
			fmt.Fprintln(e.stderr, e.t("cli.batch.written", saved))
		}
	} else {
		link := func(ref string) string {
			if u, err := cl.resolve(ref); err == nil {
				return u.Redacted()
			}
			return ref
		}
		printBatch(e, b, saved, link)
	}
	if saveErr != nil {
		fmt.Fprintln(e.stderr, e.t("cli.batch.save_failed", rejPath, saveErr))
		return exitFail
	}
	return batchExit(b)
}

// batchExit is 0 when every row read is in (or would be, for a dry run), 1 otherwise.
func batchExit(b batch) int {
	if b.State == stateRefused || b.State == stateFailed || b.rejectedTotal() > 0 {
		return exitFail
	}
	return exitOK
}

// saveRejections downloads the rejected rows in the format PATH's extension names and
// writes them to PATH (see saveDownload).
func saveRejections(e *env, cl *client, b batch, path string) error {
	ref, alt := b.RejectionsCSV, "rejections.csv"
	if strings.EqualFold(filepath.Ext(path), ".xlsx") {
		ref, alt = b.RejectionsXLSX, "rejections.xlsx"
	}
	if ref == "" {
		if b.ID == "" {
			return errors.New(e.t("cli.batch.dry_run_no_file"))
		}
		ref = apiPath("batches", b.ID, alt)
	}
	return saveDownload(e, cl, ref, path)
}

// saveDownload downloads ref to path through a temporary file next to it, renamed
// once complete, so an interrupted download never leaves half a spreadsheet under
// the name asked for. The file keeps 0600: what we download carries citizens' words.
func saveDownload(e *env, cl *client, ref, path string) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name()) // fails harmlessly once renamed
	if _, err := cl.download(e.ctx, ref, tmp); err != nil {
		_ = tmp.Close() // removed on return; the download's error is the one to report
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}

// printBatch writes the summary of a batch: its figures, the first rejected rows,
// where to get all of them, and a last line that says what happened.
func printBatch(e *env, b batch, saved string, link func(string) string) {
	w := e.stdout
	var t table
	t.row(e.t("cli.batch.row.batch"), dash(b.ID))
	t.row(e.t("cli.batch.row.campaign"), dash(b.CampaignID))
	t.row(e.t("cli.batch.row.file"), dash(b.FileName))
	state := dash(e.t("cli.batch.state." + b.State))
	var mode []string
	if b.Strict {
		mode = append(mode, e.t("cli.batch.mode.strict"))
	}
	if b.DryRun && b.State != stateDryRun {
		mode = append(mode, e.t("cli.batch.mode.dry_run"))
	}
	if len(mode) > 0 {
		state += " (" + strings.Join(mode, ", ") + ")"
	}
	t.row(e.t("cli.batch.row.state"), state)
	t.row(e.t("cli.batch.row.rows"), thousands(b.Rows))
	t.row(e.t("cli.batch.row.accepted"), thousands(b.Accepted))
	t.row(e.t("cli.batch.row.rejected"), thousands(b.rejectedTotal()))
	if b.KeyConflicts > 0 {
		t.row(e.t("cli.batch.row.key_conflicts"), thousands(b.KeyConflicts))
	}
	if b.AcceptedWithWarnings > 0 {
		t.row(e.t("cli.batch.row.warned"), thousands(b.AcceptedWithWarnings))
	}
	if b.UnderWay > 0 {
		// Rows of a ledger kept mid-campaign, which start at their state.
		t.row(e.t("cli.batch.row.under_way"), thousands(b.UnderWay))
	}
	t.row(e.t("cli.batch.row.started"), thousands(b.Started))
	t.row(e.t("cli.batch.row.already"), thousands(b.AlreadyPresent))
	if p := b.pending(); p > 0 && b.State != stateDryRun && b.State != stateRefused {
		t.row(e.t("cli.batch.row.pending"), thousands(p))
	}
	t.row(e.t("cli.batch.row.skipped"), rawText(b.SkippedSheets))
	if b.FinishedAt != "" {
		t.row(e.t("cli.batch.row.finished"), b.FinishedAt)
	} else if b.CreatedAt != "" {
		t.row(e.t("cli.batch.row.created"), b.CreatedAt)
	}
	t.write(w)

	total := b.rejectedTotal()
	listRows(e, e.t("cli.batch.rejected_rows"), b.Rejections, total, e.t("cli.batch.head.reason"), rowCells)
	listRows(e, e.t("cli.batch.warned_rows"), b.Warnings, b.warned(), e.t("cli.batch.head.warning"), rowCells)
	listRows(e, e.t("cli.batch.present_rows"), b.AlreadyPresentRows, b.AlreadyPresent, "",
		func(r presentRow) []string {
			return []string{dash(r.Sheet), rawText(r.Row), dash(r.Serial), r.OpinionID}
		})
	if total > 0 || b.warned() > 0 {
		if saved != "" {
			fmt.Fprintf(w, "\n%s\n", e.t("cli.batch.saved", saved))
		} else if b.ID != "" {
			fmt.Fprintf(w, "\n%s\n", e.t("cli.batch.download", b.ID))
			for _, ref := range []string{b.RejectionsXLSX, b.RejectionsCSV} {
				if ref != "" {
					fmt.Fprintf(w, "  %s\n", link(ref))
				}
			}
		} else if b.State == stateDryRun {
			fmt.Fprintf(w, "\n%s\n", e.t("cli.batch.dry_run_no_download"))
		}
	}
	fmt.Fprintf(w, "\n%s\n", verdict(e, b))
}

// rowCells are a refused row's or a warning's cells in the summary: where it is
// and why.
func rowCells(r rejection) []string {
	return []string{dash(r.Sheet), rawText(r.Row), dash(r.Column), dash(r.Reason)}
}

// listRows prints the first shownRejections of rows under title, with "… and N
// more" when total is larger; header names the last column ("" for the rows
// already there, whose columns are fixed).
func listRows[T any](e *env, title string, rows []T, total int, header string, cells func(T) []string) {
	if len(rows) == 0 {
		return
	}
	w := e.stdout
	shown := rows[:min(len(rows), shownRejections)]
	if total > len(shown) {
		title += e.t("cli.batch.first_of", thousands(len(shown)), thousands(total))
	}
	fmt.Fprintf(w, "\n%s\n", title)
	var t table
	if header == "" {
		t.row(e.t("cli.batch.head.sheet"), e.t("cli.batch.head.row"), e.t("cli.batch.head.serial"), e.t("cli.batch.head.opinion"))
	} else {
		t.row(e.t("cli.batch.head.sheet"), e.t("cli.batch.head.row"), e.t("cli.batch.head.column"), header)
	}
	for _, r := range shown {
		t.row(cells(r)...)
	}
	t.write(w)
	if more := total - len(shown); more > 0 {
		fmt.Fprintln(w, e.t("cli.batch.more", thousands(more)))
	}
}

// verdict is the summary's last line: what happened to the file, in a sentence,
// and a second one when rows came with warnings.
func verdict(e *env, b batch) string {
	v := outcome(e, b)
	if n := b.AcceptedWithWarnings; n > 0 && b.State != stateRefused {
		v += "\n" + e.count(n, "cli.batch.verdict.warned")
	}
	return v
}

// outcome says what happened to the file.
func outcome(e *env, b batch) string {
	rejected := b.rejectedTotal()
	switch b.State {
	case stateDone:
		if rejected == 0 {
			return e.t("cli.batch.outcome.done", thousands(b.Accepted), thousands(b.Started), thousands(b.AlreadyPresent))
		}
		return e.t("cli.batch.outcome.done_rejected", thousands(b.Started+b.AlreadyPresent), thousands(rejected))
	case stateDryRun:
		return e.t("cli.batch.outcome.dry_run", thousands(b.Accepted), thousands(rejected))
	case stateRefused:
		return e.t("cli.batch.outcome.refused", thousands(rejected))
	case stateFailed:
		return e.t("cli.batch.outcome.failed", thousands(b.pending()))
	case stateImporting:
		if b.Accepted > 0 && b.pending() == 0 {
			return e.t("cli.batch.outcome.settling", b.ID)
		}
		return e.t("cli.batch.outcome.importing", thousands(b.done()), thousands(b.Accepted), b.ID)
	}
	return e.t("cli.batch.outcome.state", dash(b.State))
}

// progress shows how far work on the server is (an import, a bulk): on a terminal
// one bar redrawn in place, elsewhere (a log, a pipe) a line each time another tenth
// is through, starting with label.
type progress struct {
	e        *env
	w        io.Writer
	terminal bool
	label    string // "importing"; the line mode's prefix
	drawn    int    // columns of the bar line on screen; 0 when no bar is on screen
	tenths   int    // tenths already reported in line mode
}

const barWidth = 30

// update shows an import's progress.
func (p *progress) update(b batch) {
	p.show(b.done(), b.Accepted, p.e.t("cli.batch.progress",
		thousands(b.done()), thousands(b.Accepted), thousands(b.Started), thousands(b.AlreadyPresent)))
}

// show draws done of total, with counts saying what they are made of.
func (p *progress) show(done, total int, counts string) {
	if p.terminal {
		filled := barWidth
		if total > 0 {
			filled = min(max(done*barWidth/total, 0), barWidth)
		}
		line := "[" + strings.Repeat("#", filled) + strings.Repeat("-", barWidth-filled) + "]  " + counts
		width := displayWidth(line)
		fmt.Fprint(p.w, "\r"+line+strings.Repeat(" ", max(p.drawn-width, 0)))
		p.drawn = width
		return
	}
	tenths := 10
	if total > 0 {
		tenths = min(max(done*10/total, 0), 10)
	}
	if tenths > p.tenths {
		p.tenths = tenths
		fmt.Fprintf(p.w, "%s: %3d%%  %s\n", p.label, percent(done, total), counts)
	}
}

// end finishes the bar's line, so whatever is printed next starts on its own.
func (p *progress) end() {
	if p.drawn > 0 {
		fmt.Fprintln(p.w)
		p.drawn = 0
	}
}

// percent is done of total in whole percent, 100 for an empty total.
func percent(done, total int) int {
	if total <= 0 {
		return 100
	}
	return min(max(done*100/total, 0), 100)
}

// thousands writes n with comma separators: 10000 → "10,000".
func thousands(n int) string {
	s := strconv.Itoa(n)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	if neg {
		b.WriteByte('-')
	}
	for i, r := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(r)
	}
	return b.String()
}

// byteSize renders a file size for people: 532 B, 48.2 KB, 3.1 MB.
func byteSize(n int64) string {
	switch {
	case n < 1<<10:
		return fmt.Sprintf("%d B", n)
	case n < 1<<20:
		return fmt.Sprintf("%.1f KB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%.1f MB", float64(n)/(1<<20))
}
