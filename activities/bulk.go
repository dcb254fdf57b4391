package activities

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/temporal"
	"golang.org/x/sync/errgroup"

	"rectify/internal/store"
	"rectify/workflows"
)

// BulkStore is what the bulk activities read and write in the reporting store.
type BulkStore interface {
	Bulk(ctx context.Context, id string) (store.Bulk, error)
	BulkItems(ctx context.Context, bulkID string, from, to int) ([]store.BulkItem, error)
	MarkBulkItemSent(ctx context.Context, bulkID string, seq int) error
	RecordBulkOutcomes(ctx context.Context, bulkID string, items []store.BulkItem) error
	FinishBulk(ctx context.Context, id string, at time.Time) error
}

// BulkActor takes a bulk's action on one of its opinions, as the bulk's creator
// and through the same checks as a single action. An item waiting is checked
// first: a refusal is its outcome, and one that passes is marked sent (markSent)
// before it goes to the opinion's workflow under the bulk's update id. An item
// already sent goes again under that id, which the workflow answers once. The
// item comes back with its outcome; an error is one to retry (the store or
// Temporal did not answer), never the action's refusal.
type BulkActor interface {
	ActInBulk(ctx context.Context, b store.Bulk, item store.BulkItem, markSent func(context.Context) error) (store.BulkItem, error)
}

// ActionsInFlight bounds how many of a chunk's actions are sent at once: as many
// as the lifecycle's busiest measured load (32 users). At 16 the engine idled
// between actions and a bulk opinion cost 8–9 ms of CPU; at 32 it costs about 7,
// and 64 gains nothing more (docs/performance.md, "A bulk with more in flight").
const ActionsInFlight = 32

// BulkChunk takes a bulk's action on items [From, To), skipping those with an
// outcome, and records the outcomes together.
func (a *Activities) BulkChunk(ctx context.Context, in workflows.BulkChunkInput) (workflows.BulkChunkResult, error) {
	var res workflows.BulkChunkResult
	b, err := a.Bulks.Bulk(ctx, in.BulkID)
	if err != nil {
		return res, notInStore("bulk", in.BulkID, err)
	}
	items, err := a.Bulks.BulkItems(ctx, in.BulkID, in.From, in.To)
	if err != nil {
		return res, err
	}
	var mu sync.Mutex
	var outcomes []store.BulkItem
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(ActionsInFlight)
	for _, item := range items {
		if gctx.Err() != nil {
			break // an item failed: the chunk is retried from what was recorded
		}
		if item.Status == store.BulkItemDone || item.Status == store.BulkItemRefused {
			continue
		}
		g.Go(func() error {
			markSent := func(ctx context.Context) error { return a.Bulks.MarkBulkItemSent(ctx, in.BulkID, item.Seq) }
			out, err := a.BulkActor.ActInBulk(gctx, b, item, markSent)
			if err != nil {
				return fmt.Errorf("bulk %s item %d: %w", in.BulkID, item.Seq, err)
			}
			mu.Lock()
			defer mu.Unlock()
			outcomes = append(outcomes, out)
			if activity.IsActivity(gctx) {
				activity.RecordHeartbeat(gctx, len(outcomes))
			}
			return nil
		})
	}
	// What was acted on is recorded even when another item failed, so a retry
	// does not send it again.
	waitErr := g.Wait()
	if len(outcomes) > 0 {
		if err := a.Bulks.RecordBulkOutcomes(ctx, in.BulkID, outcomes); err != nil {
			return res, err
		}
	}
	if waitErr != nil {
		return res, waitErr
	}
	for _, o := range outcomes {
		if o.Status == store.BulkItemDone {
			res.Done++
		} else {
			res.Refused++
		}
	}
	return res, nil
}

// FinishBulk marks a bulk done.
func (a *Activities) FinishBulk(ctx context.Context, in workflows.FinishBulkInput) error {
	return a.Bulks.FinishBulk(ctx, in.BulkID, time.Now())
}

// notInStore makes the error of reading an import's or a bulk's record final
// when the store has none: its process runs in a restored Temporal whose store,
// copied before the record was written, never had it (docs/operations.md,
// "Backup and restore"); retrying would wait for ever. The process fails, and the
// office imports the file, or takes the bulk, again.
func notInStore(what, id string, err error) error {
	if errors.Is(err, store.ErrNotFound) {
		return temporal.NewNonRetryableApplicationError(fmt.Sprintf("%s %s is not in the reporting store", what, id), "NotInStore", err)
	}
	return err
}
