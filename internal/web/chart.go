package web

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"rectify/internal/domain"
	"rectify/internal/service"
)

// Charts are drawn on the server as inline SVG: no script, no chart library, no
// asset from outside the binary. The Go side computes every length; the template
// ("barchart" and "columnchart" in dashboard.html) only places them, so html/template
// escapes every label. Colours come from classes in style.css, and each bar carries
// its number as text, so a chart reads in black and white and on paper.

// px is an SVG length, printed with one decimal so the markup stays short.
type px float64

func (p px) String() string { return strconv.FormatFloat(float64(p), 'f', 1, 64) }

// barLength is value's share of span when the longest bar (max) fills it. Nothing
// to compare against (max ≤ 0) draws nothing rather than dividing by zero.
func barLength(value, max int, span float64) float64 {
	if max <= 0 || value <= 0 || span <= 0 {
		return 0
	}
	if value >= max {
		return span
	}
	return float64(value) / float64(max) * span
}

// barInput is one row of a bar chart: a whole (Value) with a part of it (Part)
// drawn darker, e.g. opinions collected and, of those, closed.
type barInput struct {
	Label       string
	Value, Part int
	// Text is the number(s) written after the bar.
	Text string
}

// bar is one laid-out row.
type bar struct {
	Label  string // as drawn (shortened when long)
	Title  string // the whole label, for the tooltip
	Value  int
	Part   int
	Text   string
	Y      px // top of the row
	BarY   px
	TextY  px // text baseline
	W      px // the whole
	PartW  px // the part, never longer than the whole
	TextX  px
	LabelX px // right edge of the label column
	BarX   px
	BarH   px
	RowH   px
}

// barChart is a horizontal bar chart: one row per label, all on one scale.
type barChart struct {
	ID      string
	Summary string // the whole chart in words, for aria-label and <title>
	Colon   string // between a bar's name and its figures, in the reader's language
	Width   int
	Height  int
	Bars    []bar
}

const (
	barChartWidth = 520
	barRowHeight  = 30
	barHeight     = 18
	barFontSize   = 13
	maxLabelWidth = 160
	maxTextWidth  = 190
)

// textWidth estimates how wide s is drawn at barFontSize: CJK characters are
// square, Latin ones about half as wide. Good enough to size a label column.
func textWidth(s string) float64 {
	w := 0.0
	for _, r := range s {
		if r < 0x2E80 {
			w += barFontSize * 0.6
		} else {
			w += barFontSize
		}
	}
	return w
}

// fitLabel shortens s with an ellipsis until it fits in width.
func fitLabel(s string, width float64) string {
	if textWidth(s) <= width {
		return s
	}
	r := []rune(s)
	for len(r) > 1 && textWidth(string(r)+"…") > width {
		r = r[:len(r)-1]
	}
	return string(r) + "…"
}

// newBarChart lays out rows on one scale: the largest Value fills the space left
// after the label column and the text column.
func newBarChart(id, summary string, rows []barInput) barChart {
	labelW, textW := 0.0, 0.0
	max := 0
	for _, r := range rows {
		labelW = math.Max(labelW, textWidth(r.Label))
		textW = math.Max(textW, textWidth(r.Text))
		if r.Value > max {
			max = r.Value
		}
	}
	labelW = math.Min(labelW, maxLabelWidth) + 10
	// The numbers after the longest bar must fit: reserve their width (about 130
	// for "收集 123 · 销号 45", more in English).
	textW = math.Min(textW, maxTextWidth) + 10
	span := float64(barChartWidth) - labelW - textW
	c := barChart{ID: id, Summary: summary, Width: barChartWidth, Height: len(rows)*barRowHeight + 4}
	for i, r := range rows {
		y := float64(i*barRowHeight) + 2
		w := barLength(r.Value, max, span)
		part := math.Min(barLength(r.Part, max, span), w)
		c.Bars = append(c.Bars, bar{
			Label: fitLabel(r.Label, labelW-10), Title: r.Label, Value: r.Value, Part: r.Part, Text: r.Text,
			Y: px(y), BarY: px(y + (barRowHeight-barHeight)/2), TextY: px(y + barRowHeight/2 + barFontSize*0.35),
			W: px(w), PartW: px(part), LabelX: px(labelW - 10), BarX: px(labelW), TextX: px(labelW + w + 6),
			BarH: barHeight, RowH: barRowHeight,
		})
	}
	return c
}

// column is one day of a column chart.
type column struct {
	Day          string
	Value        int
	X, Y, W, H   px
	TextX, TextY px
	// ShowText is false when columns are too narrow to carry their number; the
	// tooltip, the summary and the data table below the chart still give it.
	ShowText bool
}

// tick is a labelled day on the x axis.
type tick struct {
	X     px
	Label string
}

// columnChart is one column per day on a shared scale.
type columnChart struct {
	ID       string
	Summary  string
	Colon    string // between a day and its figure, in the reader's language
	Width    int
	Height   int
	BaseY    px
	Columns  []column
	Ticks    []tick
	PlotLeft px
	PlotEnd  px
}

const (
	columnChartWidth  = 720
	columnChartHeight = 220
	columnTop         = 22 // room for the tallest column's number
	columnBottom      = 28 // room for the day labels
	columnSide        = 8
	minTextColumn     = 18
	maxTicks          = 8
)

// newColumnChart lays out one column per day, heights proportional to the
// counts. No days, or only zero days, draw an empty axis.
func newColumnChart(id, summary string, days []service.DayCount) columnChart {
	c := columnChart{ID: id, Summary: summary, Width: columnChartWidth, Height: columnChartHeight,
		BaseY: px(columnChartHeight - columnBottom), PlotLeft: columnSide, PlotEnd: px(columnChartWidth - columnSide)}
	if len(days) == 0 {
		return c
	}
	max := 0
	for _, d := range days {
		if d.Count > max {
			max = d.Count
		}
	}
	plotW := float64(columnChartWidth - 2*columnSide)
	plotH := float64(columnChartHeight - columnTop - columnBottom)
	slot := plotW / float64(len(days))
	gap := math.Min(slot*0.2, 6)
	every := (len(days) + maxTicks - 1) / maxTicks
	for i, d := range days {
		h := barLength(d.Count, max, plotH)
		x := columnSide + float64(i)*slot + gap/2
		c.Columns = append(c.Columns, column{
			Day: d.Day, Value: d.Count,
			X: px(x), W: px(slot - gap), Y: px(float64(c.BaseY) - h), H: px(h),
			TextX: px(x + (slot-gap)/2), TextY: px(float64(c.BaseY) - h - 5),
			ShowText: d.Count > 0 && slot >= minTextColumn,
		})
		if i%every == 0 || i == len(days)-1 && (i%every) >= every/2 {
			label := d.Day
			if len(label) == len(domain.DateLayout) {
				label = label[5:] // MM-DD: the year is in the summary
			}
			c.Ticks = append(c.Ticks, tick{X: px(x + (slot-gap)/2), Label: label})
		}
	}
	return c
}

// maxChartDays bounds the closures chart: columns narrower than a few pixels say
// nothing, so a long campaign shows its most recent days.
const maxChartDays = 90

// fillDays turns the days that had closures into a continuous run of days, zeros
// included, from the first closure to until (or the last closure, if later),
// keeping the last maxDays. Days are campaign-local YYYY-MM-DD.
func fillDays(counts []service.DayCount, until string, maxDays int) []service.DayCount {
	if len(counts) == 0 {
		return nil
	}
	byDay := make(map[string]int, len(counts))
	for _, c := range counts {
		byDay[c.Day] += c.Count
	}
	first, err := time.Parse(domain.DateLayout, counts[0].Day)
	if err != nil {
		return counts
	}
	last, err := time.Parse(domain.DateLayout, counts[len(counts)-1].Day)
	if err != nil {
		return counts
	}
	if u, err := time.Parse(domain.DateLayout, until); err == nil && u.After(last) {
		last = u
	}
	if maxDays > 0 {
		if earliest := last.AddDate(0, 0, -(maxDays - 1)); first.Before(earliest) {
			first = earliest
		}
	}
	var out []service.DayCount
	for d := first; !d.After(last); d = d.AddDate(0, 0, 1) {
		day := d.Format(domain.DateLayout)
		out = append(out, service.DayCount{Day: day, Count: byDay[day]})
	}
	return out
}

// flowDay is one day of the cumulative chart: opinions to be rectified and
// closures up to and including Day.
type flowDay struct {
	Day         string
	Due, Closed int
}

// Open is what was being worked on at the end of the day.
func (d flowDay) Open() int { return d.Due - d.Closed }

// maxFlowDays bounds the cumulative chart: a longer campaign starts it later, its
// earlier days counted into the first.
const maxFlowDays = 400

// cumulative adds the flow up day by day, from the first day an opinion came in to
// today (or the last day anything happened, if later). Only the days where
// something changed are kept in changed, for the data table.
func cumulative(f service.Flow, today string) (days, changed []flowDay) {
	due, closed := map[string]int{}, map[string]int{}
	first, last := today, today
	for _, series := range []struct {
		counts []service.DayCount
		into   map[string]int
	}{{f.Due, due}, {f.Closed, closed}} {
		for _, c := range series.counts {
			series.into[c.Day] += c.Count
			first, last = min(first, c.Day), max(last, c.Day)
		}
	}
	if len(due) == 0 && len(closed) == 0 {
		return nil, nil
	}
	from, err1 := time.Parse(domain.DateLayout, first)
	to, err2 := time.Parse(domain.DateLayout, last)
	if err1 != nil || err2 != nil {
		return nil, nil
	}
	if earliest := to.AddDate(0, 0, -(maxFlowDays - 1)); from.Before(earliest) {
		from = earliest
	}
	// The days before the chart's first are counted into it.
	start := from.Format(domain.DateLayout)
	sum := flowDay{Due: totalBefore(due, start), Closed: totalBefore(closed, start)}
	for d := from; !d.After(to); d = d.AddDate(0, 0, 1) {
		date := d.Format(domain.DateLayout)
		sum.Day = date
		sum.Due += due[date]
		sum.Closed += closed[date]
		days = append(days, sum)
		if due[date] > 0 || closed[date] > 0 {
			changed = append(changed, sum)
		}
	}
	return days, changed
}

// totalBefore adds up the counts of the days before start.
func totalBefore(counts map[string]int, start string) int {
	n := 0
	for date, c := range counts {
		if date < start {
			n += c
		}
	}
	return n
}

// flowLine is one line of the cumulative chart: its points and where its last
// figure is written.
type flowLine struct {
	Points       string
	TextX, TextY px
	Text         string
}

// flowChart draws the cumulative picture: to be rectified and closed, one line
// each, on one scale; the gap between them is what is being worked on.
type flowChart struct {
	ID       string
	Summary  string
	Width    int
	Height   int
	BaseY    px
	PlotLeft px
	PlotEnd  px
	Due      flowLine
	Closed   flowLine
	Ticks    []tick
	Last     flowDay
}

// newFlowChart lays the days out left to right, heights proportional to the last
// day's opinions to be rectified (the largest figure of a cumulative line).
func newFlowChart(v *visit, days []flowDay) flowChart {
	c := flowChart{ID: "chart-flow", Width: columnChartWidth, Height: columnChartHeight,
		BaseY: px(columnChartHeight - columnBottom), PlotLeft: columnSide, PlotEnd: px(columnChartWidth - columnSide)}
	if len(days) == 0 {
		return c
	}
	c.Last = days[len(days)-1]
	c.Summary = v.T("chart.flow_summary", c.Last.Day, c.Last.Due, c.Last.Closed, c.Last.Open())
	top := max(c.Last.Due, c.Last.Closed)
	plotW := float64(columnChartWidth - 2*columnSide)
	plotH := float64(columnChartHeight - columnTop - columnBottom)
	step := plotW
	if len(days) > 1 {
		step = plotW / float64(len(days)-1)
	}
	x := func(i int) float64 { return columnSide + float64(i)*step }
	y := func(n int) float64 { return float64(c.BaseY) - barLength(n, top, plotH) }
	var due, closed strings.Builder
	every := (len(days) + maxTicks - 1) / maxTicks
	for i, d := range days {
		fmt.Fprintf(&due, "%s,%s ", px(x(i)), px(y(d.Due)))
		fmt.Fprintf(&closed, "%s,%s ", px(x(i)), px(y(d.Closed)))
		if i%every == 0 || i == len(days)-1 && (i%every) >= every/2 {
			c.Ticks = append(c.Ticks, tick{X: px(x(i)), Label: d.Day[5:]})
		}
	}
	end := px(x(len(days) - 1))
	if len(days) == 1 {
		// One day is a level line across the chart, so it can be seen and labelled.
		end = c.PlotEnd
		fmt.Fprintf(&due, "%s,%s", end, px(y(c.Last.Due)))
		fmt.Fprintf(&closed, "%s,%s", end, px(y(c.Last.Closed)))
	}
	// The figures sit at the right end: the one to be rectified above its line,
	// the closures below theirs, so they never cover each other.
	c.Due = flowLine{Points: strings.TrimSpace(due.String()), TextX: end, TextY: px(y(c.Last.Due) - 6),
		Text: v.T("chart.flow_due_n", c.Last.Due)}
	c.Closed = flowLine{Points: strings.TrimSpace(closed.String()), TextX: end, TextY: px(min(y(c.Last.Closed)+16, float64(c.BaseY)-4)),
		Text: v.T("chart.flow_closed_n", c.Last.Closed)}
	return c
}
