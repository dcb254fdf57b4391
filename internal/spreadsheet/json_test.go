package spreadsheet

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestJSON(t *testing.T) {
	data := "\uFEFF[\n" +
		`{"key": "a-1", "content": " 楼道灯坏了 ", "channel": "hotline", "collected_at": "2014-04-02", "phone": 13812345678, "source_system": "12345"},` + "\n" +
		`{"content": "", "channel": null},` + "\n" +
		`{"意见内容": "用中文键也可以", "channel": "来信", "collected_at": 41731, "key": 7, "tags": ["a", "b"], "urgent": true},` + "\n" +
		`{"content": "=1+1", "channel": "online", "collected_at": "2014年4月3日 上午9:30", "department": "城管科"}` + "\n]\n"
	rows, r := readAll(t, writeTemp(t, "batch.json", []byte(data)), "batch.JSON")
	require.Equal(t, []string{""}, r.Sheets())
	require.Equal(t, []string{"key", "content", "channel", "collected_at", "phone", "source_system", "意见内容", "tags", "urgent", "department"}, r.Header(""))
	require.Len(t, rows, 3)
	require.Equal(t, []int{1, 3, 4}, []int{rows[0].Line, rows[1].Line, rows[2].Line})
	require.Equal(t, map[Field]string{FieldKey: "a-1", FieldContent: "楼道灯坏了", FieldChannel: "hotline", FieldCollectedAt: "2014-04-02",
		FieldPhone: "13812345678", FieldDepartment: ""}, rows[0].Fields)
	require.Equal(t, map[string]string{"source_system": "12345"}, rows[0].Extra)
	require.Equal(t, "用中文键也可以", rows[1].Fields[FieldContent])
	require.Equal(t, "意见内容", rows[1].Columns[FieldContent])
	require.Equal(t, "2014-04-02", rows[1].Fields[FieldCollectedAt])
	require.Equal(t, "7", rows[1].Fields[FieldKey])
	require.Equal(t, map[string]string{"tags": `["a","b"]`, "urgent": "true"}, rows[1].Extra)
	require.Equal(t, "=1+1", rows[2].Fields[FieldContent])
	require.Equal(t, "2014-04-03", rows[2].Fields[FieldCollectedAt])
	require.Equal(t, "content", rows[2].Columns[FieldContent])
	require.Len(t, rows[2].Cells, 10)
}

func TestJSONErrors(t *testing.T) {
	cases := []struct {
		name, data, code string
	}{
		{"object, not array", `{"content": "x"}`, CodeNotSpreadsheet},
		{"not json", `content,channel`, CodeNotSpreadsheet},
		{"blank", " \n\t ", CodeEmpty},
		{"empty array", "[]", CodeNoDataRows},
		{"only empty objects", `[{}, {"content": "", "channel": " ", "collected_at": null}]`, CodeNoDataRows},
		{"element not an object", `[{"content":"a","channel":"热线","collected_at":"2014-04-02"}, 42]`, CodeCorrupt},
		{"truncated", `[{"content":"a","channel":"热线","collected_at":"2014-04-02"}, {"content": "b`, CodeCorrupt},
		{"syntax error", `[{"content":"a",,}]`, CodeCorrupt},
		{"trailing data", `[{"content":"a","channel":"热线","collected_at":"2014-04-02"}] x`, CodeCorrupt},
		{"missing required key", `[{"content":"a","channel":"热线"}]`, CodeMissingColumn},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			code, _ := fileErrCode(t, writeTemp(t, "a.json", []byte(c.data)), "a.json", Limits{})
			require.Equal(t, c.code, code)
		})
	}
	_, fe := fileErrCode(t, writeTemp(t, "a.json", []byte(`[{"content":"a","channel":"热线"}]`)), "a.json", Limits{})
	require.Equal(t, []Field{FieldCollectedAt}, fe.Missing)
}
