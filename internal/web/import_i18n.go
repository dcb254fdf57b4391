package web

// The texts of an import's report: what became of each row (started, already there,
// refused for a key conflict), the warnings of rows imported with a routing hint the
// campaign does not know, and how a ledger's rows are told apart.
func init() {
	addMessages("zh", map[string]string{
		"batch.key_conflicts": "编号冲突", "batch.with_warnings": "有提示",
		"batch.settling":                "所有行均已处理，正在等待新建的意见全部出现在意见列表和统计中，随后即告完成。",
		"batch.warnings":                "已导入但有提示的行",
		"batch.warnings_hint":           "这些行已经导入。文件中的涉及单位或类别不是本活动的，已按原文保留，请在分类交办时确认。",
		"batch.first_warnings":          "仅显示前 %d 条，共 %d 条；完整列表请下载。",
		"batch.warn.unknown_department": "涉及单位不是本活动的部门", "batch.warn.unknown_category": "类别不是本活动的类别",
		"batch.present_rows": "此前已导入的行", "batch.serial": "序号", "batch.opinion": "已有的意见",
		"batch.present_hint":  "这些行与已有的意见相同（内容、来源、日期、反映人和电话一致），没有重复新建。",
		"batch.first_present": "仅显示前 %d 行，共 %d 行。",

		"rej.key_conflict":       "编号已属于另一件内容不同的意见",
		"rej.unknown_department": "涉及单位不在本活动的部门中（严格模式）",
		"rej.unknown_category":   "类别不在本活动的类别中（严格模式）",
		"rej.cell_too_long":      "单元格超过 32767 个字符（Excel 的上限）",

		"imp.identity_hint": "序号、行号只表示行的位置，不作为意见的编号：两个文件都从 1 编号，也是不同的意见。" +
			"编号、意见编号、工单号、受理编号等列才是意见的编号；没有这类列时，按意见内容、来源、日期、反映人和电话识别同一件意见，" +
			"所以同一个文件或有重叠的文件再导入一次，不会重复新建。",

		"code.key_conflict": "这个编号已属于另一件内容不同的意见。请为这件意见另编编号，或更正内容后重新提交。",
	})
	addMessages("en", map[string]string{
		"batch.key_conflicts": "Key conflicts", "batch.with_warnings": "With warnings",
		"batch.settling":                "Every row is through; waiting until every opinion it started shows in the lists and figures, then it is done.",
		"batch.warnings":                "Rows imported with warnings",
		"batch.warnings_hint":           "These rows were imported. Their department or category is not one of the campaign's; it is kept as written for triage to confirm.",
		"batch.first_warnings":          "Showing the first %d of %d warnings; download them all.",
		"batch.warn.unknown_department": "Department not one of the campaign's", "batch.warn.unknown_category": "Category not one of the campaign's",
		"batch.present_rows": "Rows already there", "batch.serial": "No.", "batch.opinion": "Existing opinion",
		"batch.present_hint":  "These rows are opinions already there (same content, channel, date, submitter and phone); nothing was started twice.",
		"batch.first_present": "Showing the first %d of %d rows.",

		"rej.key_conflict":       "Key belongs to another opinion",
		"rej.unknown_department": "Not one of the campaign's departments (strict)",
		"rej.unknown_category":   "Not one of the campaign's categories (strict)",
		"rej.cell_too_long":      "A cell longer than 32,767 characters (Excel's limit)",

		"imp.identity_hint": "序号 and other row numbers only say where a row is, never which opinion it is: two files both numbered from 1 hold different opinions. " +
			"Identifier columns (编号, 意见编号, 工单号, 受理编号, key, id) name an opinion; without one, an opinion is known by its content, channel, date, submitter and phone, " +
			"so importing the same or an overlapping file again starts nothing new.",

		"code.key_conflict": "This key already belongs to another opinion that says something else. Give this opinion its own key, or correct it and submit again.",
	})
}
