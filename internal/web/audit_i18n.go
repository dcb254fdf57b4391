package web

// The access log's texts.
func init() {
	addMessages("zh", map[string]string{
		"nav.audit": "访问记录", "audit.title": "访问记录",
		"audit.hint": "谁在何时、从哪个地址查看或导出了群众的姓名、电话等个人信息（含导入文件中不合格行的原始内容），以及谁解密了 Temporal 中的流程数据。最新的在前。",
		"audit.user": "用户", "audit.action": "类型", "audit.all_actions": "全部类型",
		"audit.action.read_personal_data":   "查看个人信息",
		"audit.action.export_personal_data": "导出个人信息",
		"audit.action.decrypt_payloads":     "解密流程数据",
		"audit.at":                          "时间", "audit.object": "对象", "audit.count": "条数", "audit.request": "请求", "audit.client": "来源地址",
		"audit.empty":  "没有符合条件的记录。",
		"audit.newest": "最新的记录", "audit.older": "更早的记录",
		"audit.retention": "访问记录只增不改，长期保留，系统中没有删除记录的功能。",
	})
	addMessages("en", map[string]string{
		"nav.audit": "Access log", "audit.title": "Access log",
		"audit.hint": "Who saw or exported citizens' names, phone numbers and other personal data (the original cells of an imported file's refused rows among them), when and from which address, and who decrypted Temporal's payloads. Newest first.",
		"audit.user": "User", "audit.action": "Kind", "audit.all_actions": "All kinds",
		"audit.action.read_personal_data":   "Personal data seen",
		"audit.action.export_personal_data": "Personal data exported",
		"audit.action.decrypt_payloads":     "Temporal payloads decrypted",
		"audit.at":                          "When", "audit.object": "About", "audit.count": "Records", "audit.request": "Request", "audit.client": "From",
		"audit.empty":  "No entries match.",
		"audit.newest": "Newest entries", "audit.older": "Older entries",
		"audit.retention": "Entries are only ever added: none is changed, and rectify has no way to remove one.",
	})
}
