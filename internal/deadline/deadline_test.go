package deadline_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

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

// cst is the campaign's local time, UTC+8.
var cst = time.FixedZone("CST", 8*3600)

// at is midnight at the start of a date, +08:00.
func at(date string) time.Time {
	d, err := time.ParseInLocation(domain.DateLayout, date, cst)
	if err != nil {
		panic(err)
	}
	return d
}

// requireSchedule compares schedules by instant and by their +08:00 offset, since
// the location values differ.
func requireSchedule(t *testing.T, want, got domain.Schedule) {
	t.Helper()
	require.Equal(t, want.Deadline, got.Deadline, "deadline")
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
		if c.want.IsZero() {
			require.True(t, c.got.IsZero(), "%s: got %s, want none", c.name, c.got)
			continue
		}
		require.True(t, c.want.Equal(c.got), "%s: got %s, want %s", c.name, c.got, c.want)
		_, off := c.got.Zone()
		require.Equal(t, 8*3600, off, "%s is in campaign time", c.name)
	}
}

func TestCompute(t *testing.T) {
	cal := calendar.Default()
	tests := []struct {
		name string
		in   workflows.ScheduleInput
		want domain.Schedule
		// explanation must contain each of these.
		explains []string
	}{
		{
			// 09-29, 09-30, (国庆 10-01..07), 10-08, 10-09, and the make-up Saturday 10-10.
			name: "working days across 国庆 2026 land on the make-up Saturday",
			in:   workflows.ScheduleInput{Today: "2026-09-28", WorkingDays: 5, Policy: policy},
			want: domain.Schedule{
				Deadline:  "2026-10-10",
				DueSoonAt: at("2026-10-08"), // 10-09 and 10-08 are the two working days before
				OverdueAt: at("2026-10-11"),
				// 10-12, 10-13, 10-14 → end of 10-14
				SupervisedAt: at("2026-10-15"),
				// 10-15, 10-16, (weekend), 10-19 → end of 10-19
				AccountabilityAt: at("2026-10-20"),
			},
			explains: []string{"从 2026-09-28 起 5 个工作日 → 2026-10-10", "国庆节 7 天", "10-10 为国庆节调休上班日"},
		},
		{
			name: "with sign: the next working day ends the sign-in",
			in:   workflows.ScheduleInput{Today: "2026-09-28", WorkingDays: 5, WithSign: true, Policy: policy},
			want: domain.Schedule{
				Deadline:         "2026-10-10",
				SignBy:           at("2026-09-30"), // end of 09-29
				DueSoonAt:        at("2026-10-08"),
				OverdueAt:        at("2026-10-11"),
				SupervisedAt:     at("2026-10-15"),
				AccountabilityAt: at("2026-10-20"),
			},
		},
		{
			name: "sign-in over the holiday",
			in:   workflows.ScheduleInput{Today: "2026-09-30", WorkingDays: 3, WithSign: true, Policy: policy},
			want: domain.Schedule{
				Deadline:         "2026-10-10",     // 10-08, 10-09, 10-10
				SignBy:           at("2026-10-09"), // end of 10-08, the first working day after 国庆
				DueSoonAt:        at("2026-10-08"),
				OverdueAt:        at("2026-10-11"),
				SupervisedAt:     at("2026-10-15"),
				AccountabilityAt: at("2026-10-20"),
			},
			explains: []string{"从 2026-09-30 起 3 个工作日 → 2026-10-10"},
		},
		{
			name: "an explicit deadline says how many working days it leaves",
			in:   workflows.ScheduleInput{Today: "2026-09-28", Deadline: "2026-10-12", WorkingDays: 99, Policy: policy},
			want: domain.Schedule{
				Deadline:         "2026-10-12",
				DueSoonAt:        at("2026-10-09"), // 10-10 (make-up), 10-09
				OverdueAt:        at("2026-10-13"),
				SupervisedAt:     at("2026-10-16"), // 10-13, 10-14, 10-15
				AccountabilityAt: at("2026-10-21"), // 10-16, 10-19, 10-20
			},
			// 09-29, 09-30, 10-08, 10-09, 10-10, 10-12
			explains: []string{"指定期限 2026-10-12", "自 2026-09-28 起 6 个工作日"},
		},
		{
			name: "an explicit deadline on the day itself",
			in:   workflows.ScheduleInput{Today: "2026-10-12", Deadline: "2026-10-12", Policy: policy},
			want: domain.Schedule{
				Deadline:         "2026-10-12",
				DueSoonAt:        at("2026-10-09"),
				OverdueAt:        at("2026-10-13"),
				SupervisedAt:     at("2026-10-16"),
				AccountabilityAt: at("2026-10-21"),
			},
			explains: []string{"自 2026-10-12 起 0 个工作日"},
		},
		{
			name: "an explicit past deadline says how far past",
			in:   workflows.ScheduleInput{Today: "2026-09-30", Deadline: "2026-09-28", Policy: policy},
			want: domain.Schedule{
				Deadline:         "2026-09-28",
				DueSoonAt:        at("2026-09-23"), // 09-25..27 is 中秋节: 09-24, 09-23
				OverdueAt:        at("2026-09-29"),
				SupervisedAt:     at("2026-10-09"), // 09-29, 09-30, (国庆), 10-08
				AccountabilityAt: at("2026-10-13"), // 10-09, 10-10, 10-12
			},
			explains: []string{"指定期限 2026-09-28", "截至 2026-09-30 已超期 2 个工作日"},
		},
		{
			name: "a deadline that passed over a holiday counts only working days",
			in:   workflows.ScheduleInput{Today: "2026-10-08", Deadline: "2026-09-30", Policy: policy},
			want: domain.Schedule{
				Deadline:         "2026-09-30",
				DueSoonAt:        at("2026-09-28"),
				OverdueAt:        at("2026-10-01"),
				SupervisedAt:     at("2026-10-11"), // 10-08, 10-09, 10-10
				AccountabilityAt: at("2026-10-15"), // 10-12, 10-13, 10-14
			},
			explains: []string{"截至 2026-10-08 已超期 1 个工作日"},
		},
		{
			name: "zero working days is today",
			in:   workflows.ScheduleInput{Today: "2026-11-02", Policy: policy},
			want: domain.Schedule{
				Deadline:         "2026-11-02",
				DueSoonAt:        at("2026-10-29"),
				OverdueAt:        at("2026-11-03"),
				SupervisedAt:     at("2026-11-06"),
				AccountabilityAt: at("2026-11-11"),
			},
			explains: []string{"从 2026-11-02 起 0 个工作日 → 2026-11-02"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := deadline.Compute(cal, tc.in)
			require.NoError(t, err)
			requireSchedule(t, tc.want, got)
			explanation := deadline.Explain(got, "zh")
			for _, s := range tc.explains {
				require.Contains(t, explanation, s)
			}
			require.NotEmpty(t, explanation)
			require.Equal(t, explanation, got.Explanation, "the record in the timeline says the same")
			// The ladder only climbs.
			require.True(t, got.DueSoonAt.Before(got.OverdueAt))
			require.True(t, got.OverdueAt.Before(got.SupervisedAt))
			require.True(t, got.SupervisedAt.Before(got.AccountabilityAt))
			require.Equal(t, got.OverdueAt, got.At(domain.LevelOverdue))
			require.True(t, got.At(domain.LevelNone).IsZero())
		})
	}
}

// TestComputeOverdueInstant pins the overdue moment to 00:00 +08:00 the
// day after the deadline, i.e. 16:00 UTC on the deadline day.
func TestComputeOverdueInstant(t *testing.T) {
	got, err := deadline.Compute(calendar.Default(),
		workflows.ScheduleInput{Today: "2026-09-28", WorkingDays: 5, Policy: policy})
	require.NoError(t, err)
	require.Equal(t, time.Date(2026, 10, 10, 16, 0, 0, 0, time.UTC), got.OverdueAt.UTC())
	require.Equal(t, "2026-10-11T00:00:00+08:00", got.OverdueAt.Format(time.RFC3339))
	require.Equal(t, time.Date(2026, 10, 7, 16, 0, 0, 0, time.UTC), got.DueSoonAt.UTC())
	require.True(t, got.SignBy.IsZero(), "no sign-in deadline unless asked for")
}

func TestComputeBadDates(t *testing.T) {
	tests := []struct {
		name, today, deadline, field string
	}{
		{"empty today", "", "", "today"},
		{"today not a date", "tomorrow", "", "today"},
		{"today in another layout", "2026/09/28", "", "today"},
		{"today out of range", "2026-02-30", "", "today"},
		{"bad today with a good deadline", "28-09-2026", "2026-10-10", "today"},
		{"deadline not a date", "2026-09-28", "next week", "deadline"},
		{"deadline out of range", "2026-09-28", "2026-13-01", "deadline"},
		{"deadline with a time", "2026-09-28", "2026-10-10T12:00:00", "deadline"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := deadline.Compute(calendar.Default(), workflows.ScheduleInput{
				Today: tc.today, Deadline: tc.deadline, WorkingDays: 5, Policy: policy,
			})
			require.Error(t, err)
			require.Contains(t, err.Error(), tc.field, "the error names the field")
		})
	}
}

// A date set months on that falls on a day off moves to the next working day and
// says so; a date given by hand stays where it was given.
func TestADateSetMonthsOnMovesOffADayOff(t *testing.T) {
	cal := calendar.Default()
	// 2026-10-03 is in the National Day holiday (10-01…10-07); 10-08 is the next working day.
	moved, err := deadline.Compute(cal, workflows.ScheduleInput{Today: "2026-09-03", Deadline: "2026-10-03", OnWorkday: true, Policy: policy})
	require.NoError(t, err)
	require.Equal(t, "2026-10-08", moved.Deadline)
	require.Equal(t, "2026-10-03", moved.Basis.MovedFrom)
	require.True(t, at("2026-10-09").Equal(moved.OverdueAt))
	require.Contains(t, deadline.Explain(moved, "zh"), "2026-10-03 为休息日，顺延至下一个工作日")
	require.Contains(t, deadline.Explain(moved, "en"), "2026-10-03 is a day off, so the next working day")

	given, err := deadline.Compute(cal, workflows.ScheduleInput{Today: "2026-09-03", Deadline: "2026-10-03", Policy: policy})
	require.NoError(t, err)
	require.Equal(t, "2026-10-03", given.Deadline)
	require.Empty(t, given.Basis.MovedFrom)
}
