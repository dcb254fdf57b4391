package service

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"
	"go.temporal.io/sdk/client"

	"rectify/internal/campaign"
	"rectify/internal/domain"
	"rectify/internal/store"
	"rectify/internal/user"
	"rectify/workflows"
)

// A bulk is one triage action taken on many opinions of a campaign at once: an
// office sorts hundreds a week, and one form for all of them saves a form each.
// It is stored with its opinions, then worked through by a durable process
// (workflows.BulkWorkflow) that hands each opinion to ActInBulk: the same checks
// and the same Update as a single action, as the bulk's creator.

// BulkActions are the actions a bulk takes: triage's.
var BulkActions = []domain.Action{
	domain.ActionCategorize, domain.ActionAssign, domain.ActionMerge, domain.ActionReject, domain.ActionCancel,
}

// MaxBulkOpinions bounds the opinions of one bulk: many weeks of an office's
// triage, and a request body well under the API's limit.
const MaxBulkOpinions = 10_000

// bulkActionTimeout bounds one opinion's action in a bulk, as the API bounds a
// request: an action no worker answers fails its chunk, which is tried again,
// rather than holding the chunk until its heartbeat runs out.
const bulkActionTimeout = 30 * time.Second

// What became of an opinion of a bulk, as the API and the pages show it (an
// action sent and not yet answered is still waiting).
const (
	BulkWaiting = "waiting"
	BulkDone    = store.BulkItemDone
	BulkRefused = store.BulkItemRefused
)

// BulkView is a bulk as the API and the pages show it: the action, its body, who
// made it and when, its state and its counts.
type BulkView struct {
	store.Bulk
	// Waiting counts the opinions not acted on yet.
	Waiting int `json:"waiting"`
}

func bulkView(b store.Bulk) BulkView {
	return BulkView{Bulk: b, Waiting: b.Total - b.Done - b.Refused}
}

// BulkResult is what became of one opinion of a bulk: waiting, done, or refused
// with the error a single action would have been refused with.
type BulkResult struct {
	OpinionID string       `json:"id"`
	Status    string       `json:"status"`
	Error     *ResultError `json:"error,omitempty"`
}

// ResultError is why one opinion of a request on many (a bulk, a problem's
// grouping) was refused: the code and message of the error a request for that
// opinion alone would have been answered with.
type ResultError struct {
	Code    string `json:"code"`
	Message string `json:"message"`
	// refusal is the error itself, to be worded in the reader's language.
	refusal *Error
}

func resultError(e *Error) *ResultError {
	return &ResultError{Code: e.Code, Message: e.Message, refusal: e}
}

// In is the refusal worded in lang.
func (r *ResultError) In(lang string) string {
	if r.refusal == nil {
		return (&Error{Code: r.Code, Message: r.Message}).In(lang)
	}
	return r.refusal.In(lang)
}

// Refusal is the error the opinion was refused with.
func (r *ResultError) Refusal() *Error {
	if r.refusal == nil {
		return &Error{Code: r.Code, Message: r.Message}
	}
	return r.refusal
}

func bulkResults(items []store.BulkItem) []BulkResult {
	out := make([]BulkResult, len(items))
	for i, it := range items {
		status := it.Status
		if status != BulkDone && status != BulkRefused {
			status = BulkWaiting
		}
		out[i] = BulkResult{OpinionID: it.OpinionID, Status: status}
		if it.Code != "" {
			out[i].Error = resultError(&Error{Code: it.Code, Message: it.Message, Text: storedText(it.Message)})
		}
	}
	return out
}

// CreateBulk stores a bulk of action on the opinions of campaign campaignID and
// starts its process, as u (the office: CampaignWork). The action is one of
// BulkActions; the opinions are listed by id, each once, at most
// MaxBulkOpinions; a merge takes them all into body.into, which is left out of
// them when listed. The body is checked as a single action's is, on a
// categorized opinion of the campaign, so a bulk with a reason missing or an
// official who is none is refused whole (422, naming the field) instead of
// opinion by opinion; what depends on each opinion — its state above all — is
// each opinion's outcome.
func (s *Service) CreateBulk(ctx context.Context, u user.User, campaignID string, action domain.Action, opinionIDs []string, body domain.ActionBody) (BulkView, error) {
	if err := CampaignWork.CheckIn(u, campaignID); err != nil {
		return BulkView{}, err
	}
	if !slices.Contains(BulkActions, action) {
		names := make([]string, len(BulkActions))
		for i, a := range BulkActions {
			names[i] = string(a)
		}
		return BulkView{}, Refuse(http.StatusUnprocessableEntity, "bulk_action_unsupported", "api.bulk_action_unsupported", string(action), names)
	}
	body = cleanBody(body)
	ids, err := bulkOpinions(opinionIDs, action, body.Into)
	if err != nil {
		return BulkView{}, err
	}
	c, err := s.campaign(ctx, campaignID)
	if err != nil {
		return BulkView{}, err
	}
	if err := s.checkBulkBody(ctx, u, c, action, body); err != nil {
		return BulkView{}, err
	}
	b, err := s.store.CreateBulk(ctx, store.Bulk{
		ID: "k-" + strings.ReplaceAll(uuid.NewString(), "-", "")[:16], CampaignID: c.ID, Action: action, Body: body,
		CreatedBy: u.Username, CreatedAt: s.Now().UTC(),
	}, ids)
	if err != nil {
		return BulkView{}, err
	}
	if err := StartBulk(ctx, s.temporal, b); err != nil {
		// Stored, so a restart starts it (internal/app); the caller hears it failed.
		return BulkView{}, fmt.Errorf("start bulk %s: %w", b.ID, err)
	}
	return bulkView(b), nil
}

// bulkOpinions checks a bulk's list of opinion ids and returns the ones to act
// on: a merge's target is left out.
func bulkOpinions(ids []string, action domain.Action, into string) ([]string, error) {
	if len(ids) > MaxBulkOpinions {
		return nil, Refuse(http.StatusUnprocessableEntity, "too_many_opinions", "api.bulk_too_many", MaxBulkOpinions, len(ids))
	}
	seen := make(map[string]bool, len(ids))
	out := make([]string, 0, len(ids))
	for i, id := range ids {
		switch {
		case strings.TrimSpace(id) == "":
			return nil, Refuse(http.StatusUnprocessableEntity, "invalid_opinion", "api.bulk_empty_id", i)
		case seen[id]:
			return nil, Refuse(http.StatusUnprocessableEntity, "duplicate_opinion", "api.bulk_duplicate", id)
		}
		seen[id] = true
		if action != domain.ActionMerge || id != into {
			out = append(out, id)
		}
	}
	if len(out) == 0 {
		return nil, Refuse(http.StatusUnprocessableEntity, "opinions_required", "api.bulk_opinions_required")
	}
	return out, nil
}

// checkBulkBody checks a bulk's body by the rules of a single action, taken by u
// on a stand-in: a categorized opinion of the campaign (every bulk action is
// taken from categorized, and assign needs a category), with no id of its own
// and no collection date. The checks of the service come first, then the
// workflow's validator, as for a single action.
func (s *Service) checkBulkBody(ctx context.Context, u user.User, c campaign.Campaign, action domain.Action, body domain.ActionBody) error {
	standIn := domain.Opinion{CampaignID: c.ID, State: domain.StateCategorized}
	if len(c.Policy.Categories) > 0 {
		standIn.Category = c.Policy.Categories[0].Name
	}
	req, err := s.checkRequest(ctx, u, standIn, action, body)
	if err != nil {
		return err
	}
	if err := domain.Validate(&standIn, c.Policy, action, req, s.Now()); err != nil {
		return actionError(action, err)
	}
	return nil
}

// StartBulk starts (or finds running) a stored bulk's process. It is safe to call
// again, which is how bulks stored but not started are resumed.
func StartBulk(ctx context.Context, tc client.Client, b store.Bulk) error {
	return startProcess(ctx, tc, workflows.BulkWorkflowID(b.ID), workflows.BulkWorkflowName,
		workflows.BulkInput{BulkID: b.ID, Total: b.Total, ChunkSize: workflows.DefaultBulkChunkSize})
}

// Bulk is a bulk's progress, for u (the office: CampaignWork).
func (s *Service) Bulk(ctx context.Context, u user.User, id string) (BulkView, error) {
	b, err := s.bulk(ctx, u, id)
	return bulkView(b), err
}

func (s *Service) bulk(ctx context.Context, u user.User, id string) (store.Bulk, error) {
	return officeRecord(ctx, u, id, "bulk_not_found", "bulk", s.store.Bulk, func(b store.Bulk) string { return b.CampaignID })
}

// BulkResults is what became of a bulk's opinions, in the order they were
// listed: limit of them from the from-th (counting from 0), for u (the office:
// CampaignWork).
func (s *Service) BulkResults(ctx context.Context, u user.User, id string, from, limit int) ([]BulkResult, error) {
	if _, err := s.bulk(ctx, u, id); err != nil {
		return nil, err
	}
	items, err := s.store.BulkItems(ctx, id, from, from+limit)
	if err != nil {
		return nil, err
	}
	return bulkResults(items), nil
}

// BulkRefusals are the first limit opinions of a bulk whose action was refused,
// in the order they were listed, for u (the office: CampaignWork).
func (s *Service) BulkRefusals(ctx context.Context, u user.User, id string, limit int) ([]BulkResult, error) {
	if _, err := s.bulk(ctx, u, id); err != nil {
		return nil, err
	}
	items, err := s.store.RefusedBulkItems(ctx, id, limit)
	if err != nil {
		return nil, err
	}
	return bulkResults(items), nil
}

// AwaitBulk waits up to within for bulk id's process to finish, and reports
// whether it has, for u (the office: CampaignWork): a small bulk is answered
// done. A wait that fails otherwise is logged and reported as not finished; the
// bulk goes on all the same.
func (s *Service) AwaitBulk(ctx context.Context, u user.User, id string, within time.Duration) bool {
	if CampaignWork.Check(u) != nil {
		return false
	}
	wctx, cancel := context.WithTimeout(ctx, within)
	defer cancel()
	err := s.temporal.GetWorkflow(wctx, workflows.BulkWorkflowID(id), "").Get(wctx, nil)
	if err != nil && wctx.Err() == nil {
		s.logger.Warn("waiting for a bulk failed", "bulk", id, "err", err)
	}
	return err == nil
}

// ActInBulk takes a bulk's action on one of its opinions (activities.BulkActor)
// as the bulk's creator, through the checks of a single action, under the bulk's
// update id. A waiting item is checked: a refusal is its outcome; one that
// passes is marked sent, then sent. An item already sent passed the checks then
// and may have been taken: it is sent again under the same id, and the opinion's
// workflow answers it without taking it twice. A refusal — by the checks, by the
// workflow's validator, or because the creator is no longer a user — comes back
// as the item's outcome; anything else (a store or Temporal that does not
// answer) as an error, for the chunk to be tried again.
func (s *Service) ActInBulk(ctx context.Context, b store.Bulk, item store.BulkItem, markSent func(context.Context) error) (store.BulkItem, error) {
	u, ok := s.users.Lookup(b.CreatedBy)
	if !ok && len(s.users.All()) == 0 {
		return item, errors.New("bulk: the reporting store has no users (seed them with RECTIFY_USERS), so this process cannot act as a bulk's creator")
	}
	ok = ok && s.usable(u)
	if !ok {
		return bulkOutcome(item, Refuse(http.StatusForbidden, "creator_gone", "api.creator_gone", b.CreatedBy))
	}
	ctx, cancel := context.WithTimeout(ctx, bulkActionTimeout)
	defer cancel()
	var req domain.ActionRequest
	if item.Status == store.BulkItemSent {
		req = domain.ActionRequest{Actor: u.Actor(), Body: cleanBody(b.Body)}
		if err := s.withSettings(ctx, domain.Opinion{ID: item.OpinionID, CampaignID: b.CampaignID}, b.Action, &req); err != nil {
			return bulkOutcome(item, err)
		}
	} else {
		o, prepared, err := s.prepareAction(ctx, u, item.OpinionID, b.Action, b.Body)
		if err == nil && o.CampaignID != b.CampaignID {
			err = Refuse(http.StatusUnprocessableEntity, "not_in_campaign", "api.not_in_campaign", item.OpinionID, b.CampaignID)
		}
		if err != nil {
			return bulkOutcome(item, err)
		}
		if err := markSent(ctx); err != nil {
			return item, err
		}
		req = prepared
	}
	if _, err := s.sendAction(ctx, item.OpinionID, b.Action, req, workflows.BulkUpdateID(b.ID)); err != nil {
		return bulkOutcome(item, err)
	}
	item.Status, item.Code, item.Message = store.BulkItemDone, "", ""
	return item, nil
}

// bulkOutcome is what err makes of an item: a refusal (a 4xx other than 429,
// which asks to try again) is its outcome; anything else is returned, for the
// item to be tried again.
func bulkOutcome(item store.BulkItem, err error) (store.BulkItem, error) {
	var e *Error
	if errors.As(err, &e) && e.Status >= 400 && e.Status < 500 && e.Status != http.StatusTooManyRequests {
		item.Status, item.Code, item.Message = store.BulkItemRefused, e.Code, e.stored()
		return item, nil
	}
	return item, err
}
