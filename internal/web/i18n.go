package web

import (
	"fmt"
	"html/template"
	"strings"
	"time"

	"rectify/workflows"
)

// messages holds every text the pages show, in Chinese and English. A key missing in
// English falls back to Chinese, then to the key itself, so a gap is visible but never
// breaks a page.
var messages = map[string]map[string]string{
	"zh": {
		"app.name": "整改通", "app.tagline": "群众意见整改全流程管理",
		"nav.tasks": "我的任务", "nav.verify": "待核查", "nav.triage": "分类交办", "nav.decisions": "待审批",
		"nav.import": "导入意见", "nav.campaigns": "活动设置", "nav.dashboard": "进度看板", "nav.public": "整改公示",
		"ledger.download": "下载整改台账",
		"nav.logout":      "退出", "nav.lang": "English",
		"nav.logout_all": "退出所有设备", "nav.logout_all_hint": "结束您在所有浏览器和设备上的登录",
		"login.title": "登录", "login.username": "用户名", "login.password": "密码", "login.submit": "登录",
		"role.office": "活动办公室", "role.official": "责任人", "role.verifier": "核查人", "role.leader": "领导",
		"state.received": "已收集", "state.categorized": "已分类", "state.assigned": "已交办", "state.in_progress": "整改中",
		"state.submitted": "待核查", "state.awaiting_callback": "待回访", "state.closed": "已销号", "state.returned": "已退回",
		"state.rejected": "不予受理", "state.merged": "已合并", "state.cancelled": "已撤销",
		"level.none": "正常", "level.due_soon": "临期", "level.overdue": "逾期", "level.supervised": "督办", "level.accountability": "问责",
		"action.categorize": "确认分类", "action.merge": "合并", "action.reject": "不予受理", "action.assign": "交办",
		"action.sign": "签收", "action.return": "退回", "action.request-extension": "申请延期", "action.decide-extension": "审批延期",
		"action.submit": "提交整改结果", "action.verify": "核查", "action.callback": "回访", "action.reopen": "重新整改",
		"action.cancel": "撤销", "action.receive": "收集", "action.merged-in": "并入", "action.sign-overdue": "超时未签收",
		"action.escalate": "升级", "action.archive": "归档",
		"channel.hotline": "热线", "channel.suggestion_box": "意见箱", "channel.symposium": "座谈会",
		"channel.visit": "走访", "channel.online": "网络平台", "channel.letter": "来信",
		"field.category": "类别", "field.into": "合并到", "field.into_key": "或填写要合并到的意见编号", "field.reason": "理由", "field.department": "责任部门",
		"field.official": "责任人", "field.leader": "责任领导", "field.measures": "整改措施", "field.deadline": "整改时限",
		"field.until": "延期至", "field.approve": "审批结果", "field.evidence": "整改佐证", "field.pass": "核查结论",
		"field.satisfaction": "满意度", "field.note": "回访记录",
		"opt.approve": "同意", "opt.deny": "不同意", "opt.pass": "通过", "opt.fail": "不通过",
		"sat.satisfied": "满意", "sat.basically": "基本满意", "sat.dissatisfied": "不满意",
		"col.content": "意见内容", "col.state": "状态", "col.level": "预警", "col.deadline": "时限", "col.left": "剩余工作日",
		"col.category": "类别", "col.department": "责任部门", "col.official": "责任人", "col.channel": "来源",
		"col.collected": "收集日期", "col.submitter": "反映人", "col.when": "时间", "col.who": "操作人", "col.what": "操作", "col.why": "说明",
		"opinion.timeline": "办理记录", "opinion.actions": "可办理事项", "opinion.none": "当前无可办理事项",
		"opinion.suggested": "系统建议类别", "opinion.workflow": "在 Temporal 中查看流程", "opinion.pending_extension": "延期申请待审批",
		"opinion.sign_by": "签收期限", "opinion.explain": "时限计算",
		"punct.colon": "：", "punct.open": "（", "punct.close": "）", "punct.list": "、",
		"opinion.key": "编号", "opinion.id": "意见 ID", "opinion.merged_into": "已合并到", "opinion.suggested_option": "%s（系统建议）",
		"merge.into_hint":     "本活动中可以并入的意见，同类别的在前，最多列出 50 件。",
		"merge.into_key_hint": "不在列表中时，填写台账中的编号或意见页面上的意见 ID。",
		"merge.candidate":     "%s · %s（%s）", "merge.same_category": "同类别（%s）", "merge.others": "本活动的其他意见",
		"merge.key_unknown": "本活动中没有编号或意见 ID 为“%s”的意见。",
		"merge.both":        "列表中选择的意见与填写的编号“%s”不是同一件，请只用一种方式指定。",
		"tasks.title":       "我的任务", "tasks.empty": "暂无待办任务", "verify.title": "待核查", "verify.empty": "暂无待核查事项",
		"days.left": "%d 个工作日", "days.over": "超期 %d 个工作日",
		"list.showing": "第 %d–%d 条，共 %d 条", "list.pages": "翻页", "list.prev": "上一页", "list.next": "下一页", "list.page": "第 %d 页",
		"err.title": "出错了", "err.not_found": "页面不存在。", "err.signed_out": "登录已失效，请重新登录。",
		"err.csrf": "表单已过期或来源不明，请刷新页面后重试。", "err.bad_form": "表单内容无法识别。",
		"err.too_large": "提交的内容过大，无法接收。请删减填写的内容后重试。",
		"err.bad_login": "用户名或密码错误。", "err.too_many_attempts": "登录失败次数过多，请 %s后再试。",
		"wait.minutes": "%d 分钟", "wait.seconds": "%d 秒",
		"err.internal": "服务器出错，已记录日志。", "err.forbidden": "您没有权限访问此页面。",
		"err.timeout": "后台处理超时，操作可能仍会完成，请稍后刷新查看。", "err.back": "返回首页",
	},
	"en": {
		"app.name": "rectify", "app.tagline": "Rectification of public opinions, end to end",
		"nav.tasks": "My tasks", "nav.verify": "To verify", "nav.triage": "Triage", "nav.decisions": "Decisions",
		"nav.import": "Import", "nav.campaigns": "Campaigns", "nav.dashboard": "Dashboard", "nav.public": "Public results",
		"ledger.download": "Download the rectification ledger:",
		"nav.logout":      "Sign out", "nav.lang": "中文",
		"nav.logout_all": "Sign out everywhere", "nav.logout_all_hint": "End your sessions in every browser and on every device",
		"login.title": "Sign in", "login.username": "Username", "login.password": "Password", "login.submit": "Sign in",
		"role.office": "Campaign office", "role.official": "Responsible official", "role.verifier": "Verifier", "role.leader": "Leader",
		"state.received": "Received", "state.categorized": "Categorized", "state.assigned": "Assigned", "state.in_progress": "In progress",
		"state.submitted": "Submitted", "state.awaiting_callback": "Awaiting follow-up", "state.closed": "Closed", "state.returned": "Returned",
		"state.rejected": "Rejected", "state.merged": "Merged", "state.cancelled": "Cancelled",
		"level.none": "On track", "level.due_soon": "Due soon", "level.overdue": "Overdue", "level.supervised": "Supervised", "level.accountability": "Accountability",
		"action.categorize": "Confirm category", "action.merge": "Merge", "action.reject": "Reject", "action.assign": "Assign",
		"action.sign": "Sign for it", "action.return": "Return", "action.request-extension": "Ask for an extension", "action.decide-extension": "Decide extension",
		"action.submit": "Submit the fix", "action.verify": "Verify", "action.callback": "Record follow-up", "action.reopen": "Reopen",
		"action.cancel": "Cancel", "action.receive": "Received", "action.merged-in": "Merged in", "action.sign-overdue": "Not signed in time",
		"action.escalate": "Escalated", "action.archive": "Archived",
		"channel.hotline": "Hotline", "channel.suggestion_box": "Suggestion box", "channel.symposium": "Symposium",
		"channel.visit": "Visit", "channel.online": "Online", "channel.letter": "Letter",
		"field.category": "Category", "field.into": "Merge into", "field.into_key": "Or type the key of the opinion to merge into", "field.reason": "Reason", "field.department": "Department",
		"field.official": "Responsible official", "field.leader": "Responsible leader", "field.measures": "Measures", "field.deadline": "Deadline",
		"field.until": "Extend until", "field.approve": "Decision", "field.evidence": "Evidence", "field.pass": "Verdict",
		"field.satisfaction": "Satisfaction", "field.note": "Follow-up notes",
		"opt.approve": "Approve", "opt.deny": "Deny", "opt.pass": "Pass", "opt.fail": "Fail",
		"sat.satisfied": "Satisfied", "sat.basically": "Basically satisfied", "sat.dissatisfied": "Dissatisfied",
		"col.content": "Opinion", "col.state": "State", "col.level": "Alert", "col.deadline": "Deadline", "col.left": "Working days left",
		"col.category": "Category", "col.department": "Department", "col.official": "Official", "col.channel": "Channel",
		"col.collected": "Collected", "col.submitter": "Submitted by", "col.when": "When", "col.who": "Who", "col.what": "What", "col.why": "Why",
		"opinion.timeline": "Timeline", "opinion.actions": "What you can do", "opinion.none": "Nothing for you to do here now",
		"opinion.suggested": "Suggested category", "opinion.workflow": "Open the workflow in Temporal", "opinion.pending_extension": "Extension request awaiting a decision",
		"opinion.sign_by": "Sign for it by", "opinion.explain": "How the deadline was counted",
		"punct.colon": ": ", "punct.open": " (", "punct.close": ")", "punct.list": ", ",
		// Only English needs these: Chinese shows the text the workflow recorded.
		"explain.fixed":      "deadline set by hand, %s (%d working days from %s)",
		"explain.fixed_late": "deadline set by hand, %s (already %d working days late on %s)",
		"opinion.key":        "Key", "opinion.id": "Opinion id", "opinion.merged_into": "Merged into", "opinion.suggested_option": "%s (suggested)",
		"merge.into_hint":     "Opinions of this campaign that can take this one, those of the same category first; at most 50 are listed.",
		"merge.into_key_hint": "If it is not listed, type its key from the ledger or the opinion id its page shows.",
		"merge.candidate":     "%s · %s (%s)", "merge.same_category": "Same category (%s)", "merge.others": "Other opinions of this campaign",
		"merge.key_unknown": "This campaign has no opinion with the key or id “%s”.",
		"merge.both":        "The opinion chosen in the list is not the one with the key “%s”; name it one way only.",
		"tasks.title":       "My tasks", "tasks.empty": "Nothing to do", "verify.title": "To verify", "verify.empty": "Nothing waiting for verification",
		"days.left": "%d working days", "days.over": "%d working days late",
		"list.showing": "%d–%d of %d", "list.pages": "Pages", "list.prev": "Previous page", "list.next": "Next page", "list.page": "Page %d",
		"err.title": "Something went wrong", "err.not_found": "There is no such page.", "err.signed_out": "Your session has ended; please sign in again.",
		"err.csrf": "The form has expired or did not come from this site; reload the page and try again.", "err.bad_form": "The form could not be read.",
		"err.too_large": "The form is too large to accept; shorten what you wrote and try again.",
		"err.bad_login": "Wrong username or password.", "err.too_many_attempts": "Too many failed sign-ins; try again in %s.",
		"wait.minute": "1 minute", "wait.minutes": "%d minutes", "wait.second": "1 second", "wait.seconds": "%d seconds",
		"err.internal": "Something went wrong on the server; it has been logged.", "err.forbidden": "You may not open this page.",
		"err.timeout": "The server took too long; the action may still happen — reload in a moment.", "err.back": "Back to the start page",
	},
}

// lookup finds a message, English falling back to Chinese.
func lookup(lang, key string) (string, bool) {
	if m, ok := messages[lang][key]; ok {
		return m, true
	}
	m, ok := messages["zh"][key]
	return m, ok
}

// translate is lookup with the key itself as the last resort, formatted with args.
func translate(lang, key string, args ...any) string {
	m, ok := lookup(lang, key)
	if !ok {
		m = key
	}
	if len(args) > 0 {
		return fmt.Sprintf(m, args...)
	}
	return m
}

var funcs = template.FuncMap{
	"t": func(v *visit, key string, args ...any) string { return v.T(key, args...) },
	// state, level, act and role take any: timelines carry them as plain strings.
	"state": func(v *visit, s any) string { return v.T("state." + fmt.Sprint(s)) },
	"level": func(v *visit, l any) string { return v.T("level." + fmt.Sprint(l)) },
	"act":   func(v *visit, a any) string { return v.T("action." + fmt.Sprint(a)) },
	"role":  func(v *visit, r any) string { return v.T("role." + fmt.Sprint(r)) },
	"has":   func(v *visit, r string) bool { return v.User.Has(workflows.Role(r)) },
	"when": func(t time.Time) string {
		if t.IsZero() {
			return ""
		}
		return t.In(time.FixedZone("CST", 8*3600)).Format("2006-01-02 15:04")
	},
	"daysLeft": func(v *visit, n *int) string {
		switch {
		case n == nil:
			return ""
		case *n < 0:
			return v.T("days.over", -*n)
		}
		return v.T("days.left", *n)
	},
	"short": short,
	"lower": strings.ToLower,
}

// short cuts s to n characters, marking the cut.
func short(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n]) + "…"
}

// addMessages merges a page group's texts into the catalog (each group keeps its
// texts beside its handlers).
func addMessages(lang string, m map[string]string) {
	for k, v := range m {
		messages[lang][k] = v
	}
}
