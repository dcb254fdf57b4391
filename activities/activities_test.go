package activities_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/worker"

	"rectify/activities"
	"rectify/internal/calendar"
	"rectify/internal/deadline"
	"rectify/internal/domain"
	"rectify/workflows"
)

var policy = domain.Policy{
	DueSoonWorkingDays:     2,
	SupervisionWorkingDays: 3,
	SignWorkingDays:        1,
	UTCOffsetSeconds:       8 * 3600,
}

// fakeProjector records what it is asked to write.
type fakeProjector struct {
	mu    sync.Mutex
	got   []domain.Opinion
	notes []domain.Notification
	err   error
}

func (f *fakeProjector) ProjectTransition(_ context.Context, in workflows.ProjectInput) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.got = append(f.got, in.Opinion)
	f.notes = append(f.notes, in.Notifications...)
	return f.err
}

// fakeNotifier records what it is asked to deliver.
type fakeNotifier struct {
	mu  sync.Mutex
	got []domain.Notification
	err error
}

func (f *fakeNotifier) Notify(_ context.Context, n domain.Notification) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.got = append(f.got, n)
	return f.err
}

func sampleOpinion() domain.Opinion {
	return domain.Opinion{
		ID: "op-1", CampaignID: "c1", Key: "k1", State: domain.StateAssigned,
		Official: "zhang", OverdueLevel: domain.LevelNone, Revision: 3,
		Schedule: domain.Schedule{Deadline: "2026-10-10"},
	}
}

func sampleNotification() domain.Notification {
	return domain.Notification{
		Kind: domain.ActionAssign, OpinionID: "op-1", CampaignID: "c1",
		Recipients: []string{"zhang"}, State: domain.StateAssigned, Deadline: "2026-10-10", Key: "op-1/3",
	}
}

func TestProjectAndNotify(t *testing.T) {
	ctx := context.Background()
	p := &fakeProjector{}
	n := &fakeNotifier{}
	a := &activities.Activities{Calendar: calendar.Default(), Store: p, Notifier: n}

	require.NoError(t, a.Project(ctx, workflows.ProjectInput{Opinion: sampleOpinion(), Notifications: []domain.Notification{sampleNotification()}}))
	require.Equal(t, []domain.Opinion{sampleOpinion()}, p.got)
	require.Equal(t, []domain.Notification{sampleNotification()}, p.notes, "notifications go with the projection")
	require.NoError(t, a.Notify(ctx, sampleNotification()))
	require.Equal(t, []domain.Notification{sampleNotification()}, n.got)

	// Failures reach the caller, so Temporal retries them.
	p.err = errors.New("disk full")
	require.ErrorIs(t, a.Project(ctx, workflows.ProjectInput{Opinion: sampleOpinion()}), p.err)
	n.err = errors.New("webhook down")
	require.ErrorIs(t, a.Notify(ctx, sampleNotification()), n.err)
	require.Len(t, p.got, 2)
	require.Len(t, n.got, 2)

	s, err := a.Schedule(ctx, workflows.ScheduleInput{Today: "2026-09-28", WorkingDays: 5, Policy: policy})
	require.NoError(t, err)
	require.Equal(t, "2026-10-10", s.Deadline)
}

// registry lets Register put the activities on a test environment, which
// registers activities only.
type registry struct {
	worker.Registry
	env *testsuite.TestActivityEnvironment
}

func (r registry) RegisterActivityWithOptions(a any, o activity.RegisterOptions) {
	r.env.RegisterActivityWithOptions(a, o)
}

// TestRegisteredNames runs each activity by the name the workflow uses, through
// Temporal's payload encoding.
func TestRegisteredNames(t *testing.T) {
	var suite testsuite.WorkflowTestSuite
	env := suite.NewTestActivityEnvironment()
	p := &fakeProjector{}
	n := &fakeNotifier{}
	a := &activities.Activities{Calendar: calendar.Default(), Store: p, Notifier: n}
	a.Register(registry{env: env})

	in := workflows.ScheduleInput{Today: "2026-09-28", WorkingDays: 5, WithSign: true, Policy: policy}
	v, err := env.ExecuteActivity(workflows.ScheduleActivityName, in)
	require.NoError(t, err)
	var s domain.Schedule
	require.NoError(t, v.Get(&s))
	want, err := deadline.Compute(calendar.Default(), in)
	require.NoError(t, err)
	require.Equal(t, "2026-10-10", s.Deadline)
	require.True(t, want.OverdueAt.Equal(s.OverdueAt))
	require.True(t, want.SignBy.Equal(s.SignBy))
	require.Equal(t, want.Basis, s.Basis, "the facts survive Temporal's payload encoding")
	require.True(t, strings.HasPrefix(s.Explanation, "从 2026-09-28 起 5 个工作日"))

	_, err = env.ExecuteActivity(workflows.ProjectActivityName, workflows.ProjectInput{Opinion: sampleOpinion()})
	require.NoError(t, err)
	require.Len(t, p.got, 1)
	require.Equal(t, sampleOpinion().ID, p.got[0].ID)
	require.Equal(t, 3, p.got[0].Revision)

	_, err = env.ExecuteActivity(workflows.NotifyActivityName, sampleNotification())
	require.NoError(t, err)
	require.Equal(t, []domain.Notification{sampleNotification()}, n.got)

	_, err = env.ExecuteActivity(workflows.ScheduleActivityName, workflows.ScheduleInput{Today: "bad", Policy: policy})
	require.Error(t, err)

	v, err = env.ExecuteActivity(workflows.WorkingDaysActivityName, workflows.WorkingDaysInput{From: "2026-09-28", To: "2026-10-10"})
	require.NoError(t, err)
	var days workflows.WorkingDaysResult
	require.NoError(t, v.Get(&days))
	require.Equal(t, workflows.WorkingDaysResult{Days: 5}, days)
}

// The working days an opinion took, counted on the calendar: the days after the
// first date up to and including the second, holidays skipped and make-up days in.
func TestCountWorkingDays(t *testing.T) {
	cal := calendar.Default()
	for _, c := range []struct {
		from, to string
		want     int
	}{
		{"2026-09-21", "2026-09-21", 0},  // closed the day it arrived
		{"2026-09-21", "2026-09-22", 1},  // the next day
		{"2026-09-24", "2026-10-08", 4},  // 中秋节 and 国庆节 skipped: 09-28..30, 10-08
		{"2026-10-09", "2026-10-12", 2},  // Saturday 10-10 is worked
		{"2026-12-31", "2027-01-04", 1},  // 元旦 2027-01-01..03
		{"2026-09-22", "2026-09-21", -1}, // backwards
	} {
		got, err := activities.CountWorkingDays(cal, workflows.WorkingDaysInput{From: c.from, To: c.to})
		require.NoError(t, err)
		require.Equal(t, c.want, got.Days, "%s → %s", c.from, c.to)
	}
	for _, bad := range []workflows.WorkingDaysInput{{From: "2026/09/21", To: "2026-09-22"}, {From: "2026-09-21", To: ""}} {
		_, err := activities.CountWorkingDays(cal, bad)
		var appErr *temporal.ApplicationError
		require.ErrorAs(t, err, &appErr, "%+v", bad)
		require.True(t, appErr.NonRetryable(), "a date the workflow got wrong is not worth retrying")
	}
}
