package activities

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	commonpb "go.temporal.io/api/common/v1"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/temporal"
	"golang.org/x/sync/errgroup"

	"rectify/internal/campaign"
	"rectify/internal/domain"
	"rectify/internal/intake"
	"rectify/internal/store"
	"rectify/workflows"
)

// BatchStore is what the import activities read and write in the reporting store.
type BatchStore interface {
	Batch(ctx context.Context, id string) (store.Batch, error)
	Campaign(ctx context.Context, id string) (campaign.Campaign, error)
	PendingRows(ctx context.Context, batchID string, from, to int) ([]store.PendingRow, error)
	// OpinionRecord is an opinion as the store has it; found is false before its
	// workflow has written it.
	OpinionRecord(ctx context.Context, id string) (o domain.Opinion, found bool, err error)
	RecordRowOutcomes(ctx context.Context, batchID string, outcomes []store.RowOutcome) error
	// StartedNotInStore counts the opinions the batch started that the store does
	// not show yet.
	StartedNotInStore(ctx context.Context, batchID string) (int, error)
	FinishBatch(ctx context.Context, id string, at time.Time) error
}

// StartsInFlight bounds concurrent workflow starts per chunk: enough to keep the
// frontend busy, few enough not to queue behind it.
const StartsInFlight = 32

// ImportChunk starts the opinions of a chunk of a batch's accepted rows. A row is
// counted already present only when its opinion exists and is the same opinion
// (same content, channel, date, submitter and phone); a row whose key belongs to an
// opinion that says something else is refused as a key conflict, naming that
// opinion. A row started by an earlier attempt of this chunk is recognised by its
// batch, in the store or in its workflow's start, and counted once.
func (a *Activities) ImportChunk(ctx context.Context, in workflows.ImportChunkInput) (workflows.ImportChunkResult, error) {
	var res workflows.ImportChunkResult
	b, err := a.Batches.Batch(ctx, in.BatchID)
	if err != nil {
		return res, notInStore("import", in.BatchID, err)
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
	outcomes := make([]store.RowOutcome, 0, len(rows))
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(StartsInFlight)
	for _, row := range rows {
		g.Go(func() error {
			p, err := intake.DecodePending(row.Opinion)
			if err != nil {
				return fmt.Errorf("batch %s row %d: %w", b.ID, row.Seq, err)
			}
			outcome, err := a.startRow(gctx, c, b, p, row.Seq)
			if err != nil {
				return err
			}
			mu.Lock()
			outcomes = append(outcomes, outcome)
			done := len(outcomes)
			mu.Unlock()
			activity.RecordHeartbeat(ctx, done)
			return nil
		})
	}
	startErr := g.Wait()
	// Keep what was done even when part of the chunk failed; the retry does the rest.
	if err := a.Batches.RecordRowOutcomes(ctx, b.ID, outcomes); err != nil {
		return res, err
	}
	if startErr != nil {
		return res, startErr
	}
	for _, o := range outcomes {
		switch o.Outcome {
		case store.OutcomeStarted:
			res.Started++
		case store.OutcomeAlreadyPresent:
			res.AlreadyPresent++
		case store.OutcomeKeyConflict:
			res.KeyConflicts++
		}
	}
	return res, nil
}

// startRow starts one row's opinion, or finds what already has its key.
func (a *Activities) startRow(ctx context.Context, c campaign.Campaign, b store.Batch, p intake.Pending, seq int) (store.RowOutcome, error) {
	in := intake.Input(c, p.Opinion, b.CreatedBy, b.ID)
	if p.Progress != nil {
		in.Backfill, in.File = p.Progress, b.FileName
	}
	started := store.RowOutcome{Seq: seq, Outcome: store.OutcomeStarted}
	if p.SerialKey != "" {
		// Imported when 序号 still served as a key: the opinion under the row's old
		// key, if it says the same, is this row's opinion. If it says something else
		// it is another opinion that had the same number.
		oldID := domain.OpinionID(c.ID, p.SerialKey)
		if oldID != in.OpinionID {
			o, found, err := a.Batches.OpinionRecord(ctx, oldID)
			if err != nil {
				return store.RowOutcome{}, err
			}
			if found && o.BatchID != b.ID && len(intake.InputIdentity(in).Differences(intake.OpinionIdentity(o))) == 0 {
				return store.RowOutcome{Seq: seq, Outcome: store.OutcomeAlreadyPresent, Existing: oldID}, nil
			}
		}
	}
	o, found, err := a.Batches.OpinionRecord(ctx, in.OpinionID)
	if err != nil {
		return store.RowOutcome{}, err
	}
	if found {
		if o.BatchID == b.ID {
			return started, nil // an earlier attempt of this chunk started it
		}
		return sameOrConflict(seq, in, intake.OpinionIdentity(o)), nil
	}
	ok, err := intake.Start(ctx, a.Temporal, in)
	if err != nil {
		return store.RowOutcome{}, err
	}
	if ok {
		return started, nil
	}
	// The opinion exists but its workflow has not written it to the store yet:
	// what it was started with says what it is.
	existing, err := a.startInput(ctx, in.OpinionID)
	if err != nil {
		return store.RowOutcome{}, err
	}
	if existing.BatchID == b.ID {
		return started, nil
	}
	return sameOrConflict(seq, in, intake.InputIdentity(existing)), nil
}

// sameOrConflict decides about a row whose key an opinion already has: the same
// opinion is already there; another one is a conflict that refuses the row.
func sameOrConflict(seq int, in workflows.OpinionInput, existing intake.Identity) store.RowOutcome {
	out := store.RowOutcome{Seq: seq, Outcome: store.OutcomeAlreadyPresent, Existing: in.OpinionID}
	if diff := intake.InputIdentity(in).Differences(existing); len(diff) > 0 {
		out.Outcome = store.OutcomeKeyConflict
		out.Reason = (&intake.KeyConflict{Key: in.Key, Existing: in.OpinionID, Fields: diff}).Message().Stored()
	}
	return out
}

// startInput reads the input an opinion's workflow was started with from the first
// event of its history, with the client's data converter, which encoded it.
func (a *Activities) startInput(ctx context.Context, opinionID string) (workflows.OpinionInput, error) {
	var in workflows.OpinionInput
	resp, err := a.Temporal.WorkflowService().GetWorkflowExecutionHistory(ctx, &workflowservice.GetWorkflowExecutionHistoryRequest{
		Namespace:       a.Namespace,
		Execution:       &commonpb.WorkflowExecution{WorkflowId: workflows.OpinionWorkflowID(opinionID)},
		MaximumPageSize: 1,
	})
	if err != nil {
		return in, fmt.Errorf("opinion %s: read its start: %w", opinionID, err)
	}
	events := resp.GetHistory().GetEvents()
	if len(events) == 0 || events[0].GetWorkflowExecutionStartedEventAttributes() == nil {
		return in, fmt.Errorf("opinion %s: its history does not begin with its start", opinionID)
	}
	if err := a.converter().FromPayloads(events[0].GetWorkflowExecutionStartedEventAttributes().GetInput(), &in); err != nil {
		return in, fmt.Errorf("opinion %s: read its start: %w", opinionID, err)
	}
	return in, nil
}

// How FinishBatch waits for the store to show a batch's opinions: polls from
// finishPollFirst, doubling to finishPollMax, for at most finishAttempt per attempt
// (then the activity fails and Temporal retries it). Variables for tests.
var (
	finishPollFirst = 100 * time.Millisecond
	finishPollMax   = 2 * time.Second
	finishAttempt   = 4 * time.Minute
)

// ErrOpinionsNotInStore is the type of FinishBatch's retryable failure while opinions
// the batch started are not in the reporting store yet.
const ErrOpinionsNotInStore = "OpinionsNotInStore"

// FinishBatch marks a batch done once the reporting store shows every opinion it
// started. Each opinion is written there by its workflow's first task, shortly
// after the start: until then the import is not done, because the lists and the
// figures would not show all of it. It waits with heartbeats and, when an attempt
// has waited long enough, fails so that Temporal retries it, durably.
func (a *Activities) FinishBatch(ctx context.Context, in workflows.FinishBatchInput) error {
	deadline := time.Now().Add(finishAttempt)
	if d, ok := ctx.Deadline(); ok && d.Add(-finishPollMax).Before(deadline) {
		deadline = d.Add(-finishPollMax)
	}
	wait := finishPollFirst
	for {
		missing, err := a.Batches.StartedNotInStore(ctx, in.BatchID)
		if err != nil {
			return err
		}
		if missing == 0 {
			return a.Batches.FinishBatch(ctx, in.BatchID, time.Now().UTC())
		}
		activity.RecordHeartbeat(ctx, missing)
		if !time.Now().Add(wait).Before(deadline) {
			return temporal.NewApplicationError(
				fmt.Sprintf("batch %s: the reporting store does not show %d of the opinions it started yet", in.BatchID, missing),
				ErrOpinionsNotInStore)
		}
		select {
		case <-ctx.Done():
			return errors.Join(ctx.Err(), fmt.Errorf("batch %s: the reporting store does not show %d of the opinions it started yet", in.BatchID, missing))
		case <-time.After(wait):
		}
		wait = min(2*wait, finishPollMax)
	}
}
