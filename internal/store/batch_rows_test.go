package store_test

import (
	"context"
	"database/sql"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"rectify/internal/domain"
	"rectify/internal/store"
)

// TestBatchRowsOnEveryBackend runs the tests of an import's rows on every database
// the store runs on.
func TestBatchRowsOnEveryBackend(t *testing.T) {
	for _, bk := range backends {
		t.Run(bk.name, func(t *testing.T) {
			b := bk.start(t)
			t.Run("AReportSaysWhichRowsWereAlreadyThereRefusedOrWarned", func(t *testing.T) { testBatchRowOutcomes(t, b) })
			t.Run("ABatchKnowsWhichOfItsOpinionsTheStoreDoesNotShowYet", func(t *testing.T) { testStartedNotInStore(t, b) })
		})
	}
}

func testBatchRowOutcomes(t *testing.T, b backend) {
	ctx := context.Background()
	s := b.open(t)
	w, err := s.NewBatch(ctx, store.Batch{ID: "b1", CampaignID: "c1", FileName: "座谈会.csv", CreatedBy: "office", CreatedAt: base})
	require.NoError(t, err)
	defer w.Rollback()
	require.NoError(t, w.AcceptRow(ctx, store.AcceptedRow{Opinion: map[string]string{"key": "a"}, OpinionID: "op-a",
		Sheet: "", Line: 2, Serial: "1", Cells: []string{"1", "路灯坏了"}}))
	require.NoError(t, w.Reject(ctx, store.Rejection{Line: 3, Column: "意见内容", Code: "invalid_content", Reason: "is empty",
		Cells: []string{"2", ""}}))
	require.NoError(t, w.AcceptRow(ctx, store.AcceptedRow{Opinion: map[string]string{"key": "b"}, OpinionID: "op-b",
		Line: 4, Serial: "3", Cells: []string{"3", "道路积水"}, Warnings: []store.Warning{
			{Column: "责任部门", Code: "unknown_department", Reason: `"城市管理科" is not one of this campaign's departments`},
			{Column: "问题类别", Code: "unknown_category", Reason: `"服务态度" is not one of this campaign's categories`},
		}}))
	require.NoError(t, w.AcceptRow(ctx, store.AcceptedRow{Opinion: map[string]string{"key": "TJ-1"}, OpinionID: "op-c",
		Line: 5, Serial: "4", KeyColumn: "意见编号", Cells: []string{"4", "垃圾清运"}}))
	got, err := w.Commit(ctx, 4, store.BatchImporting, nil, map[string][]string{"": {"序号", "意见内容"}})
	require.NoError(t, err)
	require.Equal(t, []int{3, 1, 1, 2}, []int{got.Accepted, got.Rejected, got.AcceptedWithWarnings, got.WarningsTotal})

	outcomes := []store.RowOutcome{
		{Seq: 0, Outcome: store.OutcomeStarted},
		{Seq: 1, Outcome: store.OutcomeAlreadyPresent, Existing: "op-old"},
		{Seq: 2, Outcome: store.OutcomeKeyConflict, Existing: "op-c", Reason: `key "TJ-1" already belongs to opinion op-c`},
	}
	require.NoError(t, s.RecordRowOutcomes(ctx, "b1", outcomes))
	require.NoError(t, s.RecordRowOutcomes(ctx, "b1", outcomes), "recording again changes nothing")

	got, err = s.Batch(ctx, "b1")
	require.NoError(t, err)
	require.Equal(t, []int{1, 1, 1, 2}, []int{got.Started, got.AlreadyPresent, got.KeyConflicts, got.Refused},
		"started, already there, refused for a key conflict, refused in all")

	rejections, err := s.Rejections(ctx, "b1", 0)
	require.NoError(t, err)
	require.Equal(t, []store.Rejection{
		{Line: 3, Column: "意见内容", Code: "invalid_content", Reason: "is empty", Cells: []string{"2", ""}},
		{Line: 5, Column: "意见编号", Code: "key_conflict", Reason: `key "TJ-1" already belongs to opinion op-c`, Cells: []string{"4", "垃圾清运"}},
	}, rejections, "a key conflict joins the refused rows in file order, naming the key column, with its cells")

	present, err := s.AlreadyPresentRows(ctx, "b1", 10)
	require.NoError(t, err)
	require.Equal(t, []store.PresentRow{{Line: 4, Serial: "3", OpinionID: "op-old"}}, present, "which row is which opinion")

	warnings, err := s.Warnings(ctx, "b1", 0)
	require.NoError(t, err)
	require.Equal(t, []store.Warning{
		{Line: 4, Serial: "3", Column: "责任部门", Code: "unknown_department", Reason: `"城市管理科" is not one of this campaign's departments`},
		{Line: 4, Serial: "3", Column: "问题类别", Code: "unknown_category", Reason: `"服务态度" is not one of this campaign's categories`},
	}, warnings)

	flagged, err := s.FlaggedRows(ctx, "b1")
	require.NoError(t, err)
	require.Len(t, flagged, 3)
	require.Equal(t, []int{3, 4, 5}, []int{flagged[0].Line, flagged[1].Line, flagged[2].Line}, "file order")
	require.Equal(t, []bool{false, true, false}, []bool{flagged[0].Warning, flagged[1].Warning, flagged[2].Warning})
	require.Equal(t, "责任部门; 问题类别", flagged[1].Column, "one entry per row, naming every column warned about")
	require.Equal(t, []string{"3", "道路积水"}, flagged[1].Cells)

	require.NoError(t, s.FinishBatch(ctx, "b1", base))
	got, err = s.Batch(ctx, "b1")
	require.NoError(t, err)
	require.Equal(t, []int{1, 1, 1, 2, 1, 2}, []int{got.Started, got.AlreadyPresent, got.KeyConflicts, got.Refused,
		got.AcceptedWithWarnings, got.WarningsTotal}, "finishing keeps the counts")
}

func testStartedNotInStore(t *testing.T, b backend) {
	ctx := context.Background()
	s := b.open(t)
	w, err := s.NewBatch(ctx, store.Batch{ID: "b1", CampaignID: "c1", CreatedAt: base})
	require.NoError(t, err)
	defer w.Rollback()
	for _, id := range []string{"op-a", "op-b", "op-c"} {
		require.NoError(t, w.AcceptRow(ctx, store.AcceptedRow{Opinion: map[string]string{"id": id}, OpinionID: id, Line: 2}))
	}
	// A row stored before rows had an origin: its opinion is known by its key.
	require.NoError(t, w.Accept(ctx, map[string]string{"key": "k-4"}))
	_, err = w.Commit(ctx, 4, store.BatchImporting, nil, nil)
	require.NoError(t, err)
	require.NoError(t, s.RecordOutcomes(ctx, "b1", map[int]string{
		0: store.OutcomeStarted, 1: store.OutcomeStarted, 2: store.OutcomeAlreadyPresent, 3: store.OutcomeStarted,
	}))

	missing, err := s.StartedNotInStore(ctx, "b1")
	require.NoError(t, err)
	require.Equal(t, 3, missing, "three started, none in the store yet; the one already there is not this batch's")

	require.NoError(t, s.ProjectOpinion(ctx, newOpinion("op-a", "c1", domain.StateReceived, 1)))
	missing, err = s.StartedNotInStore(ctx, "b1")
	require.NoError(t, err)
	require.Equal(t, 2, missing)

	require.NoError(t, s.ProjectOpinion(ctx, newOpinion("op-b", "c1", domain.StateReceived, 1)))
	require.NoError(t, s.ProjectOpinion(ctx, newOpinion(domain.OpinionID("c1", "k-4"), "c1", domain.StateReceived, 1)))
	missing, err = s.StartedNotInStore(ctx, "b1")
	require.NoError(t, err)
	require.Zero(t, missing)

	o, found, err := s.OpinionRecord(ctx, "op-a")
	require.NoError(t, err)
	require.True(t, found)
	require.Equal(t, "小区路灯不亮 op-a", o.Content)
	_, found, err = s.OpinionRecord(ctx, "op-x")
	require.NoError(t, err)
	require.False(t, found)
}

// A batch's progress is counted from the index of its rows' outcomes, not from the
// rows, which hold each opinion: a 100,000-row import's progress page read them all.
func TestABatchsProgressIsCountedFromItsOutcomeIndex(t *testing.T) {
	dsn := sqliteFiles.dsn(t)
	openAt(t, dsn)
	raw, err := sql.Open("sqlite", dsn)
	require.NoError(t, err)
	defer raw.Close()
	rows, err := raw.Query(`EXPLAIN QUERY PLAN SELECT outcome, count(*) FROM batch_rows WHERE batch_id = 'b1' AND outcome != '' GROUP BY outcome`)
	require.NoError(t, err)
	defer rows.Close()
	var plan []string
	for rows.Next() {
		var id, parent, unused int
		var detail string
		require.NoError(t, rows.Scan(&id, &parent, &unused, &detail))
		plan = append(plan, detail)
	}
	require.NoError(t, rows.Err())
	require.Contains(t, strings.Join(plan, "\n"), "USING COVERING INDEX batch_rows_outcome")
}
