package bench

import (
	"bytes"
	"context"
	"fmt"
	"mime/multipart"
	"net/http"
	"os"
	"time"

	"github.com/google/uuid"
	"github.com/xuri/excelize/v2"
)

// progressPoll is how often the simulated office asks how an import or a bulk is
// getting on. Each answer counts the rows of the import as they stand: asked every
// 20 ms, those reads took a fifth of the process's CPU during a 10,000-row import and
// slowed the starts being measured. A quarter of a second puts an end at most that
// late: under 2 % of the full run's import and bulk assignment.
const progressPoll = 250 * time.Millisecond

// runImport imports a ledger of o.ImportRows rows: rows/s from upload to the last
// opinion started, and the starts/s of its process against the start ceiling.
func runImport(ctx context.Context, t *Target, o Options, r *Report) error {
	campaign := "bench-import-" + uuid.NewString()[:8]
	if err := t.createCampaign(ctx, campaign); err != nil {
		return err
	}
	file, err := ledger(0, o.ImportRows)
	if err != nil {
		return err
	}
	// The process's peak resident set is measured from here: the engine, the
	// worker and the API as they take the file in, parse it and start its rows
	// (and the file itself, held by the simulated office).
	before := resetPeakRSS()
	res, err := t.uploadLedger(ctx, campaign, file, o.ImportRows)
	if err != nil {
		return err
	}
	res.FileBytes, res.RSSBefore, res.PeakRSS = uint64(len(file)), before, procBytes("/proc/self/status", "VmHWM:")
	r.Import = res
	visible, err := t.settle(ctx, received(campaign), o.ImportRows)
	if err != nil {
		return err
	}
	o.say("import: every opinion in visibility %s after the last start", visible.Round(time.Millisecond))
	if r.StartCeiling.Count == 0 {
		return nil
	}
	// The engine's database now holds the import's opinions: the start ceiling
	// again, as the import's last starts met it.
	r.Import.CeilingAfter, err = t.startCeiling(ctx, r.StartCeiling.Count, "bench-start-after-import-"+uuid.NewString()[:8]+"-")
	return err
}

// importLedger uploads an xlsx ledger of rows n0+1..n0+n (keys S-<row>) into campaign,
// waits until its process has started every opinion and the import is done (every
// opinion in the store), and checks the campaign holds them all.
func (t *Target) importLedger(ctx context.Context, campaign string, n0, n int) (ImportResult, error) {
	file, err := ledger(n0, n)
	if err != nil {
		return ImportResult{}, err
	}
	return t.uploadLedger(ctx, campaign, file, n)
}

// uploadLedger is importLedger for a ledger already made, of n rows.
func (t *Target) uploadLedger(ctx context.Context, campaign string, file []byte, n int) (ImportResult, error) {
	before, err := t.stats(ctx, campaign)
	if err != nil {
		return ImportResult{}, err
	}
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	fw, err := mw.CreateFormFile("file", "意见汇总.xlsx")
	if err != nil {
		return ImportResult{}, err
	}
	if _, err := fw.Write(file); err != nil {
		return ImportResult{}, err
	}
	if err := mw.Close(); err != nil {
		return ImportResult{}, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, t.API+"/api/v1/campaigns/"+campaign+"/batches", &body)
	if err != nil {
		return ImportResult{}, err
	}
	req.Header.Set("Authorization", "Bearer "+token(officeUser(0)))
	req.Header.Set("Content-Type", mw.FormDataContentType())
	type batch struct {
		ID       string `json:"id"`
		State    string `json:"state"`
		Accepted int    `json:"accepted"`
		Started  int    `json:"started"`
	}
	var b batch
	start, cpu := time.Now(), processCPU()
	if err := t.send(req, &b, http.StatusCreated); err != nil {
		return ImportResult{}, err
	}
	accepted := time.Now()
	// The import is done once the store shows every opinion; its process has
	// started them all before that, when the batch counts them started.
	var started time.Time
	for b.State != "done" {
		if started.IsZero() && b.Started >= n {
			started = time.Now()
		}
		if err := pause(ctx, progressPoll); err != nil {
			return ImportResult{}, err
		}
		if err := t.call(ctx, officeUser(0), http.MethodGet, "/api/v1/batches/"+b.ID, nil, http.StatusOK, &b); err != nil {
			return ImportResult{}, err
		}
		if b.State != "importing" && b.State != "done" {
			return ImportResult{}, fmt.Errorf("import %s ended %s", b.ID, b.State)
		}
	}
	done := time.Now()
	if started.IsZero() {
		started = done
	}
	if b.Accepted != n || b.Started != n {
		return ImportResult{}, fmt.Errorf("import of %d rows: %d accepted, %d started", n, b.Accepted, b.Started)
	}
	if err := t.waitCollected(ctx, campaign, before.Collected+n); err != nil {
		return ImportResult{}, err
	}
	listed, cpuPerOpinion := time.Now(), cpuPer(cpu, n)
	return ImportResult{
		Rows:     n,
		Total:    Rate{Count: n, Elapsed: started.Sub(start), PerSec: perSecond(n, started.Sub(start))},
		Starting: Rate{Count: n, Elapsed: started.Sub(accepted), PerSec: perSecond(n, started.Sub(accepted))},
		Listed:   Rate{Count: n, Elapsed: listed.Sub(start), PerSec: perSecond(n, listed.Sub(start)), CPUPer: cpuPerOpinion},
	}, nil
}

// ledger is an Excel ledger as offices keep them: rows n0+1..n0+n.
func ledger(n0, n int) ([]byte, error) {
	f := excelize.NewFile()
	defer func() { _ = f.Close() }() // a generated ledger: a temporary file left behind holds nothing private
	sw, err := f.NewStreamWriter("Sheet1")
	if err != nil {
		return nil, err
	}
	if err := sw.SetRow("A1", []any{"编号", "意见内容", "来源", "收集时间", "涉及单位"}); err != nil {
		return nil, err
	}
	date := time.Now().In(chinaTime).AddDate(0, 0, -1).Format("2006/1/2")
	for i := range n {
		row := n0 + i + 1
		cell, _ := excelize.CoordinatesToCellName(1, i+2)
		err := sw.SetRow(cell, []any{ledgerKey(row), fmt.Sprintf("第%d条意见：小区路灯损坏，夜间出行不便", row), "热线", date, department(row)})
		if err != nil {
			return nil, err
		}
	}
	if err := sw.Flush(); err != nil {
		return nil, err
	}
	var out bytes.Buffer
	if err := f.Write(&out); err != nil {
		return nil, err
	}
	return out.Bytes(), nil
}

func ledgerKey(row int) string { return fmt.Sprintf("S-%d", row) }

// waitCollected waits until campaign holds want opinions: each started opinion
// records itself on its first workflow task, which the engine runs behind the starts.
func (t *Target) waitCollected(ctx context.Context, campaign string, want int) error {
	return waitCount(ctx, "opinions in campaign "+campaign, want, func(ctx context.Context) (int, error) {
		st, err := t.stats(ctx, campaign)
		return st.Collected, err
	})
}

// resetPeakRSS starts the process's peak resident set (VmHWM) afresh from what it
// holds now, and answers that (Linux; where the peak cannot be reset, the peak read
// later is the process's whole life's).
func resetPeakRSS() uint64 {
	_ = os.WriteFile("/proc/self/clear_refs", []byte("5"), 0)
	return procBytes("/proc/self/status", "VmRSS:")
}
