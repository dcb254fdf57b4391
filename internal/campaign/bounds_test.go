package campaign

import (
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"rectify/internal/domain"
)

// names are n distinct names: 值1, 值2, …
func names(n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("值%d", i+1)
	}
	return out
}

func categories(n int) []domain.CategoryPolicy {
	out := make([]domain.CategoryPolicy, n)
	for i, name := range names(n) {
		out[i] = domain.CategoryPolicy{Name: name}
	}
	return out
}

func channels(n int) []Channel {
	out := make([]Channel, n)
	for i, name := range names(n) {
		out[i] = Channel{Name: name}
	}
	return out
}

// huge is a name far over every bound: an error must never quote it.
var huge = strings.Repeat("名", 1<<16)

func TestACampaignsValuesAndNamesAreBoundedAtCreation(t *testing.T) {
	withCategory := func(c domain.CategoryPolicy) domain.Policy {
		return domain.Policy{Categories: []domain.CategoryPolicy{{Name: "形式主义"}, c}}
	}
	tests := []struct {
		name     string
		c        Campaign
		field    string
		contains string
	}{
		{"201 categories", Campaign{Name: "x", Policy: domain.Policy{Categories: categories(201)}},
			"categories[200]", "at most 200 categories"},
		{"501 departments", Campaign{Name: "x", Policy: domain.Policy{Departments: names(501)}},
			"departments[500]", "at most 500 departments"},
		{"51 channels", Campaign{Name: "x", Channels: channels(51)}, "channels[50]", "at most 50 channels"},
		{"a huge campaign name", Campaign{Name: huge}, "name", "longer than 200 characters"},
		{"a campaign name with a NUL", Campaign{Name: "主题\u0000教育"}, "name", "control character"},
		{"a huge category name", Campaign{Name: "x", Policy: withCategory(domain.CategoryPolicy{Name: huge})},
			"categories[1].name", "longer than 100 characters"},
		{"a category name with a line break", Campaign{Name: "x", Policy: withCategory(domain.CategoryPolicy{Name: "服务\n态度"})},
			"categories[1].name", "control character"},
		{"a category name of zero-width spaces", Campaign{Name: "x", Policy: withCategory(domain.CategoryPolicy{Name: "\u200b\u200b"})},
			"categories[1].name", "required"},
		{"51 aliases of a category", Campaign{Name: "x", Policy: withCategory(domain.CategoryPolicy{Name: "服务态度", Aliases: names(51)})},
			"categories[1].aliases", "has 51 aliases; at most 50"},
		{"an alias with a tab", Campaign{Name: "x", Policy: withCategory(domain.CategoryPolicy{Name: "服务态度", Aliases: []string{"态度", "服\t务"}})},
			"categories[1].aliases", "alias 2 has a control character"},
		{"101 keywords", Campaign{Name: "x", Policy: withCategory(domain.CategoryPolicy{Name: "服务态度", Keywords: names(101)})},
			"categories[1].keywords", "has 101 keywords; at most 100"},
		{"a huge keyword", Campaign{Name: "x", Policy: withCategory(domain.CategoryPolicy{Name: "服务态度", Keywords: []string{"排队", huge}})},
			"categories[1].keywords", "keyword 2 is longer than 100 characters"},
		{"a huge department", Campaign{Name: "x", Policy: domain.Policy{Departments: []string{"城管科", huge}}},
			"departments[1]", "longer than 100 characters"},
		{"a department with a NUL", Campaign{Name: "x", Policy: domain.Policy{Departments: []string{"城管科", "民\u0000政科"}}},
			"departments[1]", "control character"},
		{"51 aliases of a department", Campaign{Name: "x", Policy: domain.Policy{Departments: []string{"城管科"},
			DepartmentAliases: map[string][]string{"城管科": names(51)}}}, "departments[城管科].aliases", "has 51 aliases; at most 50"},
		{"a department alias with a line break", Campaign{Name: "x", Policy: domain.Policy{Departments: []string{"城管科"},
			DepartmentAliases: map[string][]string{"城管科": {"城市\n管理科"}}}}, "departments[城管科].aliases", "alias 1 has a control character"},
		{"more retired departments than departments", Campaign{Name: "x", Policy: domain.Policy{Departments: []string{"城管科"},
			RetiredDepartments: []string{"城管科", "城管科"}}}, "policy.retired_departments", "more departments than"},
		{"a huge channel", Campaign{Name: "x", Channels: []Channel{{Name: "热线"}, {Name: huge}}}, "channels[1].name", "longer than 100 characters"},
		{"a channel with a C1 control character inside", Campaign{Name: "x", Channels: []Channel{{Name: "民情\u0085走访"}}}, "channels[0].name", "control character"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := tc.c
			err := Normalize(&c)
			requireFieldError(t, err, tc.field, tc.contains)
			require.Less(t, len(err.Error()), 300, "the message never quotes the value")
		})
	}
}

func TestACampaignAtEveryLimitIsCreated(t *testing.T) {
	c := Campaign{Name: " \u200b" + strings.Repeat("活", 200) + "\ufeff", Policy: domain.Policy{Categories: categories(MaxCategories), Departments: names(MaxDepartments)},
		Channels: channels(MaxChannels)}
	for i := range MaxAliases {
		c.Policy.Categories[0].Aliases = append(c.Policy.Categories[0].Aliases, fmt.Sprintf("别名%d", i))
	}
	c.Policy.Categories[0].Keywords = names(MaxKeywords)
	c.Policy.Departments[0] = "\u200b城管科\u200b"
	require.NoError(t, Normalize(&c))
	require.Equal(t, strings.Repeat("活", 200), c.Name, "invisible characters around a name are trimmed")
	require.Equal(t, "城管科", c.Policy.Departments[0])
}

func TestAPatchIsBoundedLikeACreation(t *testing.T) {
	full := func(t *testing.T) Campaign {
		c := Campaign{ID: "full", Name: "x", Policy: domain.Policy{Categories: categories(MaxCategories), Departments: names(MaxDepartments)},
			Channels: channels(MaxChannels)}
		require.NoError(t, Normalize(&c))
		return c
	}
	tests := []struct {
		name     string
		c        func(t *testing.T) Campaign
		patch    Patch
		field    string
		contains string
	}{
		{"a 501st department", full, Patch{Departments: []ValueEdit{{Name: "值1", Retired: ptr(true)}, {Name: "外联办"}}},
			"departments[1]", "at most 500 departments, retired ones included"},
		{"a 201st category", full, Patch{Categories: []CategoryEdit{{Name: "新类别"}}}, "categories[0]", "at most 200 categories"},
		{"a 51st channel", full, Patch{Channels: []ValueEdit{{Name: "值2", Aliases: []string{"二"}}, {Name: "民情走访"}}},
			"channels[1]", "at most 50 channels"},
		{"a huge campaign name", running, Patch{Name: ptr(huge)}, "name", "longer than 200 characters"},
		{"a campaign name with a tab", running, Patch{Name: ptr("主题\t教育")}, "name", "control character"},
		{"a huge department name", running, Patch{Departments: []ValueEdit{{Name: "城管科"}, {Name: huge}}}, "departments[1].name", "longer than 100 characters"},
		{"a rename to a name with a line break", running, Patch{Departments: []ValueEdit{{Name: "城管\n科", RenamedFrom: "城管科"}}},
			"departments[0].name", "control character"},
		{"a channel of zero-width spaces", running, Patch{Channels: []ValueEdit{{Name: "\u200b\u200b"}}}, "channels[0].name", "required"},
		{"a huge category name", running, Patch{Categories: []CategoryEdit{{Name: huge}}}, "categories[0].name", "longer than 100 characters"},
		{"51 aliases", running, Patch{Departments: []ValueEdit{{Name: "城管科", Aliases: names(51)}}}, "departments[0].aliases", "has 51 aliases; at most 50"},
		{"a huge alias", running, Patch{Channels: []ValueEdit{{Name: "hotline", Aliases: []string{"热线", huge}}}}, "channels[0].aliases", "alias 2 is longer than 100"},
		{"101 keywords", running, Patch{Categories: []CategoryEdit{{Name: "形式主义", Keywords: names(101)}}}, "categories[0].keywords", "has 101 keywords; at most 100"},
		{"a keyword with a NUL", running, Patch{Categories: []CategoryEdit{{Name: "形式主义", Keywords: []string{"会\u0000议"}}}}, "categories[0].keywords", "keyword 1 has a control character"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := tc.c(t)
			before := c
			_, err := tc.patch.Apply(&c, "office", changedAt)
			requireFieldError(t, err, tc.field, tc.contains)
			require.Less(t, len(err.Error()), 300, "the message never quotes the value")
			require.Equal(t, before, c, "a refused change changes nothing")
		})
	}
	t.Run("a full campaign can still rename, retire and add aliases", func(t *testing.T) {
		c := full(t)
		apply(t, &c, Patch{Departments: []ValueEdit{{Name: "外联办", RenamedFrom: "值1"}, {Name: "值2", Retired: ptr(true), Aliases: []string{"二科"}}}})
		require.Len(t, c.Policy.Departments, MaxDepartments)
	})
}
