package workflows_test

// Workflow tests (the middle of the test pyramid): the Opinion workflow runs in the
// SDK's test environment with time skipping, the real Schedule activity on the real
// working-day calendar (2026: 中秋节 09-25..27, 国庆节 10-01..07, make-up workday
// Saturday 10-10), an in-memory projector and a recording notifier. Every human
// action is an Update sent at a chosen (skipped) moment; each test reads as the
// story of one opinion and asserts states, timeline entries, deadlines, ladder
// moments, projections, notifications and search attributes.

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/mock"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/log"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/workflow"

	"rectify/activities"
	"rectify/internal/calendar"
	"rectify/internal/deadline"
	"rectify/internal/domain"
	"rectify/workflows"
)

// ---------------------------------------------------------------------------
// Time and people

// cst is the campaign's local time (UTC+8, as the policy's UTCOffsetSeconds says).
var cst = time.FixedZone("CST", 8*3600)

// on is a moment in 2026, campaign-local.
func on(month time.Month, day, hour, minute int) time.Time {
	return time.Date(2026, month, day, hour, minute, 0, 0, cst)
}

// midnight is the start of a 2026 day, campaign-local: when ladder timers fire.
func midnight(month time.Month, day int) time.Time { return on(month, day, 0, 0) }

// start is Monday 2026-09-21 09:00, the week before 中秋节 and 国庆节.
var start = on(time.September, 21, 9, 0)

func actor(name string, roles ...domain.Role) domain.Actor {
	return domain.Actor{Username: name, Roles: roles}
}

var (
	office    = actor("office", domain.RoleOffice)
	official  = actor("official", domain.RoleOfficial)
	official2 = actor("official2", domain.RoleOfficial)
	verifier  = actor("verifier", domain.RoleVerifier)
	leader    = actor("leader", domain.RoleLeader)
	leader2   = actor("leader2", domain.RoleLeader)
	nobody    = domain.Actor{}
	// officialVerifier is the responsible official who also holds the verifier role.
	officialVerifier = actor("official", domain.RoleOfficial, domain.RoleVerifier)
)

const (
	catFormalism = "形式主义"      // 限期整改, 10 working days
	catResidents = "群众需要解决的问题" // 立行立改, 3 working days
	deptCivil    = "民政科"
	deptCity     = "城管科"
	campaignID   = "campaign-2026-qz"
)

var opinionID = domain.OpinionID(campaignID, "R-0012")

func testPolicy() domain.Policy {
	return domain.Policy{
		Categories: []domain.CategoryPolicy{
			{Name: catFormalism, Speed: domain.SpeedDeadline, WorkingDays: 10},
			{Name: catResidents, Speed: domain.SpeedImmediate, WorkingDays: 3},
			{Name: "制度漏洞", Speed: domain.SpeedLongTerm, WorkingDays: 40},
		},
		Departments:            []string{deptCivil, deptCity},
		SignWorkingDays:        1,
		DueSoonWorkingDays:     2,
		SupervisionWorkingDays: 3,
		ReworkWorkingDays:      5,
		MaxExtensions:          1,
		CallbackRequired:       true,
		ReopenWindowDays:       30,
		UTCOffsetSeconds:       8 * 3600,
	}
}

func testInput(p domain.Policy) workflows.OpinionInput {
	return workflows.OpinionInput{
		OpinionID:         opinionID,
		CampaignID:        campaignID,
		Key:               "R-0012",
		Content:           "社区会议过多，文件层层转发，干部坐办公室时间多、走访群众时间少。",
		Channel:           "hotline",
		CollectedAt:       "2026-09-18",
		Submitter:         "张某",
		Phone:             "13800000000",
		Target:            "班子",
		SuggestedCategory: "官僚主义",
		BatchID:           "batch-7",
		SubmittedBy:       "office",
		Policy:            p,
	}
}

// Deadline explanations, as the calendar writes them.
const (
	// 10 working days from Monday 09-21: 22-24, 28-30, 10-08, 10-09, Saturday 10-10, 10-12.
	explain0921plus10 = "从 2026-09-21 起 10 个工作日 → 2026-10-12（跳过中秋节 3 天、国庆节 7 天、周末 1 天；10-10 为国庆节调休上班日）"
	explain0921plus3  = "从 2026-09-21 起 3 个工作日 → 2026-09-24"
)

// ---------------------------------------------------------------------------
// Fakes behind the real activities

// memStore is the reporting projection: the latest opinion per id by revision. The
// notifications projected with it go straight to the notifier, as the dispatcher
// would deliver them, once per key.
type memStore struct {
	mu       sync.Mutex
	latest   map[string]domain.Opinion
	writes   int
	ignored  int
	revs     []int
	notifier *recordingNotifier
	outbox   map[string]bool
	// inputs are every write, in the order they arrived.
	inputs []workflows.ProjectInput
}

func (s *memStore) ProjectTransition(ctx context.Context, in workflows.ProjectInput) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.inputs = append(s.inputs, in)
	o, notes := in.Opinion, in.Notifications
	for _, n := range notes {
		if !s.outbox[n.Key] {
			s.outbox[n.Key] = true
			_ = s.notifier.Notify(ctx, n)
		}
	}
	s.writes++
	s.revs = append(s.revs, o.Revision)
	if cur, ok := s.latest[o.ID]; ok && cur.Revision >= o.Revision {
		s.ignored++
		return nil
	}
	s.latest[o.ID] = o
	return nil
}

func (s *memStore) stats() (writes int, revs []int, latest domain.Opinion) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.writes, slices.Clone(s.revs), s.latest[opinionID]
}

// recordingNotifier keeps every notification delivered.
type recordingNotifier struct {
	mu   sync.Mutex
	sent []domain.Notification
}

func (n *recordingNotifier) Notify(_ context.Context, note domain.Notification) error {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.sent = append(n.sent, note)
	return nil
}

// all returns the notifications ordered by the revision in their key
// (<opinion>/<revision>): delivery order is not guaranteed.
func (n *recordingNotifier) all() []domain.Notification {
	n.mu.Lock()
	defer n.mu.Unlock()
	out := slices.Clone(n.sent)
	slices.SortStableFunc(out, func(a, b domain.Notification) int { return keyRevision(a.Key) - keyRevision(b.Key) })
	return out
}

func (n *recordingNotifier) count() int {
	n.mu.Lock()
	defer n.mu.Unlock()
	return len(n.sent)
}

func keyRevision(key string) int {
	parts := strings.Split(key, "/")
	r, _ := strconv.Atoi(parts[1])
	return r
}

// attrs is one search-attribute upsert, read back through the typed keys ("" and
// zero for unset).
type attrs struct {
	At         time.Time
	Campaign   string
	State      string
	Category   string
	Department string
	Assignee   string
	Level      string
	Deadline   time.Time
}

type attrRecorder struct {
	mu      sync.Mutex
	upserts []attrs
	// shown is every value set so far, each upsert's over the ones before (a value
	// unset stays as it was last set).
	shown attrs
}

func (r *attrRecorder) add(at time.Time, sa temporal.SearchAttributes) {
	set := attrs{At: at}
	keyword := func(k temporal.SearchAttributeKeyKeyword, to, shown *string) {
		if v, ok := sa.GetKeyword(k); ok {
			*to, *shown = v, v
		}
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.shown.At = at
	keyword(workflows.SACampaign, &set.Campaign, &r.shown.Campaign)
	keyword(workflows.SAState, &set.State, &r.shown.State)
	keyword(workflows.SACategory, &set.Category, &r.shown.Category)
	keyword(workflows.SADepartment, &set.Department, &r.shown.Department)
	keyword(workflows.SAAssignee, &set.Assignee, &r.shown.Assignee)
	keyword(workflows.SAOverdueLevel, &set.Level, &r.shown.Level)
	if d, ok := sa.GetTime(workflows.SADeadline); ok {
		set.Deadline, r.shown.Deadline = d, d
	}
	r.upserts = append(r.upserts, set)
}

func (r *attrRecorder) shownNow() attrs {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.shown
}

func (r *attrRecorder) all() []attrs {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.upserts)
}

// ---------------------------------------------------------------------------
// The lifecycle: one opinion's story in the test environment

type lifecycle struct {
	t        *testing.T
	env      *testsuite.TestWorkflowEnvironment
	input    workflows.OpinionInput
	store    *memStore
	notifier *recordingNotifier
	attrs    *attrRecorder
	seq      int
}

func newLifecycle(t *testing.T, p domain.Policy) *lifecycle {
	t.Helper()
	var suite testsuite.WorkflowTestSuite
	suite.SetLogger(log.NewStructuredLogger(slog.New(slog.NewTextHandler(io.Discard, nil))))
	env := suite.NewTestWorkflowEnvironment()
	env.SetStartTime(start)
	notifier := &recordingNotifier{}
	lc := &lifecycle{
		t: t, env: env, input: testInput(p),
		store:    &memStore{latest: map[string]domain.Opinion{}, notifier: notifier, outbox: map[string]bool{}},
		notifier: notifier,
		attrs:    &attrRecorder{},
	}
	// Registration must come before any mock (the test environment panics otherwise).
	env.RegisterWorkflowWithOptions(workflows.OpinionWorkflow, workflow.RegisterOptions{Name: workflows.OpinionWorkflowName})
	// RegisterActivityWithOptions puts the activities in the registry that both
	// ExecuteActivity and ExecuteLocalActivity resolve names from.
	acts := &activities.Activities{Calendar: calendar.Default(), Store: lc.store, Notifier: lc.notifier}
	acts.Register(env)
	// Started as intake starts an opinion: showing its campaign and rung.
	require.NoError(t, env.SetTypedSearchAttributesOnStart(workflows.StartSearchAttributes(campaignID)))
	lc.attrs.shown = attrs{At: start, Campaign: campaignID, Level: string(domain.LevelNone)}
	env.OnUpsertTypedSearchAttributes(mock.Anything).Run(func(args mock.Arguments) {
		lc.attrs.add(env.Now(), args.Get(0).(temporal.SearchAttributes))
	}).Return(nil).Maybe() // an opinion merged before assignment upserts nothing
	return lc
}

// after registers fn to run on the workflow's clock at when.
func (lc *lifecycle) after(when time.Time, fn func()) {
	lc.t.Helper()
	require.True(lc.t, when.After(start), "%s is not after the start", when)
	lc.env.RegisterDelayedCallback(fn, when.Sub(start))
}

// outcome is what became of one Update.
type outcome struct {
	label    string
	accepted bool
	rejected error
	done     bool
	result   domain.ActionResult
	err      error
	doneAt   time.Time
}

// act sends an action Update at when, as who.
func (lc *lifecycle) act(when time.Time, who domain.Actor, action domain.Action, body domain.ActionBody) *outcome {
	lc.seq++
	id := fmt.Sprintf("%02d-%s-%s", lc.seq, action, who.Username)
	return lc.update(when, string(action), id, id, domain.ActionRequest{Actor: who, Body: body})
}

func (lc *lifecycle) update(when time.Time, name, id, label string, args ...any) *outcome {
	o := &outcome{label: label}
	lc.after(when, func() {
		lc.env.UpdateWorkflow(name, id, &testsuite.TestUpdateCallback{
			OnAccept: func() { o.accepted = true },
			OnReject: func(err error) { o.rejected = err },
			OnComplete: func(res any, err error) {
				o.done, o.err, o.doneAt = true, err, lc.env.Now()
				if r, ok := res.(domain.ActionResult); ok {
					o.result = r
				}
			},
		}, args...)
	})
	return o
}

// ok asserts the action was accepted and completed, and returns its answer.
func (o *outcome) ok(t *testing.T) domain.ActionResult {
	t.Helper()
	require.NoError(t, o.rejected, "%s was rejected", o.label)
	require.True(t, o.accepted, "%s was never accepted", o.label)
	require.True(t, o.done, "%s never completed", o.label)
	require.NoError(t, o.err, o.label)
	return o.result
}

// okAs asserts the action was accepted and answered with this state and revision.
func (o *outcome) okAs(t *testing.T, state domain.State, revision int) {
	t.Helper()
	require.Equal(t, domain.ActionResult{State: state, Revision: revision}, o.ok(t), o.label)
}

// rejectedWith asserts the validator rejected the action with this kind, code and message.
func (o *outcome) rejectedWith(t *testing.T, kind, code, message string) {
	t.Helper()
	require.Error(t, o.rejected, "%s was not rejected", o.label)
	require.False(t, o.accepted, "%s was accepted", o.label)
	require.False(t, o.done, "%s ran its handler", o.label)
	var appErr *temporal.ApplicationError
	require.True(t, errors.As(o.rejected, &appErr), "%s: %T is not an application error", o.label, o.rejected)
	require.Equal(t, kind, appErr.Type(), o.label)
	require.Equal(t, message, appErr.Message(), o.label)
	require.True(t, appErr.NonRetryable(), o.label)
	var gotCode string
	require.NoError(t, appErr.Details(&gotCode), o.label)
	require.Equal(t, code, gotCode, o.label)
}

// view is what can be seen of the opinion at one moment.
type view struct {
	taken    bool
	op       domain.Opinion
	writes   int
	notes    int
	upserts  int
	lastAttr attrs
	shown    attrs
}

// look queries the workflow at when.
func (lc *lifecycle) look(when time.Time) *view {
	v := &view{}
	lc.after(when, func() {
		v.op = lc.query()
		v.writes, _, _ = lc.store.stats()
		v.notes = lc.notifier.count()
		all := lc.attrs.all()
		v.upserts = len(all)
		v.shown = lc.attrs.shownNow()
		if len(all) > 0 {
			v.lastAttr = all[len(all)-1]
		}
		v.taken = true
	})
	return v
}

func (v *view) get(t *testing.T) domain.Opinion {
	t.Helper()
	require.True(t, v.taken, "the view was never taken")
	return v.op
}

func (lc *lifecycle) query() domain.Opinion {
	lc.t.Helper()
	val, err := lc.env.QueryWorkflow(workflows.OpinionQueryName)
	require.NoError(lc.t, err)
	var o domain.Opinion
	require.NoError(lc.t, val.Get(&o))
	return o
}

// run executes the workflow to its end and returns its result; every story ends
// with the workflow finishing by itself (archive, or a final state).
func (lc *lifecycle) run() workflows.OpinionResult {
	lc.t.Helper()
	lc.env.ExecuteWorkflow(workflows.OpinionWorkflowName, lc.input)
	require.True(lc.t, lc.env.IsWorkflowCompleted(), "the workflow did not end")
	require.NoError(lc.t, lc.env.GetWorkflowError())
	var res workflows.OpinionResult
	require.NoError(lc.t, lc.env.GetWorkflowResult(&res))
	return res
}

// finalChecks asserts what every story must end with: the projection holds the
// final opinion, every write was newer than the last, and nothing else ran.
func (lc *lifecycle) finalChecks(t *testing.T) domain.Opinion {
	t.Helper()
	final := lc.query()
	writes, revs, latest := lc.store.stats()
	require.Equal(t, final.Revision, writes, "one projection per timeline entry")
	for i, r := range revs {
		require.Equal(t, i+1, r, "projection %d carries revision %d", i+1, r)
	}
	require.Equal(t, final, latest, "the projection holds the final state")
	require.Len(t, final.Timeline, final.Revision)
	upserts := lc.attrs.all()
	require.Equal(t, campaignID, lc.attrs.shownNow().Campaign, "operators find the opinion by its campaign")
	require.LessOrEqual(t, len(upserts), final.Revision, "at most one search-attribute upsert per timeline entry")
	for _, a := range upserts {
		require.Empty(t, a.State, "the state is the reporting store's, not a search attribute")
		require.Empty(t, a.Category+a.Department+a.Assignee, "the category, department and assignee are the reporting store's")
	}
	for _, n := range lc.notifier.all() {
		require.Equal(t, opinionID, n.OpinionID)
		require.Equal(t, campaignID, n.CampaignID)
	}
	return final
}

// ---------------------------------------------------------------------------
// Expectations

type ev struct {
	at     time.Time
	actor  string
	action domain.Action
	from   domain.State
	to     domain.State
	reason string
	detail map[string]string
}

func kv(pairs ...string) map[string]string {
	m := map[string]string{}
	for i := 0; i+1 < len(pairs); i += 2 {
		m[pairs[i]] = pairs[i+1]
	}
	return m
}

func requireTimeline(t *testing.T, timeline []domain.Event, want []ev) {
	t.Helper()
	requireTimelineFrom(t, timeline, 0, want)
}

// requireTimelineFrom checks the timeline from entry index from to its end.
func requireTimelineFrom(t *testing.T, timeline []domain.Event, from int, want []ev) {
	t.Helper()
	require.GreaterOrEqual(t, len(timeline), from)
	got := timeline[from:]
	actions := func() (g []string) {
		for _, e := range got {
			g = append(g, fmt.Sprintf("%s@%s", e.Action, e.At.In(cst).Format("01-02 15:04")))
		}
		return g
	}
	require.Len(t, got, len(want), "timeline: %v", actions())
	for i, w := range want {
		e := got[i]
		require.Equal(t, from+i+1, e.Seq, "event %d seq", i+1)
		require.True(t, w.at.Equal(e.At), "event %d (%s) at %s, want %s", i+1, e.Action, e.At.In(cst), w.at)
		require.Equal(t, w.actor, e.Actor, "event %d actor", i+1)
		require.Equal(t, w.action, e.Action, "event %d action", i+1)
		require.Equal(t, w.from, e.From, "event %d (%s) from", i+1, e.Action)
		require.Equal(t, w.to, e.To, "event %d (%s) to", i+1, e.Action)
		require.Equal(t, w.reason, e.Reason, "event %d (%s) reason", i+1, e.Action)
		if len(w.detail) == 0 {
			require.Empty(t, e.Detail, "event %d (%s) detail", i+1, e.Action)
		} else {
			require.Equal(t, w.detail, e.Detail, "event %d (%s) detail", i+1, e.Action)
		}
	}
}

func requireSchedule(t *testing.T, want, got domain.Schedule) {
	t.Helper()
	require.Equal(t, want.Deadline, got.Deadline, "deadline")
	require.Equal(t, want.Explanation, got.Explanation, "explanation")
	for _, c := range []struct {
		name      string
		want, got time.Time
	}{
		{"sign_by", want.SignBy, got.SignBy},
		{"due_soon_at", want.DueSoonAt, got.DueSoonAt},
		{"overdue_at", want.OverdueAt, got.OverdueAt},
		{"supervised_at", want.SupervisedAt, got.SupervisedAt},
		{"accountability_at", want.AccountabilityAt, got.AccountabilityAt},
	} {
		require.True(t, c.want.Equal(c.got), "%s is %s, want %s", c.name, c.got.In(cst), c.want)
	}
}

type note struct {
	kind     domain.Action
	to       []string
	state    domain.State
	level    domain.OverdueLevel
	deadline string
	rev      int
}

// queueOf is the role whose queue a notification with no one person behind it
// lands in: any verifier checks a submitted fix, the office reassigns a return.
var queueOf = map[domain.Action][]domain.Role{
	domain.ActionSubmit: {domain.RoleVerifier},
	domain.ActionReturn: {domain.RoleOffice},
}

func requireNotes(t *testing.T, got []domain.Notification, want []note) {
	t.Helper()
	require.Len(t, got, len(want), "notifications: %+v", got)
	for i, w := range want {
		n := got[i]
		to := n.Recipients
		if len(to) == 0 {
			to = nil
		}
		require.Equal(t, w.kind, n.Kind, "notification %d kind", i+1)
		require.Equal(t, w.to, to, "notification %d (%s) recipients", i+1, n.Kind)
		require.Equal(t, queueOf[w.kind], n.Roles, "notification %d (%s) lands in the queue of", i+1, n.Kind)
		require.Equal(t, w.state, n.State, "notification %d (%s) state", i+1, n.Kind)
		require.Equal(t, w.level, n.Level, "notification %d (%s) level", i+1, n.Kind)
		require.Equal(t, w.deadline, n.Deadline, "notification %d (%s) deadline", i+1, n.Kind)
		require.Equal(t, fmt.Sprintf("%s/%d", opinionID, w.rev), n.Key, "notification %d (%s) key", i+1, n.Kind)
	}
}

func yes() *bool { b := true; return &b }
func no() *bool  { b := false; return &b }

// Bodies used across stories.
var (
	categorizeFormalism = domain.ActionBody{Category: catFormalism}
	assignOfficial      = domain.ActionBody{Department: deptCivil, Official: "official", Leader: "leader", Measures: "精简会议文件，建立走访台账"}
	submitFix           = domain.ActionBody{Measures: "会议压减 40%，每周走访两次", Evidence: "会议记录.pdf"}
)

// assignBy is the usual assignment with a deadline given by hand.
func assignBy(deadline string) domain.ActionBody {
	b := assignOfficial
	b.Deadline = deadline
	return b
}

// assignedDetail is the assign entry's detail for the default 10-working-day deadline.
func assignedDetail(official, dept string) map[string]string {
	return kv("department", dept, "official", official, "leader", "leader", "deadline", "2026-10-12", "explanation", explain0921plus10)
}

// schedule0921plus10 is the schedule of an assignment on 09-21 in the 10-day category.
var schedule0921plus10 = domain.Schedule{
	Deadline:    "2026-10-12",
	Explanation: explain0921plus10,
	SignBy:      midnight(time.September, 23), // 1 working day (09-22) has ended
	DueSoonAt:   midnight(time.October, 9),    // 2 working days before: Saturday 10-10 is worked
	OverdueAt:   midnight(time.October, 13),   // the deadline day has ended
	// 3 working days later: 10-13..15; 6 later: ..10-16, 10-19, 10-20.
	SupervisedAt:     midnight(time.October, 16),
	AccountabilityAt: midnight(time.October, 21),
}

// fixedExplanation is the Schedule activity's explanation of a deadline given as a
// date (an extension, a reopen): the test pins the dates and the working days the
// calendar counts between them; the wording belongs to the activity.
func fixedExplanation(t *testing.T, today, date string, workingDays int) string {
	t.Helper()
	s, err := deadline.Compute(calendar.Default(), workflows.ScheduleInput{Today: today, Deadline: date, Policy: testPolicy()})
	require.NoError(t, err)
	require.Equal(t, date, s.Deadline)
	for _, part := range []string{date, today, fmt.Sprintf(" %d 个工作日", workingDays)} {
		require.Contains(t, s.Explanation, part)
	}
	return s.Explanation
}

// ---------------------------------------------------------------------------
// 1. The happy path

func TestOpinionHappyPathClosesOnTimeAndArchives(t *testing.T) {
	lc := newLifecycle(t, testPolicy())

	received := lc.update(on(time.September, 21, 9, 5), workflows.ReceiveUpdateName, workflows.ReceiveUpdateID, "receive")
	categorize := lc.act(on(time.September, 21, 10, 0), office, domain.ActionCategorize, categorizeFormalism)
	assign := lc.act(on(time.September, 21, 11, 0), office, domain.ActionAssign, assignOfficial)
	afterAssign := lc.look(on(time.September, 21, 11, 30))
	sign := lc.act(on(time.September, 22, 9, 30), official, domain.ActionSign, domain.ActionBody{})
	submit := lc.act(on(time.September, 30, 15, 0), official, domain.ActionSubmit, submitFix)
	verify := lc.act(on(time.October, 8, 10, 0), verifier, domain.ActionVerify, domain.ActionBody{Pass: yes(), Reason: "整改到位"})
	// Due-soon time (10-09 00:00) passes while the fix waits for the callback: no ladder.
	callback := lc.act(on(time.October, 9, 10, 0), office, domain.ActionCallback, domain.ActionBody{Satisfaction: domain.SatisfactionSatisfied, Note: "群众表示满意"})
	closed := lc.look(on(time.October, 9, 11, 0))
	stillOpen := lc.look(on(time.November, 8, 9, 59))

	res := lc.run()

	require.Equal(t, workflows.OpinionResult{State: domain.StateClosed}, res)
	require.True(t, on(time.November, 8, 10, 0).Equal(lc.env.Now()), "the workflow ends when the 30-day reopen window has passed, at %s", lc.env.Now())

	received.okAs(t, domain.StateReceived, 1)
	categorize.okAs(t, domain.StateCategorized, 2)
	assign.okAs(t, domain.StateAssigned, 3)
	sign.okAs(t, domain.StateInProgress, 4)
	submit.okAs(t, domain.StateSubmitted, 5)
	verify.okAs(t, domain.StateAwaitingCallback, 6)
	callback.okAs(t, domain.StateClosed, 7)

	a := afterAssign.get(t)
	require.Equal(t, domain.StateAssigned, a.State)
	require.Equal(t, catFormalism, a.Category)
	require.Equal(t, deptCivil, a.Department)
	require.Equal(t, "official", a.Official)
	require.Equal(t, "leader", a.Leader)
	require.Equal(t, assignOfficial.Measures, a.Measures)
	require.False(t, a.Signed)
	require.Equal(t, domain.LevelNone, a.OverdueLevel)
	requireSchedule(t, schedule0921plus10, a.Schedule)

	c := closed.get(t)
	require.Equal(t, domain.StateClosed, c.State)
	require.True(t, c.OnTime)
	require.False(t, c.SubmittedLate)
	require.True(t, on(time.October, 9, 10, 0).Equal(c.ClosedAt))
	require.Equal(t, domain.SatisfactionSatisfied, c.Satisfaction)
	require.Equal(t, "verifier", c.VerifiedBy)
	require.Equal(t, "official", c.SubmittedBy)
	require.Equal(t, submitFix.Evidence, c.Evidence)
	require.Equal(t, domain.LevelNone, c.OverdueLevel, "no escalation while submitted or awaiting the callback")
	require.Equal(t, 7, stillOpen.get(t).Revision, "nothing happens inside the reopen window")

	final := lc.finalChecks(t)
	require.Equal(t, 8, final.Revision)
	require.Equal(t, opinionID, final.ID)
	require.Equal(t, campaignID, final.CampaignID)
	require.True(t, start.Equal(final.CreatedAt))
	requireTimeline(t, final.Timeline, []ev{
		{start, "office", domain.EventReceived, domain.StateReceived, domain.StateReceived, "", kv("channel", "hotline", "batch", "batch-7")},
		{on(time.September, 21, 10, 0), "office", domain.ActionCategorize, domain.StateReceived, domain.StateCategorized, "", kv("category", catFormalism, "suggested", "官僚主义")},
		{on(time.September, 21, 11, 0), "office", domain.ActionAssign, domain.StateCategorized, domain.StateAssigned, "", assignedDetail("official", deptCivil)},
		{on(time.September, 22, 9, 30), "official", domain.ActionSign, domain.StateAssigned, domain.StateInProgress, "", nil},
		{on(time.September, 30, 15, 0), "official", domain.ActionSubmit, domain.StateInProgress, domain.StateSubmitted, "", kv("late", "false")},
		{on(time.October, 8, 10, 0), "verifier", domain.ActionVerify, domain.StateSubmitted, domain.StateAwaitingCallback, "整改到位", kv("pass", "true")},
		{on(time.October, 9, 10, 0), "office", domain.ActionCallback, domain.StateAwaitingCallback, domain.StateClosed, "群众表示满意", kv("satisfaction", "satisfied")},
		{on(time.November, 8, 10, 0), domain.SystemActor, domain.EventArchived, domain.StateClosed, domain.StateClosed, "reopen window passed", nil},
	})
	requireNotes(t, lc.notifier.all(), []note{
		{domain.ActionAssign, []string{"official"}, domain.StateAssigned, domain.LevelNone, "2026-10-12", 3},
		{domain.ActionSubmit, nil, domain.StateSubmitted, domain.LevelNone, "2026-10-12", 5},
	})
}

// ---------------------------------------------------------------------------
// 2. Every rejection, and that a rejection changes nothing

// rejections sends each attempt one minute apart from first, with a look one minute
// before and one after, so the test can prove nothing changed.
type attempt struct {
	who    domain.Actor
	action domain.Action
	body   domain.ActionBody
	kind   string
	code   string
	msg    string
}

type rejectionPhase struct {
	name          string
	before, after *view
	attempts      []attempt
	outcomes      []*outcome
}

func (lc *lifecycle) rejections(name string, first time.Time, attempts ...attempt) *rejectionPhase {
	p := &rejectionPhase{name: name, attempts: attempts, before: lc.look(first.Add(-time.Minute))}
	for i, a := range attempts {
		p.outcomes = append(p.outcomes, lc.act(first.Add(time.Duration(i)*time.Minute), a.who, a.action, a.body))
	}
	p.after = lc.look(first.Add(time.Duration(len(attempts)) * time.Minute))
	return p
}

func (p *rejectionPhase) check(t *testing.T) {
	t.Helper()
	for i, a := range p.attempts {
		p.outcomes[i].rejectedWith(t, a.kind, a.code, a.msg)
	}
	before, after := p.before.get(t), p.after.get(t)
	require.Equal(t, before, after, "%s: a rejected action changed the opinion", p.name)
	require.Equal(t, p.before.writes, p.after.writes, "%s: a rejected action wrote the projection", p.name)
	require.Equal(t, p.before.notes, p.after.notes, "%s: a rejected action notified someone", p.name)
	require.Equal(t, p.before.upserts, p.after.upserts, "%s: a rejected action upserted search attributes", p.name)
}

func TestOpinionRejectsInvalidActionsWithoutChangingAnything(t *testing.T) {
	lc := newLifecycle(t, testPolicy())
	const (
		forbidden = domain.ErrForbidden
		conflict  = domain.ErrConflict
		invalid   = domain.ErrInvalid
	)
	assignWith := func(change func(*domain.ActionBody)) domain.ActionBody {
		b := assignOfficial
		change(&b)
		return b
	}
	var phases []*rejectionPhase

	phases = append(phases, lc.rejections("received", on(time.September, 21, 9, 10),
		attempt{nobody, domain.ActionCategorize, categorizeFormalism, forbidden, "no_actor", "the action has no authenticated user"},
		attempt{official, domain.ActionCategorize, categorizeFormalism, forbidden, "office_only", "only the campaign office may do “Confirm category” to an opinion"},
		attempt{leader, domain.ActionCategorize, categorizeFormalism, forbidden, "office_only", "only the campaign office may do “Confirm category” to an opinion"},
		attempt{office, domain.ActionCategorize, domain.ActionBody{Category: "不存在的分类"}, invalid, "unknown_category", `category "不存在的分类" is not one of this campaign's categories`},
		attempt{office, domain.ActionCategorize, domain.ActionBody{}, invalid, "category_required", "category is required"},
		attempt{official, domain.ActionSign, domain.ActionBody{}, conflict, "wrong_state", "“Sign for it” cannot be done to an opinion that is “Received”"},
		attempt{office, domain.ActionAssign, assignOfficial, conflict, "wrong_state", "“Assign” cannot be done to an opinion that is “Received”"},
		attempt{office, domain.ActionReject, domain.ActionBody{Reason: "   "}, invalid, "reason_required", "reason is required"},
		attempt{office, domain.ActionReject, domain.ActionBody{Reason: strings.Repeat("长", 2001)}, invalid, "reason_too_long", "reason has 2001 characters; at most 2000 are allowed"},
		attempt{office, domain.ActionMerge, domain.ActionBody{Into: opinionID}, invalid, "merge_self", "an opinion cannot be merged into itself"},
		attempt{office, domain.ActionMerge, domain.ActionBody{}, invalid, "into_required", "into (the opinion to merge into) is required"},
		attempt{office, domain.ActionReopen, domain.ActionBody{Reason: "x"}, conflict, "wrong_state", "“Reopen” cannot be done to an opinion that is “Received”"},
	))
	categorize := lc.act(on(time.September, 21, 10, 0), office, domain.ActionCategorize, categorizeFormalism)

	phases = append(phases, lc.rejections("categorized", on(time.September, 21, 10, 10),
		attempt{official, domain.ActionAssign, assignOfficial, forbidden, "office_only", "only the campaign office may do “Assign” to an opinion"},
		attempt{office, domain.ActionAssign, assignWith(func(b *domain.ActionBody) { b.Department = "财政科" }), invalid, "unknown_department", `department "财政科" is not one of this campaign's departments`},
		attempt{office, domain.ActionAssign, assignWith(func(b *domain.ActionBody) { b.Department = "" }), invalid, "department_required", "department is required"},
		attempt{office, domain.ActionAssign, assignWith(func(b *domain.ActionBody) { b.Official = "" }), invalid, "official_required", "official (the responsible official's username) is required"},
		attempt{office, domain.ActionAssign, assignWith(func(b *domain.ActionBody) { b.Leader = "" }), invalid, "leader_required", "leader (the responsible leader's username) is required"},
		attempt{office, domain.ActionAssign, assignWith(func(b *domain.ActionBody) { b.Leader = "official" }), invalid, "leader_is_official", "the responsible leader must be someone other than the official"},
		attempt{office, domain.ActionAssign, assignWith(func(b *domain.ActionBody) { b.Deadline = "2026/10/20" }), invalid, "deadline_format", `deadline "2026/10/20" is not a date in the form YYYY-MM-DD`},
		attempt{office, domain.ActionAssign, assignWith(func(b *domain.ActionBody) { b.Deadline = "2026-09-01" }), invalid, "deadline_before_collected", "deadline 2026-09-01 is before the opinion was collected (2026-09-18)"},
		attempt{verifier, domain.ActionVerify, domain.ActionBody{Pass: yes()}, conflict, "wrong_state", "“Verify” cannot be done to an opinion that is “Categorized”"},
	))
	assign := lc.act(on(time.September, 21, 11, 0), office, domain.ActionAssign, assignOfficial)

	phases = append(phases, lc.rejections("assigned", on(time.September, 21, 11, 10),
		attempt{official2, domain.ActionSign, domain.ActionBody{}, forbidden, "not_assignee", "this opinion is assigned to another official; only they may do “Sign for it” to it"},
		attempt{office, domain.ActionSign, domain.ActionBody{}, forbidden, "official_only", "only a responsible official may do “Sign for it” to an opinion"},
		attempt{official, domain.ActionSubmit, submitFix, conflict, "wrong_state", "“Submit the fix” cannot be done to an opinion that is “Assigned”"},
		attempt{official2, domain.ActionReturn, domain.ActionBody{Reason: "不归我管"}, forbidden, "not_assignee", "this opinion is assigned to another official; only they may do “Return” to it"},
		attempt{official, domain.ActionReturn, domain.ActionBody{}, invalid, "reason_required", "reason is required"},
		attempt{office, domain.ActionCategorize, categorizeFormalism, conflict, "wrong_state", "“Confirm category” cannot be done to an opinion that is “Assigned”"},
	))
	sign := lc.act(on(time.September, 22, 9, 0), official, domain.ActionSign, domain.ActionBody{})

	phases = append(phases, lc.rejections("in progress", on(time.September, 22, 9, 10),
		attempt{verifier, domain.ActionVerify, domain.ActionBody{Pass: yes()}, conflict, "wrong_state", "“Verify” cannot be done to an opinion that is “In progress”"},
		attempt{official, domain.ActionSign, domain.ActionBody{}, conflict, "wrong_state", "“Sign for it” cannot be done to an opinion that is “In progress”"},
		attempt{official, domain.ActionRequestExtension, domain.ActionBody{Until: "2026-10-12", Reason: "需协调"}, invalid, "until_not_later", "until (2026-10-12) must be after the current deadline 2026-10-12"},
		attempt{official, domain.ActionRequestExtension, domain.ActionBody{Until: "2026.10.20", Reason: "需协调"}, invalid, "until_format", `until "2026.10.20" is not a date in the form YYYY-MM-DD`},
		attempt{official, domain.ActionRequestExtension, domain.ActionBody{Until: "", Reason: "需协调"}, invalid, "until_required", "until is required (YYYY-MM-DD)"},
		attempt{official, domain.ActionRequestExtension, domain.ActionBody{Until: "2026-09-01", Reason: "需协调"}, invalid, "until_past", "until 2026-09-01 is in the past (today is 2026-09-22)"},
		attempt{official, domain.ActionRequestExtension, domain.ActionBody{Until: "2026-10-16"}, invalid, "reason_required", "reason is required"},
		attempt{official2, domain.ActionRequestExtension, domain.ActionBody{Until: "2026-10-16", Reason: "需协调"}, forbidden, "not_assignee", "this opinion is assigned to another official; only they may do “Ask for an extension” to it"},
		attempt{office, domain.ActionDecideExtension, domain.ActionBody{Approve: yes()}, conflict, "no_extension_pending", "there is no extension request to decide"},
		attempt{official, domain.ActionSubmit, domain.ActionBody{Measures: "已整改"}, invalid, "evidence_required", "evidence is required"},
		attempt{official, domain.ActionSubmit, domain.ActionBody{Evidence: "照片"}, invalid, "measures_required", "measures is required"},
	))
	request := lc.act(on(time.September, 22, 10, 0), official, domain.ActionRequestExtension, domain.ActionBody{Until: "2026-10-16", Reason: "需协调市政部门"})

	phases = append(phases, lc.rejections("extension pending", on(time.September, 22, 10, 10),
		attempt{official, domain.ActionRequestExtension, domain.ActionBody{Until: "2026-10-20", Reason: "再延"}, conflict, "extension_pending", "an extension request until 2026-10-16 is already waiting for a decision"},
		attempt{official, domain.ActionDecideExtension, domain.ActionBody{Approve: yes()}, forbidden, "office_or_leader", "only the campaign office or the responsible leader may do “Decide extension”"},
		attempt{leader2, domain.ActionDecideExtension, domain.ActionBody{Approve: yes()}, forbidden, "office_or_leader", "only the campaign office or the responsible leader may do “Decide extension”"},
		attempt{verifier, domain.ActionDecideExtension, domain.ActionBody{Approve: yes()}, forbidden, "office_or_leader", "only the campaign office or the responsible leader may do “Decide extension”"},
		attempt{leader, domain.ActionDecideExtension, domain.ActionBody{}, invalid, "approve_required", "approve (true or false) is required"},
		attempt{leader, domain.ActionDecideExtension, domain.ActionBody{Approve: no()}, invalid, "reason_required", "reason is required"},
	))
	approve := lc.act(on(time.September, 22, 11, 0), leader, domain.ActionDecideExtension, domain.ActionBody{Approve: yes()})

	phases = append(phases, lc.rejections("extension granted", on(time.September, 22, 11, 10),
		attempt{official, domain.ActionRequestExtension, domain.ActionBody{Until: "2026-10-30", Reason: "再延"}, conflict, "extension_limit", "this campaign allows at most 1 extensions and 1 have been granted"},
	))
	submit := lc.act(on(time.September, 23, 10, 0), official, domain.ActionSubmit, submitFix)

	phases = append(phases, lc.rejections("submitted", on(time.September, 23, 10, 10),
		attempt{officialVerifier, domain.ActionVerify, domain.ActionBody{Pass: yes()}, forbidden, "own_fix", "a verifier may not verify a fix they submitted or are responsible for"},
		attempt{official, domain.ActionVerify, domain.ActionBody{Pass: yes()}, forbidden, "verifier_only", "only a verifier may verify a fix"},
		attempt{verifier, domain.ActionVerify, domain.ActionBody{}, invalid, "pass_required", "pass (true or false) is required"},
		attempt{verifier, domain.ActionVerify, domain.ActionBody{Pass: no(), Reason: " "}, invalid, "reason_required", "reason is required"},
		attempt{official, domain.ActionSubmit, submitFix, conflict, "wrong_state", "“Submit the fix” cannot be done to an opinion that is “Submitted”"},
		attempt{office, domain.ActionCallback, domain.ActionBody{Satisfaction: domain.SatisfactionSatisfied}, conflict, "wrong_state", "“Record follow-up” cannot be done to an opinion that is “Submitted”"},
		attempt{official, domain.ActionRequestExtension, domain.ActionBody{Until: "2026-10-30", Reason: "再延"}, conflict, "wrong_state", "“Ask for an extension” cannot be done to an opinion that is “Submitted”"},
	))
	verify := lc.act(on(time.September, 23, 11, 0), verifier, domain.ActionVerify, domain.ActionBody{Pass: yes()})

	phases = append(phases, lc.rejections("awaiting callback", on(time.September, 23, 11, 10),
		attempt{office, domain.ActionCallback, domain.ActionBody{Satisfaction: "很满意"}, invalid, "satisfaction_invalid", `satisfaction must be satisfied, basically or dissatisfied, not "很满意"`},
		attempt{office, domain.ActionCallback, domain.ActionBody{}, invalid, "satisfaction_invalid", `satisfaction must be satisfied, basically or dissatisfied, not ""`},
		attempt{office, domain.ActionCallback, domain.ActionBody{Satisfaction: domain.SatisfactionDissatisfied}, invalid, "note_required", "note is required"},
		attempt{official, domain.ActionCallback, domain.ActionBody{Satisfaction: domain.SatisfactionSatisfied}, forbidden, "office_only", "only the campaign office may do “Record follow-up” to an opinion"},
		attempt{official2, domain.ActionReopen, domain.ActionBody{Reason: "重新整改"}, forbidden, "office_or_leader", "only the campaign office or the responsible leader may do “Reopen”"},
		attempt{leader2, domain.ActionReopen, domain.ActionBody{Reason: "重新整改"}, forbidden, "office_or_leader", "only the campaign office or the responsible leader may do “Reopen”"},
		attempt{leader, domain.ActionReopen, domain.ActionBody{}, invalid, "reason_required", "reason is required"},
		attempt{leader, domain.ActionReopen, domain.ActionBody{Reason: "重新整改", Deadline: "2026-09-01"}, invalid, "deadline_past", "deadline 2026-09-01 is in the past (today is 2026-09-23)"},
		attempt{leader, domain.ActionReopen, domain.ActionBody{Reason: "重新整改", Deadline: "10/20"}, invalid, "deadline_format", `deadline "10/20" is not a date in the form YYYY-MM-DD`},
	))
	callback := lc.act(on(time.September, 23, 15, 0), office, domain.ActionCallback, domain.ActionBody{Satisfaction: domain.SatisfactionSatisfied})

	phases = append(phases, lc.rejections("closed", on(time.September, 23, 15, 10),
		attempt{office, domain.ActionCancel, domain.ActionBody{Reason: "撤销"}, conflict, "wrong_state", "“Cancel” cannot be done to an opinion that is “Closed”"},
		attempt{verifier, domain.ActionVerify, domain.ActionBody{Pass: yes()}, conflict, "wrong_state", "“Verify” cannot be done to an opinion that is “Closed”"},
		attempt{office, domain.ActionCallback, domain.ActionBody{Satisfaction: domain.SatisfactionSatisfied}, conflict, "wrong_state", "“Record follow-up” cannot be done to an opinion that is “Closed”"},
		attempt{official, domain.ActionReopen, domain.ActionBody{Reason: "重新整改"}, forbidden, "office_or_leader", "only the campaign office or the responsible leader may do “Reopen”"},
	))

	res := lc.run()
	require.Equal(t, domain.StateClosed, res.State)

	for _, p := range phases {
		t.Run(p.name, p.check)
	}
	categorize.okAs(t, domain.StateCategorized, 2)
	assign.okAs(t, domain.StateAssigned, 3)
	sign.okAs(t, domain.StateInProgress, 4)
	request.okAs(t, domain.StateInProgress, 5)
	approve.okAs(t, domain.StateInProgress, 6)
	submit.okAs(t, domain.StateSubmitted, 7)
	verify.okAs(t, domain.StateAwaitingCallback, 8)
	callback.okAs(t, domain.StateClosed, 9)

	final := lc.finalChecks(t)
	var got []domain.Action
	for _, e := range final.Timeline {
		got = append(got, e.Action)
	}
	require.Equal(t, []domain.Action{
		domain.EventReceived, domain.ActionCategorize, domain.ActionAssign, domain.ActionSign,
		domain.ActionRequestExtension, domain.ActionDecideExtension, domain.ActionSubmit,
		domain.ActionVerify, domain.ActionCallback, domain.EventArchived,
	}, got, "only accepted actions reach the timeline")
	require.Equal(t, 1, final.Extensions)
	require.Equal(t, "2026-10-16", final.Schedule.Deadline)
}

// ---------------------------------------------------------------------------
// 3. The overdue ladder on the working-day calendar

func TestOpinionLadderClimbsWithoutAnyAction(t *testing.T) {
	lc := newLifecycle(t, testPolicy())
	lc.act(on(time.September, 21, 10, 0), office, domain.ActionCategorize, categorizeFormalism)
	lc.act(on(time.September, 21, 11, 0), office, domain.ActionAssign, assignOfficial)

	levels := map[string]*view{
		"before sign-by":           lc.look(on(time.September, 22, 23, 59)),
		"sign overdue":             lc.look(on(time.September, 23, 0, 1)),
		"before due soon":          lc.look(on(time.October, 8, 23, 59)),
		"due soon":                 lc.look(on(time.October, 9, 0, 1)),
		"deadline day":             lc.look(on(time.October, 12, 23, 59)),
		"overdue":                  lc.look(on(time.October, 13, 0, 1)),
		"before supervision":       lc.look(on(time.October, 15, 23, 59)),
		"supervised":               lc.look(on(time.October, 16, 0, 1)),
		"weekend in between":       lc.look(on(time.October, 18, 12, 0)),
		"accountability":           lc.look(on(time.October, 21, 0, 1)),
		"nothing after the ladder": lc.look(on(time.October, 22, 9, 59)),
	}
	cancel := lc.act(on(time.October, 22, 10, 0), office, domain.ActionCancel, domain.ActionBody{Reason: "责任单位撤并，转入新台账"})

	res := lc.run()
	require.Equal(t, workflows.OpinionResult{State: domain.StateCancelled}, res)
	cancel.okAs(t, domain.StateCancelled, 9)

	for name, want := range map[string]domain.OverdueLevel{
		"before sign-by": domain.LevelNone, "sign overdue": domain.LevelNone,
		"before due soon": domain.LevelNone, "due soon": domain.LevelDueSoon,
		"deadline day": domain.LevelDueSoon, "overdue": domain.LevelOverdue,
		"before supervision": domain.LevelOverdue, "supervised": domain.LevelSupervised,
		"weekend in between": domain.LevelSupervised, "accountability": domain.LevelAccountability,
		"nothing after the ladder": domain.LevelAccountability,
	} {
		require.Equal(t, want, levels[name].get(t).OverdueLevel, name)
		require.Equal(t, domain.StateAssigned, levels[name].get(t).State, name)
		require.Equal(t, string(want), levels[name].shown.Level, "%s: search attribute", name)
	}
	require.Equal(t, 3, levels["before sign-by"].get(t).Revision)
	require.Equal(t, 8, levels["nothing after the ladder"].get(t).Revision)

	final := lc.finalChecks(t)
	requireSchedule(t, schedule0921plus10, final.Schedule)
	esc := func(day int, month time.Month, level domain.OverdueLevel) ev {
		return ev{midnight(month, day), domain.SystemActor, domain.EventEscalated, domain.StateAssigned, domain.StateAssigned, "",
			kv("level", string(level), "deadline", "2026-10-12")}
	}
	requireTimeline(t, final.Timeline, []ev{
		{start, "office", domain.EventReceived, domain.StateReceived, domain.StateReceived, "", kv("channel", "hotline", "batch", "batch-7")},
		{on(time.September, 21, 10, 0), "office", domain.ActionCategorize, domain.StateReceived, domain.StateCategorized, "", kv("category", catFormalism, "suggested", "官僚主义")},
		{on(time.September, 21, 11, 0), "office", domain.ActionAssign, domain.StateCategorized, domain.StateAssigned, "", assignedDetail("official", deptCivil)},
		// The sign-in day is 09-22 (1 working day); the flag goes up when it has ended.
		{midnight(time.September, 23), domain.SystemActor, domain.EventSignOverdue, domain.StateAssigned, domain.StateAssigned, "not signed for by the sign-in deadline", kv("sign_by", "2026-09-22")},
		esc(9, time.October, domain.LevelDueSoon),         // 2 working days before: 10-09, Saturday 10-10
		esc(13, time.October, domain.LevelOverdue),        // the day after the deadline
		esc(16, time.October, domain.LevelSupervised),     // 3 working days later: 10-13..15 ended
		esc(21, time.October, domain.LevelAccountability), // 6 working days later: ..10-16, 10-19, 10-20 ended
		{on(time.October, 22, 10, 0), "office", domain.ActionCancel, domain.StateAssigned, domain.StateCancelled, "责任单位撤并，转入新台账", nil},
	})
	requireNotes(t, lc.notifier.all(), []note{
		{domain.ActionAssign, []string{"official"}, domain.StateAssigned, domain.LevelNone, "2026-10-12", 3},
		{domain.EventSignOverdue, []string{"official", "leader"}, domain.StateAssigned, domain.LevelNone, "2026-10-12", 4},
		{domain.EventEscalated, []string{"official"}, domain.StateAssigned, domain.LevelDueSoon, "2026-10-12", 5},
		{domain.EventEscalated, []string{"official"}, domain.StateAssigned, domain.LevelOverdue, "2026-10-12", 6},
		{domain.EventEscalated, []string{"official", "leader"}, domain.StateAssigned, domain.LevelSupervised, "2026-10-12", 7},
		{domain.EventEscalated, []string{"official", "leader"}, domain.StateAssigned, domain.LevelAccountability, "2026-10-12", 8},
	})
	require.Equal(t, domain.StateCancelled, final.State)
	require.Equal(t, domain.LevelAccountability, final.OverdueLevel)
}

// An immediate (立行立改) item's due-soon reminder comes before its sign-in deadline;
// the reminder must not wait for the sign-in flag.
func TestOpinionShortDeadlineRemindsBeforeTheSignInDeadline(t *testing.T) {
	lc := newLifecycle(t, testPolicy())
	lc.act(on(time.September, 21, 10, 0), office, domain.ActionCategorize, domain.ActionBody{Category: catResidents})
	lc.act(on(time.September, 21, 11, 0), office, domain.ActionAssign, assignOfficial)
	dueSoon := lc.look(on(time.September, 22, 8, 0))
	lc.act(on(time.October, 12, 10, 0), office, domain.ActionCancel, domain.ActionBody{Reason: "并入专项整治"})

	res := lc.run()
	require.Equal(t, domain.StateCancelled, res.State)
	require.Equal(t, domain.LevelDueSoon, dueSoon.get(t).OverdueLevel, "due soon from 09-22 00:00, before the sign-in deadline")

	final := lc.finalChecks(t)
	requireSchedule(t, domain.Schedule{
		Deadline:    "2026-09-24",
		Explanation: explain0921plus3,
		SignBy:      midnight(time.September, 23),
		DueSoonAt:   midnight(time.September, 22), // 09-24 minus 2 working days
		OverdueAt:   midnight(time.September, 25),
		// 3 working days after 09-24 skip 中秋节: 09-28..30; 6 skip 国庆节 and count Saturday 10-10.
		SupervisedAt:     midnight(time.October, 1),
		AccountabilityAt: midnight(time.October, 11),
	}, final.Schedule)
	esc := func(at time.Time, level domain.OverdueLevel) ev {
		return ev{at, domain.SystemActor, domain.EventEscalated, domain.StateAssigned, domain.StateAssigned, "",
			kv("level", string(level), "deadline", "2026-09-24")}
	}
	requireTimeline(t, final.Timeline, []ev{
		{start, "office", domain.EventReceived, domain.StateReceived, domain.StateReceived, "", kv("channel", "hotline", "batch", "batch-7")},
		{on(time.September, 21, 10, 0), "office", domain.ActionCategorize, domain.StateReceived, domain.StateCategorized, "", kv("category", catResidents, "suggested", "官僚主义")},
		{on(time.September, 21, 11, 0), "office", domain.ActionAssign, domain.StateCategorized, domain.StateAssigned, "",
			kv("department", deptCivil, "official", "official", "leader", "leader", "deadline", "2026-09-24", "explanation", explain0921plus3)},
		esc(midnight(time.September, 22), domain.LevelDueSoon),
		{midnight(time.September, 23), domain.SystemActor, domain.EventSignOverdue, domain.StateAssigned, domain.StateAssigned, "not signed for by the sign-in deadline", kv("sign_by", "2026-09-22")},
		esc(midnight(time.September, 25), domain.LevelOverdue),
		esc(midnight(time.October, 1), domain.LevelSupervised),
		esc(midnight(time.October, 11), domain.LevelAccountability),
		{on(time.October, 12, 10, 0), "office", domain.ActionCancel, domain.StateAssigned, domain.StateCancelled, "并入专项整治", nil},
	})
	requireNotes(t, lc.notifier.all(), []note{
		{domain.ActionAssign, []string{"official"}, domain.StateAssigned, domain.LevelNone, "2026-09-24", 3},
		{domain.EventEscalated, []string{"official"}, domain.StateAssigned, domain.LevelDueSoon, "2026-09-24", 4},
		{domain.EventSignOverdue, []string{"official", "leader"}, domain.StateAssigned, domain.LevelDueSoon, "2026-09-24", 5},
		{domain.EventEscalated, []string{"official"}, domain.StateAssigned, domain.LevelOverdue, "2026-09-24", 6},
		{domain.EventEscalated, []string{"official", "leader"}, domain.StateAssigned, domain.LevelSupervised, "2026-09-24", 7},
		{domain.EventEscalated, []string{"official", "leader"}, domain.StateAssigned, domain.LevelAccountability, "2026-09-24", 8},
	})
}

// Signing in time means no sign-overdue flag; the ladder still runs in progress.
func TestOpinionSignedInTimeIsNotFlagged(t *testing.T) {
	lc := newLifecycle(t, testPolicy())
	lc.act(on(time.September, 21, 10, 0), office, domain.ActionCategorize, categorizeFormalism)
	lc.act(on(time.September, 21, 11, 0), office, domain.ActionAssign, assignOfficial)
	lc.act(on(time.September, 22, 23, 30), official, domain.ActionSign, domain.ActionBody{})
	lc.act(on(time.October, 13, 9, 0), office, domain.ActionCancel, domain.ActionBody{Reason: "撤销"})

	lc.run()
	final := lc.finalChecks(t)
	var got []string
	for _, e := range final.Timeline[3:] {
		got = append(got, fmt.Sprintf("%s %s %s", e.Action, e.Detail["level"], e.At.In(cst).Format("01-02 15:04")))
	}
	require.Equal(t, []string{
		"sign  09-22 23:30",
		"escalate due_soon 10-09 00:00",
		"escalate overdue 10-13 00:00",
		"cancel  10-13 09:00",
	}, got)
	require.Equal(t, domain.StateInProgress, final.Timeline[4].From)
}

// ---------------------------------------------------------------------------
// 4. Extensions

func TestOpinionApprovedExtensionMovesTheDeadlineAndRearmsTheLadder(t *testing.T) {
	p := testPolicy()
	p.CallbackRequired = false
	lc := newLifecycle(t, p)
	lc.act(on(time.September, 21, 10, 0), office, domain.ActionCategorize, categorizeFormalism)
	lc.act(on(time.September, 21, 11, 0), office, domain.ActionAssign, assignOfficial)
	lc.act(on(time.September, 21, 14, 0), official, domain.ActionSign, domain.ActionBody{})
	// 10-09 00:00: due soon on the old deadline.
	request := lc.act(on(time.October, 9, 10, 0), official, domain.ActionRequestExtension, domain.ActionBody{Until: "2026-10-23", Reason: "需协调市政部门施工"})
	pending := lc.look(on(time.October, 9, 10, 30))
	approve := lc.act(on(time.October, 9, 15, 0), leader, domain.ActionDecideExtension, domain.ActionBody{Approve: yes(), Reason: "同意延期"})
	pastOldDeadline := lc.look(on(time.October, 13, 12, 0))
	again := lc.act(on(time.October, 22, 10, 0), official, domain.ActionRequestExtension, domain.ActionBody{Until: "2026-10-30", Reason: "再延一周"})
	submit := lc.act(on(time.October, 26, 10, 0), official, domain.ActionSubmit, submitFix)
	verify := lc.act(on(time.October, 27, 10, 0), verifier, domain.ActionVerify, domain.ActionBody{Pass: yes()})

	res := lc.run()
	require.Equal(t, domain.StateClosed, res.State)
	require.True(t, on(time.November, 26, 10, 0).Equal(lc.env.Now()), "archived 30 days after closure")

	request.okAs(t, domain.StateInProgress, 6)
	p1 := pending.get(t)
	require.Equal(t, &domain.Extension{Until: "2026-10-23", Reason: "需协调市政部门施工", RequestedBy: "official", RequestedAt: p1.PendingExtension.RequestedAt}, p1.PendingExtension)
	require.True(t, on(time.October, 9, 10, 0).Equal(p1.PendingExtension.RequestedAt))
	require.Equal(t, "2026-10-12", p1.Schedule.Deadline, "a request alone moves nothing")
	require.Equal(t, domain.LevelDueSoon, p1.OverdueLevel)

	approve.okAs(t, domain.StateInProgress, 7)
	p2 := pastOldDeadline.get(t)
	require.Nil(t, p2.PendingExtension)
	require.Equal(t, 1, p2.Extensions)
	require.Equal(t, domain.LevelNone, p2.OverdueLevel, "the old deadline's overdue moment passes silently")
	require.Equal(t, 7, p2.Revision)
	extended := domain.Schedule{
		Deadline: "2026-10-23",
		// (10-09, 10-23]: Saturday 10-10, 10-12..16, 10-19..23.
		Explanation: fixedExplanation(t, "2026-10-09", "2026-10-23", 11),
		SignBy:      midnight(time.September, 23), // kept from the assignment
		DueSoonAt:   midnight(time.October, 21),
		OverdueAt:   midnight(time.October, 24),
		// 3 working days: 10-26..28; 6: ..10-29, 10-30, 11-02.
		SupervisedAt:     midnight(time.October, 29),
		AccountabilityAt: midnight(time.November, 3),
	}
	requireSchedule(t, extended, p2.Schedule)

	again.rejectedWith(t, domain.ErrConflict, "extension_limit", "this campaign allows at most 1 extensions and 1 have been granted")
	submit.okAs(t, domain.StateSubmitted, 10)
	verify.okAs(t, domain.StateClosed, 11)

	final := lc.finalChecks(t)
	require.False(t, final.OnTime, "submitted after the extended deadline")
	require.True(t, final.SubmittedLate)
	require.Equal(t, domain.LevelOverdue, final.OverdueLevel)
	requireSchedule(t, extended, final.Schedule)
	requireTimelineFrom(t, final.Timeline, 4, []ev{
		{midnight(time.October, 9), domain.SystemActor, domain.EventEscalated, domain.StateInProgress, domain.StateInProgress, "", kv("level", "due_soon", "deadline", "2026-10-12")},
		{on(time.October, 9, 10, 0), "official", domain.ActionRequestExtension, domain.StateInProgress, domain.StateInProgress, "需协调市政部门施工", kv("until", "2026-10-23", "deadline", "2026-10-12")},
		{on(time.October, 9, 15, 0), "leader", domain.ActionDecideExtension, domain.StateInProgress, domain.StateInProgress, "同意延期",
			kv("approved", "true", "previous_deadline", "2026-10-12", "deadline", "2026-10-23", "explanation", extended.Explanation)},
		{midnight(time.October, 21), domain.SystemActor, domain.EventEscalated, domain.StateInProgress, domain.StateInProgress, "", kv("level", "due_soon", "deadline", "2026-10-23")},
		{midnight(time.October, 24), domain.SystemActor, domain.EventEscalated, domain.StateInProgress, domain.StateInProgress, "", kv("level", "overdue", "deadline", "2026-10-23")},
		{on(time.October, 26, 10, 0), "official", domain.ActionSubmit, domain.StateInProgress, domain.StateSubmitted, "", kv("late", "true")},
		{on(time.October, 27, 10, 0), "verifier", domain.ActionVerify, domain.StateSubmitted, domain.StateClosed, "", kv("pass", "true")},
		{on(time.November, 26, 10, 0), domain.SystemActor, domain.EventArchived, domain.StateClosed, domain.StateClosed, "reopen window passed", nil},
	})
	requireNotes(t, lc.notifier.all(), []note{
		{domain.ActionAssign, []string{"official"}, domain.StateAssigned, domain.LevelNone, "2026-10-12", 3},
		{domain.EventEscalated, []string{"official"}, domain.StateInProgress, domain.LevelDueSoon, "2026-10-12", 5},
		{domain.ActionRequestExtension, []string{"leader"}, domain.StateInProgress, domain.LevelDueSoon, "2026-10-12", 6},
		{domain.ActionDecideExtension, []string{"official"}, domain.StateInProgress, domain.LevelNone, "2026-10-23", 7},
		{domain.EventEscalated, []string{"official"}, domain.StateInProgress, domain.LevelDueSoon, "2026-10-23", 8},
		{domain.EventEscalated, []string{"official"}, domain.StateInProgress, domain.LevelOverdue, "2026-10-23", 9},
		{domain.ActionSubmit, nil, domain.StateSubmitted, domain.LevelOverdue, "2026-10-23", 10},
	})
}

func TestOpinionRejectedExtensionKeepsTheDeadline(t *testing.T) {
	p := testPolicy()
	p.MaxExtensions = 2
	lc := newLifecycle(t, p)
	lc.act(on(time.September, 21, 10, 0), office, domain.ActionCategorize, categorizeFormalism)
	lc.act(on(time.September, 21, 11, 0), office, domain.ActionAssign, assignOfficial)
	lc.act(on(time.September, 21, 14, 0), official, domain.ActionSign, domain.ActionBody{})
	lc.act(on(time.September, 28, 10, 0), official, domain.ActionRequestExtension, domain.ActionBody{Until: "2026-10-16", Reason: "节日期间无法施工"})
	refuse := lc.act(on(time.September, 28, 11, 0), leader, domain.ActionDecideExtension, domain.ActionBody{Approve: no(), Reason: "理由不充分"})
	refused := lc.look(on(time.September, 28, 11, 30))
	nothingPending := lc.act(on(time.September, 28, 12, 0), office, domain.ActionDecideExtension, domain.ActionBody{Approve: yes()})
	// A second request is allowed (none granted yet); the office grants a shorter one.
	lc.act(on(time.September, 29, 10, 0), official, domain.ActionRequestExtension, domain.ActionBody{Until: "2026-10-14", Reason: "补充材料"})
	grant := lc.act(on(time.September, 29, 11, 0), office, domain.ActionDecideExtension, domain.ActionBody{Approve: yes()})
	lc.act(on(time.October, 15, 10, 0), office, domain.ActionCancel, domain.ActionBody{Reason: "合并到专项整改"})

	res := lc.run()
	require.Equal(t, domain.StateCancelled, res.State)

	refuse.okAs(t, domain.StateInProgress, 6)
	r := refused.get(t)
	require.Nil(t, r.PendingExtension)
	require.Equal(t, 0, r.Extensions)
	requireSchedule(t, schedule0921plus10, r.Schedule)
	nothingPending.rejectedWith(t, domain.ErrConflict, "no_extension_pending", "there is no extension request to decide")
	grant.okAs(t, domain.StateInProgress, 8)

	final := lc.finalChecks(t)
	require.Equal(t, 1, final.Extensions)
	// The old deadline's due-soon (10-09) never fires; the new one's (10-12) does.
	requireTimelineFrom(t, final.Timeline, 4, []ev{
		{on(time.September, 28, 10, 0), "official", domain.ActionRequestExtension, domain.StateInProgress, domain.StateInProgress, "节日期间无法施工", kv("until", "2026-10-16", "deadline", "2026-10-12")},
		{on(time.September, 28, 11, 0), "leader", domain.ActionDecideExtension, domain.StateInProgress, domain.StateInProgress, "理由不充分", kv("approved", "false", "until", "2026-10-16")},
		{on(time.September, 29, 10, 0), "official", domain.ActionRequestExtension, domain.StateInProgress, domain.StateInProgress, "补充材料", kv("until", "2026-10-14", "deadline", "2026-10-12")},
		{on(time.September, 29, 11, 0), "office", domain.ActionDecideExtension, domain.StateInProgress, domain.StateInProgress, "",
			kv("approved", "true", "previous_deadline", "2026-10-12", "deadline", "2026-10-14", "explanation", fixedExplanation(t, "2026-09-29", "2026-10-14", 7))}, // 09-30, 10-08..10, 10-12..14
		{midnight(time.October, 12), domain.SystemActor, domain.EventEscalated, domain.StateInProgress, domain.StateInProgress, "", kv("level", "due_soon", "deadline", "2026-10-14")},
		{midnight(time.October, 15), domain.SystemActor, domain.EventEscalated, domain.StateInProgress, domain.StateInProgress, "", kv("level", "overdue", "deadline", "2026-10-14")},
		{on(time.October, 15, 10, 0), "office", domain.ActionCancel, domain.StateInProgress, domain.StateCancelled, "合并到专项整改", nil},
	})
	notes := lc.notifier.all()
	requireNotes(t, notes[1:4], []note{
		{domain.ActionRequestExtension, []string{"leader"}, domain.StateInProgress, domain.LevelNone, "2026-10-12", 5},
		{domain.ActionDecideExtension, []string{"official"}, domain.StateInProgress, domain.LevelNone, "2026-10-12", 6},
		{domain.ActionRequestExtension, []string{"leader"}, domain.StateInProgress, domain.LevelNone, "2026-10-12", 7},
	})
}

// ---------------------------------------------------------------------------
// 5. Verification fails, then passes

func TestOpinionFailedVerificationSendsItBackWithAReworkDeadline(t *testing.T) {
	p := testPolicy()
	p.CallbackRequired = false
	lc := newLifecycle(t, p)
	lc.act(on(time.September, 21, 10, 0), office, domain.ActionCategorize, categorizeFormalism)
	// A deadline before the rework's (10-08), which therefore counts.
	lc.act(on(time.September, 21, 11, 0), office, domain.ActionAssign, assignBy("2026-09-30"))
	lc.act(on(time.September, 21, 14, 0), official, domain.ActionSign, domain.ActionBody{})
	lc.act(on(time.September, 22, 10, 0), official, domain.ActionSubmit, submitFix)
	fail := lc.act(on(time.September, 23, 10, 0), verifier, domain.ActionVerify, domain.ActionBody{Pass: no(), Reason: "台账不完整，缺少整改前后照片"})
	rework := lc.look(on(time.September, 23, 10, 30))
	resubmit := lc.act(on(time.September, 30, 10, 0), official, domain.ActionSubmit, domain.ActionBody{Measures: "补齐照片", Evidence: "照片.zip"})
	pass := lc.act(on(time.September, 30, 15, 0), verifier, domain.ActionVerify, domain.ActionBody{Pass: yes()})

	res := lc.run()
	require.Equal(t, domain.StateClosed, res.State)
	require.True(t, on(time.October, 30, 15, 0).Equal(lc.env.Now()))

	fail.okAs(t, domain.StateInProgress, 6)
	reworkSchedule := domain.Schedule{
		Deadline:    "2026-10-08",
		Explanation: "从 2026-09-23 起 5 个工作日 → 2026-10-08（跳过中秋节 3 天、国庆节 7 天）",
		SignBy:      midnight(time.September, 23),
		DueSoonAt:   midnight(time.September, 29),
		OverdueAt:   midnight(time.October, 9),
		// 3 working days after 10-08: 10-09, Saturday 10-10, 10-12; 6: 10-13..15.
		SupervisedAt:     midnight(time.October, 13),
		AccountabilityAt: midnight(time.October, 16),
	}
	rw := rework.get(t)
	require.Equal(t, domain.StateInProgress, rw.State)
	require.Equal(t, 1, rw.ReworkCount)
	require.Equal(t, "verifier", rw.VerifiedBy)
	require.Equal(t, domain.LevelNone, rw.OverdueLevel)
	requireSchedule(t, reworkSchedule, rw.Schedule)
	resubmit.okAs(t, domain.StateSubmitted, 8)
	pass.okAs(t, domain.StateClosed, 9)

	final := lc.finalChecks(t)
	require.True(t, final.OnTime)
	require.Equal(t, 1, final.ReworkCount)
	require.Equal(t, "照片.zip", final.Evidence)
	requireTimelineFrom(t, final.Timeline, 4, []ev{
		{on(time.September, 22, 10, 0), "official", domain.ActionSubmit, domain.StateInProgress, domain.StateSubmitted, "", kv("late", "false")},
		{on(time.September, 23, 10, 0), "verifier", domain.ActionVerify, domain.StateSubmitted, domain.StateInProgress, "台账不完整，缺少整改前后照片",
			kv("pass", "false", "deadline", "2026-10-08", "explanation", reworkSchedule.Explanation, "rework", "1")},
		{midnight(time.September, 29), domain.SystemActor, domain.EventEscalated, domain.StateInProgress, domain.StateInProgress, "", kv("level", "due_soon", "deadline", "2026-10-08")},
		{on(time.September, 30, 10, 0), "official", domain.ActionSubmit, domain.StateInProgress, domain.StateSubmitted, "", kv("late", "false")},
		{on(time.September, 30, 15, 0), "verifier", domain.ActionVerify, domain.StateSubmitted, domain.StateClosed, "", kv("pass", "true")},
		{on(time.October, 30, 15, 0), domain.SystemActor, domain.EventArchived, domain.StateClosed, domain.StateClosed, "reopen window passed", nil},
	})
	requireNotes(t, lc.notifier.all(), []note{
		{domain.ActionAssign, []string{"official"}, domain.StateAssigned, domain.LevelNone, "2026-09-30", 3},
		{domain.ActionSubmit, nil, domain.StateSubmitted, domain.LevelNone, "2026-09-30", 5},
		{domain.ActionVerify, []string{"official"}, domain.StateInProgress, domain.LevelNone, "2026-10-08", 6},
		{domain.EventEscalated, []string{"official"}, domain.StateInProgress, domain.LevelDueSoon, "2026-10-08", 7},
		{domain.ActionSubmit, nil, domain.StateSubmitted, domain.LevelDueSoon, "2026-10-08", 8},
	})
}

// ---------------------------------------------------------------------------
// 6. Dissatisfied callback, reopen after closure, a late closure

func TestOpinionDissatisfiedCallbackAndReopenAfterClosure(t *testing.T) {
	lc := newLifecycle(t, testPolicy())
	lc.act(on(time.September, 21, 10, 0), office, domain.ActionCategorize, categorizeFormalism)
	// A deadline before the rework's (10-09), which therefore counts.
	lc.act(on(time.September, 21, 11, 0), office, domain.ActionAssign, assignBy("2026-09-30"))
	lc.act(on(time.September, 21, 14, 0), official, domain.ActionSign, domain.ActionBody{})
	lc.act(on(time.September, 22, 10, 0), official, domain.ActionSubmit, submitFix)
	lc.act(on(time.September, 23, 10, 0), verifier, domain.ActionVerify, domain.ActionBody{Pass: yes()})
	dissatisfied := lc.act(on(time.September, 24, 10, 0), office, domain.ActionCallback, domain.ActionBody{Satisfaction: domain.SatisfactionDissatisfied, Note: "路灯仍未修好"})
	reopened := lc.look(on(time.September, 24, 10, 30))
	lc.act(on(time.September, 29, 10, 0), official, domain.ActionSubmit, submitFix)
	lc.act(on(time.September, 29, 15, 0), verifier, domain.ActionVerify, domain.ActionBody{Pass: yes()})
	basically := lc.act(on(time.September, 30, 10, 0), office, domain.ActionCallback, domain.ActionBody{Satisfaction: domain.SatisfactionBasically})
	closedOnTime := lc.look(on(time.September, 30, 11, 0))
	reopen := lc.act(on(time.October, 8, 10, 0), leader, domain.ActionReopen, domain.ActionBody{Reason: "群众再次反映问题反弹"})
	afterReopen := lc.look(on(time.October, 8, 10, 30))
	late := lc.act(on(time.October, 16, 10, 0), official, domain.ActionSubmit, submitFix)
	lc.act(on(time.October, 16, 15, 0), verifier, domain.ActionVerify, domain.ActionBody{Pass: yes()})
	satisfied := lc.act(on(time.October, 19, 10, 0), office, domain.ActionCallback, domain.ActionBody{Satisfaction: domain.SatisfactionSatisfied})

	res := lc.run()
	require.Equal(t, domain.StateClosed, res.State)
	require.True(t, on(time.November, 18, 10, 0).Equal(lc.env.Now()))

	dissatisfied.okAs(t, domain.StateInProgress, 7)
	r1 := reopened.get(t)
	require.Equal(t, 1, r1.Reopens)
	require.Equal(t, domain.SatisfactionDissatisfied, r1.Satisfaction)
	requireSchedule(t, domain.Schedule{
		Deadline:    "2026-10-09",
		Explanation: "从 2026-09-24 起 5 个工作日 → 2026-10-09（跳过中秋节 3 天、国庆节 7 天）",
		SignBy:      midnight(time.September, 23),
		DueSoonAt:   midnight(time.September, 30),
		OverdueAt:   midnight(time.October, 10),
		// 3 working days after 10-09: Saturday 10-10, 10-12, 10-13; 6: 10-14..16.
		SupervisedAt:     midnight(time.October, 14),
		AccountabilityAt: midnight(time.October, 17),
	}, r1.Schedule)

	basically.okAs(t, domain.StateClosed, 10)
	c1 := closedOnTime.get(t)
	require.True(t, c1.OnTime, "the second fix came before the rework deadline")
	require.True(t, on(time.September, 30, 10, 0).Equal(c1.ClosedAt))
	require.Equal(t, domain.SatisfactionBasically, c1.Satisfaction)

	reopen.okAs(t, domain.StateInProgress, 11)
	r2 := afterReopen.get(t)
	require.Equal(t, 2, r2.Reopens)
	require.True(t, r2.ClosedAt.IsZero())
	require.False(t, r2.OnTime)
	reopenExplanation := "从 2026-10-08 起 5 个工作日 → 2026-10-14（跳过周末 1 天；10-10 为国庆节调休上班日）"
	requireSchedule(t, domain.Schedule{
		Deadline: "2026-10-14", Explanation: reopenExplanation,
		SignBy:    midnight(time.September, 23),
		DueSoonAt: midnight(time.October, 12), OverdueAt: midnight(time.October, 15),
		SupervisedAt: midnight(time.October, 20), AccountabilityAt: midnight(time.October, 23),
	}, r2.Schedule)

	late.okAs(t, domain.StateSubmitted, 14)
	satisfied.okAs(t, domain.StateClosed, 16)

	final := lc.finalChecks(t)
	require.False(t, final.OnTime, "the last fix came after the reopened deadline")
	require.True(t, on(time.October, 19, 10, 0).Equal(final.ClosedAt))
	require.Equal(t, 2, final.Reopens)
	requireTimelineFrom(t, final.Timeline, 6, []ev{
		{on(time.September, 24, 10, 0), "office", domain.ActionCallback, domain.StateAwaitingCallback, domain.StateInProgress, "路灯仍未修好",
			kv("satisfaction", "dissatisfied", "deadline", "2026-10-09", "explanation", r1.Schedule.Explanation)},
		// The rework's due-soon moment (09-30 00:00) passes while the fix is submitted.
		{on(time.September, 29, 10, 0), "official", domain.ActionSubmit, domain.StateInProgress, domain.StateSubmitted, "", kv("late", "false")},
		{on(time.September, 29, 15, 0), "verifier", domain.ActionVerify, domain.StateSubmitted, domain.StateAwaitingCallback, "", kv("pass", "true")},
		{on(time.September, 30, 10, 0), "office", domain.ActionCallback, domain.StateAwaitingCallback, domain.StateClosed, "", kv("satisfaction", "basically")},
		{on(time.October, 8, 10, 0), "leader", domain.ActionReopen, domain.StateClosed, domain.StateInProgress, "群众再次反映问题反弹", kv("deadline", "2026-10-14", "explanation", reopenExplanation)},
		{midnight(time.October, 12), domain.SystemActor, domain.EventEscalated, domain.StateInProgress, domain.StateInProgress, "", kv("level", "due_soon", "deadline", "2026-10-14")},
		{midnight(time.October, 15), domain.SystemActor, domain.EventEscalated, domain.StateInProgress, domain.StateInProgress, "", kv("level", "overdue", "deadline", "2026-10-14")},
		{on(time.October, 16, 10, 0), "official", domain.ActionSubmit, domain.StateInProgress, domain.StateSubmitted, "", kv("late", "true")},
		{on(time.October, 16, 15, 0), "verifier", domain.ActionVerify, domain.StateSubmitted, domain.StateAwaitingCallback, "", kv("pass", "true")},
		{on(time.October, 19, 10, 0), "office", domain.ActionCallback, domain.StateAwaitingCallback, domain.StateClosed, "", kv("satisfaction", "satisfied")},
		{on(time.November, 18, 10, 0), domain.SystemActor, domain.EventArchived, domain.StateClosed, domain.StateClosed, "reopen window passed", nil},
	})
	var reopenNotes []domain.Notification
	for _, n := range lc.notifier.all() {
		if n.Kind == domain.ActionReopen {
			reopenNotes = append(reopenNotes, n)
		}
	}
	requireNotes(t, reopenNotes, []note{
		{domain.ActionReopen, []string{"official", "leader"}, domain.StateInProgress, domain.LevelNone, "2026-10-09", 7},
		{domain.ActionReopen, []string{"official", "leader"}, domain.StateInProgress, domain.LevelNone, "2026-10-14", 11},
	})
}

// The ladder stops while a fix waits for verification: nobody is reminded of a
// deadline they have already met.
func TestOpinionLadderPausesWhileSubmitted(t *testing.T) {
	p := testPolicy()
	lc := newLifecycle(t, p)
	lc.act(on(time.September, 21, 10, 0), office, domain.ActionCategorize, categorizeFormalism)
	lc.act(on(time.September, 21, 11, 0), office, domain.ActionAssign, assignOfficial)
	lc.act(on(time.September, 21, 14, 0), official, domain.ActionSign, domain.ActionBody{})
	lc.act(on(time.October, 8, 10, 0), official, domain.ActionSubmit, submitFix)
	// Due soon (10-09) and overdue (10-13) pass while the verifier takes their time.
	waiting := lc.look(on(time.October, 20, 12, 0))
	lc.act(on(time.October, 20, 15, 0), office, domain.ActionCancel, domain.ActionBody{Reason: "撤销"})

	lc.run()
	w := waiting.get(t)
	require.Equal(t, domain.StateSubmitted, w.State)
	require.Equal(t, domain.LevelNone, w.OverdueLevel)
	require.Equal(t, 5, w.Revision)
	require.False(t, w.SubmittedLate)
}

// ---------------------------------------------------------------------------
// 7. Return and reassign; cancel; reject; merge

func TestOpinionReturnedAndReassignedThenCancelled(t *testing.T) {
	lc := newLifecycle(t, testPolicy())
	lc.act(on(time.September, 21, 10, 0), office, domain.ActionCategorize, categorizeFormalism)
	lc.act(on(time.September, 21, 11, 0), office, domain.ActionAssign, assignOfficial)
	ret := lc.act(on(time.September, 21, 15, 0), official, domain.ActionReturn, domain.ActionBody{Reason: "不属于本科室职责，应由城管科办理"})
	returned := lc.look(on(time.September, 21, 15, 30))
	signReturned := lc.act(on(time.September, 21, 16, 0), official, domain.ActionSign, domain.ActionBody{})
	reassign := lc.act(on(time.September, 22, 10, 0), office, domain.ActionAssign, domain.ActionBody{Department: deptCity, Official: "official2", Leader: "leader"})
	reassigned := lc.look(on(time.September, 22, 10, 30))
	formerSigns := lc.act(on(time.September, 22, 11, 0), official, domain.ActionSign, domain.ActionBody{})
	sign := lc.act(on(time.September, 23, 10, 0), official2, domain.ActionSign, domain.ActionBody{})
	cancel := lc.act(on(time.September, 24, 10, 0), office, domain.ActionCancel, domain.ActionBody{Reason: "反映人撤回意见"})

	res := lc.run()
	require.Equal(t, workflows.OpinionResult{State: domain.StateCancelled}, res)
	require.True(t, on(time.September, 24, 10, 0).Equal(lc.env.Now()), "a cancelled opinion's workflow ends at once")

	ret.okAs(t, domain.StateReturned, 4)
	r := returned.get(t)
	require.Empty(t, r.Official)
	require.Empty(t, r.Leader)
	require.False(t, r.Signed)
	require.Equal(t, domain.Schedule{}, r.Schedule, "a returned item has no deadline")
	require.Equal(t, domain.LevelNone, r.OverdueLevel)
	require.Equal(t, deptCivil, r.Department, "the department stays until reassigned")
	signReturned.rejectedWith(t, domain.ErrConflict, "wrong_state", "“Sign for it” cannot be done to an opinion that is “Returned”")

	reassign.okAs(t, domain.StateAssigned, 5)
	ra := reassigned.get(t)
	require.Equal(t, "official2", ra.Official)
	require.Equal(t, deptCity, ra.Department)
	reassignExplanation := "从 2026-09-22 起 10 个工作日 → 2026-10-13（跳过中秋节 3 天、国庆节 7 天、周末 1 天；10-10 为国庆节调休上班日）"
	requireSchedule(t, domain.Schedule{
		Deadline: "2026-10-13", Explanation: reassignExplanation,
		SignBy:    midnight(time.September, 24),
		DueSoonAt: midnight(time.October, 10), // 10-12 and Saturday 10-10 are the 2 working days before
		OverdueAt: midnight(time.October, 14),
		// 3 working days: 10-14..16; 6: 10-19..21.
		SupervisedAt: midnight(time.October, 17), AccountabilityAt: midnight(time.October, 22),
	}, ra.Schedule)
	formerSigns.rejectedWith(t, domain.ErrForbidden, "not_assignee", "this opinion is assigned to another official; only they may do “Sign for it” to it")
	sign.okAs(t, domain.StateInProgress, 6)
	cancel.okAs(t, domain.StateCancelled, 7)

	final := lc.finalChecks(t)
	requireTimelineFrom(t, final.Timeline, 2, []ev{
		{on(time.September, 21, 11, 0), "office", domain.ActionAssign, domain.StateCategorized, domain.StateAssigned, "", assignedDetail("official", deptCivil)},
		{on(time.September, 21, 15, 0), "official", domain.ActionReturn, domain.StateAssigned, domain.StateReturned, "不属于本科室职责，应由城管科办理", kv("official", "official")},
		{on(time.September, 22, 10, 0), "office", domain.ActionAssign, domain.StateReturned, domain.StateAssigned, "",
			kv("department", deptCity, "official", "official2", "leader", "leader", "deadline", "2026-10-13", "explanation", reassignExplanation)},
		{on(time.September, 23, 10, 0), "official2", domain.ActionSign, domain.StateAssigned, domain.StateInProgress, "", nil},
		{on(time.September, 24, 10, 0), "office", domain.ActionCancel, domain.StateInProgress, domain.StateCancelled, "反映人撤回意见", nil},
	})
	requireNotes(t, lc.notifier.all(), []note{
		{domain.ActionAssign, []string{"official"}, domain.StateAssigned, domain.LevelNone, "2026-10-12", 3},
		{domain.ActionReturn, nil, domain.StateReturned, domain.LevelNone, "", 4},
		{domain.ActionAssign, []string{"official2"}, domain.StateAssigned, domain.LevelNone, "2026-10-13", 5},
	})
}

func TestOpinionRejectedEndsTheWorkflow(t *testing.T) {
	lc := newLifecycle(t, testPolicy())
	reject := lc.act(on(time.September, 21, 9, 30), office, domain.ActionReject, domain.ActionBody{Reason: "与本次整改无关"})

	res := lc.run()
	require.Equal(t, workflows.OpinionResult{State: domain.StateRejected}, res)
	require.True(t, on(time.September, 21, 9, 30).Equal(lc.env.Now()))
	reject.okAs(t, domain.StateRejected, 2)

	final := lc.finalChecks(t)
	requireTimeline(t, final.Timeline, []ev{
		{start, "office", domain.EventReceived, domain.StateReceived, domain.StateReceived, "", kv("channel", "hotline", "batch", "batch-7")},
		{on(time.September, 21, 9, 30), "office", domain.ActionReject, domain.StateReceived, domain.StateRejected, "与本次整改无关", nil},
	})
	require.Empty(t, lc.notifier.all())
}

func TestOpinionMergedIntoAnotherOpinion(t *testing.T) {
	lc := newLifecycle(t, testPolicy())
	const target = "8f9d2c1e-0000-4000-8000-000000000001"
	// The target's workflow does not exist (here: nowhere but in the mock); the
	// signal fails after a minute on the workflow's clock, and that must not break
	// the merge. The workflow must stay open until the signal has been sent: the
	// server drops a signal whose sender has already closed.
	signalled := make(chan time.Time, 1)
	lc.env.OnSignalExternalWorkflow(mock.Anything, workflows.OpinionWorkflowID(target), "", workflows.MergedInSignalName, opinionID).
		After(time.Minute).
		Run(func(mock.Arguments) { signalled <- lc.env.Now() }).
		Return(&temporal.UnknownExternalWorkflowExecutionError{}).Once()

	// First another opinion is merged into this one.
	lc.after(on(time.September, 21, 9, 30), func() { lc.env.SignalWorkflow(workflows.MergedInSignalName, "duplicate-opinion-7") })
	mergedIn := lc.look(on(time.September, 21, 9, 40))
	lc.act(on(time.September, 21, 10, 0), office, domain.ActionCategorize, categorizeFormalism)
	merge := lc.act(on(time.September, 21, 10, 30), office, domain.ActionMerge, domain.ActionBody{Into: target, Reason: "与第12号意见同类"})

	res := lc.run()
	require.Equal(t, workflows.OpinionResult{State: domain.StateMerged}, res)
	lc.env.AssertExpectations(t)
	select {
	case at := <-signalled:
		require.True(t, on(time.September, 21, 10, 31).Equal(at), "signal answered at %s", at)
	default:
		t.Fatal("the merge target was never signalled")
	}
	require.True(t, on(time.September, 21, 10, 31).Equal(lc.env.Now()),
		"the workflow closed at %s, before its signal to the merge target had been sent", lc.env.Now().In(cst))

	require.Equal(t, 2, mergedIn.get(t).Revision)
	merge.okAs(t, domain.StateMerged, 4)

	final := lc.finalChecks(t)
	require.Equal(t, target, final.MergedInto)
	requireTimeline(t, final.Timeline, []ev{
		{start, "office", domain.EventReceived, domain.StateReceived, domain.StateReceived, "", kv("channel", "hotline", "batch", "batch-7")},
		{on(time.September, 21, 9, 30), domain.SystemActor, domain.EventMergedIn, domain.StateReceived, domain.StateReceived, "", kv("from", "duplicate-opinion-7")},
		{on(time.September, 21, 10, 0), "office", domain.ActionCategorize, domain.StateReceived, domain.StateCategorized, "", kv("category", catFormalism, "suggested", "官僚主义")},
		{on(time.September, 21, 10, 30), "office", domain.ActionMerge, domain.StateCategorized, domain.StateMerged, "与第12号意见同类", kv("into", target)},
	})
	require.Empty(t, lc.notifier.all())
}

// ---------------------------------------------------------------------------
// 8. Search attributes

func TestOpinionUpsertsOnlyTheSearchAttributesThatChange(t *testing.T) {
	lc := newLifecycle(t, testPolicy())
	received := lc.look(on(time.September, 21, 9, 1))
	lc.act(on(time.September, 21, 10, 0), office, domain.ActionCategorize, categorizeFormalism)
	categorized := lc.look(on(time.September, 21, 10, 1))
	lc.act(on(time.September, 21, 11, 0), office, domain.ActionAssign, assignOfficial)
	assigned := lc.look(on(time.September, 21, 11, 1))
	lc.act(on(time.September, 22, 10, 0), official, domain.ActionSign, domain.ActionBody{})
	signed := lc.look(on(time.September, 22, 10, 1))
	dueSoon := lc.look(on(time.October, 9, 9, 0))
	lc.act(on(time.October, 9, 10, 0), official, domain.ActionReturn, domain.ActionBody{Reason: "应由城管科办理"})
	returned := lc.look(on(time.October, 9, 10, 1))
	lc.act(on(time.October, 9, 11, 0), office, domain.ActionAssign, domain.ActionBody{Department: deptCity, Official: "official2", Leader: "leader"})
	reassigned := lc.look(on(time.October, 9, 11, 1))
	lc.act(on(time.October, 9, 15, 0), office, domain.ActionCancel, domain.ActionBody{Reason: "撤销"})

	lc.run()

	// Each row is what the last upsert set by then (a value it unset reads as ""),
	// and how many upserts there were. The start showed the campaign and rung, so
	// the receipt upserts nothing; categorizing and signing change nothing an
	// operator filters on (campaign, rung, deadline), so they upsert nothing either.
	for _, c := range []struct {
		name    string
		v       *view
		want    attrs
		upserts int
	}{
		{"received", received, attrs{}, 0},
		{"categorized", categorized, attrs{}, 0},
		{"assigned", assigned, attrs{At: on(time.September, 21, 11, 0), Deadline: midnight(time.October, 13)}, 1},
		{"signed", signed, attrs{At: on(time.September, 21, 11, 0), Deadline: midnight(time.October, 13)}, 1},
		{"due soon", dueSoon, attrs{At: midnight(time.October, 9), Level: "due_soon"}, 2},
		{"returned", returned, attrs{At: on(time.October, 9, 10, 0), Level: "none"}, 3},
		// 10 working days from 10-09: Saturday 10-10, 10-12..16, 10-19..22.
		{"reassigned", reassigned, attrs{At: on(time.October, 9, 11, 0), Deadline: midnight(time.October, 23)}, 4},
	} {
		got := c.v.lastAttr
		require.True(t, c.want.At.Equal(got.At), "%s: upserted at %s", c.name, got.At)
		require.True(t, c.want.Deadline.Equal(got.Deadline), "%s: deadline attribute %s, want %s", c.name, got.Deadline, c.want.Deadline)
		c.want.At, c.want.Deadline, got.At, got.Deadline = time.Time{}, time.Time{}, time.Time{}, time.Time{}
		require.Equal(t, c.want, got, c.name)
		require.Equal(t, c.upserts, c.v.upserts, "%s: upserts so far", c.name)
	}
	lc.finalChecks(t)
}

// An opinion started without its campaign and rung shown (by a process of an older
// release, during an upgrade) shows them from its receipt.
func TestAnOpinionStartedWithoutItsSearchAttributesShowsThemFromItsReceipt(t *testing.T) {
	lc := newLifecycle(t, testPolicy())
	require.NoError(t, lc.env.SetTypedSearchAttributesOnStart(temporal.NewSearchAttributes()))
	lc.attrs.shown = attrs{}
	received := lc.look(on(time.September, 21, 9, 1))
	lc.act(on(time.September, 21, 10, 0), office, domain.ActionCancel, domain.ActionBody{Reason: "重复"})
	lc.run()
	require.Equal(t, 1, received.upserts)
	got := received.lastAttr
	require.True(t, start.Equal(got.At), "upserted at %s, the receipt", got.At)
	got.At = time.Time{}
	require.Equal(t, attrs{Campaign: campaignID, Level: "none"}, got)
}

// An action's write is made before Temporal records the action, so it is marked
// unconfirmed; a timer's or the receipt's is made again if its task fails, so it is
// not. Every write carries the workflow's clock, later tasks later.
func TestOpinionMarksOnlyActionWritesUnconfirmedAndOrdersWritesByTask(t *testing.T) {
	lc := newLifecycle(t, testPolicy())
	lc.act(on(time.September, 21, 10, 0), office, domain.ActionCategorize, categorizeFormalism)
	lc.act(on(time.September, 21, 11, 0), office, domain.ActionAssign, assignOfficial)
	lc.act(on(time.October, 22, 10, 0), office, domain.ActionCancel, domain.ActionBody{Reason: "责任单位撤并"})
	require.Equal(t, workflows.OpinionResult{State: domain.StateCancelled}, lc.run())

	lc.store.mu.Lock()
	inputs := slices.Clone(lc.store.inputs)
	lc.store.mu.Unlock()
	type write struct {
		last        domain.Action
		unconfirmed bool
	}
	var got []write
	for i, in := range inputs {
		tl := in.Opinion.Timeline
		got = append(got, write{tl[len(tl)-1].Action, in.Unconfirmed})
		// The test environment keeps no history, so TaskEvent stays 0 here; the
		// store's tests and the crash tests cover it against the real server.
		require.False(t, in.Origin.At.IsZero(), "write %d carries the workflow's clock", i)
		if i > 0 {
			prev := inputs[i-1].Origin
			require.True(t, in.Origin.TaskEvent > prev.TaskEvent ||
				(in.Origin.TaskEvent == prev.TaskEvent && !in.Origin.At.Before(prev.At)),
				"write %d (%v) comes from a task no earlier than write %d (%v)", i, in.Origin, i-1, prev)
		}
	}
	require.Equal(t, []write{
		{domain.EventReceived, false},
		{domain.ActionCategorize, true},
		{domain.ActionAssign, true},
		{domain.EventSignOverdue, false},
		{domain.EventEscalated, false},
		{domain.EventEscalated, false},
		{domain.EventEscalated, false},
		{domain.EventEscalated, false},
		{domain.ActionCancel, true},
	}, got)
}
