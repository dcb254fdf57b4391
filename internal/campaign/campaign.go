// Package campaign defines a rectification campaign: its categories with their
// deadline policy, its departments and channels with the other spellings (aliases)
// each is known by, the keyword rules that suggest a category for a new opinion
// before the office confirms it, and the changes an office makes to these settings
// while the campaign runs (settings.go).
package campaign

import (
	"fmt"
	"regexp"
	"strings"
	"time"

	"rectify/internal/domain"
	"rectify/internal/web/i18n"
)

// Campaign is one campaign (活动) and the rules its opinions run by.
type Campaign struct {
	ID        string        `json:"id"`
	Name      string        `json:"name"`
	Policy    domain.Policy `json:"policy"`
	CreatedAt time.Time     `json:"created_at"`
	CreatedBy string        `json:"created_by"`
	// Channels are the ways opinions reach the campaign. None stored means
	// DefaultChannels (every campaign created before channels could be set).
	Channels []Channel `json:"channels,omitempty"`
	// Revision counts the changes made to the settings since the campaign was
	// created; UpdatedAt and UpdatedBy say when and by whom the last was made.
	Revision  int       `json:"revision,omitempty"`
	UpdatedAt time.Time `json:"updated_at,omitzero"`
	UpdatedBy string    `json:"updated_by,omitempty"`
	// FilingUnit is the unit that files the campaign's ledger and reports (填报单位),
	// named in their title rows; empty when not set.
	FilingUnit string `json:"filing_unit,omitempty"`
	// Reports is when progress reports are made on a schedule (reports.go); none
	// when absent.
	Reports *ReportSchedule `json:"reports,omitempty"`
}

// Default working-day counts for the three speeds (docs/domain.md).
const (
	ImmediateWorkingDays = 5
	DeadlineWorkingDays  = 20
	LongTermWorkingDays  = 60
)

// DefaultCategories are the categories of docs/domain.md: the four winds, residents'
// practical problems, special-hardship people, service attitude and efficiency,
// and institutional gaps, each with keywords that suggest it.
func DefaultCategories() []domain.CategoryPolicy {
	return []domain.CategoryPolicy{
		{Name: "形式主义", Speed: domain.SpeedDeadline, WorkingDays: DeadlineWorkingDays,
			Keywords: []string{"会议", "文件", "开会", "检查", "材料", "台账", "表格", "留痕", "文山会海", "走过场"}},
		{Name: "官僚主义", Speed: domain.SpeedDeadline, WorkingDays: DeadlineWorkingDays,
			Keywords: []string{"推诿", "门难进", "脸难看", "事难办", "不作为", "扯皮", "拖延", "踢皮球", "架子"}},
		{Name: "享乐主义", Speed: domain.SpeedDeadline, WorkingDays: DeadlineWorkingDays,
			Keywords: []string{"迟到", "早退", "上班时间", "玩手机", "打牌", "脱岗", "懒散"}},
		{Name: "奢靡之风", Speed: domain.SpeedImmediate, WorkingDays: ImmediateWorkingDays,
			Keywords: []string{"公款", "吃喝", "公车", "宴请", "送礼", "超标", "铺张", "浪费"}},
		{Name: "群众需要解决的问题", Speed: domain.SpeedImmediate, WorkingDays: ImmediateWorkingDays,
			Keywords: []string{"道路", "修路", "路灯", "下水", "积水", "垃圾", "停车", "噪音", "漏水", "自来水", "供暖", "小区", "菜市场"}},
		{Name: "特殊困难群体", Speed: domain.SpeedImmediate, WorkingDays: ImmediateWorkingDays,
			Keywords: []string{"独居", "孤寡", "空巢", "残疾", "低保", "困难户", "留守", "五保", "老人", "救助"}},
		{Name: "服务态度和效率", Speed: domain.SpeedDeadline, WorkingDays: DeadlineWorkingDays,
			Keywords: []string{"态度", "排队", "办事", "窗口", "等待", "效率", "服务中心", "跑腿", "多次"}},
		{Name: "制度漏洞", Speed: domain.SpeedLongTerm, WorkingDays: LongTermWorkingDays,
			Keywords: []string{"制度", "管理", "财务", "采购", "安全", "设备", "规定", "流程", "监督"}},
	}
}

// DefaultPolicy is the deadline policy a campaign gets for what it does not set.
func DefaultPolicy() domain.Policy {
	return domain.Policy{
		Categories:             DefaultCategories(),
		SignWorkingDays:        1,
		DueSoonWorkingDays:     2,
		SupervisionWorkingDays: 3,
		ReworkWorkingDays:      5,
		MaxExtensions:          2,
		CallbackRequired:       true,
		ReopenWindowDays:       30,
		UTCOffsetSeconds:       8 * 3600,
	}
}

// MaxWorkingDays bounds a category's working days to deal with an item.
const MaxWorkingDays = 1000

// MaxUTCOffsetSeconds bounds a campaign's UTC offset either way: 14 hours.
const MaxUTCOffsetSeconds = 14 * 3600

var idPattern = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,62}$`)

// Normalize fills defaults into a campaign an office created and checks it. Errors
// name the field and the rule.
//
// Names are trimmed of spaces and invisible characters at both ends and bounded
// (see the Max constants); a list over its bound is refused at the first value
// beyond it, and every error names the value by its position: categories[3].name.
func Normalize(c *Campaign) error {
	c.Name = trimName(c.Name)
	if err := checkName("name", i18n.Message{}, c.Name, MaxNameRunes); err != nil {
		return err
	}
	if err := checkFilingUnit(&c.FilingUnit); err != nil {
		return err
	}
	if c.Reports != nil {
		if err := checkReports(c.Reports); err != nil {
			return err
		}
	}
	if c.ID != "" && !idPattern.MatchString(c.ID) {
		return fieldError("id", i18n.M("campaign.rule.id"))
	}
	p := &c.Policy
	def := DefaultPolicy()
	if len(p.Categories) == 0 {
		p.Categories = def.Categories
	}
	if len(p.Categories) > MaxCategories {
		return tooMany(kindCategories, MaxCategories)
	}
	seen := map[string]bool{}
	for i := range p.Categories {
		cat := &p.Categories[i]
		cat.Name = trimName(cat.Name)
		where := fmt.Sprintf("categories[%d]", i)
		if err := checkName(where+".name", i18n.Message{}, cat.Name, maxValueRunes); err != nil {
			return err
		}
		cat.Aliases, cat.Keywords = cleanList(cat.Aliases), cleanList(cat.Keywords)
		if err := checkList(where+".aliases", aliasWords, cat.Aliases, MaxAliases); err != nil {
			return err
		}
		if err := checkList(where+".keywords", keywordWords, cat.Keywords, MaxKeywords); err != nil {
			return err
		}
		if seen[cat.Name] {
			return fieldError(where+".name", i18n.M("campaign.rule.twice", cat.Name))
		}
		seen[cat.Name] = true
		if cat.Speed == "" {
			cat.Speed = domain.SpeedDeadline
		}
		switch cat.Speed {
		case domain.SpeedImmediate, domain.SpeedDeadline, domain.SpeedLongTerm:
		default:
			return fieldError(where+".speed", i18n.M("campaign.rule.speed"))
		}
		if cat.WorkingDays == 0 {
			cat.WorkingDays = map[domain.Speed]int{
				domain.SpeedImmediate: ImmediateWorkingDays,
				domain.SpeedDeadline:  DeadlineWorkingDays,
				domain.SpeedLongTerm:  LongTermWorkingDays,
			}[cat.Speed]
		}
		if cat.WorkingDays < 0 || cat.WorkingDays > MaxWorkingDays {
			return fieldError(where+".working_days", i18n.M("campaign.rule.between", 1, MaxWorkingDays))
		}
		if cat.ReportEveryMonths < 0 || cat.ReportEveryMonths > domain.MaxReportEveryMonths {
			return fieldError(where+".report_every_months", i18n.M("campaign.rule.report_every_months", domain.MaxReportEveryMonths))
		}
	}
	if len(p.Departments) > MaxDepartments {
		return tooMany(kindDepartments, MaxDepartments)
	}
	deps := map[string]bool{}
	for i, d := range p.Departments {
		p.Departments[i] = trimName(d)
		if p.Departments[i] == "" {
			return fieldError(fmt.Sprintf("departments[%d]", i), i18n.M("campaign.rule.empty"))
		}
		if err := checkName(fmt.Sprintf("departments[%d]", i), i18n.Message{}, p.Departments[i], maxValueRunes); err != nil {
			return err
		}
		if deps[p.Departments[i]] {
			return fieldError(fmt.Sprintf("departments[%d]", i), i18n.M("campaign.rule.twice", p.Departments[i]))
		}
		deps[p.Departments[i]] = true
	}
	for _, n := range policyNumbers(p) {
		if *n.v == 0 {
			*n.v = n.def
		}
		if *n.v < 0 || *n.v > n.max {
			return fieldError("policy."+n.field, i18n.M("campaign.rule.between", 0, n.max))
		}
	}
	if p.UTCOffsetSeconds == 0 {
		p.UTCOffsetSeconds = def.UTCOffsetSeconds
	}
	// Real time zones lie within ±14 h; beyond, times cannot even be written down.
	if p.UTCOffsetSeconds < -MaxUTCOffsetSeconds || p.UTCOffsetSeconds > MaxUTCOffsetSeconds {
		return fieldError("policy.utc_offset_seconds", i18n.M("campaign.rule.utc_offset", -MaxUTCOffsetSeconds, MaxUTCOffsetSeconds))
	}
	for d, aliases := range p.DepartmentAliases {
		p.DepartmentAliases[d] = cleanList(aliases)
	}
	if len(c.Channels) > MaxChannels {
		return tooMany(kindChannels, MaxChannels)
	}
	for i := range c.Channels {
		ch := &c.Channels[i]
		ch.Name = trimName(ch.Name)
		where := fmt.Sprintf("channels[%d]", i)
		if err := checkName(where+".name", i18n.Message{}, ch.Name, maxValueRunes); err != nil {
			return err
		}
		ch.Aliases = cleanList(ch.Aliases)
		if err := checkList(where+".aliases", aliasWords, ch.Aliases, MaxAliases); err != nil {
			return err
		}
	}
	return Check(c)
}

// policyNumber is one number of the deadline policy: its field, where it is, its
// default and its largest value.
type policyNumber struct {
	field string
	v     *int
	def   int
	max   int
}

// policyNumbers lists p's numbers in the order forms and messages show them.
func policyNumbers(p *domain.Policy) []policyNumber {
	def := DefaultPolicy()
	return []policyNumber{
		{"sign_working_days", &p.SignWorkingDays, def.SignWorkingDays, 30},
		{"due_soon_working_days", &p.DueSoonWorkingDays, def.DueSoonWorkingDays, 30},
		{"supervision_working_days", &p.SupervisionWorkingDays, def.SupervisionWorkingDays, 60},
		{"rework_working_days", &p.ReworkWorkingDays, def.ReworkWorkingDays, 250},
		{"max_extensions", &p.MaxExtensions, def.MaxExtensions, 10},
		{"reopen_window_days", &p.ReopenWindowDays, def.ReopenWindowDays, 3650},
	}
}

// FieldError names the field of a campaign that breaks a rule. The rule is a
// message with its values, read in whichever language its reader has: the
// settings pages put it beside the field's cell, an API answer after the field.
type FieldError struct {
	Field string
	Rule  i18n.Message
}

// Error is the error in English, as logs and Go callers read it.
func (e *FieldError) Error() string { return e.Message().In(i18n.English) }

// Message is the error naming its field, as an API answer words it.
func (e *FieldError) Message() i18n.Message { return i18n.M("campaign.field", e.Field, e.Rule) }

func fieldError(field string, rule i18n.Message) error { return &FieldError{Field: field, Rule: rule} }

// Suggest proposes the category (not retired) whose keywords the content mentions
// most; the office confirms or changes it. Empty when nothing matches.
func Suggest(p domain.Policy, content string) string {
	best, bestHits := "", 0
	for _, c := range p.Categories {
		if c.Retired {
			continue
		}
		hits := 0
		for _, k := range c.Keywords {
			if k != "" && strings.Contains(content, k) {
				hits++
			}
		}
		if hits > bestHits {
			best, bestHits = c.Name, hits
		}
	}
	return best
}
