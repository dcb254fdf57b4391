package deadline_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"rectify/internal/deadline"
	"rectify/internal/domain"
)

func TestAnExplanationIsRenderedFromTheFactsInEachLanguage(t *testing.T) {
	s := domain.Schedule{Deadline: "2027-01-04", Basis: &domain.DeadlineBasis{
		From: "2026-12-28", WorkingDays: 4, Weekends: 2,
		Holidays:         []domain.SkippedHoliday{{Name: "元旦", Days: 1}},
		MakeUpWorkdays:   []domain.MakeUpWorkday{{Date: "2027-01-03", Name: "元旦调休上班"}},
		ProvisionalYears: []int{2027},
	}}
	require.Equal(t, "从 2026-12-28 起 4 个工作日 → 2027-01-04（跳过元旦 1 天、周末 2 天；2027-01-03 为元旦调休上班日；2027 年节假日为暂定安排，须以国务院通知核实）",
		deadline.Explain(s, "zh"))
	require.Equal(t, "4 working days from 2026-12-28 → 2027-01-04, skipping New Year's Day (1 day), weekends (2 days); "+
		"2027-01-03 is a make-up workday (New Year's Day); holidays for 2027 are provisional (check the State Council notice)",
		deadline.Explain(s, "en"))
}

func TestADeadlineSetBeforeItsFactsWereKeptIsShownOnlyInChinese(t *testing.T) {
	s := domain.Schedule{Deadline: "2025-10-10", Explanation: "按会议纪要确定"}
	require.Equal(t, "按会议纪要确定", deadline.Explain(s, "zh"))
	require.Empty(t, deadline.Explain(s, "en"), "nothing rather than Chinese")
}
