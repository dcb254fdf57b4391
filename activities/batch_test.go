package activities_test

import (
	"context"
	"encoding/json"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"

	"rectify/activities"
	"rectify/internal/campaign"
	"rectify/internal/domain"
	"rectify/internal/intake"
	"rectify/internal/store"
	"rectify/internal/web/i18n"
	"rectify/workflows"
)

// batchStore is a BatchStore in memory. notInStore is what StartedNotInStore
// answers, one value per call (the last one repeats).
type batchStore struct {
	mu         sync.Mutex
	batch      store.Batch
	rows       []store.PendingRow
	opinions   map[string]domain.Opinion
	outcomes   []store.RowOutcome
	notInStore []int
	finished   bool
}

func (s *batchStore) Batch(context.Context, string) (store.Batch, error) { return s.batch, nil }
func (s *batchStore) Campaign(_ context.Context, id string) (campaign.Campaign, error) {
	return campaign.Campaign{ID: id, Policy: domain.Policy{Departments: []string{"城管科"}}}, nil
}
func (s *batchStore) PendingRows(context.Context, string, int, int) ([]store.PendingRow, error) {
	return s.rows, nil
}
func (s *batchStore) OpinionRecord(_ context.Context, id string) (domain.Opinion, bool, error) {
	o, ok := s.opinions[id]
	return o, ok, nil
}
func (s *batchStore) RecordRowOutcomes(_ context.Context, _ string, outcomes []store.RowOutcome) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.outcomes = append(s.outcomes, outcomes...)
	return nil
}
func (s *batchStore) StartedNotInStore(context.Context, string) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := s.notInStore[0]
	if len(s.notInStore) > 1 {
		s.notInStore = s.notInStore[1:]
	}
	return n, nil
}
func (s *batchStore) FinishBatch(context.Context, string, time.Time) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.finished = true
	return nil
}

// pendingRow stores an opinion as an import's accepted row.
func pendingRow(t *testing.T, seq int, a intake.Accepted) store.PendingRow {
	t.Helper()
	doc, err := json.Marshal(a.Pending())
	require.NoError(t, err)
	return store.PendingRow{Seq: seq, Opinion: doc}
}

func TestARowWhoseKeyBelongsToAnotherOpinionIsAConflictNotAlreadyThere(t *testing.T) {
	same := intake.Opinion{Key: "TJ-1", Content: "路灯坏了", Channel: "hotline", CollectedAt: "2026-11-01"}
	other := intake.Opinion{Key: "TJ-2", Content: "座谈会上提出：窗口态度生硬", Channel: "symposium", CollectedAt: "2026-11-05"}
	mine := intake.Opinion{Key: "TJ-3", Content: "道路积水", Channel: "hotline", CollectedAt: "2026-11-02"}
	renumbered := intake.Opinion{Content: "垃圾清运不及时", Channel: "visit", CollectedAt: "2026-11-03"}
	renumbered.Key = intake.DerivedKey(renumbered)
	id := func(key string) string { return domain.OpinionID("c1", key) }
	s := &batchStore{
		batch: store.Batch{ID: "b2", CampaignID: "c1", CreatedBy: "office"},
		opinions: map[string]domain.Opinion{
			// Imported by an earlier file: the same opinion, and a different one under TJ-2.
			id("TJ-1"): {ID: id("TJ-1"), BatchID: "b1", Content: "路灯坏了", Channel: "hotline", CollectedAt: "2026-11-01"},
			id("TJ-2"): {ID: id("TJ-2"), BatchID: "b1", Content: "路灯坏了", Channel: "hotline", CollectedAt: "2026-11-01"},
			// Started by an earlier attempt of this chunk.
			id("TJ-3"): {ID: id("TJ-3"), BatchID: "b2", Content: "道路积水", Channel: "hotline", CollectedAt: "2026-11-02"},
			// Imported when 序号 7 was its key.
			id("7"): {ID: id("7"), BatchID: "b0", Content: "垃圾清运不及时", Channel: "visit", CollectedAt: "2026-11-03"},
		},
	}
	s.rows = []store.PendingRow{
		pendingRow(t, 0, intake.Accepted{Opinion: same}),
		pendingRow(t, 1, intake.Accepted{Opinion: other}),
		pendingRow(t, 2, intake.Accepted{Opinion: mine}),
		pendingRow(t, 3, intake.Accepted{Opinion: renumbered, SerialKey: "7"}),
	}
	var env testsuite.WorkflowTestSuite
	a := &activities.Activities{Batches: s}
	aenv := env.NewTestActivityEnvironment()
	aenv.RegisterActivity(a.ImportChunk)
	v, err := aenv.ExecuteActivity(a.ImportChunk, workflows.ImportChunkInput{BatchID: "b2", From: 0, To: 4})
	require.NoError(t, err)
	var res workflows.ImportChunkResult
	require.NoError(t, v.Get(&res))
	require.Equal(t, workflows.ImportChunkResult{Started: 1, AlreadyPresent: 2, KeyConflicts: 1}, res)

	bySeq := map[int]store.RowOutcome{}
	for _, o := range s.outcomes {
		bySeq[o.Seq] = o
	}
	require.Equal(t, store.RowOutcome{Seq: 0, Outcome: store.OutcomeAlreadyPresent, Existing: id("TJ-1")}, bySeq[0],
		"the same opinion is already there, and the report says which")
	require.Equal(t, store.OutcomeKeyConflict, bySeq[1].Outcome, "a different opinion under the same key is not counted already there")
	require.Equal(t, id("TJ-2"), bySeq[1].Existing)
	require.Contains(t, bySeq[1].Reason, id("TJ-2"), "the refusal names the opinion that has the key")
	require.Contains(t, i18n.Render(i18n.English, bySeq[1].Reason), "content, channel, collected_at")
	require.Contains(t, i18n.Render(i18n.Chinese, bySeq[1].Reason), "意见内容、来源渠道、收集日期", "the reason is stored to be read in either language")
	require.NotContains(t, bySeq[1].Reason, "窗口", "and never what a citizen said")
	require.Equal(t, store.OutcomeStarted, bySeq[2].Outcome, "started by this batch before: counted once, as started")
	require.Equal(t, store.RowOutcome{Seq: 3, Outcome: store.OutcomeAlreadyPresent, Existing: id("7")}, bySeq[3],
		"an opinion imported under its 序号 before, saying the same, is this row's")
}

func TestAnOpinionImportedUnderTheSameSerialNumberButSayingSomethingElseIsNotThisRow(t *testing.T) {
	row := intake.Opinion{Content: "办事要跑三趟", Channel: "symposium", CollectedAt: "2026-11-05"}
	row.Key = intake.DerivedKey(row)
	id := func(key string) string { return domain.OpinionID("c1", key) }
	s := &batchStore{
		batch: store.Batch{ID: "b2", CampaignID: "c1"},
		opinions: map[string]domain.Opinion{
			id("1"): {ID: id("1"), BatchID: "b1", Content: "路灯坏了", Channel: "hotline", CollectedAt: "2026-11-01"},
			// Its own opinion is there too (so nothing needs starting here).
			id(row.Key): {ID: id(row.Key), BatchID: "b2", Content: row.Content, Channel: row.Channel, CollectedAt: row.CollectedAt},
		},
		rows: []store.PendingRow{pendingRow(t, 0, intake.Accepted{Opinion: row, SerialKey: "1"})},
	}
	var env testsuite.WorkflowTestSuite
	a := &activities.Activities{Batches: s}
	aenv := env.NewTestActivityEnvironment()
	aenv.RegisterActivity(a.ImportChunk)
	_, err := aenv.ExecuteActivity(a.ImportChunk, workflows.ImportChunkInput{BatchID: "b2", From: 0, To: 1})
	require.NoError(t, err)
	require.Equal(t, []store.RowOutcome{{Seq: 0, Outcome: store.OutcomeStarted}}, s.outcomes,
		"序号 1 of another file is another opinion: this row is its own")
}

func TestAnImportIsDoneOnlyOnceTheStoreShowsEveryOpinionItStarted(t *testing.T) {
	activities.ShortenFinishWaits(t.Cleanup, time.Minute)
	s := &batchStore{notInStore: []int{1788, 212, 3, 0}}
	var env testsuite.WorkflowTestSuite
	a := &activities.Activities{Batches: s}
	aenv := env.NewTestActivityEnvironment()
	aenv.RegisterActivity(a.FinishBatch)
	_, err := aenv.ExecuteActivity(a.FinishBatch, workflows.FinishBatchInput{BatchID: "b1"})
	require.NoError(t, err)
	require.True(t, s.finished)
	require.Equal(t, []int{0}, s.notInStore, "it asked until none was missing")
}

func TestAnImportWhoseOpinionsDoNotShowIsNotDoneAndItsFinishIsRetried(t *testing.T) {
	activities.ShortenFinishWaits(t.Cleanup, 50*time.Millisecond)
	s := &batchStore{notInStore: []int{1}}
	var env testsuite.WorkflowTestSuite
	a := &activities.Activities{Batches: s}
	aenv := env.NewTestActivityEnvironment()
	aenv.RegisterActivity(a.FinishBatch)
	_, err := aenv.ExecuteActivity(a.FinishBatch, workflows.FinishBatchInput{BatchID: "b1"})
	var appErr *temporal.ApplicationError
	require.True(t, errors.As(err, &appErr), "%v", err)
	require.Equal(t, activities.ErrOpinionsNotInStore, appErr.Type())
	require.False(t, appErr.NonRetryable(), "Temporal tries again")
	require.Contains(t, appErr.Error(), "the reporting store does not show 1 of the opinions it started yet")
	require.False(t, s.finished, "an import is never reported done ahead of its opinions")
}
