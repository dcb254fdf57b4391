package campaign

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"rectify/internal/domain"
)

var changedAt = time.Date(2026, 11, 20, 2, 0, 0, 0, time.UTC)

// running is a campaign as created before its office changed anything.
func running(t *testing.T) Campaign {
	t.Helper()
	c := Campaign{ID: "qz", Name: "群众路线教育实践活动", Policy: DefaultPolicy()}
	c.Policy.Departments = []string{"城管科", "民政科", "便民服务中心"}
	require.NoError(t, Normalize(&c))
	return c
}

func ptr[T any](v T) *T { return &v }

func apply(t *testing.T, c *Campaign, p Patch) []Change {
	t.Helper()
	changes, err := p.Apply(c, "office", changedAt)
	require.NoError(t, err)
	return changes
}

func fields(changes []Change) []string {
	out := make([]string, len(changes))
	for i, ch := range changes {
		out[i] = ch.Field
	}
	return out
}

func TestACampaignStoredBeforeSettingsCouldChangeReadsAsBefore(t *testing.T) {
	// A document as stored before channels, aliases and retirement existed.
	doc := `{"id":"old","name":"旧活动","policy":{"categories":[{"name":"形式主义","speed":"deadline","working_days":20}],
		"departments":["城管科","民政科"],"sign_working_days":1,"due_soon_working_days":2,"supervision_working_days":3,
		"rework_working_days":5,"max_extensions":2,"callback_required":true,"reopen_window_days":30,"utc_offset_seconds":28800},
		"created_at":"2026-01-05T00:00:00Z","created_by":"office"}`
	var c Campaign
	require.NoError(t, json.Unmarshal([]byte(doc), &c))
	require.NoError(t, Check(&c))
	require.Equal(t, DefaultChannels(), c.ChannelList(), "the six channels everyone had")
	require.Equal(t, Resolved{Value: "visit", Match: ByAlias}, c.ResolveChannel("走访"))
	require.Equal(t, Resolved{Value: "城管科", Match: ByName}, ResolveDepartment(c.Policy, "城管科"))
	require.Zero(t, c.Revision)

	again, err := json.Marshal(c)
	require.NoError(t, err)
	for _, key := range []string{"channels", "revision", "updated_at", "updated_by", "retired", "aliases", "retired_departments", "department_aliases"} {
		require.NotContains(t, string(again), `"`+key+`"`, "an unchanged campaign is stored as before")
	}
}

func TestResolveDepartment(t *testing.T) {
	c := running(t)
	apply(t, &c, Patch{Departments: []ValueEdit{{Name: "城管科", Aliases: []string{"城市管理科"}}, {Name: "机关党委", Retired: ptr(true)}}})
	tests := []struct {
		written string
		want    Resolved
	}{
		{"城管科", Resolved{Value: "城管科", Match: ByName}},
		{" 城管科 ", Resolved{Value: "城管科", Match: ByName}},
		{"城市管理科", Resolved{Value: "城管科", Match: ByAlias}},
		{"城管", Resolved{Value: "城管科", Match: Close}},          // contained
		{"民证科", Resolved{Value: "民政科", Match: Close}},         // one slip
		{"便民中心", Resolved{Value: "便民服务中心", Match: Close}},     // abbreviation
		{"便民服务中心窗口", Resolved{Value: "便民服务中心", Match: Close}}, // contains it
		{"机关党委", Resolved{Value: "机关党委", Match: ByName, Retired: true}},
		{"外星局", Resolved{}},
		{"科", Resolved{}}, // one character is never close to anything
		{"", Resolved{}},
	}
	for _, tc := range tests {
		t.Run(tc.written, func(t *testing.T) {
			require.Equal(t, tc.want, ResolveDepartment(c.Policy, tc.written))
		})
	}
	require.True(t, ResolveDepartment(c.Policy, "城市管理科").Known())
	require.False(t, ResolveDepartment(c.Policy, "城管").Known(), "a close match is only a suggestion")
	require.False(t, ResolveDepartment(c.Policy, "机关党委").Known(), "a retired department takes no new opinions")
}

func TestResolveWithoutAliasStillSuggestsTheAbbreviation(t *testing.T) {
	c := running(t)
	require.Equal(t, Resolved{Value: "城管科", Match: Close}, ResolveDepartment(c.Policy, "城市管理科"))
	require.Equal(t, Resolved{Value: "服务态度和效率", Match: Close}, ResolveCategory(c.Policy, "服务态度"))
	require.Equal(t, Resolved{Value: "形式主义", Match: ByName}, ResolveCategory(c.Policy, "形式主义"))
	require.Equal(t, Resolved{}, ResolveCategory(c.Policy, "其他"))
}

func TestCloseMatchNeverSuggestsARetiredValue(t *testing.T) {
	c := running(t)
	apply(t, &c, Patch{Departments: []ValueEdit{{Name: "城管科", Retired: ptr(true)}}})
	require.Equal(t, Resolved{}, ResolveDepartment(c.Policy, "城管"))
}

func TestAnyDepartmentWhenTheCampaignListsNone(t *testing.T) {
	c := Campaign{Name: "x"}
	require.NoError(t, Normalize(&c))
	require.Equal(t, Resolved{Value: "财政局", Match: ByName}, ResolveDepartment(c.Policy, " 财政局 "))
	require.Equal(t, Resolved{Value: "财政局", Match: ByName}, ResolveDepartment(c.Policy, "\u200b财政局\ufeff"))
	require.Equal(t, Resolved{}, ResolveDepartment(c.Policy, strings.Repeat("局", MaxValueRunes+1)), "it becomes a label: a name's bounds hold")
	require.Equal(t, Resolved{}, ResolveDepartment(c.Policy, "财政\n局"))
}

func TestResolveChannel(t *testing.T) {
	c := running(t)
	for written, want := range map[string]Resolved{
		"热线": {"hotline", ByAlias, false}, "１２３４５": {"hotline", ByAlias, false}, "入户走访": {"visit", ByAlias, false},
		"ＨＯＴＬＩＮＥ": {"hotline", ByName, false}, "HotLine": {"hotline", ByName, false},
	} {
		require.Equal(t, want, c.ResolveChannel(written), written)
	}
	require.Equal(t, Resolved{}, c.ResolveChannel("民情走访"))
	require.Equal(t, Resolved{}, c.ResolveChannel("走访群众"), "channels are never guessed")

	apply(t, &c, Patch{Channels: []ValueEdit{{Name: "民情走访"}, {Name: "visit", Aliases: []string{"走访", "入户走访", "来访"}}, {Name: "letter", Retired: ptr(true)}}})
	require.Equal(t, Resolved{Value: "民情走访", Match: ByName}, c.ResolveChannel("民情走访"))
	require.Equal(t, Resolved{Value: "visit", Match: ByAlias}, c.ResolveChannel("来访"))
	require.Equal(t, Resolved{Value: "letter", Match: ByAlias, Retired: true}, c.ResolveChannel("来信"))
	require.Len(t, c.Channels, 7, "the defaults, now stored, and the new one")
}

func TestPatchAddsRenamesAndRetiresAndRecordsEachField(t *testing.T) {
	c := running(t)
	changes := apply(t, &c, Patch{
		Name: ptr(" 党的群众路线教育实践活动 "),
		Categories: []CategoryEdit{
			{Name: "窨井盖安全", Speed: domain.SpeedImmediate, Keywords: []string{"井盖", " 窨井 ", ""}},
			{Name: "服务态度和效率", WorkingDays: ptr(10), Aliases: []string{"服务态度"}},
			{Name: "不作为慢作为", RenamedFrom: "官僚主义"},
			{Name: "制度漏洞", Retired: ptr(true)},
		},
		Departments: []ValueEdit{{Name: "城市管理局", RenamedFrom: "城管科", Aliases: []string{"城市管理科"}}, {Name: "住建局"}},
		Policy:      &PolicyEdit{MaxExtensions: ptr(0), CallbackRequired: ptr(false)},
	})
	require.Equal(t, 1, c.Revision)
	require.Equal(t, "office", c.UpdatedBy)
	require.Equal(t, changedAt, c.UpdatedAt)
	require.Equal(t, "党的群众路线教育实践活动", c.Name)

	added, ok := c.Policy.Category("窨井盖安全")
	require.True(t, ok)
	require.Equal(t, domain.CategoryPolicy{Name: "窨井盖安全", Speed: domain.SpeedImmediate, WorkingDays: ImmediateWorkingDays,
		Keywords: []string{"井盖", "窨井"}}, added, "a new category's working days follow its speed")
	service, _ := c.Policy.Category("服务态度和效率")
	require.Equal(t, 10, service.WorkingDays)
	require.Equal(t, domain.SpeedDeadline, service.Speed, "what the edit leaves out stays")
	require.NotEmpty(t, service.Keywords, "keywords left out are kept")
	renamed, ok := c.Policy.Category("不作为慢作为")
	require.True(t, ok)
	require.Equal(t, []string{"官僚主义"}, renamed.Aliases, "the old name becomes an alias")
	_, ok = c.Policy.CategoryOf("官僚主义")
	require.True(t, ok, "opinions that recorded the old name still find their category")
	retired, _ := c.Policy.Category("制度漏洞")
	require.True(t, retired.Retired)

	require.Equal(t, []string{"城市管理局", "民政科", "便民服务中心", "住建局"}, c.Policy.Departments, "renamed in place, added at the end")
	require.Equal(t, []string{"城市管理科", "城管科"}, c.Policy.DepartmentAliases["城市管理局"])
	require.Equal(t, Resolved{Value: "城市管理局", Match: ByAlias}, ResolveDepartment(c.Policy, "城管科"))
	require.Equal(t, 0, c.Policy.MaxExtensions)
	require.False(t, c.Policy.CallbackRequired)

	require.Equal(t, []string{
		"name",
		// In the campaign's order of categories, then departments, channels, policy.
		"categories[官僚主义].name", "categories[不作为慢作为].aliases",
		"categories[服务态度和效率].aliases", "categories[服务态度和效率].working_days",
		"categories[制度漏洞].retired",
		"categories[窨井盖安全]", "categories[窨井盖安全].speed", "categories[窨井盖安全].working_days", "categories[窨井盖安全].keywords",
		"departments[城管科].name", "departments[城市管理局].aliases",
		"departments[住建局]",
		"policy.max_extensions", "policy.callback_required",
	}, fields(changes))
	byField := map[string]Change{}
	for _, ch := range changes {
		require.Equal(t, 1, ch.Revision)
		require.Equal(t, "office", ch.Actor)
		require.Equal(t, changedAt, ch.At)
		byField[ch.Field] = ch
	}
	require.Equal(t, Change{Revision: 1, At: changedAt, Actor: "office", Field: "categories[官僚主义].name", Before: "官僚主义", After: "不作为慢作为"},
		byField["categories[官僚主义].name"])
	require.Equal(t, []any{20, 10}, []any{byField["categories[服务态度和效率].working_days"].Before, byField["categories[服务态度和效率].working_days"].After})
	require.Equal(t, []any{nil, "窨井盖安全"}, []any{byField["categories[窨井盖安全]"].Before, byField["categories[窨井盖安全]"].After})
	require.Equal(t, []any{[]string{}, []string{"城市管理科", "城管科"}}, []any{byField["departments[城市管理局].aliases"].Before, byField["departments[城市管理局].aliases"].After})
	require.Equal(t, []any{2, 0}, []any{byField["policy.max_extensions"].Before, byField["policy.max_extensions"].After})
	require.Equal(t, []any{false, true}, []any{byField["categories[制度漏洞].retired"].Before, byField["categories[制度漏洞].retired"].After})

	// Retired values can be restored; a second change is the next revision.
	again := apply(t, &c, Patch{Categories: []CategoryEdit{{Name: "制度漏洞", Retired: ptr(false)}}})
	require.Equal(t, []string{"categories[制度漏洞].retired"}, fields(again))
	require.Equal(t, 2, again[0].Revision)
	require.Equal(t, 2, c.Revision)
}

func TestPatchThatChangesNothingRecordsNothing(t *testing.T) {
	c := running(t)
	before := c
	changes := apply(t, &c, Patch{
		Name:        ptr(c.Name),
		Categories:  []CategoryEdit{{Name: "形式主义", Speed: domain.SpeedDeadline}},
		Departments: []ValueEdit{{Name: "城管科"}},
		Channels:    []ValueEdit{{Name: "hotline"}},
		Policy:      &PolicyEdit{SignWorkingDays: ptr(c.Policy.SignWorkingDays)},
	})
	require.Empty(t, changes)
	require.Equal(t, before, c, "not even the revision moves, and the default channels stay implied")
}

func TestRenamingBackDropsTheAliasOfTheSameName(t *testing.T) {
	c := running(t)
	apply(t, &c, Patch{Departments: []ValueEdit{{Name: "城市管理局", RenamedFrom: "城管科"}}})
	apply(t, &c, Patch{Departments: []ValueEdit{{Name: "城管科", RenamedFrom: "城市管理局"}}})
	require.Equal(t, []string{"城市管理局"}, c.Policy.DepartmentAliases["城管科"])
	require.Equal(t, "城管科", c.Policy.Departments[0])
}

func TestPatchRejects(t *testing.T) {
	tests := []struct {
		name     string
		patch    Patch
		field    string
		contains string
	}{
		{"blank name", Patch{Name: ptr("  ")}, "name", "required"},
		{"long name", Patch{Name: ptr(strings.Repeat("活", 201))}, "name", "200"},
		{"category without a name", Patch{Categories: []CategoryEdit{{Name: "a"}, {Name: " "}}}, "categories[1].name", "required"},
		{"rename of an unknown category", Patch{Categories: []CategoryEdit{{Name: "a", RenamedFrom: "不存在"}}},
			"categories[0].renamed_from", `"不存在" is not one of this campaign's categories`},
		{"a category changed twice", Patch{Categories: []CategoryEdit{{Name: "形式主义", WorkingDays: ptr(3)}, {Name: "形式主义", Retired: ptr(true)}}},
			"categories[1]", "changed twice"},
		{"unknown speed", Patch{Categories: []CategoryEdit{{Name: "形式主义", Speed: "soon"}}}, "categories[0].speed", "immediate, deadline or long_term"},
		{"no working days", Patch{Categories: []CategoryEdit{{Name: "形式主义", WorkingDays: ptr(0)}}}, "categories[0].working_days", "between 1 and 1000"},
		{"rename onto another category", Patch{Categories: []CategoryEdit{{Name: "官僚主义", RenamedFrom: "形式主义"}}},
			"categories[官僚主义].name", `already the name of "官僚主义"`},
		{"alias that is another category", Patch{Categories: []CategoryEdit{{Name: "形式主义", Aliases: []string{"官僚主义"}}}},
			"categories[形式主义].aliases", `"官僚主义" is already one of this campaign's categories`},
		{"alias taken by another department", Patch{Departments: []ValueEdit{
			{Name: "城管科", Aliases: []string{"城市管理科"}}, {Name: "民政科", Aliases: []string{"城市管理科"}}}},
			"departments[民政科].aliases", `"城市管理科" is already an alias of "城管科"`},
		{"a new department that is an alias", Patch{Departments: []ValueEdit{{Name: "城管科", Aliases: []string{"城市管理科"}}, {Name: "城市管理科"}}},
			"departments[城管科].aliases", `"城市管理科" is already one of this campaign's departments`},
		{"a channel named like a default one's alias", Patch{Channels: []ValueEdit{{Name: "热线"}}},
			"channels[hotline].aliases", `"热线" is already one of this campaign's channels`},
		{"every category retired", Patch{Categories: retireAll(DefaultCategories())}, "categories", "at least one"},
		{"every channel retired", Patch{Channels: []ValueEdit{{Name: "hotline", Retired: ptr(true)}, {Name: "suggestion_box", Retired: ptr(true)},
			{Name: "symposium", Retired: ptr(true)}, {Name: "visit", Retired: ptr(true)}, {Name: "online", Retired: ptr(true)}, {Name: "letter", Retired: ptr(true)}}},
			"channels", "at least one"},
		{"every department retired", Patch{Departments: []ValueEdit{{Name: "城管科", Retired: ptr(true)}, {Name: "民政科", Retired: ptr(true)},
			{Name: "便民服务中心", Retired: ptr(true)}}}, "departments", "at least one"},
		{"long alias", Patch{Departments: []ValueEdit{{Name: "城管科", Aliases: []string{strings.Repeat("城", 101)}}}}, "departments[0].aliases", "alias 1 is longer than 100"},
		{"sign days 0", Patch{Policy: &PolicyEdit{SignWorkingDays: ptr(0)}}, "policy.sign_working_days", "between 1 and 30"},
		{"too many extensions", Patch{Policy: &PolicyEdit{MaxExtensions: ptr(11)}}, "policy.max_extensions", "between 0 and 10"},
		{"reopen window", Patch{Policy: &PolicyEdit{ReopenWindowDays: ptr(3651)}}, "policy.reopen_window_days", "between 1 and 3650"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := running(t)
			before := c
			_, err := tc.patch.Apply(&c, "office", changedAt)
			requireFieldError(t, err, tc.field, tc.contains)
			require.Equal(t, before, c, "a refused change changes nothing")
		})
	}
}

func retireAll(cats []domain.CategoryPolicy) []CategoryEdit {
	out := make([]CategoryEdit, len(cats))
	for i, c := range cats {
		out[i] = CategoryEdit{Name: c.Name, Retired: ptr(true)}
	}
	return out
}

func TestPatchBasedOnAnOlderRevisionIsRefused(t *testing.T) {
	c := running(t)
	apply(t, &c, Patch{Name: ptr("新名称")})
	_, err := Patch{Revision: ptr(0), Name: ptr("另一个名称")}.Apply(&c, "office", changedAt)
	var stale *ErrStale
	require.True(t, errors.As(err, &stale), "%v", err)
	require.Equal(t, 1, stale.Current)
	require.Equal(t, "新名称", c.Name)
	apply(t, &c, Patch{Revision: ptr(1), Name: ptr("另一个名称")})
	require.Equal(t, "另一个名称", c.Name)
}

func TestValueEditReadsANameOrAnObject(t *testing.T) {
	var p Patch
	require.NoError(t, json.Unmarshal([]byte(`{"departments": ["外联办", {"name": "城管科", "aliases": ["城市管理科"], "retired": false}]}`), &p))
	require.Equal(t, []ValueEdit{{Name: "外联办"}, {Name: "城管科", Aliases: []string{"城市管理科"}, Retired: ptr(false)}}, p.Departments)
	err := json.Unmarshal([]byte(`{"departments": [{"name": "城管科", "alias": ["城市管理科"]}]}`), &p)
	require.ErrorContains(t, err, `unknown field "alias"`)
}

func TestCreateChecksAliasesAndChannels(t *testing.T) {
	c := Campaign{Name: "x", Channels: []Channel{{Name: " 民情走访 ", Aliases: []string{" 走访 ", ""}}, {Name: "来信"}}}
	require.NoError(t, Normalize(&c))
	require.Equal(t, []Channel{{Name: "民情走访", Aliases: []string{"走访"}}, {Name: "来信"}}, c.Channels)

	bad := Campaign{Name: "x", Policy: domain.Policy{Categories: []domain.CategoryPolicy{
		{Name: "服务态度和效率", Aliases: []string{"服务态度"}}, {Name: "服务态度"}}}}
	requireFieldError(t, Normalize(&bad), "categories[服务态度和效率].aliases", `"服务态度" is already one of this campaign's categories`)
	noName := Campaign{Name: "x", Channels: []Channel{{Name: " "}}}
	requireFieldError(t, Normalize(&noName), "channels[0].name", "required")
}

func TestSuggestSkipsRetiredCategories(t *testing.T) {
	c := running(t)
	apply(t, &c, Patch{Categories: []CategoryEdit{{Name: "群众需要解决的问题", Retired: ptr(true)}}})
	require.Equal(t, "", Suggest(c.Policy, "道路积水"))
}
