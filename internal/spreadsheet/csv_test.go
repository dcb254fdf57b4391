package spreadsheet

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"golang.org/x/text/encoding/unicode"
)

// csvLedger has title lines, quoted commas and a quoted newline, a blank line,
// full-width digits and a formula-looking cell written safely by our writer.
const csvLedger = "XX社区意见汇总表,,,,\r\n" +
	"填报单位：XX社区,,填报时间：2014年4月10日,,\r\n" +
	"序号,意见内容,来源,收集日期,电话,回复情况\r\n" +
	"1,\"办事要跑三趟,能否一次办结\",意见箱,2014/4/2,13812345678,已回复\r\n" +
	"2,\"第一行\n第二行\",热线,2014年4月3日,,\r\n" +
	"\r\n" +
	",,,,,\r\n" +
	"３,'=HYPERLINK(\"x\"),网络,２０１４．４．４,１３８１２３４５６７８,\r\n" +
	"4,他说\"好\"就行,座谈会,41733,,\r\n"

func TestCSVEncodings(t *testing.T) {
	utf16 := func(s string) []byte {
		b, err := unicode.UTF16(unicode.LittleEndian, unicode.UseBOM).NewEncoder().Bytes([]byte(s))
		require.NoError(t, err)
		return b
	}
	cases := []struct {
		name string
		data []byte
	}{
		{"utf-8", []byte(csvLedger)},
		{"utf-8 with BOM", withBOM(csvLedger)},
		{"gbk", gbk(t, csvLedger)},
		{"gb18030", gb18030(t, csvLedger)},
		{"utf-16 with BOM", utf16(csvLedger)},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			rows, r := readAll(t, writeTemp(t, "ledger.csv", c.data), "ledger.csv")
			require.Equal(t, []string{""}, r.Sheets())
			require.Equal(t, []string{"序号", "意见内容", "来源", "收集日期", "电话", "回复情况"}, r.Header(""))
			require.Len(t, rows, 4)
			require.Equal(t, []int{4, 5, 9, 10}, []int{rows[0].Line, rows[1].Line, rows[2].Line, rows[3].Line})
			require.Equal(t, map[Field]string{FieldSerial: "1", FieldContent: "办事要跑三趟,能否一次办结", FieldChannel: "意见箱",
				FieldCollectedAt: "2014-04-02", FieldPhone: "13812345678"}, rows[0].Fields)
			require.Equal(t, map[string]string{"回复情况": "已回复"}, rows[0].Extra)
			require.Equal(t, "第一行\n第二行", rows[1].Fields[FieldContent])
			require.Equal(t, "2014-04-03", rows[1].Fields[FieldCollectedAt])
			require.Equal(t, map[Field]string{FieldSerial: "3", FieldContent: `=HYPERLINK("x")`, FieldChannel: "网络",
				FieldCollectedAt: "2014-04-04", FieldPhone: "13812345678"}, rows[2].Fields)
			require.Equal(t, `他说"好"就行`, rows[3].Fields[FieldContent])
			require.Equal(t, "2014-04-04", rows[3].Fields[FieldCollectedAt])
			require.Equal(t, "2014-04-04", rows[3].Cells[3], "a serial shows as its date")
			require.Equal(t, "收集日期", rows[3].Columns[FieldCollectedAt])
			require.Equal(t, []string{"３", `=HYPERLINK("x")`, "网络", "２０１４．４．４", "１３８１２３４５６７８", ""}, rows[2].Cells)
		})
	}
}

func TestCSVGB18030OutsideGBK(t *testing.T) {
	// 𠮷 is not in GBK; GB18030 encodes it in four bytes.
	data := gb18030(t, "意见内容,来源,收集时间\n𠮷家门口路灯不亮,热线,2014-04-02\n")
	rows, _ := readAll(t, writeTemp(t, "a.csv", data), "a.csv")
	require.Equal(t, "𠮷家门口路灯不亮", rows[0].Fields[FieldContent])
}

func TestCSVTabSeparated(t *testing.T) {
	data := "意见内容\t来源\t收集时间\t备注\n路灯不亮, 请修\t热线\t2014-04-02\t无\n"
	rows, _ := readAll(t, writeTemp(t, "a.csv", []byte(data)), "a.CSV")
	require.Len(t, rows, 1)
	require.Equal(t, "路灯不亮, 请修", rows[0].Fields[FieldContent])
	require.Equal(t, map[string]string{"备注": "无"}, rows[0].Extra)
}

func TestCSVHeaderOnlyFirstMatchingLine(t *testing.T) {
	// A header-looking line further down is data like any other.
	data := "content,channel,collected_at\nA,hotline,2014-04-02\ncontent,channel,collected_at\n"
	rows, _ := readAll(t, writeTemp(t, "a.csv", []byte(data)), "a.csv")
	require.Len(t, rows, 2)
	require.Equal(t, 3, rows[1].Line)
}

func TestCSVGuard(t *testing.T) {
	cases := []struct {
		name string
		data string
		want string
	}{
		{"unclosed quote swallowing the file", "意见内容,来源,收集时间\n\"开头有引号," + strings.Repeat("热线,2014-04-02\n", 80_000), "quoted field"},
		{"too many columns", "意见内容,来源,收集时间\n" + strings.Repeat(",", maxColumns+1) + "\n", "columns"},
		{"a record without end", "意见内容,来源,收集时间\n" + strings.Repeat("长", maxRecord/3+1), "longer than"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			code, fe := fileErrCode(t, writeTemp(t, "a.csv", []byte(c.data)), "a.csv", Limits{MaxBytes: 64 << 20})
			require.Equal(t, CodeCorrupt, code)
			require.Contains(t, fe.Message, c.want)
		})
	}
}
