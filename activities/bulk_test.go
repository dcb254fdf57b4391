package activities_test

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"rectify/activities"
	"rectify/internal/domain"
	"rectify/internal/store"
	"rectify/workflows"
)

// workflowOnce plays the opinions' workflows as the bulk's actor meets them: an
// action sent again under the same update id is answered, not taken again. It
// refuses what refuse names, and dies once after marking what crash names sent.
type workflowOnce struct {
	mu      sync.Mutex
	refuse  map[string]string
	crash   map[string]bool
	crashed []string            // the opinions it died on, in order
	taken   map[string]int      // opinion → actions taken
	seen    map[string][]string // opinion → the item statuses it was handed with
}

func (w *workflowOnce) ActInBulk(ctx context.Context, _ store.Bulk, item store.BulkItem, markSent func(context.Context) error) (store.BulkItem, error) {
	w.mu.Lock()
	w.seen[item.OpinionID] = append(w.seen[item.OpinionID], item.Status)
	code := w.refuse[item.OpinionID]
	w.mu.Unlock()
	if code != "" {
		item.Status, item.Code, item.Message = store.BulkItemRefused, code, "refused: "+code
		return item, nil
	}
	if item.Status == store.BulkItemWaiting {
		if err := markSent(ctx); err != nil {
			return item, err
		}
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.taken[item.OpinionID] == 0 {
		w.taken[item.OpinionID]++
	}
	if w.crash[item.OpinionID] {
		delete(w.crash, item.OpinionID)
		w.crashed = append(w.crashed, item.OpinionID)
		return item, errors.New("the worker died before the answer came back")
	}
	item.Status = store.BulkItemDone
	return item, nil
}

func TestABulkChunkRetriedAfterACrashActsOnEveryOpinionOnce(t *testing.T) {
	ctx := context.Background()
	s, err := store.Open(filepath.Join(t.TempDir(), "rectify.db"))
	require.NoError(t, err)
	t.Cleanup(func() { _ = s.Close() })
	ids := make([]string, 40)
	for i := range ids {
		ids[i] = fmt.Sprintf("op-%02d", i)
	}
	_, err = s.CreateBulk(ctx, store.Bulk{ID: "k1", CampaignID: "c1", Action: domain.ActionReject,
		Body: domain.ActionBody{Reason: "重复"}, CreatedBy: "office", CreatedAt: time.Now()}, ids)
	require.NoError(t, err)
	wf := &workflowOnce{refuse: map[string]string{"op-01": "wrong_state"}, crash: map[string]bool{"op-03": true, "op-30": true},
		taken: map[string]int{}, seen: map[string][]string{}}
	a := &activities.Activities{Bulks: s, BulkActor: wf}

	_, err = a.BulkChunk(ctx, workflows.BulkChunkInput{BulkID: "k1", From: 0, To: 40})
	require.Error(t, err, "the chunk fails with its worker")
	items, err := s.BulkItems(ctx, "k1", 0, -1)
	require.NoError(t, err)
	require.NotEmpty(t, wf.crashed)
	for _, id := range wf.crashed {
		var it store.BulkItem
		for _, x := range items {
			if x.OpinionID == id {
				it = x
			}
		}
		require.Equal(t, store.BulkItemSent, it.Status, "%s is in doubt: sent, with no answer", id)
	}
	var answered []string
	for _, it := range items {
		if it.Status == store.BulkItemDone || it.Status == store.BulkItemRefused {
			answered = append(answered, it.OpinionID)
		}
	}

	// Retried as Temporal would, until it succeeds: a crash not met yet fails one more attempt.
	attempts := 1
	for {
		attempts++
		if _, err = a.BulkChunk(ctx, workflows.BulkChunkInput{BulkID: "k1", From: 0, To: 40}); err == nil {
			break
		}
		require.Less(t, attempts, 5, "the chunk keeps failing: %v", err)
	}
	require.Equal(t, []string{"op-03", "op-30"}, sorted(wf.crashed), "both crashes were met")
	require.LessOrEqual(t, attempts, 3, "one attempt per crash, and the one that succeeds")
	for _, id := range wf.crashed {
		seen := wf.seen[id]
		require.Equal(t, store.BulkItemSent, seen[len(seen)-1], "%s, in doubt, was sent again as sent", id)
	}
	for _, id := range answered {
		require.Len(t, wf.seen[id], 1, "%s was answered in the first attempt and not handed on again", id)
	}
	for _, id := range ids {
		want := 1
		if id == "op-01" {
			want = 0
		}
		require.Equal(t, want, wf.taken[id], "%s acted on once", id)
	}
	b, err := s.Bulk(ctx, "k1")
	require.NoError(t, err)
	require.Equal(t, [3]int{40, 39, 1}, [3]int{b.Total, b.Done, b.Refused})
	items, err = s.BulkItems(ctx, "k1", 1, 2)
	require.NoError(t, err)
	require.Equal(t, "wrong_state", items[0].Code)

	require.NoError(t, a.FinishBulk(ctx, workflows.FinishBulkInput{BulkID: "k1"}))
	b, err = s.Bulk(ctx, "k1")
	require.NoError(t, err)
	require.Equal(t, store.BulkDone, b.State)
}

func sorted(xs []string) []string {
	out := append([]string(nil), xs...)
	slices.Sort(out)
	return out
}
