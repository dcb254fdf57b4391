package activities

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"time"

	"github.com/google/uuid"
	"go.temporal.io/sdk/activity"
	"golang.org/x/sync/errgroup"

	"rectify/internal/campaign"
	"rectify/internal/intake"
	"rectify/internal/store"
	"rectify/workflows"
)

// BatchStore is what the import activities read and write in the reporting store.
type BatchStore interface {
	Batch(ctx context.Context, id string) (store.Batch, error)
	Campaign(ctx context.Context, id string) (campaign.Campaign, error)
	PendingRows(ctx context.Context, batchID string, from, to int) ([]store.PendingRow, error)
	OpinionBatch(ctx context.Context, opinionID string) (batchID string, found bool, err error)
	RecordOutcomes(ctx context.Context, batchID string, outcomes map[int]string) error
	FinishBatch(ctx context.Context, id string, at time.Time) error
}

// StartsInFlight bounds concurrent workflow starts per chunk: enough to keep the
// frontend busy, few enough not to queue behind it.
const StartsInFlight = 32

// requestNamespace scopes the start request ids of imported rows.
var requestNamespace = uuid.MustParse("0d8e4a8e-3f0b-4c7a-9d52-6a1f3b2c9e71")

// ImportChunk starts the opinions of a chunk of a batch's accepted rows. A row whose
// opinion already exists (from an earlier file, or submitted by hand) is counted as
// already present; a row started by an earlier attempt of this chunk is recognised by
// its request id and counted once.
func (a *Activities) ImportChunk(ctx context.Context, in workflows.ImportChunkInput) (workflows.ImportChunkResult, error) {
	var res workflows.ImportChunkResult
	b, err := a.Batches.Batch(ctx, in.BatchID)
	if err != nil {
		return res, err
	}
	c, err := a.Batches.Campaign(ctx, b.CampaignID)
	if err != nil {
		return res, err
	}
	rows, err := a.Batches.PendingRows(ctx, in.BatchID, in.From, in.To)
	if err != nil {
		return res, err
	}
	var mu sync.Mutex
	outcomes := make(map[int]string, len(rows))
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(StartsInFlight)
	for _, row := range rows {
		g.Go(func() error {
			var o intake.Opinion
			if err := json.Unmarshal(row.Opinion, &o); err != nil {
				return fmt.Errorf("batch %s row %d: %w", b.ID, row.Seq, err)
			}
			outcome, err := a.startRow(gctx, intake.Input(c, o, b.CreatedBy, b.ID), row.Seq)
			if err != nil {
				return err
			}
			mu.Lock()
			outcomes[row.Seq] = outcome
			done := len(outcomes)
			mu.Unlock()
			activity.RecordHeartbeat(ctx, done)
			return nil
		})
	}
	startErr := g.Wait()
	// Keep what was done even when part of the chunk failed; the retry does the rest.
	if err := a.Batches.RecordOutcomes(ctx, b.ID, outcomes); err != nil {
		return res, err
	}
	if startErr != nil {
		return res, startErr
	}
	for _, o := range outcomes {
		if o == store.OutcomeStarted {
			res.Started++
		} else {
			res.AlreadyPresent++
		}
	}
	return res, nil
}

func (a *Activities) startRow(ctx context.Context, in workflows.OpinionInput, seq int) (string, error) {
	batchOf, found, err := a.Batches.OpinionBatch(ctx, in.OpinionID)
	if err != nil {
		return "", err
	}
	if found && batchOf != in.BatchID {
		return store.OutcomeAlreadyPresent, nil
	}
	requestID := uuid.NewSHA1(requestNamespace, fmt.Appendf(nil, "%s/%d", in.BatchID, seq)).String()
	started, err := intake.Start(ctx, a.Temporal, a.Namespace, in, requestID)
	if err != nil {
		return "", err
	}
	if started {
		return store.OutcomeStarted, nil
	}
	return store.OutcomeAlreadyPresent, nil
}

// FinishBatch marks a batch done.
func (a *Activities) FinishBatch(ctx context.Context, in workflows.FinishBatchInput) error {
	return a.Batches.FinishBatch(ctx, in.BatchID, time.Now().UTC())
}
