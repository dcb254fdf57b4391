package spreadsheet

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestASerialNumberColumnIsARowCounterNotAKey(t *testing.T) {
	for _, h := range []string{"序号", " 序 号 ", "行号", "顺序号", "No.", "NO", "#", "row"} {
		f, ok := FieldOf(h)
		require.True(t, ok, h)
		require.Equal(t, FieldSerial, f, "%q only counts rows", h)
	}
	for _, h := range []string{"编号", "意见编号", "工单号", "工单编号", "受理编号", "受理号", "key", "ID", "Key"} {
		f, ok := FieldOf(h)
		require.True(t, ok, h)
		require.Equal(t, FieldKey, f, "%q identifies an opinion", h)
	}
}

func TestARowKeepsItsSerialNumberAndItsIdentifierApart(t *testing.T) {
	csv := "序号,意见编号,意见内容,来源,收集时间\n" +
		"１,TJ-0001,路灯坏了,热线,2026-11-01\n" +
		"2,,道路积水,来信,2026-11-02\n"
	rows, _ := readAll(t, writeTemp(t, "ledger.csv", []byte(csv)), "ledger.csv")
	require.Len(t, rows, 2)
	require.Equal(t, "1", rows[0].Fields[FieldSerial], "folded like a key")
	require.Equal(t, "序号", rows[0].Columns[FieldSerial])
	require.Equal(t, "TJ-0001", rows[0].Fields[FieldKey])
	require.Equal(t, "意见编号", rows[0].Columns[FieldKey])
	require.Equal(t, "2", rows[1].Fields[FieldSerial])
	require.Empty(t, rows[1].Fields[FieldKey], "a row without an identifier has none, whatever its 序号")
}
