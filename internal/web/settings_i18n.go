package web

// The texts of a running campaign's settings page, its record of changes, and the
// routing hints (as written, pre-selected) of triage.
func init() {
	addMessages("zh", map[string]string{
		"set.title": "修改活动设置", "set.link": "修改设置",
		"set.hint":     "修改从保存时起生效：已定的整改时限不变，此后的分类、交办、延期和重新整改按新设置办理。类别、部门和渠道不能删除，不再使用的请勾选“停用”：已记录的意见、统计和台账照常显示。改名后旧名称自动保留为别名。每次修改都记录修改人、时间和修改前后的内容。",
		"set.revision": "已修改 %d 次，最近一次：%s %s",

		"set.categories":       "类别及整改时限",
		"set.categories_hint":  "别名是导入台账和提交意见时这个类别的其他写法（如“服务态度”对应“服务态度和效率”），多个别名用顿号或逗号分隔。整改时限留空时按整改方式取默认值：立行立改 %d、限期整改 %d、长期坚持 %d 个工作日。在空行中填写即可新增。",
		"set.departments":      "责任部门",
		"set.departments_hint": "别名如“城市管理科”对应“城管科”：导入和提交时自动识别为该部门。在空行中填写即可新增。",
		"set.departments_any":  "目前未设定部门清单，交办时可填写任意部门；填写部门后，交办只能从清单中选择。",
		"set.channels":         "意见来源渠道",
		"set.channels_hint":    "渠道用于统计，来源不在清单中的意见会被拒绝。可新增渠道（如“民情走访”），或为已有渠道增加别名（如“来访”对应“走访”）。",
		"set.policy":           "时限规则",
		"set.policy_hint":      "修改只影响此后计算的时限，已定的整改时限不变。",

		"set.col.name": "名称", "set.col.aliases": "别名", "set.col.retired": "停用", "set.col.shown": "显示为",
		"set.cat.name": "第 %d 个类别的名称", "set.cat.speed": "第 %d 个类别的整改方式", "set.cat.working_days": "第 %d 个类别的整改时限（工作日）",
		"set.cat.keywords": "第 %d 个类别的建议分类关键词", "set.cat.aliases": "第 %d 个类别的别名", "set.cat.retired": "停用第 %d 个类别",
		"set.dep.name": "第 %d 个部门的名称", "set.dep.aliases": "第 %d 个部门的别名", "set.dep.retired": "停用第 %d 个部门",
		"set.ch.name": "第 %d 个渠道的名称", "set.ch.aliases": "第 %d 个渠道的别名", "set.ch.retired": "停用第 %d 个渠道",
		"set.save": "保存设置", "set.back": "返回活动", "set.saved": "设置已保存。",

		"set.err.name_required": "请填写名称；不再使用的请勾选“停用”。",
		"set.err.between":       "须在 %s 到 %s 之间。",
		"set.err.name_taken":    "“%s”与“%s”重名了。",
		"set.err.alias_taken":   "“%s”已是“%s”的别名。",
		"set.err.is_a_value":    "“%s”已是本活动的一个名称，不能再作别名。",
		"set.err.alias_is_name": "别名“%s”与名称相同。",
		"set.err.keep_one":      "至少要保留一个未停用的。",
		"set.err.too_long":      "不能超过 %s 个字。",
		"set.err.number":        "请填写整数。",
		"code.campaign_changed": "设置刚被他人修改过。下面是现在的设置，请在此基础上重新修改。",
		"code.retired_category": "这个类别已停用，不再接收新的意见，请选择其他类别。", "code.retired_department": "这个部门已停用，不再接收新的交办，请选择其他部门。",
		"code.policy_invalid": "随操作发送的活动规则无效，请刷新后重试。",

		"set.changes": "设置修改记录", "set.changes_empty": "活动创建后设置未修改过。",
		"set.changes_hint": "最近的修改在前，最多列出 %d 项。",
		"set.col.what":     "修改项", "set.col.before": "修改前", "set.col.after": "修改后",
		"set.change.added": "新增%s“%s”", "set.change.part": "%s“%s”的%s",
		"set.kind.categories": "类别", "set.kind.departments": "部门", "set.kind.channels": "渠道",
		"set.part.name": "名称", "set.part.speed": "整改方式", "set.part.working_days": "整改时限（工作日）",
		"set.part.keywords": "关键词", "set.part.aliases": "别名", "set.part.retired": "状态",
		"set.retired": "已停用", "set.in_use": "在用", "set.aliases": "别名：%s",
		"set.channels_list": "渠道",

		"triage.as_written": "文件写的", "triage.preselect": "预选",
		"opinion.written_department": "文件写的部门", "opinion.written_category": "文件写的类别",
	})
	addMessages("en", map[string]string{
		"set.title": "Change campaign settings", "set.link": "Change settings",
		"set.hint":     "Changes apply from the moment they are saved: deadlines already set stay, and categorizing, assigning, extensions and rework from then on follow the new settings. Categories, departments and channels cannot be deleted; retire those no longer used, and the opinions, figures and ledgers that recorded them still show them. A renamed value keeps its old name as an alias. Every change is recorded with who made it, when, and the values before and after.",
		"set.revision": "Changed %d times, last %s by %s",

		"set.categories":       "Categories and their deadlines",
		"set.categories_hint":  "Aliases are other spellings of a category in imported ledgers and submitted opinions (服务态度 for 服务态度和效率); separate them with commas or 、. An empty deadline takes the speed's default: fix at once %d, fix by a deadline %d, long-term %d working days. Fill in an empty row to add one.",
		"set.departments":      "Departments",
		"set.departments_hint": "An alias such as 城市管理科 for 城管科 is read as that department in imports and submissions. Fill in an empty row to add one.",
		"set.departments_any":  "No list of departments yet: any department may be entered when assigning. Once departments are listed, assigning chooses from the list.",
		"set.channels":         "Channels",
		"set.channels_hint":    "Channels feed the figures: opinions from a channel not listed are refused. Add a channel (民情走访), or an alias to one (来访 for visit).",
		"set.policy":           "Deadline policy",
		"set.policy_hint":      "Changes affect deadlines computed from now on; deadlines already set stay.",

		"set.col.name": "Name", "set.col.aliases": "Aliases", "set.col.retired": "Retired", "set.col.shown": "Shown as",
		"set.cat.name": "Name of category %d", "set.cat.speed": "Speed of category %d", "set.cat.working_days": "Deadline of category %d (working days)",
		"set.cat.keywords": "Keywords suggesting category %d", "set.cat.aliases": "Aliases of category %d", "set.cat.retired": "Retire category %d",
		"set.dep.name": "Name of department %d", "set.dep.aliases": "Aliases of department %d", "set.dep.retired": "Retire department %d",
		"set.ch.name": "Name of channel %d", "set.ch.aliases": "Aliases of channel %d", "set.ch.retired": "Retire channel %d",
		"set.save": "Save settings", "set.back": "Back to the campaign", "set.saved": "Settings saved.",

		"set.err.name_required": "Enter a name; to stop using it, tick Retired instead.",
		"set.err.between":       "Must be from %s to %s.",
		"set.err.name_taken":    "“%s” is the same name as “%s”.",
		"set.err.alias_taken":   "“%s” is already an alias of “%s”.",
		"set.err.is_a_value":    "“%s” is already a name in this campaign; it cannot be an alias too.",
		"set.err.alias_is_name": "The alias “%s” is the name itself.",
		"set.err.keep_one":      "Keep at least one that is not retired.",
		"set.err.too_long":      "At most %s characters.",
		"set.err.number":        "Enter a whole number.",
		"code.campaign_changed": "Someone else has just changed the settings. These are the settings now; make your change again on them.",
		"code.retired_category": "That category is retired and takes no new opinions; choose another.", "code.retired_department": "That department is retired and takes no new assignments; choose another.",
		"code.policy_invalid": "The campaign's rules sent with the action are not valid; reload and try again.",

		"set.changes": "Changes to the settings", "set.changes_empty": "The settings have not been changed since the campaign was created.",
		"set.changes_hint": "Most recent first; at most %d are listed.",
		"set.col.what":     "Setting", "set.col.before": "Before", "set.col.after": "After",
		"set.change.added": "%s “%s” added", "set.change.part": "%s “%s”: %s",
		"set.kind.categories": "Category", "set.kind.departments": "Department", "set.kind.channels": "Channel",
		"set.part.name": "name", "set.part.speed": "speed", "set.part.working_days": "deadline (working days)",
		"set.part.keywords": "keywords", "set.part.aliases": "aliases", "set.part.retired": "status",
		"set.retired": "Retired", "set.in_use": "In use", "set.aliases": "also: %s",
		"set.channels_list": "Channels",

		"triage.as_written": "As written", "triage.preselect": "pre-selected",
		"opinion.written_department": "Department as written", "opinion.written_category": "Category as written",
	})
}
