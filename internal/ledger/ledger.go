// Package ledger lays out a campaign's 整改台账: the rectification ledger an office
// files and hands to its leaders, one row per opinion saying who was responsible
// for fixing what, by when, and how it ended.
package ledger

import (
	"iter"
	"strings"
	"time"

	"rectify/internal/spreadsheet"
	"rectify/workflows"
)

// Header is the ledger's header row, in the words such ledgers use. Submitters and
// their phones are left out: a ledger travels further than the system.
var Header = []string{
	"序号", "意见内容", "来源", "收集时间", "问题类别", "责任单位", "责任人", "分管领导",
	"整改措施", "整改时限", "办理状态", "超期情况", "延期次数", "返工次数", "重新办理次数",
	"办结时间", "按期办结", "回访满意度", "核查人", "备注",
}

var (
	states = map[workflows.State]string{
		workflows.StateReceived: "已收集", workflows.StateCategorized: "已分类", workflows.StateAssigned: "已交办",
		workflows.StateInProgress: "整改中", workflows.StateSubmitted: "待核查", workflows.StateAwaitingCallback: "待回访",
		workflows.StateClosed: "已销号", workflows.StateReturned: "已退回", workflows.StateRejected: "不予受理",
		workflows.StateMerged: "已合并", workflows.StateCancelled: "已撤销",
	}
	levels = map[workflows.OverdueLevel]string{
		workflows.LevelNone: "", workflows.LevelDueSoon: "临期", workflows.LevelOverdue: "逾期",
		workflows.LevelSupervised: "督办", workflows.LevelAccountability: "问责",
	}
	channels = map[string]string{
		"hotline": "热线", "suggestion_box": "意见箱", "symposium": "座谈会", "visit": "走访",
		"online": "网络平台", "letter": "来信",
	}
	satisfactions = map[string]string{
		workflows.SatisfactionSatisfied: "满意", workflows.SatisfactionBasically: "基本满意",
		workflows.SatisfactionDissatisfied: "不满意",
	}
)

// Table lays the opinions out as the ledger's one sheet. name gives a username's
// display name; dates are in the campaign's local time (loc).
func Table(opinions iter.Seq[workflows.Opinion], name func(username string) string, loc *time.Location) spreadsheet.Table {
	return spreadsheet.Table{
		Sheet:        "整改台账",
		Header:       Header,
		Widths:       []float64{10, 48, 8, 12, 16, 14, 12, 12, 40, 12, 10, 8, 8, 8, 10, 12, 8, 10, 12},
		DefaultWidth: 40,
		Rows: func(yield func([]any) bool) {
			for o := range opinions {
				if !yield(Row(o, name, loc)) {
					return
				}
			}
		},
	}
}

// Row is one opinion's row of the ledger.
func Row(o workflows.Opinion, name func(string) string, loc *time.Location) []any {
	person := func(username string) string {
		if username == "" {
			return ""
		}
		return name(username)
	}
	category := o.Category
	if category == "" && o.SuggestedCategory != "" {
		category = o.SuggestedCategory + "（建议）"
	}
	var closed, onTime string
	if !o.ClosedAt.IsZero() {
		closed = o.ClosedAt.In(loc).Format(workflows.DateLayout)
		onTime = "否"
		if o.OnTime {
			onTime = "是"
		}
	}
	channel := channels[o.Channel]
	if channel == "" {
		channel = o.Channel
	}
	return []any{
		o.Key, o.Content, channel, o.CollectedAt, category, o.Department, person(o.Official), person(o.Leader),
		o.Measures, o.Schedule.Deadline, states[o.State], levels[o.OverdueLevel], o.Extensions, o.ReworkCount, o.Reopens,
		closed, onTime, satisfactions[o.Satisfaction], person(o.VerifiedBy), remark(o),
	}
}

// remark says why an opinion left the ledger without a fix, and what is pending.
func remark(o workflows.Opinion) string {
	var parts []string
	switch o.State {
	case workflows.StateRejected, workflows.StateCancelled, workflows.StateReturned:
		if reason := lastReason(o); reason != "" {
			parts = append(parts, states[o.State]+"："+reason)
		}
	case workflows.StateMerged:
		parts = append(parts, "并入 "+o.MergedInto)
	}
	if o.PendingExtension != nil {
		parts = append(parts, "申请延期至 "+o.PendingExtension.Until+"，待审批")
	}
	return strings.Join(parts, "；")
}

// lastReason is the reason given with the action that led to the opinion's state.
func lastReason(o workflows.Opinion) string {
	for i := len(o.Timeline) - 1; i >= 0; i-- {
		if e := o.Timeline[i]; e.To == o.State && e.Reason != "" {
			return e.Reason
		}
	}
	return ""
}
