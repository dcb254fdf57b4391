package app

import (
	"bytes"
	"context"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/require"
	"github.com/xuri/excelize/v2"
	"go.temporal.io/sdk/client"

	"rectify/internal/domain"
	"rectify/workflows"
)

// TestBrowserProgressReports is the office setting weekly reports and the filing
// unit on the settings page, the schedule making the day's report, and a leader
// finding it on the reports page, printing it (A4) and downloading it, in Chinese
// and in English: the printed figures are the dashboard's.
func TestBrowserProgressReports(t *testing.T) {
	h := startHarness(t)
	h.Must("office", "POST", "/api/v1/campaigns", map[string]any{"id": "jb", "name": "作风建设整改",
		"departments": []string{"城管科", "民政科"}}, 201)
	today := time.Now().In(time.FixedZone("", 8*3600)).Format(domain.DateLayout)
	for i, content := range []string{"幸福路路灯不亮", "窗口办事排队太久", "小区垃圾清运不及时"} {
		id := h.Must("office", "POST", "/api/v1/campaigns/jb/opinions", map[string]any{"key": string(rune('A' + i)), "content": content,
			"channel": "hotline", "collected_at": "2026-11-02"}, 201)["id"].(string)
		if i < 2 {
			h.Act("office", id, "categorize", map[string]any{"category": "群众需要解决的问题"}, 200)
			h.Act("office", id, "assign", map[string]any{"department": "城管科", "official": "official", "leader": "leader",
				"deadline": "2026-11-03"}, 200) // past: overdue at once
		}
	}

	b := newBrowser(t, h.Base)
	b.signIn("office")
	b.open("/campaigns/jb/settings")
	b.run(
		chromedp.SetValue(chromedp.ID("settings-filing-unit"), "幸福街道党工委"),
		chromedp.SetValue(chromedp.ID("settings-reports-every"), "weekly"),
		chromedp.SetValue(chromedp.ID("settings-reports-weekday"), "5"),
	)
	b.shot("settings-reports")
	b.submitAndWait(`form.settings button[type=submit]`)
	require.Equal(t, "设置已保存。", b.text(`main [role=status]`))
	schedule := h.app.Temporal().ScheduleClient().GetHandle(context.Background(), workflows.ReportScheduleID("jb"))
	_, err := schedule.Describe(context.Background())
	require.NoError(t, err, "saving the settings set the schedule")
	require.NoError(t, schedule.Trigger(context.Background(), client.ScheduleTriggerOptions{}))
	require.Eventually(t, func() bool {
		return len(h.Must("leader", "GET", "/api/v1/campaigns/jb/reports", nil, 200)["reports"].([]any)) == 1
	}, time.Minute, 100*time.Millisecond)

	leader := b.window()
	leader.signIn("leader")
	dash := leader.dashboard("jb").Figures
	leader.navigateBy(chromedp.Click(chromedp.ID("reports-link")), "the reports link")
	leader.shot("reports")
	require.Equal(t, "每周五 18:00（活动时间）自动生成并通知包案领导。", leader.text("#report-schedule"))
	require.Equal(t, today, leader.text("#kept-reports tbody tr td"))

	leader.navigateBy(chromedp.Click(`#kept-reports tbody tr a[href^="/reports/"]:not([download])`), "the kept report's print link")
	leader.shot("report-kept")
	require.Equal(t, "作风建设整改 整改进展情况（截至 "+today+"）", leader.text("main h1"))
	require.Contains(t, leader.text(".report-sub"), "填报单位：幸福街道党工委")
	printed := map[string]string{}
	for _, key := range []string{"collected", "closed", "overdue", "supervised", "completion_rate"} {
		printed[key] = leader.text(`[data-figure="` + key + `"] .n`)
		require.Equal(t, dash[key], printed[key], "%s as the dashboard shows it", key)
	}
	require.Equal(t, "3", printed["collected"])
	listed := 0
	for _, rung := range []string{"overdue", "supervised", "accountability"} {
		listed += value(leader, chromedp.Evaluate[int](`document.querySelectorAll('#list-`+rung+` tbody tr').length`))
	}
	require.Equal(t, 2, listed, "both late items on the lists of their rungs")
	require.Equal(t, "2", printed["overdue"])

	// On paper: the report is its own page box, A4 landscape, and print leaves the
	// menu and the links off.
	type paper struct {
		Page, Size string
		HidesNav   bool
	}
	got := value(leader, chromedp.Evaluate[paper](`(() => {
		const out = {Page: '', Size: '', HidesNav: false};
		for (const sheet of document.styleSheets) for (const rule of sheet.cssRules) {
			if (rule instanceof CSSPageRule && rule.selectorText === 'report') out.Size = rule.style.size;
			if (rule instanceof CSSMediaRule && rule.media.mediaText === 'print')
				for (const r of rule.cssRules) {
					if (r.selectorText && r.selectorText.split(',').map(x => x.trim()).includes('nav') && r.style.display === 'none') out.HidesNav = true;
					if (r.selectorText === '.report' && document.querySelector('article.report')) out.Page = r.style.page;
				}
		}
		return out;
	})()`))
	require.Equal(t, paper{Page: "report", Size: "a4 landscape", HidesNav: true}, got)

	status, kind, body := leader.download("#report-xlsx")
	require.Equal(t, 200, status)
	require.Contains(t, kind, "spreadsheetml")
	book, err := excelize.OpenReader(bytes.NewReader(body))
	require.NoError(t, err)
	require.Equal(t, []string{"概况", "逾期督办问责", "包案领导", "长期坚持"}, book.GetSheetList())

	// In English: the same report, every word of the page translated.
	leader.navigateBy(chromedp.Click(`form[action="/lang"] button`), "the language switch")
	leader.shot("report-kept-en")
	require.Equal(t, "作风建设整改 — rectification progress (as of "+today+")", leader.text("main h1"))
	require.Empty(t, leader.untranslated())
	status, _, body = leader.download("#report-xlsx")
	require.Equal(t, 200, status)
	book, err = excelize.OpenReader(bytes.NewReader(body))
	require.NoError(t, err)
	require.Equal(t, []string{"Summary", "Overdue", "Leaders", "Long-term"}, book.GetSheetList())

	// Today's report, made on demand, says what changed since the kept one.
	leader.open("/campaigns/jb/reports/progress")
	leader.shot("report-today-en")
	require.Contains(t, leader.text("main"), "Since the campaign began", "the kept report is of today, not before it")
}
