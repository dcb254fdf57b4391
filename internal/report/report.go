// Package report is the progress report (整改进展情况) an office sends its
// supervising group (督导组) weekly or monthly: the figures at a cut-off day, what
// changed since the previous report, the overdue, 督办 and 问责 lists, the figures
// of each responsible leader (领导包案) and the latest progress of each long-term
// item (长期坚持). Progress holds its facts — counts, dates, usernames — as they
// are kept; a reader renders it in their language (WriteXLSX here, the printable
// page in internal/web), so a kept report reads the same in Chinese and English.
package report

import (
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"rectify/internal/domain"
	"rectify/internal/spreadsheet"
	"rectify/internal/store"
)

// Progress is one progress report's content.
type Progress struct {
	CampaignID string    `json:"campaign_id"`
	Campaign   string    `json:"campaign"`
	FilingUnit string    `json:"filing_unit,omitempty"`
	CutOff     string    `json:"cut_off"`
	MadeAt     time.Time `json:"made_at"`
	// UTCOffsetSeconds is the campaign's, to show MadeAt in its local time.
	UTCOffsetSeconds int `json:"utc_offset_seconds"`
	// Figures are the campaign's figures when it was made (store.Stats: what the
	// dashboard and /metrics show), then by leader, category, department and speed.
	Figures      store.Counts   `json:"figures"`
	ByLeader     []store.Counts `json:"by_leader"`
	ByCategory   []store.Counts `json:"by_category"`
	ByDepartment []store.Counts `json:"by_department"`
	BySpeed      []store.Counts `json:"by_speed"`
	Changes      Changes        `json:"changes"`
	// Overdue, Supervised and Accountability list the items an official owes at
	// each rung now (逾期, 督办, 问责), most urgent first.
	Overdue        []Item `json:"overdue"`
	Supervised     []Item `json:"supervised"`
	Accountability []Item `json:"accountability"`
	// LongTerm lists the long-term items (长期坚持) still open, with their latest
	// progress report.
	LongTerm []LongTermItem `json:"long_term"`
}

// Changes is what changed since the previous kept report (Since; nil for the
// first report, when the changes count from the campaign's start).
type Changes struct {
	Since *Previous `json:"since,omitempty"`
	// Collected counts the opinions that came in, Closed those closed (and closed
	// now), NewlyOverdue those on a rung now that were on none in the previous
	// report, since it was made.
	Collected    int `json:"collected"`
	Closed       int `json:"closed"`
	NewlyOverdue int `json:"newly_overdue"`
	// CompletionRate and OnTimeRate are the rates' changes (now − then; 0–1).
	CompletionRate float64 `json:"completion_rate"`
	OnTimeRate     float64 `json:"on_time_rate"`
}

// Previous names the report the changes count from, with its figures.
type Previous struct {
	ID      string       `json:"id"`
	CutOff  string       `json:"cut_off"`
	MadeAt  time.Time    `json:"made_at"`
	Figures store.Counts `json:"figures"`
}

// Item is one item of a list: the opinion's id and key, its content's first line,
// where it belongs, who answers for it (usernames) and its deadline and rung.
type Item struct {
	ID         string `json:"id"`
	Key        string `json:"key"`
	Title      string `json:"title"`
	Category   string `json:"category,omitempty"`
	Department string `json:"department,omitempty"`
	Official   string `json:"official,omitempty"`
	Leader     string `json:"leader,omitempty"`
	Deadline   string `json:"deadline,omitempty"`
	Level      string `json:"level"`
	// New marks an item on a rung now that was on none in the previous report.
	New bool `json:"new,omitempty"`
}

// LongTermItem is a long-term item with its latest progress report: when, how far
// (percent), what was done and what comes next; how many reports it filed and
// how many late; when the next is due, and the rung a missed one put it on.
type LongTermItem struct {
	Item
	Reports     int    `json:"reports"`
	LateReports int    `json:"late_reports"`
	LastAt      string `json:"last_at,omitempty"`
	Percent     int    `json:"percent"`
	Done        string `json:"done,omitempty"`
	Next        string `json:"next,omitempty"`
}

// Builder assembles a Progress from the opinions of one snapshot (store.Ledger).
type Builder struct {
	P        Progress
	prev     map[string]bool // items on a rung in the previous report
	from     time.Time       // the previous report's making: the changes count from it
	previous *Progress
}

// NewBuilder starts a report after the previous report (nil for none); its
// figures come with Done, once the opinions of the same snapshot are added.
func NewBuilder(p Progress, previous *Progress, previousID string) *Builder {
	p.Overdue, p.Supervised, p.Accountability, p.LongTerm = []Item{}, []Item{}, []Item{}, []LongTermItem{}
	b := &Builder{P: p, prev: map[string]bool{}, previous: previous}
	if previous != nil {
		b.from = previous.MadeAt
		b.P.Changes.Since = &Previous{ID: previousID, CutOff: previous.CutOff, MadeAt: previous.MadeAt, Figures: previous.Figures}
		for _, list := range [][]Item{previous.Overdue, previous.Supervised, previous.Accountability} {
			for _, it := range list {
				b.prev[it.ID] = true
			}
		}
	}
	return b
}

// Add takes one opinion into the report's changes and lists.
func (b *Builder) Add(o domain.Opinion) {
	if o.CreatedAt.After(b.from) {
		b.P.Changes.Collected++
	}
	if o.State == domain.StateClosed && o.ClosedAt.After(b.from) {
		b.P.Changes.Closed++
	}
	level := store.LevelNow(o)
	it := Item{ID: o.ID, Key: o.Key, Title: firstLine(o.Content), Category: o.Category, Department: o.Department,
		Official: o.Official, Leader: o.Leader, Deadline: o.Schedule.Deadline, Level: string(level)}
	if level.Rank() >= domain.LevelOverdue.Rank() {
		it.New = !b.prev[o.ID]
		if it.New {
			b.P.Changes.NewlyOverdue++
		}
		switch level {
		case domain.LevelOverdue:
			b.P.Overdue = append(b.P.Overdue, it)
		case domain.LevelSupervised:
			b.P.Supervised = append(b.P.Supervised, it)
		default:
			b.P.Accountability = append(b.P.Accountability, it)
		}
	}
	if o.LongTerm && store.Stage(o.State) != store.StageClosed && store.Stage(o.State) != store.StageExcluded {
		lt := LongTermItem{Item: it, Reports: len(o.Reports)}
		for _, r := range o.Reports {
			if r.Late {
				lt.LateReports++
			}
		}
		if n := len(o.Reports); n > 0 {
			last := o.Reports[n-1]
			lt.LastAt = last.At.In(time.FixedZone("", b.P.UTCOffsetSeconds)).Format(domain.DateLayout)
			lt.Percent, lt.Done, lt.Next = last.Percent, last.Done, last.Next
		}
		b.P.LongTerm = append(b.P.LongTerm, lt)
	}
}

// Done gives the report the figures st (store.Stats of the snapshot the opinions
// were read from), their changes since the previous report, and orders the lists:
// the most overdue deadline first.
func (b *Builder) Done(st store.Stats) Progress {
	p := &b.P
	p.Figures, p.ByLeader, p.ByCategory, p.ByDepartment, p.BySpeed = st.Counts, st.ByLeader, st.ByCategory, st.ByDepartment, st.BySpeed
	p.Changes.CompletionRate, p.Changes.OnTimeRate = p.Figures.CompletionRate, p.Figures.OnTimeRate
	if b.previous != nil {
		p.Changes.CompletionRate -= b.previous.Figures.CompletionRate
		p.Changes.OnTimeRate -= b.previous.Figures.OnTimeRate
	}
	for _, list := range [][]Item{b.P.Overdue, b.P.Supervised, b.P.Accountability} {
		slices.SortStableFunc(list, func(a, c Item) int { return strings.Compare(a.Deadline, c.Deadline) })
	}
	return b.P
}

// firstLine is an item's title: its content's first line, at most 60 characters.
func firstLine(content string) string {
	line, _, _ := strings.Cut(strings.TrimSpace(content), "\n")
	if r := []rune(line); len(r) > 60 {
		return string(r[:60]) + "…"
	}
	return line
}

// Local is when the report was made, in the campaign's time.
func (p Progress) Local() time.Time { return p.MadeAt.In(time.FixedZone("", p.UTCOffsetSeconds)) }

// T renders a text of the report in one language: a catalogue key, with args.
type T func(key string, args ...any) string

// WriteXLSX writes p as a workbook in the language of t, the names of people by
// name: 概况 (figures and changes), the overdue / 督办 / 问责 lists, the leaders'
// figures and the long-term items, each sheet with the report's title rows and
// set up to print.
func WriteXLSX(w io.Writer, p Progress, t T, name func(string) string) error {
	title := []string{
		t("report.title", p.Campaign, p.CutOff),
		t("report.subtitle", p.FilingUnit, p.CutOff, p.Local().Format("2006-01-02 15:04")),
	}
	person := func(u string) string {
		if u == "" {
			return ""
		}
		return name(u)
	}
	c, ch := p.Figures, p.Changes
	since := t("report.since_start")
	if ch.Since != nil {
		since = t("report.since", ch.Since.CutOff)
	}
	pct := func(f float64) any { return spreadsheet.Percent(f) }
	figures := [][]any{
		{t("report.fig.collected"), c.Collected}, {t("report.fig.pending"), c.Pending}, {t("report.fig.in_progress"), c.InProgress},
		{t("report.fig.closed"), c.Closed}, {t("report.fig.overdue"), c.Overdue}, {t("report.fig.supervised"), c.Supervised},
		{t("report.fig.accountability"), c.Accountability}, {t("report.fig.completion_rate"), pct(c.CompletionRate)},
		{t("report.fig.on_time_rate"), pct(c.OnTimeRate)}, {t("report.fig.satisfaction_rate"), pct(c.SatisfactionRate)},
		{since, ""},
		{t("report.new_collected"), ch.Collected}, {t("report.new_closed"), ch.Closed},
		{t("report.new_overdue"), ch.NewlyOverdue}, {t("report.completion_change"), pct(ch.CompletionRate)},
		{t("report.on_time_change"), pct(ch.OnTimeRate)},
	}
	itemHeader := []string{t("report.col.level"), t("report.col.key"), t("report.col.title"), t("report.col.department"),
		t("report.col.official"), t("report.col.leader"), t("report.col.deadline"), t("report.col.new")}
	var items [][]any
	for _, list := range [][]Item{p.Accountability, p.Supervised, p.Overdue} {
		for _, it := range list {
			isNew := ""
			if it.New {
				isNew = t("report.yes")
			}
			items = append(items, []any{t("level." + it.Level), it.Key, it.Title, it.Department, person(it.Official),
				person(it.Leader), it.Deadline, isNew})
		}
	}
	var leaders [][]any
	for _, l := range p.ByLeader {
		n := t("report.no_leader")
		if l.Name != "" {
			n = person(l.Name)
		}
		leaders = append(leaders, []any{n, l.Collected, l.InProgress, l.Closed, l.Overdue, l.Supervised, l.Accountability,
			pct(l.CompletionRate), pct(l.OnTimeRate)})
	}
	var long [][]any
	for _, it := range p.LongTerm {
		long = append(long, []any{it.Key, it.Title, it.Department, person(it.Official), person(it.Leader), it.Reports,
			it.LateReports, it.LastAt, it.Percent, it.Done, it.Next, it.Deadline, t("level." + it.Level)})
	}
	sheet := func(key string, header []string, widths []float64, rows [][]any) spreadsheet.Table {
		return spreadsheet.Table{Sheet: t(key), Title: title, Print: true, Header: header, Widths: widths,
			DefaultWidth: 12, Rows: slices.Values(rows)}
	}
	return spreadsheet.WriteWorkbook(w,
		sheet("report.sheet.summary", []string{t("report.col.figure"), t("report.col.value")}, []float64{36, 14}, figures),
		sheet("report.sheet.overdue", itemHeader, []float64{10, 12, 40, 14, 16, 16, 12, 8}, items),
		sheet("report.sheet.leaders", []string{t("report.col.leader"), t("report.fig.collected"), t("report.fig.in_progress"),
			t("report.fig.closed"), t("report.fig.overdue"), t("report.fig.supervised"), t("report.fig.accountability"),
			t("report.fig.completion_rate"), t("report.fig.on_time_rate")}, []float64{20}, leaders),
		sheet("report.sheet.long_term", []string{t("report.col.key"), t("report.col.title"), t("report.col.department"),
			t("report.col.official"), t("report.col.leader"), t("report.col.reports"), t("report.col.late_reports"),
			t("report.col.last_at"), t("report.col.percent"), t("report.col.done"), t("report.col.next"),
			t("report.col.next_due"), t("report.col.level")}, []float64{12, 36, 14, 16, 16, 8, 8, 12, 8, 30, 30, 12, 8}, long),
	)
}

// FileName is the report's file name in the language of t.
func FileName(p Progress, t T) string {
	return fmt.Sprintf("%s-%s-%s.xlsx", p.Campaign, t("report.file"), strings.ReplaceAll(p.CutOff, "-", ""))
}
