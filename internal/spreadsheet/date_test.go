package spreadsheet

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestParseDate(t *testing.T) {
	cases := []struct {
		in, want string
		ok       bool
	}{
		{"2014-04-02", "2014-04-02", true},
		{"2014-4-2", "2014-04-02", true},
		{"2014/4/2", "2014-04-02", true},
		{"2014/04/02", "2014-04-02", true},
		{"2014年4月2日", "2014-04-02", true},
		{"2014年04月02日", "2014-04-02", true},
		{"2014 年 4 月 2 日", "2014-04-02", true},
		{"2014年4月2号", "2014-04-02", true},
		{"2014年4月2", "2014-04-02", true},
		{"2014.4.2", "2014-04-02", true},
		{"20140402", "2014-04-02", true},
		{"41731", "2014-04-02", true},
		{"41731.75", "2014-04-02", true},
		{"２０１４－０４－０２", "2014-04-02", true},
		{"２０１４年４月２日", "2014-04-02", true},
		{"４１７３１", "2014-04-02", true},
		{"　2014/4/2　", "2014-04-02", true},
		{"2014-04-02 10:30", "2014-04-02", true},
		{"2014-04-02 10:30:15", "2014-04-02", true},
		{"2014/4/2 9:05 PM", "2014-04-02", true},
		{"2014-04-02T10:30:00Z", "2014-04-02", true},
		{"2014-04-02T10:30:00.000+08:00", "2014-04-02", true},
		{"2014年4月2日 上午9:30", "2014-04-02", true},
		{"2014年4月2日10时30分", "2014-04-02", true},
		{"2016-02-29", "2016-02-29", true},

		{"", "", false},
		{"   ", "", false},
		{"2014-02-30", "", false},
		{"2015-02-29", "", false},
		{"2014-13-01", "", false},
		{"2014-00-10", "", false},
		{"2014-4/2", "", false},
		{"2014年4-2", "", false},
		{"04/02/2014", "", false},
		{"14-4-2", "", false},
		{"2014", "", false},          // a year alone is not serial 2014 (1905)
		{"5", "", false},             // nor is a small number
		{"99999999", "", false},      // eight digits that are no date
		{"3000000", "", false},       // past 9999-12-31
		{"41731.", "", false},        // a number cut short
		{"-41731", "", false},        // negative
		{"2014-04-02 昨天", "", false}, // anything else after the date
		{"2014-04-02abc", "", false},
		{"1899-12-31", "", false},
		{"二〇一四年四月二日", "", false},
	}
	for _, c := range cases {
		got, ok := ParseDate(c.in)
		require.Equal(t, c.ok, ok, "%q", c.in)
		require.Equal(t, c.want, got, "%q", c.in)
	}
}

func TestSerial1904(t *testing.T) {
	got, ok := parseDate("40269", true)
	require.True(t, ok)
	require.Equal(t, "2014-04-02", got)
}

// TestDateFormsInEveryFormat reads each accepted way of writing 2014-04-02
// through each file format, as it arrives in the collected_at column.
func TestDateFormsInEveryFormat(t *testing.T) {
	typed := []string{"2014-04-02", "2014-4-2", "2014/4/2", "2014年4月2日", "2014.4.2", "41731", "２０１４－０４－０２",
		"２０１４年４月２日", "2014/4/2 10:30:00", " 2014.04.02 "}
	type source struct {
		name  string
		write func(t *testing.T, date string) (path, name string)
	}
	csvWith := func(enc func(testing.TB, string) []byte) func(t *testing.T, date string) (string, string) {
		return func(t *testing.T, date string) (string, string) {
			return writeTemp(t, "a.csv", enc(t, "意见内容,来源,收集时间\n内容,热线,"+date+"\n")), "a.csv"
		}
	}
	sources := []source{
		{"csv utf-8", csvWith(func(_ testing.TB, s string) []byte { return []byte(s) })},
		{"csv utf-8 bom", csvWith(func(_ testing.TB, s string) []byte { return withBOM(s) })},
		{"csv gbk", csvWith(gbk)},
		{"csv gb18030", csvWith(gb18030)},
		{"json", func(t *testing.T, date string) (string, string) {
			return writeTemp(t, "a.json", []byte(`[{"content":"内容","channel":"热线","collected_at":"`+date+`"}]`)), "a.json"
		}},
		{"xlsx text cell", func(t *testing.T, date string) (string, string) {
			return writeXLSX(t, sheetSpec{name: "S", rows: [][]any{{"意见内容", "来源", "收集时间"}, {"内容", "热线", date}}}), "a.xlsx"
		}},
	}
	for _, src := range sources {
		for _, d := range typed {
			t.Run(src.name+" "+d, func(t *testing.T) {
				path, name := src.write(t, d)
				rows, _ := readAll(t, path, name)
				require.Len(t, rows, 1)
				require.Equal(t, "2014-04-02", rows[0].Fields[FieldCollectedAt])
			})
		}
	}
	// Cells that Excel itself stores as numbers: a date cell and a typed serial.
	for name, v := range map[string]any{"date cell": day(2014, 4, 2), "serial number": numCell(41731), "serial with time": numCell(41731.6)} {
		t.Run("xlsx "+name, func(t *testing.T) {
			rows, _ := readAll(t, writeXLSX(t, sheetSpec{name: "S", rows: [][]any{{"意见内容", "来源", "收集时间"}, {"内容", "热线", v}}}), "a.xlsx")
			require.Equal(t, "2014-04-02", rows[0].Fields[FieldCollectedAt])
			require.Equal(t, "2014-04-02", rows[0].Cells[2], "shown as the date it is")
		})
	}
}
