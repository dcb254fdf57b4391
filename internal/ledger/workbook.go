package ledger

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"time"

	"rectify/internal/domain"
	"rectify/internal/spreadsheet"
	"rectify/internal/store"
)

// The 整改台账 as offices hand it up is a workbook of the three lists and their
// summary (三个清单): 问题清单 (the problems: matters several opinions may raise),
// 任务清单 (the tasks each problem is split into, with who leads them and by when),
// 责任清单 (each responsible leader's and official's items and figures) and 汇总
// (the campaign's figures by category, department, speed, target and leader, as
// the dashboard shows them), then 意见明细, the per-opinion record the CSV holds.
// Every sheet opens with the same title rows: what it is, who files it, up to when.

// Sheet names, in the workbook's order.
const (
	SheetProblems         = "问题清单"
	SheetTasks            = "任务清单"
	SheetResponsibilities = "责任清单"
	SheetSummary          = "汇总"
	SheetOpinions         = "意见明细"
)

// Head is what every sheet's title rows say: the campaign, the unit that files the
// ledger (填报单位, the campaign's filing_unit) and the cut-off (截至日期), and
// when the file was made.
type Head struct {
	Campaign, FilingUnit, CutOff string
	MadeAt                       time.Time
	Location                     *time.Location
}

// title is a sheet's title rows.
func (h Head) title(sheet string) []string {
	return []string{
		h.Campaign + " 整改台账 · " + sheet,
		fmt.Sprintf("填报单位：%s　　截至日期：%s　　制表时间：%s", h.FilingUnit, h.CutOff,
			h.MadeAt.In(h.Location).Format("2006-01-02 15:04")),
	}
}

// ProblemRow is one row of 问题清单: a problem (问题) — a matter one or more
// opinions raise — with the opinions it groups (their keys, 编号), how many of its
// tasks there are and are closed, the units leading them, its responsible leader
// (领导包案), the latest deadline of its tasks, its state and, once every task
// is closed, the day it was solved. Until problems are kept of their own, each
// categorized opinion is a problem (OpinionRows).
type ProblemRow struct {
	ID, Title, Category string
	OpinionKeys         []string
	Tasks, TasksClosed  int
	LeadUnits           []string
	Leader              string // display name
	Deadline            string
	State               string // as the ledger writes it: 未交办, 整改中, 已解决…
	ClosedOn            string
}

// TaskRow is one row of 任务清单: a task (任务) of a problem — its lead unit
// (牵头单位) and co-units (配合单位), responsible official and leader (display
// names), measures, speed (立行立改, 限期整改, 长期坚持), deadline, state, overdue
// rung now (超期情况), the day it closed and whether on time (nil until closed).
type TaskRow struct {
	ID, ProblemID, ProblemTitle, Lead string
	CoUnits                           []string
	Official, Leader, Measures        string
	Speed, Deadline, State, Level     string
	ClosedOn                          string
	OnTime                            *bool
}

// ResponsibilityRow is one row of 责任清单: a responsible leader (领导包案) or
// official (责任人), the units they work in, the items they answer for (task ids)
// and their figures, counted as the dashboard counts them.
type ResponsibilityRow struct {
	Role    string // RoleLeader or RoleOfficial
	Person  string // display name
	Units   []string
	Items   []string
	Figures store.Counts
}

// The roles of 责任清单.
const (
	RoleLeader   = "领导包案"
	RoleOfficial = "责任人"
)

// Speeds names the three speeds as a ledger writes them.
var Speeds = map[string]string{
	string(domain.SpeedImmediate): "立行立改", string(domain.SpeedDeadline): "限期整改",
	string(domain.SpeedLongTerm): "长期坚持", "": "未定",
}

// excluded are the states of opinions that leave the ledger without a fix: no
// problem and no task of their own (the completion rate leaves them out too).
func excluded(s domain.State) bool {
	return s == domain.StateRejected || s == domain.StateMerged || s == domain.StateCancelled
}

// OpinionRows are the problem and task an opinion not in a problem stands for:
// one problem (its key as id, its content as title) with one task led by its
// department. An opinion not yet categorized, rejected, merged or cancelled, or
// grouped into a problem (whose rows are ProblemRows), stands for none (ok
// false). speed is its category's speed (store.SpeedOf); an opinion fixed on the
// spot is 立行立改 whatever its category's.
func OpinionRows(o domain.Opinion, speed string, name func(string) string, loc *time.Location) (ProblemRow, TaskRow, bool) {
	if o.Category == "" || excluded(o.State) || o.Problem != "" {
		return ProblemRow{}, TaskRow{}, false
	}
	if o.OnTheSpot {
		speed = string(domain.SpeedImmediate)
	}
	t := taskRow(o, o.Key+"-1", o.Key, title(o.Content), speed, name, loc)
	closedOn := t.ClosedOn
	p := ProblemRow{
		ID: o.Key, Title: t.ProblemTitle, Category: o.Category, OpinionKeys: []string{o.Key}, Tasks: 1,
		Leader: t.Leader, Deadline: t.Deadline, State: problemState(o.State), ClosedOn: closedOn,
	}
	if o.Department != "" {
		p.LeadUnits = []string{o.Department}
	}
	if o.State == domain.StateClosed {
		p.TasksClosed = 1
	}
	return p, t, true
}

// ProblemRows are a problem's row and its tasks' rows. keys names its opinions
// by their keys, in order (an opinion not there is named by its id); speed is a category's
// speed (store.SpeedOf).
func ProblemRows(p domain.Problem, tasks []domain.Opinion, keys map[string]string, speed func(category string) string,
	name func(string) string, loc *time.Location) (ProblemRow, []TaskRow) {
	row := ProblemRow{ID: p.ID, Title: p.Title, Category: p.Category, Tasks: len(tasks), State: "未交办"}
	for _, id := range p.Opinions {
		row.OpinionKeys = append(row.OpinionKeys, cmp.Or(keys[id], id))
	}
	slices.Sort(row.OpinionKeys) // as a ledger lists them, not in the order they joined
	var rows []TaskRow
	for i, t := range tasks {
		r := taskRow(t, t.ID, p.ID, p.Title, speed(t.Category), name, loc)
		r.CoUnits = t.Task.CoUnits
		rows = append(rows, r)
		if t.State == domain.StateClosed {
			row.TasksClosed++
		}
		if !slices.Contains(row.LeadUnits, t.Department) {
			row.LeadUnits = append(row.LeadUnits, t.Department)
		}
		if i == 0 {
			row.Leader = r.Leader
		}
		row.Deadline = max(row.Deadline, r.Deadline)
	}
	switch {
	case p.State == domain.ProblemClosed:
		row.State = "已解决"
		row.ClosedOn = p.ClosedAt.In(loc).Format(domain.DateLayout)
	case len(tasks) > 0:
		row.State = "整改中"
	}
	return row, rows
}

// taskRow is the 任务清单 row of an item carrying a task: an opinion standing for
// its own task, or a problem's task.
func taskRow(o domain.Opinion, id, problemID, problemTitle, speed string, name func(string) string, loc *time.Location) TaskRow {
	person := func(u string) string {
		if u == "" {
			return ""
		}
		return name(u)
	}
	t := TaskRow{
		ID: id, ProblemID: problemID, ProblemTitle: problemTitle, Lead: o.Department,
		Official: person(o.Official), Leader: person(o.Leader), Measures: o.Measures, Speed: Speeds[speed],
		Deadline: o.Schedule.Deadline, State: state(o.State), Level: level(o.OverdueLevel),
	}
	if o.State == domain.StateClosed && !o.ClosedAt.IsZero() {
		t.ClosedOn = o.ClosedAt.In(loc).Format(domain.DateLayout)
		on := o.OnTime
		t.OnTime = &on
	}
	return t
}

// title is a problem's title made of an opinion's content: its first line, at
// most 60 characters.
func title(content string) string {
	line, _, _ := strings.Cut(strings.TrimSpace(content), "\n")
	if r := []rune(line); len(r) > 60 {
		return string(r[:60]) + "…"
	}
	return line
}

// problemState is where a problem of one opinion stands, in the ledger's words.
func problemState(s domain.State) string {
	switch s {
	case domain.StateReceived, domain.StateCategorized, domain.StateReturned:
		return "未交办"
	case domain.StateClosed:
		return "已解决"
	}
	return "整改中"
}

// Workbook lays the ledger out as its sheets, in order: 问题清单, 任务清单, 责任清单,
// 汇总 (the campaign's figures, st, by every slice the dashboard has; leader
// names a responsible leader) and
// 意见明细 (opinions, the one table the CSV holds). Every sheet is set up to print.
func Workbook(h Head, problems []ProblemRow, tasks []TaskRow, people []ResponsibilityRow, st store.Stats,
	leader func(username string) string, opinions spreadsheet.Table) []spreadsheet.Table {
	opinions.Sheet, opinions.Title, opinions.Print = SheetOpinions, h.title(SheetOpinions), true
	return []spreadsheet.Table{
		problemSheet(h, problems), taskSheet(h, tasks), responsibilitySheet(h, people), summarySheet(h, st, leader), opinions,
	}
}

// ProblemHeader and the other headers are the lists' columns.
var (
	ProblemHeader = []string{"问题编号", "问题标题", "问题类别", "涉及意见编号", "意见数", "任务数", "已完成任务",
		"牵头单位", "包案领导", "整改时限", "问题状态", "解决时间"}
	TaskHeader = []string{"任务编号", "问题编号", "问题标题", "牵头单位", "配合单位", "责任人", "包案领导", "整改措施",
		"整改类型", "整改时限", "办理状态", "超期情况", "办结时间", "按期办结"}
	ResponsibilityHeader = []string{"责任类型", "姓名", "所在单位", "事项数", "待交办", "办理中", "已销号", "不计入",
		"逾期", "督办", "问责", "按期办结", "完成率", "按期办结率", "满意率", "事项编号"}
	SummaryHeader = []string{"分组", "名称", "收集意见", "待交办", "办理中", "已销号", "不计入", "逾期", "督办", "问责",
		"按期办结", "已回访", "满意", "完成率", "按期办结率", "满意率", "一次核查通过率", "返工率", "延期率", "立行立改", "长期坚持"}
)

func problemSheet(h Head, rows []ProblemRow) spreadsheet.Table {
	return spreadsheet.Table{
		Sheet: SheetProblems, Title: h.title(SheetProblems), Print: true, Header: ProblemHeader,
		Widths: []float64{12, 40, 16, 24, 8, 8, 10, 20, 16, 12, 10, 12},
		Rows: func(yield func([]any) bool) {
			for _, p := range rows {
				if !yield([]any{p.ID, p.Title, p.Category, strings.Join(p.OpinionKeys, "、"), len(p.OpinionKeys), p.Tasks,
					p.TasksClosed, strings.Join(p.LeadUnits, "、"), p.Leader, p.Deadline, p.State, p.ClosedOn}) {
					return
				}
			}
		},
	}
}

func taskSheet(h Head, rows []TaskRow) spreadsheet.Table {
	return spreadsheet.Table{
		Sheet: SheetTasks, Title: h.title(SheetTasks), Print: true, Header: TaskHeader,
		Widths: []float64{14, 12, 32, 14, 18, 14, 14, 36, 10, 12, 10, 8, 12, 8},
		Rows: func(yield func([]any) bool) {
			for _, t := range rows {
				onTime := ""
				if t.OnTime != nil {
					onTime = map[bool]string{true: "是", false: "否"}[*t.OnTime]
				}
				if !yield([]any{t.ID, t.ProblemID, t.ProblemTitle, t.Lead, strings.Join(t.CoUnits, "、"), t.Official, t.Leader,
					t.Measures, t.Speed, t.Deadline, t.State, t.Level, t.ClosedOn, onTime}) {
					return
				}
			}
		},
	}
}

// maxItemsListed bounds the item ids one cell of 责任清单 lists: the rest are
// counted ("等 N 项"), so a cell stays readable and within Excel's bound.
const maxItemsListed = 200

func responsibilitySheet(h Head, rows []ResponsibilityRow) spreadsheet.Table {
	return spreadsheet.Table{
		Sheet: SheetResponsibilities, Title: h.title(SheetResponsibilities), Print: true, Header: ResponsibilityHeader,
		Widths: []float64{10, 18, 18, 8, 8, 8, 8, 8, 8, 8, 8, 10, 10, 12, 10, 48},
		Rows: func(yield func([]any) bool) {
			for _, r := range rows {
				items := r.Items
				more := ""
				if len(items) > maxItemsListed {
					more = fmt.Sprintf(" 等 %d 项", len(items))
					items = items[:maxItemsListed]
				}
				c := r.Figures
				if !yield([]any{r.Role, r.Person, strings.Join(r.Units, "、"), c.Collected, c.Pending, c.InProgress, c.Closed,
					c.Excluded, c.Overdue, c.Supervised, c.Accountability, c.ClosedOnTime, spreadsheet.Percent(c.CompletionRate),
					spreadsheet.Percent(c.OnTimeRate), spreadsheet.Percent(c.SatisfactionRate), strings.Join(items, "、") + more}) {
					return
				}
			}
		},
	}
}

// SummaryGroups name the slices of 汇总, in its order, as Stats has them.
var SummaryGroups = []string{"合计", "按问题类别", "按责任单位", "按整改类型", "按意见对象", "按包案领导"}

// SummaryRows are 汇总's rows: the campaign, then each slice of st, with their
// group and name; leader gives a responsible leader's display name. Every figure
// is st's own, so the sheet says what the dashboard and /metrics say.
func SummaryRows(st store.Stats, leader func(string) string) [][]any {
	row := func(group, name string, c store.Counts) []any {
		return []any{group, name, c.Collected, c.Pending, c.InProgress, c.Closed, c.Excluded, c.Overdue, c.Supervised,
			c.Accountability, c.ClosedOnTime, c.Callbacks, c.Satisfied, spreadsheet.Percent(c.CompletionRate),
			spreadsheet.Percent(c.OnTimeRate), spreadsheet.Percent(c.SatisfactionRate), spreadsheet.Percent(c.FirstPassRate),
			spreadsheet.Percent(c.ReworkRate), spreadsheet.Percent(c.ExtensionRate), c.OnTheSpot, c.LongTerm}
	}
	out := [][]any{row(SummaryGroups[0], "全部", st.Counts)}
	slice := func(group string, cs []store.Counts, label func(string) string) {
		for _, c := range cs {
			out = append(out, row(group, label(c.Name), c))
		}
	}
	unnamed := func(none string) func(string) string {
		return func(n string) string {
			if n == "" {
				return none
			}
			return n
		}
	}
	slice(SummaryGroups[1], st.ByCategory, unnamed("（未分类）"))
	slice(SummaryGroups[2], st.ByDepartment, unnamed("（未交办）"))
	slice(SummaryGroups[3], st.BySpeed, func(n string) string { return Speeds[n] })
	slice(SummaryGroups[4], st.ByTarget, func(n string) string {
		switch n {
		case "":
			return "（未注明）"
		case store.TargetTeam:
			return "班子"
		case store.TargetIndividual:
			return "个人"
		}
		return "个人：" + n
	})
	slice(SummaryGroups[5], st.ByLeader, func(n string) string {
		if n == "" {
			return "（未指定）"
		}
		return leader(n)
	})
	return out
}

func summarySheet(h Head, st store.Stats, leader func(string) string) spreadsheet.Table {
	return spreadsheet.Table{
		Sheet: SheetSummary, Title: h.title(SheetSummary), Print: true, Header: SummaryHeader,
		Widths: []float64{12, 22, 10, 8, 8, 8, 8, 8, 8, 8, 10, 8, 8, 10, 12, 10, 14, 8, 8, 10},
		Rows:   slices.Values(SummaryRows(st, leader)),
	}
}
