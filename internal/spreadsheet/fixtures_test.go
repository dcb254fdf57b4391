package spreadsheet

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding/simplifiedchinese"
)

// Cell kinds a fixture sheet can hold besides plain strings and numbers.
type (
	// dateCell is a real Excel date: a serial number with a date number format.
	dateCell time.Time
	// numCell is a number cell without a date format (e.g. a serial typed by hand).
	numCell float64
)

// sheetSpec is one worksheet of a generated workbook; rows start at row 1.
type sheetSpec struct {
	name   string
	rows   [][]any
	merges [][2]string // top-left, bottom-right
}

// writeXLSX builds a workbook in a temp dir with excelize, as offices' files are.
func writeXLSX(t testing.TB, sheets ...sheetSpec) string {
	t.Helper()
	f := excelize.NewFile()
	defer func() { require.NoError(t, f.Close()) }()
	dateStyle, err := f.NewStyle(&excelize.Style{NumFmt: 14})
	require.NoError(t, err)
	for i, s := range sheets {
		if i == 0 {
			require.NoError(t, f.SetSheetName("Sheet1", s.name))
		} else {
			_, err := f.NewSheet(s.name)
			require.NoError(t, err)
		}
		for r, row := range s.rows {
			for c, v := range row {
				ref, err := excelize.CoordinatesToCellName(c+1, r+1)
				require.NoError(t, err)
				switch v := v.(type) {
				case nil:
				case string:
					if v != "" {
						require.NoError(t, f.SetCellStr(s.name, ref, v))
					}
				case dateCell:
					require.NoError(t, f.SetCellValue(s.name, ref, time.Time(v)))
					require.NoError(t, f.SetCellStyle(s.name, ref, ref, dateStyle))
				case numCell:
					require.NoError(t, f.SetCellFloat(s.name, ref, float64(v), -1, 64))
				default:
					require.NoError(t, f.SetCellValue(s.name, ref, v))
				}
			}
		}
		for _, m := range s.merges {
			require.NoError(t, f.MergeCell(s.name, m[0], m[1]))
		}
	}
	p := filepath.Join(t.TempDir(), "ledger.xlsx")
	require.NoError(t, f.SaveAs(p))
	return p
}

// writeTemp stores bytes under a file name in a temp dir.
func writeTemp(t testing.TB, name string, data []byte) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	require.NoError(t, os.WriteFile(p, data, 0o600))
	return p
}

func gbk(t testing.TB, s string) []byte {
	t.Helper()
	b, err := simplifiedchinese.GBK.NewEncoder().Bytes([]byte(s))
	require.NoError(t, err)
	return b
}

func gb18030(t testing.TB, s string) []byte {
	t.Helper()
	b, err := simplifiedchinese.GB18030.NewEncoder().Bytes([]byte(s))
	require.NoError(t, err)
	return b
}

func withBOM(s string) []byte { return append([]byte{0xEF, 0xBB, 0xBF}, s...) }

// readAll opens a file and reads every row, failing on any error.
func readAll(t testing.TB, path, name string) ([]Row, Reader) {
	t.Helper()
	r, err := Open(path, name, Limits{})
	require.NoError(t, err)
	t.Cleanup(func() { _ = r.Close() })
	var rows []Row
	for {
		row, err := r.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		require.NoError(t, err)
		rows = append(rows, row)
	}
	return rows, r
}

// fileErrCode opens and reads a file to its end and returns the FileError code
// it fails with ("" when it reads cleanly).
func fileErrCode(t testing.TB, path, name string, limits Limits) (string, *FileError) {
	t.Helper()
	r, err := Open(path, name, limits)
	if err == nil {
		defer func() { require.NoError(t, r.Close()) }()
		for {
			if _, err = r.Next(); err != nil {
				break
			}
		}
		if errors.Is(err, io.EOF) {
			return "", nil
		}
	}
	var fe *FileError
	require.ErrorAs(t, err, &fe)
	return fe.Code, fe
}

// ledgerCSV is a small well-formed CSV ledger in UTF-8.
const ledgerCSV = "序号,意见内容,来源,收集时间,联系电话\n" +
	"1,楼道灯坏了,热线,2014-04-02,13812345678\n" +
	"2,\"办事要跑三趟,能否一次办结\",意见箱,2014/4/3,0373-5771293\n"
