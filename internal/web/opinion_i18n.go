package web

// The texts of an opinion's page that keep its honest record (docs/rules.md): the
// highest rung it ever reached, late extensions, every round of fix and
// verification, every follow-up call, and a date on a day off refused.
func init() {
	addMessages("zh", map[string]string{
		"opinion.highest_level": "曾达到的最高预警", "opinion.late_extensions": "逾期后批准的延期",
		"opinion.late_extensions_n": "%d 次（不计为按时）", "opinion.working_days_to_close": "办结用时",
		"opinion.working_days_n": "%d 个工作日",
		"opinion.rounds":         "整改与核查记录", "opinion.callbacks": "回访记录",
		"round.no": "轮次", "round.submitted": "提交", "round.measures": "整改措施", "round.evidence": "整改佐证",
		"round.late": "逾期提交", "round.verified": "核查", "round.verdict": "结论", "round.reason": "核查意见",
		"round.pending": "待核查", "round.pass": "通过", "round.fail": "不通过",
		"callback.first": "计入满意度", "callback.satisfaction": "满意度", "callback.note": "回访记录",
		"opinion.yes": "是", "opinion.no": "否",
		"opinion.not_workday": "%s 不是工作日（%s）。已填入下一个工作日 %s，确认无误后请再次提交。",
		"weekday.saturday":    "星期六", "weekday.sunday": "星期日",
	})
	addMessages("en", map[string]string{
		"opinion.highest_level": "Highest alert ever reached", "opinion.late_extensions": "Extensions approved after the deadline",
		"opinion.late_extensions_n": "%d (not counted as on time)", "opinion.working_days_to_close": "Time to close",
		"opinion.working_days_n": "%d working days",
		"opinion.rounds":         "Fixes and verification", "opinion.callbacks": "Follow-up calls",
		"round.no": "Round", "round.submitted": "Submitted", "round.measures": "Measures", "round.evidence": "Evidence",
		"round.late": "Late", "round.verified": "Verified", "round.verdict": "Verdict", "round.reason": "Verifier's note",
		"round.pending": "Awaiting verification", "round.pass": "Passed", "round.fail": "Failed",
		"callback.first": "Counts for satisfaction", "callback.satisfaction": "Satisfaction", "callback.note": "Notes",
		"opinion.yes": "Yes", "opinion.no": "No",
		"opinion.not_workday": "%s is not a working day (%s). The next working day, %s, is filled in: check it and submit again.",
		"weekday.saturday":    "a Saturday", "weekday.sunday": "a Sunday",
	})
}
