// Package ledger lays out a campaign's 整改台账: the rectification ledger an office
// files and hands to its leaders, one row per opinion saying who was responsible
// for fixing what, by when, and how it ended.
package ledger

import (
	"fmt"
	"iter"
	"strings"
	"time"

	"rectify/internal/campaign"
	"rectify/internal/domain"
	"rectify/internal/spreadsheet"
)

// Header is the ledger's header row, in the words such ledgers use. Submitters and
// their phones are left out: a ledger travels further than the system. Next to
// where an item stands, it keeps what happened to it, which no later step erases:
// the highest rung it ever reached and when, the extensions approved late, its
// rounds of fix and verification, every follow-up call.
var Header = []string{
	"序号", "意见内容", "来源", "收集时间", "问题类别", "责任单位", "责任人", "分管领导",
	"整改措施", "整改时限", "办理状态", "超期情况", "最高超期等级", "达到最高等级时间",
	"延期次数", "逾期后延期次数", "整改轮次", "一次核查通过", "返工次数", "重新办理次数",
	"办结时间", "办结用时（工作日）", "按期办结", "回访满意度", "回访记录", "核查人", "备注",
}

var (
	states = map[domain.State]string{
		domain.StateReceived: "已收集", domain.StateCategorized: "已分类", domain.StateAssigned: "已交办",
		domain.StateInProgress: "整改中", domain.StateSubmitted: "待核查", domain.StateAwaitingCallback: "待回访",
		domain.StateClosed: "已销号", domain.StateReturned: "已退回", domain.StateRejected: "不予受理",
		domain.StateMerged: "已合并", domain.StateCancelled: "已撤销", domain.StateInProblem: "已归入问题",
	}
	levels = map[domain.OverdueLevel]string{
		domain.LevelNone: "", domain.LevelDueSoon: "临期", domain.LevelOverdue: "逾期",
		domain.LevelSupervised: "督办", domain.LevelAccountability: "问责",
	}
	// channels names the default channels as a ledger writes them; a channel an
	// office added is written as it is named.
	channels = func() map[string]string {
		m := map[string]string{}
		for _, ch := range campaign.KnownChannels() {
			m[string(ch.Code)] = ch.Ledger
		}
		return m
	}()
	satisfactions = map[string]string{
		domain.SatisfactionSatisfied: "满意", domain.SatisfactionBasically: "基本满意",
		domain.SatisfactionDissatisfied: "不满意",
	}
)

// Table lays the opinions out as the ledger's one sheet. name gives a username's
// display name; dates are in the campaign's local time (loc).
func Table(opinions iter.Seq[domain.Opinion], name func(username string) string, loc *time.Location) spreadsheet.Table {
	return spreadsheet.Table{
		Sheet:  "整改台账",
		Header: Header,
		Widths: []float64{10, 48, 8, 12, 16, 14, 12, 12, 40, 12, 10, 8, 12, 18, 8, 12, 8, 12, 8, 10, 12, 14, 8, 10,
			36, 12},
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
func Row(o domain.Opinion, name func(string) string, loc *time.Location) []any {
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
		closed = o.ClosedAt.In(loc).Format(domain.DateLayout)
		onTime = "否"
		if o.OnTime {
			onTime = "是"
		}
	}
	channel := channels[o.Channel]
	if channel == "" {
		channel = o.Channel
	}
	// The highest rung ever: the one recorded, or the rung now if higher (an item
	// recorded before the highest was kept).
	highest, highestAt := o.HighestLevel, ""
	if o.OverdueLevel.Rank() > highest.Rank() {
		highest = o.OverdueLevel
	} else if !o.HighestLevelAt.IsZero() && highest.Rank() > 0 {
		highestAt = o.HighestLevelAt.In(loc).Format("2006-01-02 15:04")
	}
	var workdays any = ""
	if o.State == domain.StateClosed && o.WorkingDaysToClose > 0 {
		workdays = o.WorkingDaysToClose
	}
	return []any{
		o.Key, o.Content, channel, o.CollectedAt, category, o.Department, person(o.Official), person(o.Leader),
		o.Measures, o.Schedule.Deadline, states[o.State], levels[o.OverdueLevel], levels[highest], highestAt,
		o.Extensions, o.LateExtensions, len(o.Rounds), firstPass(o), o.ReworkCount, o.Reopens,
		closed, workdays, onTime, satisfactions[o.Satisfaction], callbacks(o, loc), person(o.VerifiedBy),
		remark(o, person, loc),
	}
}

// firstPass says whether the item passed verification the first time: 是 when a
// verification passed and none ever failed, 否 when one failed, blank before any.
func firstPass(o domain.Opinion) string {
	passed := false
	for _, r := range o.Rounds {
		if r.Passed != nil && !*r.Passed {
			return "否"
		}
		passed = passed || r.Passed != nil
	}
	switch {
	case o.ReworkCount > 0:
		return "否"
	case passed || o.VerifiedBy != "":
		return "是"
	}
	return ""
}

// callbacks lists every follow-up call: its day and answer, and which were not the
// first after their closure (the satisfaction rate counts only those).
func callbacks(o domain.Opinion, loc *time.Location) string {
	var parts []string
	for _, c := range o.Callbacks {
		p := c.At.In(loc).Format(domain.DateLayout) + " " + satisfactions[c.Satisfaction]
		if !c.First {
			p += "（同次办结的再次回访，不计入满意率）"
		}
		parts = append(parts, p)
	}
	return strings.Join(parts, "；")
}

// remark says that an opinion was brought in already under way, that it was fixed
// on the spot (立行立改), why it left the ledger without a fix, which extensions
// were approved late and by whom, and what is pending.
func remark(o domain.Opinion, person func(string) string, loc *time.Location) string {
	var parts []string
	if i := o.Imported; i != nil {
		parts = append(parts, fmt.Sprintf("台账导入：%s 由 %s 从《%s》导入，此前日期取自台账",
			i.At.In(loc).Format(domain.DateLayout), person(i.By), i.File))
	}
	if o.OnTheSpot {
		parts = append(parts, "立行立改：已于 "+o.FixedOn+" 当场整改，由 "+person(o.SubmittedBy)+" 登记")
	}
	if o.LongTerm {
		long := fmt.Sprintf("长期坚持：已报告进展 %d 次", len(o.Reports))
		if n := len(o.Reports); n > 0 {
			last := o.Reports[n-1]
			long += fmt.Sprintf("，最近一次 %s（完成 %d%%）", last.At.In(loc).Format(domain.DateLayout), last.Percent)
		}
		late := 0
		for _, r := range o.Reports {
			if r.Late {
				late++
			}
		}
		if late > 0 {
			long += fmt.Sprintf("，逾期报告 %d 次", late)
		}
		parts = append(parts, long)
	}
	switch o.State {
	case domain.StateRejected, domain.StateCancelled, domain.StateReturned:
		if reason := lastReason(o); reason != "" {
			parts = append(parts, states[o.State]+"："+reason)
		}
	case domain.StateMerged:
		parts = append(parts, "并入 "+o.MergedInto)
	}
	if o.LateExtensions > 0 {
		late := fmt.Sprintf("逾期后批准延期 %d 次", o.LateExtensions)
		var who []string
		for _, e := range lateExtensions(o, loc) {
			who = append(who, fmt.Sprintf("%s 于 %s 批准（原时限 %s，延至 %s）", person(e.Actor),
				e.At.In(loc).Format(domain.DateLayout), e.Detail["previous_deadline"], e.Detail["deadline"]))
		}
		if len(who) > 0 {
			late += "：" + strings.Join(who, "、")
		}
		parts = append(parts, late)
	}
	if o.PendingExtension != nil {
		parts = append(parts, "申请延期至 "+o.PendingExtension.Until+"，待审批")
	}
	return strings.Join(parts, "；")
}

// lateExtensions finds the approvals of late extensions among the timeline's
// extension decisions (store.EachOpinion brings them along): those the workflow
// marked late, or — where it did not say — those made after the day of the
// deadline they replaced had ended, at most the opinion's count of late ones.
func lateExtensions(o domain.Opinion, loc *time.Location) []domain.Event {
	var out []domain.Event
	for _, e := range o.Timeline {
		if e.Action != domain.ActionDecideExtension || e.Detail["approved"] != "true" {
			continue
		}
		late, said := e.Detail["late"]
		if !said {
			previous, err := time.ParseInLocation(domain.DateLayout, e.Detail["previous_deadline"], loc)
			late = fmt.Sprint(err == nil && !e.At.Before(previous.AddDate(0, 0, 1)))
		}
		if late == "true" && len(out) < o.LateExtensions {
			out = append(out, e)
		}
	}
	return out
}

// lastReason is the reason given with the action that led to the opinion's state.
func lastReason(o domain.Opinion) string {
	for i := len(o.Timeline) - 1; i >= 0; i-- {
		if e := o.Timeline[i]; e.To == o.State && e.Reason != "" {
			return e.Reason
		}
	}
	return ""
}
