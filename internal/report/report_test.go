package report

import (
	"bytes"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"github.com/xuri/excelize/v2"

	"rectify/internal/domain"
	"rectify/internal/store"
)

// What changed since the previous report: opinions that came in and closed after
// it was made, items on a rung now that were on none then, the rates' change.
func TestTheChangesCountFromThePreviousReport(t *testing.T) {
	then := time.Date(2026, 12, 4, 10, 0, 0, 0, time.UTC)
	previous := &Progress{CutOff: "2026-12-04", MadeAt: then, Figures: store.Counts{CompletionRate: 0.25, OnTimeRate: 1},
		Overdue: []Item{{ID: "old-late"}}}
	b := NewBuilder(Progress{CampaignID: "c1", CutOff: "2026-12-11", UTCOffsetSeconds: 8 * 3600}, previous, "r-c1-2026-12-04")
	late := func(id string, level domain.OverdueLevel, deadline string) domain.Opinion {
		return domain.Opinion{ID: id, Key: id, Content: "内容 " + id + "\n第二行", State: domain.StateInProgress, OverdueLevel: level,
			CreatedAt: then.Add(-time.Hour), Schedule: domain.Schedule{Deadline: deadline}}
	}
	b.Add(late("old-late", domain.LevelSupervised, "2026-11-20"))
	b.Add(late("new-late", domain.LevelOverdue, "2026-12-08"))
	b.Add(late("due-soon", domain.LevelDueSoon, "2026-12-14"))
	b.Add(domain.Opinion{ID: "fresh", State: domain.StateReceived, CreatedAt: then.Add(time.Hour)})
	b.Add(domain.Opinion{ID: "closed", State: domain.StateClosed, CreatedAt: then.Add(-48 * time.Hour), ClosedAt: then.Add(2 * time.Hour)})
	b.Add(domain.Opinion{ID: "long", State: domain.StateInProgress, LongTerm: true, CreatedAt: then.Add(-time.Hour),
		Reports: []domain.ProgressReport{{At: then.Add(-30 * time.Hour), Percent: 40, Done: "起草", Next: "印发", Late: true},
			{At: then, Percent: 60, Done: "征求意见", Next: "印发"}}})
	p := b.Done(store.Stats{Counts: store.Counts{CompletionRate: 0.5, OnTimeRate: 0.75, Overdue: 2, Supervised: 1}})

	require.Equal(t, Changes{Since: &Previous{ID: "r-c1-2026-12-04", CutOff: "2026-12-04", MadeAt: then, Figures: previous.Figures},
		Collected: 1, Closed: 1, NewlyOverdue: 1, CompletionRate: 0.25, OnTimeRate: -0.25}, p.Changes)
	require.Len(t, p.Overdue, 1)
	require.True(t, p.Overdue[0].New)
	require.Equal(t, "内容 new-late", p.Overdue[0].Title, "the first line")
	require.Len(t, p.Supervised, 1)
	require.False(t, p.Supervised[0].New, "it was on a rung in the previous report")
	require.Equal(t, p.Figures.Overdue, len(p.Overdue)+len(p.Supervised)+len(p.Accountability))
	require.Len(t, p.LongTerm, 1)
	require.Equal(t, LongTermItem{Item: p.LongTerm[0].Item, Reports: 2, LateReports: 1, LastAt: "2026-12-04", Percent: 60,
		Done: "征求意见", Next: "印发"}, p.LongTerm[0])

	var buf bytes.Buffer
	require.NoError(t, WriteXLSX(&buf, p, func(key string, _ ...any) string { return key }, func(u string) string { return u }))
	book, err := excelize.OpenReader(&buf)
	require.NoError(t, err)
	require.Equal(t, []string{"report.sheet.summary", "report.sheet.overdue", "report.sheet.leaders", "report.sheet.long_term"},
		book.GetSheetList())
	panes, err := book.GetPanes("report.sheet.overdue")
	require.NoError(t, err)
	require.Equal(t, 3, panes.YSplit, "title rows and header frozen")
}
