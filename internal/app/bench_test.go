package app

import (
	"context"
	"fmt"
	"net/http"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"
	"github.com/xuri/excelize/v2"
	"go.temporal.io/sdk/client"
)

// BenchmarkImportStarts measures how fast an import turns rows into running opinions,
// per row, against the raw workflow-start ceiling of the same embedded server: bare
// StartWorkflowExecution calls at the import's concurrency, for a workflow no worker
// runs (so nothing else competes).
func BenchmarkImportStarts(b *testing.B) {
	h := startHarness(b)
	b.Run("baseline-raw-start", func(b *testing.B) {
		var next atomic.Int64
		var wg sync.WaitGroup
		b.ResetTimer()
		for range 32 { // as many starts in flight as an import chunk keeps
			wg.Go(func() {
				for next.Add(1) <= int64(b.N) {
					_, err := h.app.client.ExecuteWorkflow(context.Background(), client.StartWorkflowOptions{
						ID: "ceiling-" + uuid.NewString(), TaskQueue: "bench-ceiling",
					}, "bench.Ceiling")
					if err != nil {
						b.Error(err)
						return
					}
				}
			})
		}
		wg.Wait()
	})
	b.Run("import", func(b *testing.B) {
		campaign := "bench-" + uuid.NewString()[:8]
		h.Must("office", http.MethodPost, "/api/v1/campaigns", map[string]any{"id": campaign, "name": "bench"}, http.StatusCreated)
		path := filepath.Join(b.TempDir(), "ledger.xlsx")
		writeBenchLedger(b, path, b.N)
		b.ResetTimer()
		status, batch := h.Upload("office", "/api/v1/campaigns/"+campaign+"/batches", path, nil)
		require.Equal(b, http.StatusCreated, status, "%v", batch)
		id := batch["id"].(string)
		for {
			got := h.Must("office", http.MethodGet, "/api/v1/batches/"+id, nil, http.StatusOK)
			if got["state"] == "done" {
				require.EqualValues(b, b.N, got["started"])
				break
			}
			time.Sleep(20 * time.Millisecond) // polling what a user would poll
		}
	})
}

func writeBenchLedger(b *testing.B, path string, n int) {
	f := excelize.NewFile()
	defer f.Close()
	sw, err := f.NewStreamWriter("Sheet1")
	require.NoError(b, err)
	require.NoError(b, sw.SetRow("A1", []any{"序号", "意见内容", "来源", "收集时间"}))
	for i := range n {
		cell, _ := excelize.CoordinatesToCellName(1, i+2)
		require.NoError(b, sw.SetRow(cell, []any{i + 1, fmt.Sprintf("第%d条意见：路灯损坏", i+1), "热线", "2026-11-01"}))
	}
	require.NoError(b, sw.Flush())
	require.NoError(b, f.SaveAs(path))
}
