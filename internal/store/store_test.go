package store_test

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"rectify/internal/campaign"
	"rectify/internal/domain"
	"rectify/internal/store"
)

// base is the instant test opinions are created around: UTC and whole
// milliseconds, which is what the store keeps of event times.
var base = time.Date(2026, 9, 1, 8, 0, 0, 0, time.UTC)

// timeline builds n events that lead to state, one minute apart, each with
// a detail map, as the workflow records them (seq 1..n).
func timeline(n int, state domain.State) []domain.Event {
	actions := []domain.Action{domain.EventReceived, domain.ActionCategorize, domain.ActionAssign,
		domain.ActionSign, domain.ActionSubmit, domain.ActionVerify, domain.ActionCallback}
	out := make([]domain.Event, n)
	from := domain.State("")
	for i := range out {
		to := domain.AllStates[min(i, len(domain.AllStates)-1)]
		if i == n-1 {
			to = state
		}
		out[i] = domain.Event{
			Seq:    i + 1,
			At:     base.Add(time.Duration(i+1) * time.Minute),
			Actor:  fmt.Sprintf("user%d", i%3),
			Action: actions[i%len(actions)],
			From:   from,
			To:     to,
			Reason: fmt.Sprintf("原因 %d", i+1),
			Detail: map[string]string{"step": fmt.Sprint(i + 1)},
		}
		from = to
	}
	return out
}

// newOpinion returns a projected opinion at revision rev with a timeline of
// the same length.
func newOpinion(id, campaignID string, state domain.State, rev int) domain.Opinion {
	return domain.Opinion{
		ID:           id,
		CampaignID:   campaignID,
		Key:          "key-" + id,
		Content:      "小区路灯不亮 " + id,
		Channel:      "hotline",
		CollectedAt:  "2026-09-01",
		State:        state,
		OverdueLevel: domain.LevelNone,
		CreatedAt:    base,
		UpdatedAt:    base.Add(time.Duration(rev) * time.Minute),
		Revision:     rev,
		Timeline:     timeline(rev, state),
	}
}

// requireSameOpinion compares two opinions as the API shows them (JSON), so
// time zones decoded from the store compare by instant and offset.
func requireSameOpinion(t *testing.T, want, got domain.Opinion, msgAndArgs ...any) {
	t.Helper()
	w, err := json.Marshal(want)
	require.NoError(t, err)
	g, err := json.Marshal(got)
	require.NoError(t, err)
	require.JSONEq(t, string(w), string(g), msgAndArgs...)
}

func testProjectOpinionIsIdempotentAndOrdered(t *testing.T, b backend) {
	ctx := context.Background()
	path := b.dsn(t)
	s, err := store.Open(path)
	require.NoError(t, err)

	rev1 := newOpinion("op-1", "c1", domain.StateReceived, 1)
	rev2 := newOpinion("op-1", "c1", domain.StateCategorized, 2)
	rev2.Category = "形式主义"
	rev3 := newOpinion("op-1", "c1", domain.StateAssigned, 3)
	rev3.Category = "形式主义"
	rev3.Department = "城管科"
	rev3.Official = "zhang"
	rev3.Leader = "li"
	rev3.OverdueLevel = domain.LevelOverdue
	rev3.Schedule = domain.Schedule{Deadline: "2026-10-10", Explanation: "从 2026-09-28 起 5 个工作日 → 2026-10-10"}

	// Later revision first, then late and repeated writes of older or equal ones.
	for i, o := range []domain.Opinion{rev3, rev2, rev3, rev1, rev3, rev2} {
		require.NoError(t, s.ProjectOpinion(ctx, o), "write %d (revision %d)", i, o.Revision)
	}

	check := func(s *store.Store, label string) {
		t.Helper()
		got, err := s.Opinion(ctx, "op-1")
		require.NoError(t, err, label)
		requireSameOpinion(t, rev3, got, label)
		require.Len(t, got.Timeline, 3, "%s: timeline length equals revision", label)

		// The list columns follow the newest revision too, not only the document.
		for _, f := range []store.Filter{
			{State: domain.StateAssigned},
			{Category: "形式主义", Department: "城管科", Official: "zhang"},
			{Overdue: true},
		} {
			page, err := s.Opinions(ctx, f)
			require.NoError(t, err, label)
			require.Equal(t, 1, page.Total, "%s: %+v", label, f)
		}
		page, err := s.Opinions(ctx, store.Filter{State: domain.StateCategorized})
		require.NoError(t, err, label)
		require.Zero(t, page.Total, "%s: stale state left in the list columns", label)

		st, err := s.Stats(ctx, "c1")
		require.NoError(t, err, label)
		require.Equal(t, 1, st.Collected, label)
		require.Equal(t, 1, st.ByState[domain.StateAssigned], label)
		require.Equal(t, 1, st.Overdue, label)
	}
	check(s, "after writes")

	// A newer revision still goes through after the stale ones.
	rev4 := newOpinion("op-1", "c1", domain.StateInProgress, 4)
	rev4.Category, rev4.Department, rev4.Official, rev4.Signed = "形式主义", "城管科", "zhang", true
	require.NoError(t, s.ProjectOpinion(ctx, rev4))
	got, err := s.Opinion(ctx, "op-1")
	require.NoError(t, err)
	requireSameOpinion(t, rev4, got)
	require.NoError(t, s.ProjectOpinion(ctx, rev3))
	got, err = s.Opinion(ctx, "op-1")
	require.NoError(t, err)
	requireSameOpinion(t, rev4, got, "revision 3 after 4 changes nothing")

	// Everything survives closing and reopening the file.
	require.NoError(t, s.ProjectOpinion(ctx, newOpinion("op-2", "c1", domain.StateReceived, 1)))
	require.NoError(t, s.Close())
	s, err = store.Open(path)
	require.NoError(t, err)
	defer func() { require.NoError(t, s.Close()) }()
	check = func(s *store.Store, label string) {
		t.Helper()
		got, err := s.Opinion(ctx, "op-1")
		require.NoError(t, err, label)
		requireSameOpinion(t, rev4, got, label)
		require.Len(t, got.Timeline, 4, label)
		page, err := s.Opinions(ctx, store.Filter{CampaignID: "c1"})
		require.NoError(t, err, label)
		require.Equal(t, 2, page.Total, label)
	}
	check(s, "after reopen")
	// Replays after a restart are still harmless.
	require.NoError(t, s.ProjectOpinion(ctx, rev2))
	require.NoError(t, s.ProjectOpinion(ctx, rev4))
	check(s, "after replays following reopen")
}

func testOpinionTimeline(t *testing.T, b backend) {
	ctx := context.Background()
	s := b.open(t)

	o := newOpinion("op-1", "c1", domain.StateClosed, 5)
	o.Timeline[1].Detail = nil // an event without details stays without
	o.Timeline[2].Detail = map[string]string{"deadline": "2026-10-10", "official": "zhang", "说明": "跳过国庆节 7 天"}
	o.Timeline[3].At = time.Date(2026, 10, 9, 17, 30, 15, 123_000_000, time.UTC)
	o.ClosedAt = base.Add(time.Hour)
	o.OnTime = true
	o.Satisfaction = domain.SatisfactionSatisfied
	o.Extra = map[string]string{"楼栋": "3"}
	o.PendingExtension = &domain.Extension{Until: "2026-10-20", Reason: "材料未到", RequestedBy: "zhang", RequestedAt: base}
	want := o

	// The store orders by seq, whatever order the events arrive in.
	shuffled := slices.Clone(o.Timeline)
	slices.Reverse(shuffled)
	o.Timeline = shuffled
	require.NoError(t, s.ProjectOpinion(ctx, o))

	got, err := s.Opinion(ctx, "op-1")
	require.NoError(t, err)
	requireSameOpinion(t, want, got)
	require.Equal(t, want.Timeline, got.Timeline)
	for i, e := range got.Timeline {
		require.Equal(t, i+1, e.Seq)
	}

	_, err = s.Opinion(ctx, "no-such-opinion")
	require.ErrorIs(t, err, store.ErrNotFound)

	// Lists leave timelines out.
	page, err := s.Opinions(ctx, store.Filter{})
	require.NoError(t, err)
	require.Len(t, page.Opinions, 1)
	require.Empty(t, page.Opinions[0].Timeline)
}

func testCampaigns(t *testing.T, b backend) {
	ctx := context.Background()
	s := b.open(t)

	list, err := s.Campaigns(ctx)
	require.NoError(t, err)
	require.NotNil(t, list)
	require.Empty(t, list)

	mk := func(id string, created time.Time) campaign.Campaign {
		c := campaign.Campaign{ID: id, Name: "活动 " + id, Policy: campaign.DefaultPolicy(), CreatedAt: created, CreatedBy: "office"}
		c.Policy.Departments = []string{"城管科", "民政科"}
		return c
	}
	older := mk("older", base)
	newest := mk("newest", base.Add(48*time.Hour))
	middle := mk("middle", base.Add(24*time.Hour))
	tieB := mk("tie-b", base.Add(time.Hour))
	tieA := mk("tie-a", base.Add(time.Hour))
	for _, c := range []campaign.Campaign{older, newest, middle, tieB, tieA} {
		require.NoError(t, s.CreateCampaign(ctx, c))
	}

	got, err := s.Campaign(ctx, "middle")
	require.NoError(t, err)
	require.Equal(t, middle, got)

	dup := mk("middle", base.Add(99*time.Hour))
	dup.Name = "another"
	require.ErrorIs(t, s.CreateCampaign(ctx, dup), store.ErrExists)
	got, err = s.Campaign(ctx, "middle")
	require.NoError(t, err)
	require.Equal(t, middle, got, "a duplicate changes nothing")

	_, err = s.Campaign(ctx, "nope")
	require.ErrorIs(t, err, store.ErrNotFound)

	list, err = s.Campaigns(ctx)
	require.NoError(t, err)
	require.Equal(t, []campaign.Campaign{newest, middle, tieA, tieB, older}, list)
}

// listed describes one opinion of the list fixture.
type listed struct {
	id, campaign string
	state        domain.State
	level        domain.OverdueLevel
	deadline     string
	category     string
	department   string
	official     string
	created      int // minutes after base
}

// listFixture holds opinions of every kind; listOrder is campaign c1 most
// urgent first.
var listFixture = []listed{
	{"a-acc", "c1", domain.StateInProgress, domain.LevelAccountability, "2026-10-20", "cat-a", "dept-x", "zhang", 10},
	{"a-sup", "c1", domain.StateAssigned, domain.LevelSupervised, "2026-10-01", "cat-b", "dept-y", "li", 11},
	{"a-ovd", "c1", domain.StateInProgress, domain.LevelOverdue, "2026-10-05", "cat-a", "dept-y", "wang", 12},
	{"a-soon", "c1", domain.StateAssigned, domain.LevelDueSoon, "2026-10-15", "cat-b", "dept-x", "zhang", 13},
	{"a-none1", "c1", domain.StateInProgress, domain.LevelNone, "2026-10-09", "cat-a", "dept-x", "li", 15},
	{"a-none2", "c1", domain.StateAssigned, domain.LevelNone, "2026-10-09", "cat-a", "dept-y", "wang", 14},
	{"a-none3", "c1", domain.StateAssigned, domain.LevelNone, "2026-10-12", "cat-b", "dept-z", "zhang", 1},
	{"w-sub", "c1", domain.StateSubmitted, domain.LevelOverdue, "2026-09-20", "cat-a", "dept-x", "zhang", 20},
	{"w-cb", "c1", domain.StateAwaitingCallback, domain.LevelNone, "2026-09-25", "cat-b", "dept-y", "li", 21},
	{"w-ret", "c1", domain.StateReturned, domain.LevelNone, "", "cat-a", "dept-x", "", 22},
	{"w-recv", "c1", domain.StateReceived, domain.LevelNone, "", "", "", "", 2},
	{"w-cat", "c1", domain.StateCategorized, domain.LevelNone, "", "cat-b", "", "", 3},
	{"f-closed", "c1", domain.StateClosed, domain.LevelAccountability, "2026-09-10", "cat-a", "dept-x", "zhang", 4},
	{"f-rej", "c1", domain.StateRejected, domain.LevelNone, "", "", "", "", 5},
	{"f-merged", "c1", domain.StateMerged, domain.LevelNone, "", "cat-b", "", "", 6},
	{"f-canc", "c1", domain.StateCancelled, domain.LevelDueSoon, "2026-09-30", "cat-a", "dept-y", "wang", 7},
	{"o-other", "c2", domain.StateInProgress, domain.LevelAccountability, "2026-09-01", "cat-a", "dept-x", "zhang", 0},
}

var listOrder = []string{
	// owed now: highest rung first, then earliest deadline, then oldest
	"a-acc", "a-sup", "a-ovd", "a-soon", "a-none2", "a-none1", "a-none3",
	// waiting on someone else: rungs ignored, dated before undated
	"w-sub", "w-cb", "w-recv", "w-cat", "w-ret",
	// finished last
	"f-closed", "f-canc", "f-rej", "f-merged",
}

func projectFixture(t *testing.T, s *store.Store) {
	t.Helper()
	// Project in a scrambled order, so the list order is the store's doing.
	fixture := slices.Clone(listFixture)
	rand.New(rand.NewPCG(7, 7)).Shuffle(len(fixture), func(i, j int) { fixture[i], fixture[j] = fixture[j], fixture[i] })
	for _, l := range fixture {
		o := newOpinion(l.id, l.campaign, l.state, 3)
		o.OverdueLevel = l.level
		o.Schedule.Deadline = l.deadline
		o.Category = l.category
		o.Department = l.department
		o.Official = l.official
		o.CreatedAt = base.Add(time.Duration(l.created) * time.Minute)
		require.NoError(t, s.ProjectOpinion(context.Background(), o))
	}
}

func ids(p store.Page) []string {
	out := []string{}
	for _, o := range p.Opinions {
		out = append(out, o.ID)
	}
	return out
}

func testOpinionsFiltersAndOrder(t *testing.T, b backend) {
	ctx := context.Background()
	s := b.open(t)
	projectFixture(t, s)

	tests := []struct {
		name   string
		filter store.Filter
		want   []string
	}{
		{"campaign, most urgent first", store.Filter{CampaignID: "c1"}, listOrder},
		{"every campaign", store.Filter{}, append([]string{"o-other"}, listOrder...)},
		{"other campaign", store.Filter{CampaignID: "c2"}, []string{"o-other"}},
		{"unknown campaign", store.Filter{CampaignID: "c3"}, []string{}},
		{"state", store.Filter{CampaignID: "c1", State: domain.StateAssigned},
			[]string{"a-sup", "a-soon", "a-none2", "a-none3"}},
		{"category", store.Filter{CampaignID: "c1", Category: "cat-b"},
			[]string{"a-sup", "a-soon", "a-none3", "w-cb", "w-cat", "f-merged"}},
		{"department", store.Filter{CampaignID: "c1", Department: "dept-x"},
			[]string{"a-acc", "a-soon", "a-none1", "w-sub", "w-ret", "f-closed"}},
		{"official", store.Filter{CampaignID: "c1", Official: "zhang"},
			[]string{"a-acc", "a-soon", "a-none3", "w-sub", "f-closed"}},
		{"overdue only counts what an official owes", store.Filter{CampaignID: "c1", Overdue: true},
			[]string{"a-acc", "a-sup", "a-ovd"}},
		{"overdue everywhere", store.Filter{Overdue: true},
			[]string{"o-other", "a-acc", "a-sup", "a-ovd"}},
		{"visible to an official with a department",
			store.Filter{CampaignID: "c1", VisibleTo: &store.Viewer{Username: "li", Department: "dept-x"}},
			[]string{"a-acc", "a-sup", "a-soon", "a-none1", "w-sub", "w-cb", "w-ret", "f-closed"}},
		{"visible to an official without a department",
			store.Filter{CampaignID: "c1", VisibleTo: &store.Viewer{Username: "li"}},
			[]string{"a-sup", "a-none1", "w-cb"}},
		{"visible to a stranger", store.Filter{VisibleTo: &store.Viewer{Username: "nobody"}}, []string{}},
		{"an official's own items",
			store.Filter{CampaignID: "c1", Official: "li", VisibleTo: &store.Viewer{Username: "li", Department: "dept-x"}},
			[]string{"a-sup", "a-none1", "w-cb"}},
		{"another official's items, visible through the department",
			store.Filter{CampaignID: "c1", Official: "zhang", VisibleTo: &store.Viewer{Username: "li", Department: "dept-x"}},
			[]string{"a-acc", "a-soon", "w-sub", "f-closed"}},
		{"another official's items, no department",
			store.Filter{CampaignID: "c1", Official: "zhang", VisibleTo: &store.Viewer{Username: "li"}}, []string{}},
		{"overdue and visible",
			store.Filter{CampaignID: "c1", Overdue: true, VisibleTo: &store.Viewer{Username: "wang", Department: "dept-y"}},
			[]string{"a-sup", "a-ovd"}},
		{"filters combine with AND", store.Filter{CampaignID: "c1", State: domain.StateClosed, Category: "cat-b"}, []string{}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			page, err := s.Opinions(ctx, tc.filter)
			require.NoError(t, err)
			require.Equal(t, tc.want, ids(page))
			require.Equal(t, len(tc.want), page.Total)
		})
	}
}

func testOpinionsPaging(t *testing.T, b backend) {
	ctx := context.Background()
	s := b.open(t)
	projectFixture(t, s)

	var all []string
	for offset := 0; offset < len(listOrder); offset += 5 {
		page, err := s.Opinions(ctx, store.Filter{CampaignID: "c1", Limit: 5, Offset: offset})
		require.NoError(t, err)
		require.Equal(t, len(listOrder), page.Total, "offset %d", offset)
		require.Len(t, page.Opinions, min(5, len(listOrder)-offset), "offset %d", offset)
		all = append(all, ids(page)...)
	}
	require.Equal(t, listOrder, all, "pages join up to the whole list, nothing twice")

	tests := []struct {
		name   string
		filter store.Filter
		want   []string
	}{
		{"past the end", store.Filter{CampaignID: "c1", Limit: 5, Offset: 100}, []string{}},
		{"no limit gives the default page", store.Filter{CampaignID: "c1"}, listOrder},
		{"limit one", store.Filter{CampaignID: "c1", Limit: 1, Offset: 3}, []string{"a-soon"}},
		{"paging a filter", store.Filter{CampaignID: "c1", Category: "cat-b", Limit: 2, Offset: 2}, []string{"a-none3", "w-cb"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			page, err := s.Opinions(ctx, tc.filter)
			require.NoError(t, err)
			require.Equal(t, tc.want, ids(page))
			want, err := s.Opinions(ctx, store.Filter{CampaignID: tc.filter.CampaignID, Category: tc.filter.Category})
			require.NoError(t, err)
			require.Equal(t, want.Total, page.Total, "Total ignores paging")
		})
	}
}

func testOpinionsDefaultLimit(t *testing.T, b backend) {
	ctx := context.Background()
	s := b.open(t)
	for i := range 60 {
		require.NoError(t, s.ProjectOpinion(ctx, newOpinion(fmt.Sprintf("op-%02d", i), "c1", domain.StateReceived, 1)))
	}
	for _, limit := range []int{0, -1} {
		page, err := s.Opinions(ctx, store.Filter{Limit: limit})
		require.NoError(t, err)
		require.Equal(t, 60, page.Total)
		require.Len(t, page.Opinions, 50, "limit %d", limit)
	}
	page, err := s.Opinions(ctx, store.Filter{Limit: 55})
	require.NoError(t, err)
	require.Len(t, page.Opinions, 55)
}

// expectedCounts computes slices' figures from their definitions
// (docs/metrics.md), without SQL, to check the store against.
type expectedCounts map[string]*expectedSlice

// expectedSlice is one slice's figures being added up, with the working days its
// closed opinions took.
type expectedSlice struct {
	store.Counts
	days []int
}

func (e expectedCounts) add(name string, o domain.Opinion) {
	c := e[name]
	if c == nil {
		c = &expectedSlice{Counts: store.Counts{Name: name}}
		e[name] = c
	}
	c.Collected++
	switch o.State {
	case domain.StateReceived, domain.StateCategorized, domain.StateReturned:
		c.Pending++
	case domain.StateAssigned, domain.StateInProgress, domain.StateSubmitted, domain.StateAwaitingCallback, domain.StateInProblem:
		c.InProgress++
	case domain.StateClosed:
		c.Closed++
		if o.OnTime {
			c.ClosedOnTime++
		}
		c.days = append(c.days, o.WorkingDaysToClose)
	case domain.StateRejected, domain.StateMerged, domain.StateCancelled:
		c.Excluded++
	}
	if o.State == domain.StateAssigned || o.State == domain.StateInProgress {
		switch o.OverdueLevel {
		case domain.LevelAccountability:
			c.Accountability++
			c.Supervised++
			c.Overdue++
		case domain.LevelSupervised:
			c.Supervised++
			c.Overdue++
		case domain.LevelOverdue:
			c.Overdue++
		}
	}
	// Every first call after a closure; an opinion recorded before calls were
	// kept has its latest answer as its one call.
	calls := []string{}
	for _, cb := range o.Callbacks {
		if cb.First {
			calls = append(calls, cb.Satisfaction)
		}
	}
	if len(o.Callbacks) == 0 && o.Satisfaction != "" {
		calls = append(calls, o.Satisfaction)
	}
	for _, answer := range calls {
		c.Callbacks++
		if answer == domain.SatisfactionDissatisfied {
			c.Dissatisfied++
		} else {
			c.Satisfied++
		}
	}
	// The highest rung ever: the one recorded, or the one it is at if higher.
	highest := o.HighestLevel
	if o.OverdueLevel.Rank() > highest.Rank() {
		highest = o.OverdueLevel
	}
	switch highest {
	case domain.LevelAccountability:
		c.EverAccountability++
		c.EverSupervised++
		c.EverOverdue++
	case domain.LevelSupervised:
		c.EverSupervised++
		c.EverOverdue++
	case domain.LevelOverdue:
		c.EverOverdue++
	}
	failed, passed := o.ReworkCount > 0, false
	for _, r := range o.Rounds {
		if r.Passed != nil && *r.Passed {
			passed = true
		}
		if r.Passed != nil && !*r.Passed {
			failed = true
		}
	}
	verified := failed || o.VerifiedBy != "" || slices.ContainsFunc(o.Rounds, func(r domain.Round) bool { return r.Passed != nil })
	closed := o.State == domain.StateClosed
	accepted := passed || closed || o.State == domain.StateAwaitingCallback || o.Reopens > 0 || len(calls) > 0 || len(o.Callbacks) > 0
	owed := o.State == domain.StateAssigned || o.State == domain.StateInProgress ||
		o.State == domain.StateSubmitted || o.State == domain.StateAwaitingCallback
	assigned := owed || closed || o.Schedule.Deadline != "" || o.Extensions > 0 || o.LateExtensions > 0 ||
		len(o.Rounds) > 0 || o.SubmittedBy != "" || highest != domain.LevelNone && highest != "" || verified || accepted
	count := func(n *int, yes bool) {
		if yes {
			*n++
		}
	}
	count(&c.Assigned, assigned)
	count(&c.Extended, o.Extensions > 0)
	c.LateExtensions += o.LateExtensions
	count(&c.Verified, verified)
	count(&c.Reworked, failed)
	count(&c.FirstPass, closed && !failed)
	count(&c.Accepted, accepted)
	count(&c.Reopened, o.Reopens > 0)
}

// finish is the slice's Counts with its rates and median.
func finish(e expectedSlice) store.Counts {
	c := e.Counts
	rate := func(a, b int) float64 {
		if b > 0 {
			return float64(a) / float64(b)
		}
		return 0
	}
	c.CompletionRate = rate(c.Closed, c.Collected-c.Excluded)
	c.OnTimeRate = rate(c.ClosedOnTime, c.Closed)
	c.SatisfactionRate = rate(c.Satisfied, c.Callbacks)
	c.FirstPassRate = rate(c.FirstPass, c.Closed)
	c.ReworkRate = rate(c.Reworked, c.Verified)
	c.ReopenRate = rate(c.Reopened, c.Accepted)
	c.ExtensionRate = rate(c.Extended, c.Assigned)
	days := slices.Sorted(slices.Values(e.days))
	if n := len(days); n%2 == 1 {
		c.MedianWorkingDaysToClose = float64(days[n/2])
	} else if n > 0 {
		c.MedianWorkingDaysToClose = float64(days[n/2-1]+days[n/2]) / 2
	}
	return c
}

func (e expectedCounts) sorted() []store.Counts {
	out := []store.Counts{}
	for _, name := range slices.Sorted(maps.Keys(e)) {
		out = append(out, finish(*e[name]))
	}
	return out
}

// randomRecord gives o a random record of what happened to it: the highest rung
// it reached, extensions (late ones too), rounds of verification, follow-up calls,
// reopenings and the working days it took — consistent with its state, as the
// workflow keeps them — and a leader and a target.
func randomRecord(r *rand.Rand, o *domain.Opinion) {
	pick := func(xs ...string) string { return xs[r.IntN(len(xs))] }
	o.Leader = pick("", "liu", "chen", "zhao")
	o.Target = pick("", "team", "individual", "张局长")
	levels := []domain.OverdueLevel{"", domain.LevelNone, domain.LevelDueSoon, domain.LevelOverdue,
		domain.LevelSupervised, domain.LevelAccountability}
	o.HighestLevel = levels[r.IntN(len(levels))]
	if o.HighestLevel != "" && o.HighestLevel != domain.LevelNone {
		o.HighestLevelAt = base.Add(time.Hour)
	}
	if r.IntN(3) == 0 {
		o.Extensions = 1 + r.IntN(2)
		o.LateExtensions = r.IntN(o.Extensions + 1)
	}
	if r.IntN(2) == 0 {
		o.Schedule.Deadline = "2026-10-10"
	}
	yes, no := true, false
	for range r.IntN(4) {
		round := domain.Round{Measures: "整改", SubmittedBy: "official", SubmittedAt: base}
		switch r.IntN(3) {
		case 0:
			round.Passed = &no
			o.ReworkCount++
		case 1:
			round.Passed = &yes
		}
		o.Rounds = append(o.Rounds, round)
	}
	for i := range r.IntN(3) {
		o.Callbacks = append(o.Callbacks, domain.Callback{At: base, By: "office",
			Satisfaction: pick(domain.SatisfactionSatisfied, domain.SatisfactionBasically, domain.SatisfactionDissatisfied),
			First:        i == 0 || r.IntN(2) == 0})
	}
	if len(o.Callbacks) > 0 {
		o.Satisfaction = o.Callbacks[len(o.Callbacks)-1].Satisfaction
	}
	o.Reopens = r.IntN(2)
	if o.State == domain.StateClosed {
		o.WorkingDaysToClose = 1 + r.IntN(30)
	}
}

func testStatsExact(t *testing.T, b backend) {
	ctx := context.Background()
	s := b.open(t)
	c1 := campaign.Campaign{ID: "c1", Name: "主题教育", Policy: campaign.DefaultPolicy(), CreatedAt: base}
	require.NoError(t, s.CreateCampaign(ctx, c1))

	r := rand.New(rand.NewPCG(4, 10))
	categories := []string{"", "形式主义", "官僚主义", "群众需要解决的问题", "制度漏洞", "不在设置里"}
	departments := []string{"", "城管科", "民政科", "办公室"}
	levels := []domain.OverdueLevel{domain.LevelNone, domain.LevelDueSoon, domain.LevelOverdue,
		domain.LevelSupervised, domain.LevelAccountability}
	satisfactions := []string{"", domain.SatisfactionSatisfied, domain.SatisfactionBasically, domain.SatisfactionDissatisfied}
	pick := func(xs []string) string { return xs[r.IntN(len(xs))] }

	total := expectedCounts{}
	by := map[string]expectedCounts{}
	for _, d := range []string{"category", "department", "leader", "target", "speed"} {
		by[d] = expectedCounts{}
	}
	speeds := map[string]string{"形式主义": "deadline", "官僚主义": "deadline", "群众需要解决的问题": "immediate", "制度漏洞": "long_term"}
	byState := map[domain.State]int{}
	for _, st := range domain.AllStates {
		byState[st] = 0
	}
	for i := range 80 {
		o := newOpinion(fmt.Sprintf("op-%02d", i), "c1", domain.AllStates[r.IntN(len(domain.AllStates))], 1+r.IntN(4))
		o.Category = pick(categories)
		o.Department = pick(departments)
		o.OverdueLevel = levels[r.IntN(len(levels))]
		o.OnTime = r.IntN(2) == 0
		o.Satisfaction = pick(satisfactions)
		if i%4 != 0 { // the others as recorded before the record was kept
			randomRecord(r, &o)
		}
		require.NoError(t, s.ProjectOpinion(ctx, o))
		// A stale replay of an older revision must not count twice or change anything.
		if o.Revision > 1 {
			old := newOpinion(o.ID, "c1", domain.StateClosed, o.Revision-1)
			old.OnTime, old.Satisfaction, old.Category = true, domain.SatisfactionSatisfied, "stale"
			randomRecord(r, &old)
			require.NoError(t, s.ProjectOpinion(ctx, old))
		}
		total.add("", o)
		by["category"].add(o.Category, o)
		by["department"].add(o.Department, o)
		by["leader"].add(o.Leader, o)
		by["target"].add(o.Target, o)
		by["speed"].add(speeds[o.Category], o)
		byState[o.State]++
	}
	// Another campaign's opinions never leak into c1's figures.
	for i := range 5 {
		o := newOpinion(fmt.Sprintf("other-%d", i), "c2", domain.StateInProgress, 1)
		o.OverdueLevel = domain.LevelAccountability
		o.Category = "形式主义"
		o.Satisfaction = domain.SatisfactionSatisfied
		randomRecord(r, &o)
		require.NoError(t, s.ProjectOpinion(ctx, o))
	}

	want := finish(*total[""])
	// The random data must exercise every figure, or the test proves little.
	require.Positive(t, want.Pending)
	require.Positive(t, want.InProgress)
	require.Positive(t, want.Excluded)
	require.Positive(t, want.Accountability)
	require.Greater(t, want.Supervised, want.Accountability)
	require.Greater(t, want.Overdue, want.Supervised)
	require.Positive(t, want.ClosedOnTime)
	require.Greater(t, want.Closed, want.ClosedOnTime)
	require.Greater(t, want.Callbacks, want.Satisfied)
	require.Positive(t, want.Satisfied)
	require.Positive(t, want.Dissatisfied)
	require.Greater(t, want.EverAccountability, want.Accountability, "some reached 问责 and are not there now")
	require.Greater(t, want.EverSupervised, want.EverAccountability)
	require.Greater(t, want.EverOverdue, want.EverSupervised)
	require.Greater(t, want.Assigned, want.Extended)
	require.Positive(t, want.Extended)
	require.Positive(t, want.LateExtensions)
	require.Greater(t, want.Verified, want.Reworked)
	require.Positive(t, want.Reworked)
	require.Greater(t, want.Closed, want.FirstPass)
	require.Positive(t, want.FirstPass)
	require.Greater(t, want.Accepted, want.Reopened)
	require.Positive(t, want.Reopened)
	require.Positive(t, want.MedianWorkingDaysToClose)

	st, err := s.Stats(ctx, "c1")
	require.NoError(t, err)
	require.Equal(t, "c1", st.CampaignID)
	require.Equal(t, want, st.Counts)
	require.Equal(t, byState, st.ByState)
	require.Equal(t, by["category"].sorted(), st.ByCategory)
	require.Equal(t, by["department"].sorted(), st.ByDepartment)
	require.Equal(t, by["leader"].sorted(), st.ByLeader)
	require.Equal(t, by["target"].sorted(), st.ByTarget)
	require.Equal(t, by["speed"].sorted(), st.BySpeed)
	require.Len(t, st.BySpeed, 4, "the three speeds, and none for the uncategorized and the unknown")

	// The slices add up to the whole.
	for name, slice := range map[string][]store.Counts{"category": st.ByCategory, "department": st.ByDepartment,
		"leader": st.ByLeader, "target": st.ByTarget, "speed": st.BySpeed} {
		sum := 0
		for _, c := range slice {
			sum += c.Collected
		}
		require.Equal(t, 80, sum, name)
	}
}

func testStatsEmptyCampaign(t *testing.T, b backend) {
	ctx := context.Background()
	s := b.open(t)
	other := newOpinion("op-1", "c2", domain.StateClosed, 1)
	other.OnTime = true
	require.NoError(t, s.ProjectOpinion(ctx, other))

	// Only excluded opinions: nothing to divide by either.
	rejected := newOpinion("op-2", "c3", domain.StateRejected, 1)
	require.NoError(t, s.ProjectOpinion(ctx, rejected))

	for _, tc := range []struct {
		campaign string
		want     store.Counts
	}{
		{"c1", store.Counts{}},
		{"c3", store.Counts{Collected: 1, Excluded: 1}},
	} {
		st, err := s.Stats(ctx, tc.campaign)
		require.NoError(t, err)
		require.Equal(t, tc.want, st.Counts, tc.campaign)
		for _, r := range []float64{st.CompletionRate, st.OnTimeRate, st.SatisfactionRate} {
			require.False(t, math.IsNaN(r) || math.IsInf(r, 0), tc.campaign)
		}
		require.Len(t, st.ByState, len(domain.AllStates), "every state is listed, even at zero")
		b, err := json.Marshal(st)
		require.NoError(t, err, "figures must encode as JSON (no NaN)")
		require.False(t, strings.Contains(string(b), "NaN"))
		if tc.campaign == "c1" {
			require.NotNil(t, st.ByCategory)
			require.Empty(t, st.ByCategory)
			require.NotNil(t, st.ByDepartment)
			require.Empty(t, st.ByDepartment)
			for _, n := range st.ByState {
				require.Zero(t, n)
			}
		}
	}
}

// seedBench projects n opinions of one campaign in a realistic mix.
func seedBench(b *testing.B, s *store.Store, n int) {
	b.Helper()
	ctx := context.Background()
	r := rand.New(rand.NewPCG(1, 2))
	levels := []domain.OverdueLevel{domain.LevelNone, domain.LevelDueSoon, domain.LevelOverdue,
		domain.LevelSupervised, domain.LevelAccountability}
	for i := range n {
		o := newOpinion(fmt.Sprintf("op-%05d", i), "bench", domain.AllStates[r.IntN(len(domain.AllStates))], 1+r.IntN(8))
		o.OverdueLevel = levels[r.IntN(len(levels))]
		o.Category = fmt.Sprintf("cat-%d", r.IntN(8))
		o.Department = fmt.Sprintf("dept-%d", r.IntN(12))
		o.Official = fmt.Sprintf("official-%d", r.IntN(40))
		o.Schedule.Deadline = base.AddDate(0, 0, r.IntN(90)).Format(domain.DateLayout)
		o.CreatedAt = base.Add(time.Duration(i) * time.Second)
		if err := s.ProjectOpinion(ctx, o); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkProjectOpinion(b *testing.B) {
	ctx := context.Background()
	b.Run("new", func(b *testing.B) {
		s := sqliteFiles.open(b)
		i := 0
		for b.Loop() {
			o := newOpinion(fmt.Sprintf("op-%d", i), "bench", domain.StateInProgress, 4)
			o.Schedule.Deadline = "2026-10-10"
			if err := s.ProjectOpinion(ctx, o); err != nil {
				b.Fatal(err)
			}
			i++
		}
	})
	b.Run("transition", func(b *testing.B) {
		// One opinion moving on revision by revision, its timeline capped at a
		// realistic length (the events already stored are skipped).
		s := sqliteFiles.open(b)
		o := newOpinion("op", "bench", domain.StateInProgress, 12)
		rev := 0
		for b.Loop() {
			rev++
			o.Revision = rev
			if err := s.ProjectOpinion(ctx, o); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("baseline-stale-replay", func(b *testing.B) {
		// The baseline: a write transaction that changes nothing.
		s := sqliteFiles.open(b)
		o := newOpinion("op", "bench", domain.StateInProgress, 8)
		if err := s.ProjectOpinion(ctx, o); err != nil {
			b.Fatal(err)
		}
		for b.Loop() {
			if err := s.ProjectOpinion(ctx, o); err != nil {
				b.Fatal(err)
			}
		}
	})
}

func BenchmarkOpinionsList(b *testing.B) {
	ctx := context.Background()
	s := sqliteFiles.open(b)
	seedBench(b, s, 10_000)
	// The baseline: the same page from a campaign of exactly 50 opinions, so
	// the cost of ordering 10k shows against decoding 50.
	for i := range 50 {
		if err := s.ProjectOpinion(ctx, newOpinion(fmt.Sprintf("small-%02d", i), "small", domain.StateAssigned, 4)); err != nil {
			b.Fatal(err)
		}
	}
	for _, bc := range []struct {
		name   string
		filter store.Filter
	}{
		{"baseline-campaign-of-50", store.Filter{CampaignID: "small", Limit: 50}},
		{"most-urgent-50", store.Filter{CampaignID: "bench", Limit: 50}},
		{"overdue-50", store.Filter{CampaignID: "bench", Overdue: true, Limit: 50}},
		{"visible-to-official-50", store.Filter{CampaignID: "bench", Limit: 50,
			VisibleTo: &store.Viewer{Username: "official-7", Department: "dept-3"}}},
	} {
		b.Run(bc.name, func(b *testing.B) {
			for b.Loop() {
				page, err := s.Opinions(ctx, bc.filter)
				if err != nil {
					b.Fatal(err)
				}
				if len(page.Opinions) != 50 || page.Total < 50 {
					b.Fatalf("got %d of %d", len(page.Opinions), page.Total)
				}
			}
		})
	}
}

// testFiguresAreOneSnapshot reads figures while opinions keep arriving: the
// totals, the states, the categories and the departments must always agree,
// and a page's Total must count the rows it was cut from.
func testFiguresAreOneSnapshot(t *testing.T, b backend) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	s := b.open(t)

	done := make(chan error, 1)
	go func() {
		var err error
		for i := 0; ctx.Err() == nil && err == nil; i++ {
			o := newOpinion(fmt.Sprintf("op-%05d", i), "c1", domain.AllStates[i%len(domain.AllStates)], 1)
			o.Category = fmt.Sprintf("cat-%d", i%3)
			o.Department = fmt.Sprintf("dept-%d", i%4)
			err = s.ProjectOpinion(context.Background(), o)
		}
		done <- err
	}()

	deadline := time.Now().Add(time.Second)
	for time.Now().Before(deadline) {
		st, err := s.Stats(context.Background(), "c1")
		require.NoError(t, err)
		byState, byCategory, byDepartment := 0, 0, 0
		for _, n := range st.ByState {
			byState += n
		}
		for _, c := range st.ByCategory {
			byCategory += c.Collected
		}
		for _, c := range st.ByDepartment {
			byDepartment += c.Collected
		}
		require.Equal(t, st.Collected, byState, "by state")
		require.Equal(t, st.Collected, byCategory, "by category")
		require.Equal(t, st.Collected, byDepartment, "by department")

		page, err := s.Opinions(context.Background(), store.Filter{CampaignID: "c1", Limit: 500})
		require.NoError(t, err)
		if page.Total <= 500 {
			require.Len(t, page.Opinions, page.Total, "Total counts the rows the page was cut from")
		}
	}
	cancel()
	require.NoError(t, <-done)
}

func testPayloadKeysMustBeTheInstallations(t *testing.T, b backend) {
	s := b.open(t)
	ctx := context.Background()
	now := time.Now()
	require.NoError(t, s.CheckPayloadKeys(ctx, []string{"k1"}, "k1", now), "the first key is recorded")
	require.NoError(t, s.CheckPayloadKeys(ctx, []string{"k1", "k2"}, "k2", now), "a rotation keeps the old key")
	require.NoError(t, s.CheckPayloadKeys(ctx, []string{"k2"}, "k2", now), "an old key may go once unused")
	err := s.CheckPayloadKeys(ctx, []string{"k9"}, "k9", now)
	require.ErrorContains(t, err, "k1, k2")
	require.ErrorContains(t, err, "restore the key file")
}
