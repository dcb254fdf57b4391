package spreadsheet

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"github.com/xuri/excelize/v2"
)

var benchHeader = []any{"序号", "意见内容", "来源", "收集时间", "反映人", "联系电话", "涉及单位", "备注"}

var benchChannels = []string{"热线", "意见箱", "座谈会", "走访", "网络", "来信"}

// benchRow is a plausible ledger row; content varies so shared strings are
// mostly unique, as in a real ledger.
func benchRow(i int) []any {
	return []any{
		i + 1,
		fmt.Sprintf("第%d条：社区办事大厅窗口少、排队时间长，希望增加窗口并延长周末服务时间，方便上班族办事。", i),
		benchChannels[i%len(benchChannels)],
		41731 + i%300,
		"群众" + strconv.Itoa(i%997),
		13800000000 + i,
		"社区服务中心",
		"",
	}
}

// writeLedgerXLSX writes an n-row ledger the way Excel would (shared strings,
// a title row, date cells), with excelize's normal API.
func writeLedgerXLSX(tb testing.TB, path string, n int) {
	tb.Helper()
	f := excelize.NewFile()
	defer func() { require.NoError(tb, f.Close()) }()
	dateStyle, err := f.NewStyle(&excelize.Style{NumFmt: 14})
	require.NoError(tb, err)
	require.NoError(tb, f.SetCellStr("Sheet1", "A1", "意见建议汇总表"))
	require.NoError(tb, f.MergeCell("Sheet1", "A1", "H1"))
	require.NoError(tb, f.SetSheetRow("Sheet1", "A2", &benchHeader))
	for i := 0; i < n; i++ {
		row := benchRow(i)
		require.NoError(tb, f.SetSheetRow("Sheet1", "A"+strconv.Itoa(i+3), &row))
	}
	require.NoError(tb, f.SetColStyle("Sheet1", "D", dateStyle))
	require.NoError(tb, f.SaveAs(path))
}

func writeLedgerCSV(tb testing.TB, path string, n int) {
	tb.Helper()
	fh, err := os.Create(path)
	require.NoError(tb, err)
	w := csv.NewWriter(fh)
	rec := make([]string, len(benchHeader))
	for i, h := range benchHeader {
		rec[i] = h.(string)
	}
	require.NoError(tb, w.Write(rec))
	for i := 0; i < n; i++ {
		for j, v := range benchRow(i) {
			rec[j] = fmt.Sprint(v)
		}
		rec[3] = "2014/4/" + strconv.Itoa(1+i%28)
		require.NoError(tb, w.Write(rec))
	}
	w.Flush()
	require.NoError(tb, w.Error())
	require.NoError(tb, fh.Close())
}

const benchRows = 10_000

// drain reads every row through this package.
func drain(tb testing.TB, path, name string) int {
	r, err := Open(path, name, Limits{MaxBytes: 1 << 30, MaxRows: 1 << 30})
	require.NoError(tb, err)
	defer func() { require.NoError(tb, r.Close()) }()
	n := 0
	for {
		_, err := r.Next()
		if errors.Is(err, io.EOF) {
			return n
		}
		if err != nil {
			tb.Fatal(err)
		}
		n++
	}
}

func reportRows(b *testing.B, rows int) {
	b.ReportMetric(float64(rows)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
}

func BenchmarkReadXLSX(b *testing.B) {
	path := filepath.Join(b.TempDir(), "ledger.xlsx")
	writeLedgerXLSX(b, path, benchRows)
	b.Run("baseline-excelize-rows", func(b *testing.B) {
		for b.Loop() {
			f, err := excelize.OpenFile(path, excelize.Options{RawCellValue: true})
			require.NoError(b, err)
			rows, err := f.Rows("Sheet1")
			require.NoError(b, err)
			n := 0
			for rows.Next() {
				if _, err := rows.Columns(); err != nil {
					b.Fatal(err)
				}
				n++
			}
			require.NoError(b, rows.Close())
			require.NoError(b, f.Close())
			require.Equal(b, benchRows+2, n)
		}
		reportRows(b, benchRows)
	})
	b.Run("spreadsheet", func(b *testing.B) {
		for b.Loop() {
			require.Equal(b, benchRows, drain(b, path, "ledger.xlsx"))
		}
		reportRows(b, benchRows)
	})
}

func BenchmarkReadCSV(b *testing.B) {
	path := filepath.Join(b.TempDir(), "ledger.csv")
	writeLedgerCSV(b, path, benchRows)
	b.Run("baseline-encoding-csv", func(b *testing.B) {
		for b.Loop() {
			fh, err := os.Open(path)
			require.NoError(b, err)
			cr := csv.NewReader(fh)
			cr.FieldsPerRecord = -1
			n := 0
			for {
				if _, err := cr.Read(); err != nil {
					require.ErrorIs(b, err, io.EOF)
					break
				}
				n++
			}
			require.NoError(b, fh.Close())
			require.Equal(b, benchRows+1, n)
		}
		reportRows(b, benchRows)
	})
	b.Run("spreadsheet", func(b *testing.B) {
		for b.Loop() {
			require.Equal(b, benchRows, drain(b, path, "ledger.csv"))
		}
		reportRows(b, benchRows)
	})
}

// TestPeakMemory measures reading a large generated workbook. It is a
// measurement, not a check, so it runs only when asked:
//
//	SPREADSHEET_PEAK_ROWS=100000 go test -run TestPeakMemory -v ./internal/spreadsheet/
//
// With SPREADSHEET_PEAK_FILE set it reads that file (generating it first if it
// does not exist), so the read can be timed alone under /usr/bin/time -v.
func TestPeakMemory(t *testing.T) {
	n, _ := strconv.Atoi(os.Getenv("SPREADSHEET_PEAK_ROWS"))
	if n <= 0 {
		t.Skip("set SPREADSHEET_PEAK_ROWS to measure")
	}
	path := os.Getenv("SPREADSHEET_PEAK_FILE")
	if path == "" {
		path = filepath.Join(t.TempDir(), "peak.xlsx")
	}
	if _, err := os.Stat(path); err != nil {
		start := time.Now()
		if strings.HasSuffix(path, ".csv") {
			writeLedgerCSV(t, path, n)
		} else {
			writeLedgerXLSX(t, path, n)
		}
		t.Logf("generated %d rows in %v", n, time.Since(start))
		if os.Getenv("SPREADSHEET_PEAK_FILE") != "" {
			return // measure the read in a fresh process
		}
	}
	fi, err := os.Stat(path)
	require.NoError(t, err)
	runtime.GC()
	var peak atomic.Uint64
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		var ms runtime.MemStats
		for {
			runtime.ReadMemStats(&ms)
			if ms.HeapInuse > peak.Load() {
				peak.Store(ms.HeapInuse)
			}
			select {
			case <-stop:
				return
			case <-time.After(5 * time.Millisecond):
			}
		}
	}()
	start := time.Now()
	got := drain(t, path, filepath.Base(path))
	elapsed := time.Since(start)
	close(stop)
	<-done
	require.Equal(t, n, got)
	t.Logf("read %d rows of a %.1f MB file in %v (%.0f rows/s); peak heap in use %.1f MB",
		got, float64(fi.Size())/(1<<20), elapsed, float64(got)/elapsed.Seconds(), float64(peak.Load())/(1<<20))
}
