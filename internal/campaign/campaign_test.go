package campaign

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"rectify/internal/domain"
)

func TestNormalizeFillsDefaults(t *testing.T) {
	c := Campaign{Name: "  党的群众路线教育实践活动 "}
	require.NoError(t, Normalize(&c))
	require.Equal(t, "党的群众路线教育实践活动", c.Name)
	require.Equal(t, DefaultCategories(), c.Policy.Categories)

	def := DefaultPolicy()
	require.Equal(t, def.SignWorkingDays, c.Policy.SignWorkingDays)
	require.Equal(t, def.DueSoonWorkingDays, c.Policy.DueSoonWorkingDays)
	require.Equal(t, def.SupervisionWorkingDays, c.Policy.SupervisionWorkingDays)
	require.Equal(t, def.ReworkWorkingDays, c.Policy.ReworkWorkingDays)
	require.Equal(t, def.MaxExtensions, c.Policy.MaxExtensions)
	require.Equal(t, def.ReopenWindowDays, c.Policy.ReopenWindowDays)
	require.Equal(t, 8*3600, c.Policy.UTCOffsetSeconds)

	names := []string{}
	for _, cat := range c.Policy.Categories {
		names = append(names, cat.Name)
	}
	require.Equal(t, []string{"形式主义", "官僚主义", "享乐主义", "奢靡之风", "群众需要解决的问题", "特殊困难群体", "服务态度和效率", "制度漏洞"}, names)
}

func TestNormalizeDefaultsAreNotShared(t *testing.T) {
	a := Campaign{Name: "a"}
	require.NoError(t, Normalize(&a))
	a.Policy.Categories[0].Name = "changed"
	require.Equal(t, "形式主义", DefaultCategories()[0].Name)
}

func TestNormalizeWorkingDaysFromSpeed(t *testing.T) {
	tests := []struct {
		speed     domain.Speed
		days      int
		wantSpeed domain.Speed
		wantDays  int
	}{
		{domain.SpeedImmediate, 0, domain.SpeedImmediate, ImmediateWorkingDays},
		{domain.SpeedDeadline, 0, domain.SpeedDeadline, DeadlineWorkingDays},
		{domain.SpeedLongTerm, 0, domain.SpeedLongTerm, LongTermWorkingDays},
		{"", 0, domain.SpeedDeadline, DeadlineWorkingDays},
		{domain.SpeedImmediate, 3, domain.SpeedImmediate, 3},
		{domain.SpeedLongTerm, 1000, domain.SpeedLongTerm, 1000},
	}
	for _, tc := range tests {
		t.Run(fmt.Sprintf("%q/%d", tc.speed, tc.days), func(t *testing.T) {
			c := Campaign{Name: "x", Policy: domain.Policy{Categories: []domain.CategoryPolicy{
				{Name: " 道路 ", Speed: tc.speed, WorkingDays: tc.days},
			}}}
			require.NoError(t, Normalize(&c))
			require.Len(t, c.Policy.Categories, 1)
			got := c.Policy.Categories[0]
			require.Equal(t, "道路", got.Name)
			require.Equal(t, tc.wantSpeed, got.Speed)
			require.Equal(t, tc.wantDays, got.WorkingDays)
		})
	}
}

func TestNormalizeKeepsGivenPolicy(t *testing.T) {
	c := Campaign{ID: "qzlx-2026", Name: "x", Policy: domain.Policy{
		Departments:      []string{" 城管科 ", "民政科"},
		SignWorkingDays:  2,
		MaxExtensions:    10,
		ReopenWindowDays: 3650,
		UTCOffsetSeconds: 3600,
	}}
	require.NoError(t, Normalize(&c))
	require.Equal(t, "qzlx-2026", c.ID)
	require.Equal(t, []string{"城管科", "民政科"}, c.Policy.Departments)
	require.Equal(t, 2, c.Policy.SignWorkingDays)
	require.Equal(t, 10, c.Policy.MaxExtensions)
	require.Equal(t, 3650, c.Policy.ReopenWindowDays)
	require.Equal(t, 3600, c.Policy.UTCOffsetSeconds)
}

func TestNormalizeBoundsTheUTCOffsetToFourteenHours(t *testing.T) {
	for _, off := range []int{-50400, -36000, 3600, 50400} {
		c := Campaign{Name: "x", Policy: domain.Policy{UTCOffsetSeconds: off}}
		require.NoError(t, Normalize(&c), "offset %d", off)
		require.Equal(t, off, c.Policy.UTCOffsetSeconds)
	}
	for _, off := range []int{-90000, -50401, 50401, 1 << 40} {
		c := Campaign{Name: "x", Policy: domain.Policy{UTCOffsetSeconds: off}}
		requireFieldError(t, Normalize(&c), "policy.utc_offset_seconds", "within ±14 hours")
	}
}

func TestNormalizeIDs(t *testing.T) {
	for _, id := range []string{"", "a", "0", "qzlx-2026", "a-", strings.Repeat("a", 63)} {
		c := Campaign{ID: id, Name: "x"}
		require.NoError(t, Normalize(&c), "id %q", id)
	}
	for _, id := range []string{"-a", "Qzlx", "qzlx_2026", "qz lx", "群众路线", strings.Repeat("a", 64)} {
		c := Campaign{ID: id, Name: "x"}
		requireFieldError(t, Normalize(&c), "id", "lowercase")
	}
}

func TestNormalizeRejects(t *testing.T) {
	cats := func(cs ...domain.CategoryPolicy) domain.Policy { return domain.Policy{Categories: cs} }
	tests := []struct {
		name     string
		c        Campaign
		field    string
		contains string
	}{
		{"missing name", Campaign{}, "name", "required"},
		{"blank name", Campaign{Name: " \t "}, "name", "required"},
		{"name too long", Campaign{Name: strings.Repeat("活", 201)}, "name", "200"},
		{"bad id", Campaign{ID: "Bad_ID", Name: "x"}, "id", "lowercase"},
		{"empty category name", Campaign{Name: "x", Policy: cats(
			domain.CategoryPolicy{Name: "a"}, domain.CategoryPolicy{Name: "  "})},
			"categories[1].name", "required"},
		{"duplicate category name", Campaign{Name: "x", Policy: cats(
			domain.CategoryPolicy{Name: "a"}, domain.CategoryPolicy{Name: "b"}, domain.CategoryPolicy{Name: " a "})},
			"categories[2].name", `"a" appears twice`},
		{"unknown speed", Campaign{Name: "x", Policy: cats(
			domain.CategoryPolicy{Name: "a", Speed: "fast"})},
			"categories[0].speed", "immediate, deadline or long_term"},
		{"negative working days", Campaign{Name: "x", Policy: cats(
			domain.CategoryPolicy{Name: "a", WorkingDays: -1})},
			"categories[0].working_days", "between 1 and 1000"},
		{"too many working days", Campaign{Name: "x", Policy: cats(
			domain.CategoryPolicy{Name: "a"}, domain.CategoryPolicy{Name: "b", WorkingDays: 1001})},
			"categories[1].working_days", "between 1 and 1000"},
		{"empty department", Campaign{Name: "x", Policy: domain.Policy{Departments: []string{"城管科", " "}}},
			"departments[1]", "empty"},
		{"duplicate department", Campaign{Name: "x", Policy: domain.Policy{Departments: []string{"城管科", "民政科", " 城管科 "}}},
			"departments[2]", `"城管科" appears twice`},
		{"negative max extensions", Campaign{Name: "x", Policy: domain.Policy{MaxExtensions: -1}},
			"policy.max_extensions", "between 0 and 10"},
		{"too many extensions", Campaign{Name: "x", Policy: domain.Policy{MaxExtensions: 11}},
			"policy.max_extensions", "between 0 and 10"},
		{"sign days", Campaign{Name: "x", Policy: domain.Policy{SignWorkingDays: 31}},
			"policy.sign_working_days", "between 0 and 30"},
		{"due soon days", Campaign{Name: "x", Policy: domain.Policy{DueSoonWorkingDays: -2}},
			"policy.due_soon_working_days", "between 0 and 30"},
		{"supervision days", Campaign{Name: "x", Policy: domain.Policy{SupervisionWorkingDays: 61}},
			"policy.supervision_working_days", "between 0 and 60"},
		{"rework days", Campaign{Name: "x", Policy: domain.Policy{ReworkWorkingDays: 251}},
			"policy.rework_working_days", "between 0 and 250"},
		{"reopen window", Campaign{Name: "x", Policy: domain.Policy{ReopenWindowDays: 3651}},
			"policy.reopen_window_days", "between 0 and 3650"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := tc.c
			requireFieldError(t, Normalize(&c), tc.field, tc.contains)
		})
	}
}

func TestSuggest(t *testing.T) {
	p := DefaultPolicy()
	tests := []struct {
		content string
		want    string
	}{
		{"小区门口道路积水，下雨天无法出行", "群众需要解决的问题"},
		{"道路积水", "群众需要解决的问题"},
		{"社区独居老人无人照看", "特殊困难群体"},
		{"会议太多文件太多，基层忙于应付", "形式主义"},
		{"窗口工作人员态度差，排队两个小时", "服务态度和效率"},
		{"公款吃喝之风仍有苗头", "奢靡之风"},
		{"财务制度不健全，采购缺乏监督", "制度漏洞"},
		{"办事推诿扯皮", "官僚主义"},
		{"希望领导多来基层看看", ""},
		{"", ""},
	}
	for _, tc := range tests {
		t.Run(tc.content, func(t *testing.T) {
			require.Equal(t, tc.want, Suggest(p, tc.content))
		})
	}
}

func TestSuggestMostHitsWinsAndIgnoresEmptyKeywords(t *testing.T) {
	p := domain.Policy{Categories: []domain.CategoryPolicy{
		{Name: "one", Keywords: []string{"路灯", ""}},
		{Name: "two", Keywords: []string{"路灯", "积水"}},
		{Name: "none"},
	}}
	require.Equal(t, "two", Suggest(p, "路灯不亮，路面积水"))
	require.Equal(t, "one", Suggest(p, "路灯不亮"), "a tie goes to the first category")
	require.Equal(t, "", Suggest(p, "无关内容"), "an empty keyword matches nothing")
	require.Equal(t, "", Suggest(domain.Policy{}, "路灯不亮"))
}

func requireFieldError(t *testing.T, err error, field, contains string) {
	t.Helper()
	require.Error(t, err)
	var fe *FieldError
	require.True(t, errors.As(err, &fe), "want a *FieldError, got %T: %v", err, err)
	require.Equal(t, field, fe.Field, err.Error())
	require.True(t, strings.HasPrefix(err.Error(), field+" "), "message %q names the field", err.Error())
	require.Contains(t, err.Error(), contains)
}
