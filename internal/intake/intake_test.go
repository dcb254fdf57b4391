package intake

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"rectify/internal/campaign"
	"rectify/internal/domain"
	"rectify/internal/web/i18n"
)

const today = "2026-11-20"

func policy() domain.Policy {
	return domain.Policy{
		Categories: []domain.CategoryPolicy{
			{Name: "形式主义", Speed: domain.SpeedDeadline, WorkingDays: 20},
			{Name: "群众需要解决的问题", Speed: domain.SpeedImmediate, WorkingDays: 5},
		},
		Departments: []string{"城管科", "民政科"},
	}
}

func valid() Opinion {
	return Opinion{Content: "小区门口道路积水", Channel: "hotline", CollectedAt: "2026-11-01"}
}

func TestNormalizeCleansAndCanonicalizes(t *testing.T) {
	tests := []struct {
		name  string
		edit  func(o *Opinion)
		check func(t *testing.T, o Opinion)
	}{
		{"trims content, submitter, department, category",
			func(o *Opinion) {
				o.Content = "  \t小区门口道路积水\n　"
				o.Submitter = "  张三 "
				o.Department = " 城管科 "
				o.Category = " 群众需要解决的问题 "
			},
			func(t *testing.T, o Opinion) {
				require.Equal(t, "小区门口道路积水", o.Content)
				require.Equal(t, "张三", o.Submitter)
				require.Equal(t, "城管科", o.Department)
				require.Equal(t, "群众需要解决的问题", o.Category)
			}},
		{"full-width date", func(o *Opinion) { o.CollectedAt = "２０２６-１１-０１" },
			func(t *testing.T, o Opinion) { require.Equal(t, "2026-11-01", o.CollectedAt) }},
		{"full-width date with full-width dashes and spaces", func(o *Opinion) { o.CollectedAt = "　２０２６－１１－０１　" },
			func(t *testing.T, o Opinion) { require.Equal(t, "2026-11-01", o.CollectedAt) }},
		{"full-width mobile", func(o *Opinion) { o.Phone = "１３８１２３４５６７８" },
			func(t *testing.T, o Opinion) { require.Equal(t, "13812345678", o.Phone) }},
		{"full-width landline with spaces around", func(o *Opinion) { o.Phone = "　０３７３-５７７１２９３ " },
			func(t *testing.T, o Opinion) { require.Equal(t, "0373-5771293", o.Phone) }},
		{"full-width key", func(o *Opinion) { o.Key = "　ＴＪ-００１　" },
			func(t *testing.T, o Opinion) { require.Equal(t, "TJ-001", o.Key) }},
		{"target 班子", func(o *Opinion) { o.Target = " 班子 " },
			func(t *testing.T, o Opinion) { require.Equal(t, "team", o.Target) }},
		{"target 个人", func(o *Opinion) { o.Target = "个人" },
			func(t *testing.T, o Opinion) { require.Equal(t, "individual", o.Target) }},
		{"target team", func(o *Opinion) { o.Target = "team" },
			func(t *testing.T, o Opinion) { require.Equal(t, "team", o.Target) }},
		{"target naming a person is kept", func(o *Opinion) { o.Target = " 王书记 " },
			func(t *testing.T, o Opinion) { require.Equal(t, "王书记", o.Target) }},
		{"content of exactly the maximum length", func(o *Opinion) { o.Content = strings.Repeat("意", MaxContentRunes) },
			func(t *testing.T, o Opinion) { require.Equal(t, MaxContentRunes, len([]rune(o.Content))) }},
		{"collected today", func(o *Opinion) { o.CollectedAt = today },
			func(t *testing.T, o Opinion) { require.Equal(t, today, o.CollectedAt) }},
		{"removes control characters but line breaks and tabs from free text",
			func(o *Opinion) {
				o.Content = "小区门口\u0000道路积水\r\n\t已三天\u001b"
				o.Submitter = "张\u0008三"
				o.Target = "王书记\u007f"
				o.Extra = map[string]string{"备注": "夜间\u0000", "空": "\u200b"}
			},
			func(t *testing.T, o Opinion) {
				require.Equal(t, "小区门口道路积水\r\n\t已三天", o.Content)
				require.Equal(t, "张三", o.Submitter)
				require.Equal(t, "王书记", o.Target)
				require.Equal(t, map[string]string{"备注": "夜间"}, o.Extra, "an extra value with nothing visible is left out")
			}},
		{"trims invisible characters from the ends of free text and keeps them inside",
			func(o *Opinion) {
				o.Content = "\ufeff\u200b小区门口道路积水👨\u200d👩\u200b"
				o.Department = "城管科\u200b"
				o.Category = "\u2060群众需要解决的问题"
				o.Channel = "热线\u200b"
			},
			func(t *testing.T, o Opinion) {
				require.Equal(t, "小区门口道路积水👨\u200d👩", o.Content)
				require.Equal(t, "城管科", o.Department, "and a routing hint then names the value")
				require.Equal(t, "群众需要解决的问题", o.Category)
				require.Equal(t, "hotline", o.Channel)
			}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			o := valid()
			tc.edit(&o)
			require.NoError(t, normalize(&o, policy(), today))
			tc.check(t, o)
		})
	}
}

func TestNormalizeChannels(t *testing.T) {
	tests := map[string]string{
		"热线": "hotline", "热线电话": "hotline", "hotline": "hotline", "HotLine": "hotline", "12345": "hotline",
		"意见箱": "suggestion_box", "suggestion_box": "suggestion_box",
		"座谈会": "symposium", "座谈": "symposium", "symposium": "symposium",
		"走访": "visit", "入户走访": "visit", "visit": "visit",
		"网络": "online", "网络平台": "online", "网上": "online", "online": "online",
		"来信": "letter", "信件": "letter", "letter": "letter",
		" 热线 ": "hotline", "１２３４５": "hotline", "ＨＯＴＬＩＮＥ": "hotline",
	}
	for in, want := range tests {
		t.Run(in, func(t *testing.T) {
			o := valid()
			o.Channel = in
			require.NoError(t, normalize(&o, policy(), today))
			require.Equal(t, want, o.Channel)
		})
	}
}

func TestNormalizePhones(t *testing.T) {
	tests := []struct {
		phone string
		ok    bool
	}{
		{"13812345678", true},
		{"19912345678", true},
		{"0373-5771293", true},
		{"03735771293", true},
		{"010-12345678", true},
		{"", true},
		{"1381234567", false},
		{"138123456789", false},
		{"12812345678", false},
		{"12345", false},
		{"abc", false},
		{"373-5771293", false},
	}
	for _, tc := range tests {
		t.Run(tc.phone, func(t *testing.T) {
			o := valid()
			o.Phone = tc.phone
			err := normalize(&o, policy(), today)
			if tc.ok {
				require.NoError(t, err)
				require.Equal(t, tc.phone, o.Phone)
				return
			}
			requireFieldError(t, err, "phone")
			require.Contains(t, err.Error(), "0373-5771293", "the message shows an example of a valid number")
		})
	}
}

func TestNormalizeRejects(t *testing.T) {
	tests := []struct {
		name     string
		edit     func(o *Opinion)
		field    string
		contains []string
	}{
		{"empty content", func(o *Opinion) { o.Content = "" }, "content", []string{"empty"}},
		{"blank content", func(o *Opinion) { o.Content = " \n\t　" }, "content", []string{"empty"}},
		{"content too long", func(o *Opinion) { o.Content = strings.Repeat("意", MaxContentRunes+1) },
			"content", []string{"4001", "4000"}},
		{"unknown channel", func(o *Opinion) { o.Channel = "微信" }, "channel",
			[]string{`"微信"`, "hotline", "热线", "suggestion_box", "意见箱", "symposium", "座谈会", "visit", "走访", "online", "网络", "letter", "来信"}},
		{"missing channel", func(o *Opinion) { o.Channel = "" }, "channel", []string{"hotline"}},
		{"missing collected_at", func(o *Opinion) { o.CollectedAt = " " }, "collected_at", []string{"required", "YYYY-MM-DD"}},
		{"unparseable collected_at", func(o *Opinion) { o.CollectedAt = "2026/11/01" }, "collected_at", []string{`"2026/11/01"`, "YYYY-MM-DD"}},
		{"impossible date", func(o *Opinion) { o.CollectedAt = "2026-02-30" }, "collected_at", []string{"2026-02-30"}},
		{"short date", func(o *Opinion) { o.CollectedAt = "2026-1-1" }, "collected_at", []string{"YYYY-MM-DD"}},
		{"future collected_at", func(o *Opinion) { o.CollectedAt = "2026-11-21" }, "collected_at",
			[]string{"2026-11-21", "future", today}},
		{"full-width future collected_at", func(o *Opinion) { o.CollectedAt = "２０２７-０１-０１" }, "collected_at",
			[]string{"2027-01-01", "future"}},
		{"submitter too long", func(o *Opinion) { o.Submitter = strings.Repeat("张", 101) }, "submitter", []string{"100"}},
		{"target too long", func(o *Opinion) { o.Target = strings.Repeat("王", 101) }, "target", []string{"100"}},
		{"key with a space", func(o *Opinion) { o.Key = "TJ 001" }, "key", []string{"128"}},
		{"key with a forbidden character", func(o *Opinion) { o.Key = "TJ?001" }, "key", []string{"128"}},
		{"key too long", func(o *Opinion) { o.Key = strings.Repeat("k", 129) }, "key", []string{"128"}},
		{"content of zero-width spaces", func(o *Opinion) { o.Content = "\u200b\u200b" }, "content", []string{"empty", "invisible"}},
		{"content of a NUL", func(o *Opinion) { o.Content = "\u0000" }, "content", []string{"empty", "invisible"}},
		{"content of a byte-order mark", func(o *Opinion) { o.Content = "\ufeff" }, "content", []string{"empty", "invisible"}},
		{"content of a line separator", func(o *Opinion) { o.Content = "\u2028" }, "content", []string{"empty"}},
		{"content of invisible characters and spaces", func(o *Opinion) { o.Content = " \u200c\u3164\u2060\u0007\u200d " }, "content", []string{"empty"}},
		{"an extra column over a cell's limit", func(o *Opinion) { o.Extra = map[string]string{"备注": strings.Repeat("长", 32768)} },
			"extra", []string{`"备注"`, "32768", "32767"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			o := valid()
			tc.edit(&o)
			err := normalize(&o, policy(), today)
			requireFieldError(t, err, tc.field)
			for _, s := range tc.contains {
				require.Contains(t, err.Error(), s)
			}
		})
	}
}

func TestNormalizeAnyDepartmentWhenCampaignListsNone(t *testing.T) {
	o := valid()
	o.Department = "财政局"
	p := policy()
	p.Departments = nil
	require.NoError(t, normalize(&o, p, today))
	require.Equal(t, "财政局", o.Department)
}

func TestKeys(t *testing.T) {
	t.Run("a given key is kept", func(t *testing.T) {
		o := valid()
		o.Key = "台账-2026/第3批#17"
		require.NoError(t, normalize(&o, policy(), today))
		require.Equal(t, "台账-2026/第3批#17", o.Key)
	})
	t.Run("key of 128 characters is accepted", func(t *testing.T) {
		o := valid()
		o.Key = strings.Repeat("k", 128)
		require.NoError(t, normalize(&o, policy(), today))
		require.Equal(t, strings.Repeat("k", 128), o.Key)
	})
	t.Run("a missing key is derived", func(t *testing.T) {
		o := valid()
		require.NoError(t, normalize(&o, policy(), today))
		require.True(t, strings.HasPrefix(o.Key, "h-"), o.Key)
		require.Equal(t, DerivedKey(o), o.Key)
	})
	t.Run("same opinion spelled differently gets the same key", func(t *testing.T) {
		a := Opinion{Content: "小区门口道路积水", Channel: "热线", CollectedAt: "２０２６-１１-０１"}
		b := Opinion{Content: "  小区门口道路积水 ", Channel: "hotline", CollectedAt: "2026-11-01"}
		require.NoError(t, normalize(&a, policy(), today))
		require.NoError(t, normalize(&b, policy(), today))
		require.Equal(t, a.Key, b.Key)
	})

	t.Run("text with control characters keeps the key it had before they were removed", func(t *testing.T) {
		// An opinion imported before cleaning began was keyed by its text as it
		// was; importing its file again must find it, not start another.
		o := valid()
		o.Content, o.Submitter = "小区门口\u000b道路积水", "张三\u0000"
		before := o
		before.Channel = "hotline"
		require.NoError(t, normalize(&o, policy(), today))
		require.Equal(t, "小区门口道路积水", o.Content)
		require.Equal(t, DerivedKey(before), o.Key)
		recorded := Identity{Content: before.Content, Channel: "hotline", CollectedAt: o.CollectedAt, Submitter: before.Submitter}
		require.Empty(t, Identity{o.Content, o.Channel, o.CollectedAt, o.Submitter, o.Phone}.Differences(recorded),
			"and it is the same opinion as the one recorded with them")
	})

	base := valid()
	tests := []struct {
		name string
		edit func(o *Opinion)
		same bool
	}{
		{"identical", func(o *Opinion) {}, true},
		{"different department does not matter", func(o *Opinion) { o.Department = "城管科" }, true},
		{"different content", func(o *Opinion) { o.Content = "路灯不亮" }, false},
		{"different date", func(o *Opinion) { o.CollectedAt = "2026-11-02" }, false},
		{"different channel", func(o *Opinion) { o.Channel = "letter" }, false},
		{"different submitter", func(o *Opinion) { o.Submitter = "李四" }, false},
		{"different phone", func(o *Opinion) { o.Phone = "13812345678" }, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			o := base
			tc.edit(&o)
			require.Equal(t, DerivedKey(base), DerivedKey(base), "stable")
			if tc.same {
				require.Equal(t, DerivedKey(base), DerivedKey(o))
			} else {
				require.NotEqual(t, DerivedKey(base), DerivedKey(o))
			}
		})
	}
}

func requireFieldError(t *testing.T, err error, field string) {
	t.Helper()
	require.Error(t, err)
	var fe *FieldError
	require.True(t, errors.As(err, &fe), "want a *FieldError, got %T: %v", err, err)
	require.Equal(t, field, fe.Field, err.Error())
	require.True(t, strings.HasPrefix(err.Error(), field+": "), "message %q names the field", err.Error())
}

// normalize is Normalize for a campaign with this policy, without its warnings.
func normalize(o *Opinion, p domain.Policy, today string) error {
	_, err := Normalize(o, campaign.Campaign{Policy: p}, today)
	return err
}

func TestNormalizeKeepsAnUnknownRoutingHintAsWrittenWithAWarning(t *testing.T) {
	o := valid()
	o.Department, o.Category = "财政局", "其他"
	warnings, err := Normalize(&o, campaign.Campaign{Policy: policy()}, today)
	require.NoError(t, err)
	require.Equal(t, []string{"unknown_department", "unknown_category"}, []string{warnings[0].Code, warnings[1].Code})
	require.Contains(t, warnings[0].Rule.In(i18n.English), `"财政局"`)
	require.Equal(t, "财政局", o.WrittenDepartment)
	require.Equal(t, "其他", o.WrittenCategory)
	require.Empty(t, o.Department)
	require.Empty(t, o.Category)
}

// settled is a campaign whose office has changed its settings: 城管科 is also
// written 城市管理科, 机关党委 is retired, 服务态度和效率 is also written 服务态度,
// and the channels add 民情走访, take 来访 for visit and no longer take letters.
func settled(t *testing.T) campaign.Campaign {
	t.Helper()
	c := campaign.Campaign{Name: "x", Policy: campaign.DefaultPolicy()}
	c.Policy.Departments = []string{"城管科", "民政科", "机关党委"}
	require.NoError(t, campaign.Normalize(&c))
	retired := true
	_, err := campaign.Patch{
		Departments: []campaign.ValueEdit{{Name: "城管科", Aliases: []string{"城市管理科"}}, {Name: "机关党委", Retired: &retired}},
		Categories:  []campaign.CategoryEdit{{Name: "服务态度和效率", Aliases: []string{"服务态度"}}},
		Channels: []campaign.ValueEdit{{Name: "民情走访"}, {Name: "visit", Aliases: []string{"走访", "入户走访", "来访"}},
			{Name: "letter", Retired: &retired}},
	}.Apply(&c, "office", time.Now())
	require.NoError(t, err)
	return c
}

func TestNormalizeResolvesAliasesWithoutAWarning(t *testing.T) {
	o := valid()
	o.Department, o.Category, o.Channel = " 城市管理科 ", "服务态度", "来访"
	warnings, err := Normalize(&o, settled(t), today)
	require.NoError(t, err)
	require.Empty(t, warnings)
	require.Equal(t, "城管科", o.Department)
	require.Equal(t, "服务态度和效率", o.Category)
	require.Equal(t, "visit", o.Channel)
	require.Empty(t, o.WrittenDepartment)
	require.Empty(t, o.WrittenCategory)
}

func TestNormalizeTakesTheCampaignsOwnChannels(t *testing.T) {
	o := valid()
	o.Channel = "民情走访"
	_, err := Normalize(&o, settled(t), today)
	require.NoError(t, err)
	require.Equal(t, "民情走访", o.Channel)

	o = valid()
	o.Channel = "民情走访"
	requireFieldError(t, normalize(&o, policy(), today), "channel")

	o = valid()
	o.Channel = "来信"
	_, err = Normalize(&o, settled(t), today)
	requireFieldError(t, err, "channel")
	require.Contains(t, err.Error(), "no longer takes opinions")
	require.Contains(t, err.Error(), "民情走访")
	require.NotContains(t, err.Error(), "letter", "the list names only the channels it takes")
}

func TestNormalizeWarnsOfACloseOrRetiredHintAndKeepsItAsWritten(t *testing.T) {
	tests := []struct {
		name, department, category string
		codes                      []string
		says                       []string
	}{
		{"close department", "城管", "", []string{"unknown_department"}, []string{`"城管"`, `suggest "城管科"`}},
		{"close category", "", "服务态度问题", []string{"unknown_category"}, []string{`"服务态度问题"`, `suggest "服务态度和效率"`}},
		{"retired department", "机关党委", "", []string{"retired_department"}, []string{`"机关党委" is retired`}},
		{"nothing like it", "外星局", "", []string{"unknown_department"}, []string{`"外星局" is not one of this campaign's departments; kept as written for triage`}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			o := valid()
			o.Department, o.Category = tc.department, tc.category
			warnings, err := Normalize(&o, settled(t), today)
			require.NoError(t, err, "a routing hint never costs the opinion")
			var codes []string
			for _, w := range warnings {
				codes = append(codes, w.Code)
				for _, s := range tc.says {
					require.Contains(t, w.Rule.In(i18n.English), s)
				}
			}
			require.Equal(t, tc.codes, codes)
			require.Equal(t, tc.department, o.WrittenDepartment)
			require.Equal(t, tc.category, o.WrittenCategory)
			require.Empty(t, o.Department)
			require.Empty(t, o.Category)
		})
	}
	t.Run("no suggestion for nothing alike", func(t *testing.T) {
		o := valid()
		o.Department = "外星局"
		warnings, _ := Normalize(&o, settled(t), today)
		require.NotContains(t, warnings[0].Rule.In(i18n.English), "suggest")
	})
}

func TestAnImportedRowKeepsItsHintAsWrittenThroughJSON(t *testing.T) {
	// Imported rows are stored as JSON between the file and their opinions.
	o := valid()
	o.Department = "外星局"
	_, err := Normalize(&o, settled(t), today)
	require.NoError(t, err)
	data, err := json.Marshal(o)
	require.NoError(t, err)
	var back Opinion
	require.NoError(t, json.Unmarshal(data, &back))
	require.Equal(t, "外星局", back.WrittenDepartment)
	require.Equal(t, "外星局", Input(settled(t), back, "office", "b-1").WrittenDepartment)

	// What a submitter sends as written is not taken: Normalize decides it.
	sent := valid()
	sent.Department, sent.WrittenDepartment, sent.WrittenCategory = "城管科", "伪造", "伪造"
	_, err = Normalize(&sent, settled(t), today)
	require.NoError(t, err)
	require.Empty(t, sent.WrittenDepartment)
	require.Empty(t, sent.WrittenCategory)
}

func TestALongValueIsQuotedInPart(t *testing.T) {
	o := valid()
	o.Channel = strings.Repeat("长", 5000)
	err := normalize(&o, policy(), today)
	requireFieldError(t, err, "channel")
	require.Less(t, len(err.Error()), 600, "the message quotes only the start of the value")
	require.Contains(t, err.Error(), strings.Repeat("长", 50)+"…")
}

func TestADepartmentAsWrittenBecomesOneOnlyIfItCanBeAName(t *testing.T) {
	// A campaign without departments takes a department as written, but only one
	// that can be a name: it becomes a label of the figures.
	long := strings.Repeat("长", 5000)
	o := valid()
	o.Department = long
	p := policy()
	p.Departments = nil
	warnings, err := Normalize(&o, campaign.Campaign{Policy: p}, today)
	require.NoError(t, err, "a routing hint never costs an opinion")
	require.Empty(t, o.Department)
	require.Equal(t, long, o.WrittenDepartment, "kept as written for triage")
	require.Len(t, warnings, 1)
	require.Equal(t, "unknown_department", warnings[0].Code)
	require.Contains(t, warnings[0].Rule.In(i18n.English), "cannot be a department's name")
	require.Less(t, len(warnings[0].Rule.In(i18n.English)), 600)
}
