package api

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/mock"
	"github.com/stretchr/testify/require"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/mocks"

	"rectify/activities"
	"rectify/internal/domain"
	"rectify/internal/service"
	"rectify/internal/store"
	"rectify/internal/user"
	"rectify/workflows"
)

// The service as activities.BulkActor: the bulk's process hands it each opinion.
var _ activities.BulkActor = (*service.Service)(nil)

// bulkWorkflows plays Temporal for bulks: a bulk's start is recorded, waiting for
// it runs its chunk through the real activities (the service acting on each
// opinion), and each action's Update is judged by the workflow's own validator
// and, when accepted, taken on the stored opinion. An Update sent again under an
// id already taken is answered with the first outcome and not taken again, as
// Temporal answers it.
type bulkWorkflows struct {
	f *fixture
	// Unfinished leaves the bulks to run on: waiting for one answers that it has
	// not finished.
	unfinished bool

	mu      sync.Mutex
	started []workflows.BulkInput
	sent    []client.UpdateWorkflowOptions
	taken   map[string]domain.ActionResult // by workflow and update id
	refuse  error                          // when set, every Update fails with it
}

func (f *fixture) expectBulks(t *testing.T) *bulkWorkflows {
	t.Helper()
	w := &bulkWorkflows{f: f, taken: map[string]domain.ActionResult{}}
	f.temporal.On("ExecuteWorkflow", mock.Anything, mock.Anything, workflows.BulkWorkflowName, mock.Anything).
		Run(func(args mock.Arguments) {
			opts := args.Get(1).(client.StartWorkflowOptions)
			in := args.Get(3).(workflows.BulkInput)
			require.Equal(t, workflows.BulkWorkflowID(in.BulkID), opts.ID)
			require.Equal(t, enumspb.WORKFLOW_ID_CONFLICT_POLICY_USE_EXISTING, opts.WorkflowIDConflictPolicy, "started once however often asked")
			w.mu.Lock()
			defer w.mu.Unlock()
			w.started = append(w.started, in)
		}).Return(mocks.NewWorkflowRun(t), nil).Maybe()
	f.temporal.On("GetWorkflow", mock.Anything, mock.Anything, "").Return(func(_ context.Context, id, _ string) client.WorkflowRun {
		run := mocks.NewWorkflowRun(t)
		run.On("Get", mock.Anything, mock.Anything).Return(func(ctx context.Context, _ any) error {
			if w.unfinished {
				return context.DeadlineExceeded
			}
			return w.run(ctx, strings.TrimPrefix(id, workflows.BulkWorkflowPrefix))
		})
		return run
	}).Maybe()
	f.temporal.On("UpdateWorkflow", mock.Anything, mock.Anything).Return(w.update).Maybe()
	return w
}

// run works through a bulk as its workflow does: one chunk, then done.
func (w *bulkWorkflows) run(ctx context.Context, id string) error {
	b, err := w.f.store.Bulk(ctx, id)
	if err != nil {
		return err
	}
	a := &activities.Activities{Bulks: w.f.store, BulkActor: w.f.svc}
	if _, err := a.BulkChunk(ctx, workflows.BulkChunkInput{BulkID: id, From: 0, To: b.Total}); err != nil {
		return err
	}
	return a.FinishBulk(ctx, workflows.FinishBulkInput{BulkID: id})
}

// update is the opinion's workflow taking an action's Update.
func (w *bulkWorkflows) update(ctx context.Context, opts client.UpdateWorkflowOptions) (client.WorkflowUpdateHandle, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.sent = append(w.sent, opts)
	if w.refuse != nil {
		return nil, w.refuse
	}
	key := opts.WorkflowID + "/" + opts.UpdateID
	if res, ok := w.taken[key]; ok && opts.UpdateID != "" {
		return fakeUpdate(func(v any) error { *v.(*domain.ActionResult) = res; return nil }), nil
	}
	o, err := w.f.store.Opinion(ctx, strings.TrimPrefix(opts.WorkflowID, workflows.OpinionWorkflowPrefix))
	if err != nil {
		return nil, serviceerror.NewNotFound("workflow not found")
	}
	c, err := w.f.store.Campaign(ctx, o.CampaignID)
	if err != nil {
		return nil, err
	}
	action := domain.Action(opts.UpdateName)
	req := opts.Args[0].(domain.ActionRequest)
	if err := domain.Validate(&o, c.Policy, action, req, fixedNow); err != nil {
		return nil, err
	}
	to := map[domain.Action]domain.State{domain.ActionCategorize: domain.StateCategorized, domain.ActionAssign: domain.StateAssigned,
		domain.ActionMerge: domain.StateMerged, domain.ActionReject: domain.StateRejected, domain.ActionCancel: domain.StateCancelled}[action]
	from := o.State
	o.State, o.Revision, o.UpdatedAt = to, o.Revision+1, fixedNow
	switch action {
	case domain.ActionCategorize:
		o.Category = req.Body.Category
	case domain.ActionAssign:
		o.Department, o.Official, o.Leader = req.Body.Department, req.Body.Official, req.Body.Leader
	case domain.ActionMerge:
		o.MergedInto = req.Body.Into
	}
	o.Timeline = append(slices.Clone(o.Timeline), domain.Event{Seq: len(o.Timeline) + 1, At: fixedNow, Actor: req.Actor.Username,
		Action: action, From: from, To: to, Reason: req.Body.Reason})
	if err := w.f.store.ProjectOpinion(ctx, o); err != nil {
		return nil, err
	}
	res := domain.ActionResult{State: o.State, Revision: o.Revision}
	w.taken[key] = res
	return fakeUpdate(func(v any) error { *v.(*domain.ActionResult) = res; return nil }), nil
}

// stored is opinion id as the store has it.
func (f *fixture) stored(t *testing.T, id string) domain.Opinion {
	t.Helper()
	o, err := f.store.Opinion(context.Background(), id)
	require.NoError(t, err)
	return o
}

// actions counts the timeline events of action on the stored opinion id.
func (f *fixture) actions(t *testing.T, id string, action domain.Action) int {
	t.Helper()
	n := 0
	for _, e := range f.stored(t, id).Timeline {
		if e.Action == action {
			n++
		}
	}
	return n
}

// runningBulk posts a bulk to campaign c1 as the office and leaves it to run on,
// for the test to hand its opinions to the service itself.
func (f *fixture) runningBulk(t *testing.T, w *bulkWorkflows, body string) store.Bulk {
	t.Helper()
	w.unfinished = true
	rec := f.do(t, http.MethodPost, "/api/v1/campaigns/c1/bulk", "office", body)
	require.Equal(t, http.StatusAccepted, rec.Code, rec.Body.String())
	b, err := f.store.Bulk(context.Background(), decodeAs[BulkAnswer](t, rec).ID)
	require.NoError(t, err)
	return b
}

// bulkBody is a POST …/bulk body.
func bulkBody(t *testing.T, action string, opinions []string, body map[string]any) string {
	t.Helper()
	data, err := json.Marshal(map[string]any{"action": action, "opinions": opinions, "body": body})
	require.NoError(t, err)
	return string(data)
}

func TestABulkIsRefusedWholeBeforeAnythingIsStored(t *testing.T) {
	f := newFixture(t)
	f.createCampaign(t, "c2")
	f.project(t, newOpinion("r1"))
	f.project(t, newOpinion("other", func(o *domain.Opinion) { o.CampaignID = "c2" }))
	many := make([]string, service.MaxBulkOpinions+1)
	for i := range many {
		many[i] = fmt.Sprintf("o-%d", i)
	}
	for _, tt := range []struct {
		name, as, path, body string
		status               int
		code                 string
		parts                []string
	}{
		{"not the office", "leader", "/api/v1/campaigns/c1/bulk", bulkBody(t, "reject", []string{"r1"}, map[string]any{"reason": "重复"}),
			http.StatusForbidden, "forbidden", []string{"office"}},
		{"an action triage does not take", "office", "/api/v1/campaigns/c1/bulk", bulkBody(t, "sign", []string{"r1"}, nil),
			http.StatusUnprocessableEntity, "bulk_action_unsupported", []string{`"sign"`, "categorize, assign, merge, reject, cancel"}},
		{"no opinions", "office", "/api/v1/campaigns/c1/bulk", bulkBody(t, "reject", nil, map[string]any{"reason": "重复"}),
			http.StatusUnprocessableEntity, "opinions_required", []string{"opinions"}},
		{"an empty id", "office", "/api/v1/campaigns/c1/bulk", bulkBody(t, "reject", []string{"r1", " "}, map[string]any{"reason": "重复"}),
			http.StatusUnprocessableEntity, "invalid_opinion", []string{"opinions[1]"}},
		{"an opinion twice", "office", "/api/v1/campaigns/c1/bulk", bulkBody(t, "reject", []string{"r1", "x", "r1"}, map[string]any{"reason": "重复"}),
			http.StatusUnprocessableEntity, "duplicate_opinion", []string{`"r1"`}},
		{"too many", "office", "/api/v1/campaigns/c1/bulk", bulkBody(t, "reject", many, map[string]any{"reason": "重复"}),
			http.StatusUnprocessableEntity, "too_many_opinions", []string{"10000", "10001"}},
		{"no such campaign", "office", "/api/v1/campaigns/nope/bulk", bulkBody(t, "reject", []string{"r1"}, map[string]any{"reason": "重复"}),
			http.StatusNotFound, "campaign_not_found", nil},
		{"a reason of nothing visible", "office", "/api/v1/campaigns/c1/bulk", bulkBody(t, "reject", []string{"r1"}, map[string]any{"reason": "\u200b "}),
			http.StatusUnprocessableEntity, "reason_required", []string{"reason"}},
		{"an unknown category", "office", "/api/v1/campaigns/c1/bulk", bulkBody(t, "categorize", []string{"r1"}, map[string]any{"category": "天气"}),
			http.StatusUnprocessableEntity, "unknown_category", []string{"天气"}},
		{"an official who is none", "office", "/api/v1/campaigns/c1/bulk",
			bulkBody(t, "assign", []string{"r1"}, map[string]any{"department": deptA, "official": "leader", "leader": "leader"}),
			http.StatusUnprocessableEntity, "invalid_official", []string{"official"}},
		{"a deadline on a Saturday", "office", "/api/v1/campaigns/c1/bulk",
			bulkBody(t, "assign", []string{"r1"}, map[string]any{"department": deptA, "official": "official", "leader": "leader", "deadline": "2025-06-21"}),
			http.StatusUnprocessableEntity, "deadline_not_workday", []string{"2025-06-23"}},
		{"a merge into nothing", "office", "/api/v1/campaigns/c1/bulk", bulkBody(t, "merge", []string{"r1"}, nil),
			http.StatusUnprocessableEntity, "into_required", nil},
		{"a merge into another campaign's opinion", "office", "/api/v1/campaigns/c1/bulk", bulkBody(t, "merge", []string{"r1"}, map[string]any{"into": "other"}),
			http.StatusUnprocessableEntity, "invalid_into", []string{"another campaign"}},
		{"a merge of the target alone", "office", "/api/v1/campaigns/c1/bulk", bulkBody(t, "merge", []string{"r1"}, map[string]any{"into": "r1"}),
			http.StatusUnprocessableEntity, "opinions_required", nil},
	} {
		t.Run(tt.name, func(t *testing.T) {
			rec := f.do(t, http.MethodPost, tt.path, tt.as, tt.body)
			requireError(t, rec, tt.status, tt.code, tt.parts...)
		})
	}
	running, err := f.store.BulksIn(context.Background(), store.BulkRunning)
	require.NoError(t, err)
	require.Empty(t, running, "nothing stored")
	f.temporal.AssertNotCalled(t, "ExecuteWorkflow", mock.Anything, mock.Anything, mock.Anything, mock.Anything)

	rec := f.do(t, http.MethodPost, "/api/v1/campaigns/c1/bulk", "office", `{"action": "reject", "opinions": ["r1"], "reason": "重复"}`)
	requireError(t, rec, http.StatusBadRequest, "unknown_field", "reason")
}

// A bulk takes each opinion through the checks of a single action, as the office
// who made it, and answers done with what became of each when it finishes soon.
func TestABulkActsOnEachOpinionAsItsCreatorAndAnswersTheOutcomes(t *testing.T) {
	f := newFixture(t)
	f.createCampaign(t, "c2")
	for _, id := range []string{"r1", "r2", "r3"} {
		f.project(t, newOpinion(id))
	}
	f.project(t, newOpinion("busy", assigned(domain.StateAssigned, "official", deptA, "2025-06-20", domain.LevelNone)))
	f.project(t, newOpinion("elsewhere", func(o *domain.Opinion) { o.CampaignID = "c2" }))
	w := f.expectBulks(t)

	ids := []string{"r1", "busy", "r2", "gone", "elsewhere", "r3"}
	rec := f.do(t, http.MethodPost, "/api/v1/campaigns/c1/bulk", "office",
		bulkBody(t, "categorize", ids, map[string]any{"category": "群众需要解决的问题"}))
	require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
	answer := decodeAs[BulkAnswer](t, rec)
	require.Equal(t, "/api/v1/bulks/"+answer.ID, rec.Header().Get("Location"))
	require.Equal(t, []any{store.BulkDone, 6, 3, 3, 0}, []any{answer.State, answer.Total, answer.Done, answer.Refused, answer.Waiting})
	require.Equal(t, domain.ActionCategorize, answer.Action)
	require.Equal(t, "office", answer.CreatedBy)
	require.False(t, answer.FinishedAt.IsZero())
	require.Empty(t, answer.NextPageToken)
	got := map[string]string{}
	for _, r := range answer.Results {
		got[r.OpinionID] = r.Status
		if r.Error != nil {
			got[r.OpinionID] += " " + r.Error.Code
		}
	}
	require.Equal(t, map[string]string{"r1": "done", "r2": "done", "r3": "done", "busy": "refused wrong_state",
		"gone": "refused opinion_not_found", "elsewhere": "refused not_in_campaign"}, got)
	require.Equal(t, ids, []string{answer.Results[0].OpinionID, answer.Results[1].OpinionID, answer.Results[2].OpinionID,
		answer.Results[3].OpinionID, answer.Results[4].OpinionID, answer.Results[5].OpinionID}, "in the order listed")
	require.Contains(t, answer.Results[1].Error.Message, "“Confirm category” cannot be done to an opinion that is “Assigned”")
	zh := decodeAs[BulkAnswer](t, f.doIn(t, "zh-CN", http.MethodGet, "/api/v1/bulks/"+answer.ID, "office", ""))
	require.Equal(t, "wrong_state", zh.Results[1].Error.Code, "the code is the same in every language")
	require.Equal(t, "状态为“已交办”的事项不能确认分类", zh.Results[1].Error.Message, "a Chinese reader reads the refusal in Chinese")

	require.Len(t, w.started, 1)
	require.Equal(t, workflows.BulkInput{BulkID: answer.ID, Total: 6, ChunkSize: workflows.DefaultBulkChunkSize}, w.started[0])
	require.Len(t, w.sent, 3, "only the opinions that passed the checks reach their workflows")
	for _, sent := range w.sent {
		require.Equal(t, workflows.BulkUpdateID(answer.ID), sent.UpdateID)
		req := sent.Args[0].(domain.ActionRequest)
		require.Equal(t, "office", req.Actor.Username, "as the bulk's creator")
		require.NotNil(t, req.Policy, "with the campaign's settings, as a single action")
	}
	for _, id := range []string{"r1", "r2", "r3"} {
		require.Equal(t, 1, f.actions(t, id, domain.ActionCategorize), id)
	}

	// The same through GET, a page at a time.
	rec = f.do(t, http.MethodGet, "/api/v1/bulks/"+answer.ID+"?limit=4", "office", "")
	require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
	page := decodeAs[BulkAnswer](t, rec)
	require.Equal(t, answer.Results[:4], page.Results)
	require.Equal(t, "4", page.NextPageToken)
	rec = f.do(t, http.MethodGet, "/api/v1/bulks/"+answer.ID+"?limit=4&page_token=4", "office", "")
	page = decodeAs[BulkAnswer](t, rec)
	require.Equal(t, answer.Results[4:], page.Results)
	require.Empty(t, page.NextPageToken)

	requireError(t, f.do(t, http.MethodGet, "/api/v1/bulks/"+answer.ID+"?limt=4", "office", ""), http.StatusUnprocessableEntity, "unknown_parameter", "limit, page_token")
	requireError(t, f.do(t, http.MethodGet, "/api/v1/bulks/"+answer.ID+"?limit=0", "office", ""), http.StatusUnprocessableEntity, "invalid_limit")
	requireError(t, f.do(t, http.MethodGet, "/api/v1/bulks/"+answer.ID, "leader", ""), http.StatusForbidden, "forbidden")
	requireError(t, f.do(t, http.MethodGet, "/api/v1/bulks/k-nope", "office", ""), http.StatusNotFound, "bulk_not_found")
}

// A merge takes every opinion listed into the target, which is left out when
// listed itself; a bulk still running is answered 202 with where to follow it.
func TestABulkMergeLeavesTheTargetOutAndALongBulkIsAnsweredAccepted(t *testing.T) {
	f := newFixture(t)
	for _, id := range []string{"main", "d1", "d2"} {
		f.project(t, newOpinion(id))
	}
	w := f.expectBulks(t)
	w.unfinished = true
	rec := f.do(t, http.MethodPost, "/api/v1/campaigns/c1/bulk", "office",
		bulkBody(t, "merge", []string{"d1", "main", "d2"}, map[string]any{"into": "main", "reason": "同一路段"}))
	require.Equal(t, http.StatusAccepted, rec.Code, rec.Body.String())
	v := decodeAs[map[string]any](t, rec)
	require.Nil(t, v["results"], "a bulk still running is answered without results")
	id := v["id"].(string)
	require.Equal(t, "/api/v1/bulks/"+id, rec.Header().Get("Location"))
	require.Equal(t, []any{"running", float64(2), float64(0), float64(2)}, []any{v["state"], v["total"], v["done"], v["waiting"]})

	rec = f.do(t, http.MethodGet, "/api/v1/bulks/"+id, "office", "")
	page := decodeAs[BulkAnswer](t, rec)
	require.Equal(t, []service.BulkResult{{OpinionID: "d1", Status: service.BulkWaiting}, {OpinionID: "d2", Status: service.BulkWaiting}}, page.Results)

	require.NoError(t, w.run(context.Background(), id))
	page = decodeAs[BulkAnswer](t, f.do(t, http.MethodGet, "/api/v1/bulks/"+id, "office", ""))
	require.Equal(t, []any{store.BulkDone, 2, 0}, []any{page.State, page.Done, page.Refused})
	for _, d := range []string{"d1", "d2"} {
		o := f.stored(t, d)
		require.Equal(t, []any{domain.StateMerged, "main"}, []any{o.State, o.MergedInto})
	}
	require.Equal(t, domain.StateReceived, f.stored(t, "main").State, "the target is not merged into itself")
}

// An opinion whose action was sent before the process died is sent again under
// the bulk's update id, without the checks it passed then: its workflow answers
// with the outcome of the action it took, and takes nothing twice.
func TestAnOpinionSentBeforeACrashIsSentAgainAndTakenOnce(t *testing.T) {
	f := newFixture(t)
	f.project(t, newOpinion("r1"))
	w := f.expectBulks(t)
	b := f.runningBulk(t, w, bulkBody(t, "reject", []string{"r1"}, map[string]any{"reason": "不属整改范围"}))
	id := b.ID
	ctx := context.Background()
	items, err := f.store.BulkItems(ctx, id, 0, -1)
	require.NoError(t, err)

	// The first attempt: checked, marked sent, taken — and the answer lost.
	marked := 0
	markSent := func(ctx context.Context) error { marked++; return f.store.MarkBulkItemSent(ctx, id, 0) }
	_, err = f.svc.ActInBulk(ctx, b, items[0], markSent)
	require.NoError(t, err)
	require.Equal(t, 1, marked)
	items, err = f.store.BulkItems(ctx, id, 0, -1)
	require.NoError(t, err)
	require.Equal(t, store.BulkItemSent, items[0].Status, "in doubt")

	// Sent again: the opinion is rejected now, which the checks would refuse.
	out, err := f.svc.ActInBulk(ctx, b, items[0], markSent)
	require.NoError(t, err)
	require.Equal(t, store.BulkItemDone, out.Status, "answered with the first outcome")
	require.Equal(t, 1, marked, "not marked again")
	require.Len(t, w.sent, 2)
	require.Equal(t, w.sent[0].UpdateID, w.sent[1].UpdateID)
	require.Equal(t, 1, f.actions(t, "r1", domain.ActionReject), "taken once")

	// The same item sent fresh would have been refused by the checks.
	items[0].Status = store.BulkItemWaiting
	out, err = f.svc.ActInBulk(ctx, b, items[0], markSent)
	require.NoError(t, err)
	require.Equal(t, []string{store.BulkItemRefused, "wrong_state"}, []string{out.Status, out.Code})
	require.Len(t, w.sent, 2, "a refusal sends nothing")
}

// What cannot be answered now is tried again; a refusal is an outcome.
func TestABulkTriesAgainWhatIsNotAnsweredAndRefusesForAGoneCreator(t *testing.T) {
	f := newFixture(t)
	f.project(t, newOpinion("r1"))
	w := f.expectBulks(t)
	b := f.runningBulk(t, w, bulkBody(t, "cancel", []string{"r1"}, map[string]any{"reason": "群众撤回"}))
	ctx := context.Background()
	item := store.BulkItem{Seq: 0, OpinionID: "r1"}
	noop := func(context.Context) error { return nil }

	for name, fault := range map[string]error{
		"Temporal does not answer": serviceerror.NewUnavailable("connection refused"),
		"too busy":                 serviceerror.NewResourceExhausted(enumspb.RESOURCE_EXHAUSTED_CAUSE_CONCURRENT_LIMIT, "busy"),
		"no answer in time":        context.DeadlineExceeded,
	} {
		w.refuse = fault
		out, err := f.svc.ActInBulk(ctx, b, item, noop)
		require.Error(t, err, name)
		require.Equal(t, store.BulkItemWaiting, out.Status, "%s: no outcome", name)
	}
	w.refuse = nil

	gone := b
	gone.CreatedBy = "retired"
	out, err := f.svc.ActInBulk(ctx, gone, item, noop)
	require.NoError(t, err)
	require.Equal(t, []string{store.BulkItemRefused, "creator_gone"}, []string{out.Status, out.Code})
	require.Contains(t, out.Message, "retired")

	// A creator deactivated since is gone too: the worker reads the users from the
	// reporting store, as every process does.
	admin := user.User{Username: "admin", Roles: []domain.Role{domain.RoleAdmin}}
	inactive := false
	_, err = f.svc.UpdateUser(ctx, admin, "office", service.UserPatch{Active: &inactive})
	require.NoError(t, err)
	out, err = f.svc.ActInBulk(ctx, b, item, noop)
	require.NoError(t, err)
	require.Equal(t, []string{store.BulkItemRefused, "creator_gone"}, []string{out.Status, out.Code})
	require.Equal(t, 0, f.actions(t, "r1", domain.ActionCancel))
}
