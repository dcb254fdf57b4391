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
	"rectify/internal/web/i18n"
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

// lang is the language a ledger is written in: the campaign's, Chinese, the
// language of the 整改台账 it is filed as. Its words are the catalogue's.
const lang = i18n.Chinese

// t is a text of the ledger in its language.
func t(key string, args ...any) string { return i18n.Text(lang, key, args...) }

// state is a state as the ledger words it.
func state(s domain.State) string { return t("state." + string(s)) }

// level is an overdue rung as the ledger words it: none is blank.
func level(l domain.OverdueLevel) string {
	if l == domain.LevelNone || l == "" {
		return ""
	}
	return t("level." + string(l))
}

// satisfaction is a follow-up call's answer as the ledger words it.
func satisfaction(s string) string {
	if s == "" {
		return ""
	}
	return t("sat." + s)
}

var (
	// channels names the default channels as a ledger writes them; a channel an
	// office added is written as it is named.
	channels = func() map[string]string {
		m := map[string]string{}
		for _, ch := range campaign.KnownChannels() {
			m[string(ch.Code)] = ch.Ledger
		}
		return m
	}()
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
		category = t("ledger.suggested", o.SuggestedCategory)
	}
	var closed, onTime string
	if !o.ClosedAt.IsZero() {
		closed = o.ClosedAt.In(loc).Format(domain.DateLayout)
		onTime = t("ledger.no")
		if o.OnTime {
			onTime = t("ledger.yes")
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
		o.Measures, o.Schedule.Deadline, state(o.State), level(o.OverdueLevel), level(highest), highestAt,
		o.Extensions, o.LateExtensions, len(o.Rounds), firstPass(o), o.ReworkCount, o.Reopens,
		closed, workdays, onTime, satisfaction(o.Satisfaction), callbacks(o, loc), person(o.VerifiedBy),
		remark(o, person, loc),
	}
}

// firstPass says whether the item passed verification the first time: 是 when a
// verification passed and none ever failed, 否 when one failed, blank before any.
func firstPass(o domain.Opinion) string {
	passed := false
	for _, r := range o.Rounds {
		if r.Passed != nil && !*r.Passed {
			return t("ledger.no")
		}
		passed = passed || r.Passed != nil
	}
	switch {
	case o.ReworkCount > 0:
		return t("ledger.no")
	case passed || o.VerifiedBy != "":
		return t("ledger.yes")
	}
	return ""
}

// callbacks lists every follow-up call: its day and answer, and which were not the
// first after their closure (the satisfaction rate counts only those).
func callbacks(o domain.Opinion, loc *time.Location) string {
	var parts []string
	for _, c := range o.Callbacks {
		p := c.At.In(loc).Format(domain.DateLayout) + " " + satisfaction(c.Satisfaction)
		if !c.First {
			p += t("ledger.callback_again")
		}
		parts = append(parts, p)
	}
	return strings.Join(parts, t("ledger.separator"))
}

// remark says that an opinion was brought in already under way, that it was fixed
// on the spot (立行立改), why it left the ledger without a fix, which extensions
// were approved late and by whom, and what is pending.
func remark(o domain.Opinion, person func(string) string, loc *time.Location) string {
	var parts []string
	if i := o.Imported; i != nil {
		parts = append(parts, t("ledger.imported", i.At.In(loc).Format(domain.DateLayout), person(i.By), i.File))
	}
	if o.OnTheSpot {
		parts = append(parts, t("ledger.on_the_spot", o.FixedOn, person(o.SubmittedBy)))
	}
	if o.LongTerm {
		long := t("ledger.long_term", len(o.Reports))
		if n := len(o.Reports); n > 0 {
			last := o.Reports[n-1]
			long += t("ledger.long_term_last", last.At.In(loc).Format(domain.DateLayout), last.Percent)
		}
		late := 0
		for _, r := range o.Reports {
			if r.Late {
				late++
			}
		}
		if late > 0 {
			long += t("ledger.long_term_late", late)
		}
		parts = append(parts, long)
	}
	switch o.State {
	case domain.StateRejected, domain.StateCancelled, domain.StateReturned:
		if reason := lastReason(o); reason != "" {
			parts = append(parts, t("ledger.ended", state(o.State), reason))
		}
	case domain.StateMerged:
		parts = append(parts, t("ledger.merged", o.MergedInto))
	}
	if o.LateExtensions > 0 {
		late := t("ledger.late_extensions", o.LateExtensions)
		var who []string
		for _, e := range lateExtensions(o, loc) {
			who = append(who, t("ledger.late_extension", person(e.Actor),
				e.At.In(loc).Format(domain.DateLayout), e.Detail["previous_deadline"], e.Detail["deadline"]))
		}
		if len(who) > 0 {
			late = t("ledger.late_extensions_by", late, strings.Join(who, t("i18n.list_separator")))
		}
		parts = append(parts, late)
	}
	if o.PendingExtension != nil {
		parts = append(parts, t("ledger.pending_extension", o.PendingExtension.Until))
	}
	return strings.Join(parts, t("ledger.separator"))
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
			return i18n.Reason(lang, e.Reason)
		}
	}
	return ""
}
