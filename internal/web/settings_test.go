package web

import (
	"context"
	"fmt"
	"html"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"rectify/internal/campaign"
	"rectify/internal/domain"
)

// settingsValues is the settings form as the page fills it, posted back as a
// browser would; edit changes it first.
func (e *officeEnv) settingsValues(t *testing.T, id string, edit func(f *settingsForm)) url.Values {
	t.Helper()
	c, err := e.store.Campaign(context.Background(), id)
	require.NoError(t, err)
	f := settingsFormOf(c)
	if edit != nil {
		edit(&f)
	}
	vals := url.Values{"name": {f.Name}, "revision": {strconv.Itoa(f.Revision)}}
	if f.CallbackRequired {
		vals.Set("callback_required", "true")
	}
	for _, n := range f.Numbers {
		vals.Set(n.Name, n.Value)
	}
	put := func(table string, rows []settingsRow) {
		vals.Set(table+"-rows", strconv.Itoa(len(rows)))
		for i, r := range rows {
			p := fmt.Sprintf("%s-%d-", table, i)
			vals.Set(p+"was", r.Was)
			vals.Set(p+"name", r.Name)
			vals.Set(p+"speed", r.Speed)
			vals.Set(p+"working_days", r.WorkingDays)
			vals.Set(p+"keywords", r.Keywords)
			vals.Set(p+"aliases", r.Aliases)
			if r.Retired {
				vals.Set(p+"retired", "true")
			}
		}
	}
	put(tableCategories, f.Categories)
	put(tableDepartments, f.Departments)
	put(tableChannels, f.Channels)
	return vals
}

// row finds the row of a table whose stored name is was, or the first blank row.
func row(rows []settingsRow, was string) *settingsRow {
	for i := range rows {
		if rows[i].Was == was && (was != "" || rows[i].blank()) {
			return &rows[i]
		}
	}
	panic("no row " + was)
}

func TestSettingsPageChangesACampaignAndTheCampaignPageListsTheChanges(t *testing.T) {
	e := newOfficeEnv(t)
	b := e.signIn(t, "office")

	status, body := b.get(t, "/campaigns/c1/settings")
	require.Equal(t, http.StatusOK, status)
	require.Contains(t, body, `value="住建局"`)
	require.Contains(t, body, `value="热线、热线电话、12345"`, "each channel with its aliases")
	requireTranslated(t, body)
	requireLabelled(t, "/campaigns/c1/settings", body)

	// Unchanged, the form changes nothing.
	resp := b.post(t, "/campaigns/c1/settings", e.settingsValues(t, "c1", nil))
	_ = resp.Body.Close()
	require.Equal(t, http.StatusSeeOther, resp.StatusCode)
	changes, err := e.store.CampaignChanges(context.Background(), "c1", 0)
	require.NoError(t, err)
	require.Empty(t, changes, "saving the settings as they are records nothing")

	resp = b.post(t, "/campaigns/c1/settings", e.settingsValues(t, "c1", func(f *settingsForm) {
		row(f.Departments, "住建局").Aliases = "住房和城乡建设局、住建委"
		row(f.Departments, "民政局").Retired = true
		row(f.Departments, "").Name = "城管局"
		row(f.Categories, "服务态度和效率").Aliases = "服务态度"
		row(f.Categories, "官僚主义").Name = "不作为慢作为"
		*row(f.Categories, "") = settingsRow{Name: "窨井盖安全", Speed: "immediate", WorkingDays: "4", Keywords: "井盖、窨井"}
		*row(f.Channels, "") = settingsRow{Name: "民情走访"}
		row(f.Channels, "visit").Aliases = "走访、入户走访、来访"
		f.Numbers[4].Value = "1" // max_extensions
	}))
	_ = resp.Body.Close()
	require.Equal(t, http.StatusSeeOther, resp.StatusCode)
	require.Equal(t, "/campaigns/c1?saved=1", resp.Header.Get("Location"))

	c, err := e.store.Campaign(context.Background(), "c1")
	require.NoError(t, err)
	require.Equal(t, 1, c.Revision)
	require.Equal(t, []string{"住建局", "民政局", "城管局"}, c.Policy.Departments)
	require.Equal(t, []string{"民政局"}, c.Policy.RetiredDepartments)
	require.Equal(t, campaign.Resolved{Value: "住建局", Match: campaign.ByAlias}, campaign.ResolveDepartment(c.Policy, "住建委"))
	renamed, ok := c.Policy.Category("不作为慢作为")
	require.True(t, ok)
	require.Equal(t, []string{"官僚主义"}, renamed.Aliases, "the old name is kept as an alias")
	require.NotEmpty(t, renamed.Keywords, "keywords are kept")
	added, _ := c.Policy.Category("窨井盖安全")
	require.Equal(t, domain.CategoryPolicy{Name: "窨井盖安全", Speed: domain.SpeedImmediate, WorkingDays: 4, Keywords: []string{"井盖", "窨井"}}, added)
	require.Equal(t, campaign.Resolved{Value: "visit", Match: campaign.ByAlias}, c.ResolveChannel("来访"))
	require.Equal(t, 1, c.Policy.MaxExtensions)

	status, body = b.get(t, "/campaigns/c1?saved=1")
	require.Equal(t, http.StatusOK, status)
	require.Contains(t, body, "设置已保存。")
	require.Contains(t, body, "已修改 1 次")
	changesTable := body[strings.Index(body, `id="changes"`):]
	for _, want := range []string{
		"<td>office</td>",
		"<td>部门“住建局”的别名</td><td>—</td><td>住房和城乡建设局、住建委</td>",
		"<td>部门“民政局”的状态</td><td>在用</td><td>已停用</td>",
		"<td>新增部门“城管局”</td><td>—</td><td>城管局</td>",
		"<td>类别“官僚主义”的名称</td><td>官僚主义</td><td>不作为慢作为</td>",
		"<td>类别“窨井盖安全”的整改方式</td><td>—</td><td>立行立改</td>",
		"<td>新增渠道“民情走访”</td><td>—</td><td>民情走访</td>",
		"<td>渠道“走访”的别名</td><td>走访、入户走访</td><td>走访、入户走访、来访</td>",
		"<td>最多延期次数</td><td>2</td><td>1</td>",
	} {
		require.Contains(t, changesTable, want)
	}
	require.Contains(t, body, "民政局 <span class=\"badge retired\">已停用</span>", "a retired department stays listed")
	requireTranslated(t, body)

	b.setLang(t, "en")
	_, body = b.get(t, "/campaigns/c1")
	require.Contains(t, body, "<td>Department “住建局”: aliases</td>")
	require.Contains(t, body, "<td>Channel “Visit”: aliases</td>")
	require.Contains(t, body, "<td>Department “民政局”: status</td><td>In use</td><td>Retired</td>")
}

func TestSettingsFormShowsEachRuleAtItsCell(t *testing.T) {
	e := newOfficeEnv(t)
	b := e.signIn(t, "office")
	tests := []struct {
		name   string
		edit   func(f *settingsForm)
		status int
		cell   string
		zh, en string
	}{
		{"a deadline that is not a number", func(f *settingsForm) { row(f.Categories, "形式主义").WorkingDays = "二十" },
			422, "cat-0-working_days", "请填写大于 0 的整数，或留空按整改方式取默认值。", "Enter a whole number above 0, or leave it empty for the speed's default."},
		{"an existing value left without a name", func(f *settingsForm) { row(f.Departments, "民政局").Name = "" },
			422, "dep-1-name", "请填写名称；不再使用的请勾选“停用”。", "Enter a name; to stop using it, tick Retired instead."},
		{"an alias that is another department", func(f *settingsForm) { row(f.Departments, "住建局").Aliases = "民政局" },
			422, "dep-0-aliases", "“民政局”已是本活动的部门名称，不能再作别名。", `"民政局" is already one of this campaign's departments`},
		{"an alias taken by another channel", func(f *settingsForm) { row(f.Channels, "visit").Aliases = "走访、热线" },
			422, "ch-3-aliases", "“热线”已是“hotline”的别名。", `"热线" is already an alias of "hotline"`},
		{"a number out of range", func(f *settingsForm) { f.Numbers[0].Value = "31" }, 422, "sign_working_days",
			"须在 1 到 30 之间。", "must be between 1 and 30"},
		{"a name with a tab", func(f *settingsForm) { row(f.Departments, "民政局").Name = "民政\t局" },
			422, "dep-1-name", "不能含有换行、制表符等控制字符：名称显示在一行内，也是统计图表的标签。",
			"has a control character (a line break, a tab or the like); names are shown on one line and are the labels of the figures"},
		{"a name too long", func(f *settingsForm) { row(f.Departments, "民政局").Name = strings.Repeat("民", 101) },
			422, "dep-1-name", "不能超过 100 个字。", "is longer than 100 characters"},
		{"too many aliases", func(f *settingsForm) {
			aliases := make([]string, 51)
			for i := range aliases {
				aliases[i] = fmt.Sprintf("别名%d", i)
			}
			row(f.Departments, "住建局").Aliases = strings.Join(aliases, "、")
		}, 422, "dep-0-aliases", "最多 50 个别名，这里有 51 个。", "has 51 aliases; at most 50 are allowed"},
		{"every channel retired", func(f *settingsForm) {
			for i := range f.Channels {
				f.Channels[i].Retired = f.Channels[i].Was != ""
			}
		}, 422, "ch-table", "至少要保留一个未停用的。", "must keep at least one value that is not retired"},
	}
	for _, lang := range []string{"zh", "en"} {
		b.setLang(t, lang)
		for _, tc := range tests {
			t.Run(lang+"/"+tc.name, func(t *testing.T) {
				resp := b.post(t, "/campaigns/c1/settings", e.settingsValues(t, "c1", tc.edit))
				body := readBody(t, resp)
				require.Equal(t, tc.status, resp.StatusCode)
				id := "settings-" + tc.cell + "-err"
				msg := map[string]string{"zh": tc.zh, "en": tc.en}[lang]
				require.Contains(t, body, `id="`+id+`">`+html.EscapeString(msg)+`</p>`, "the message is at its cell")
				if lang == "zh" {
					requireTranslated(t, body)
				}
				requireLabelled(t, tc.name, body)
			})
		}
	}
	c, err := e.store.Campaign(context.Background(), "c1")
	require.NoError(t, err)
	require.Zero(t, c.Revision, "nothing refused was saved")
}

func TestSettingsSavedMeanwhileBySomeoneElse(t *testing.T) {
	e := newOfficeEnv(t)
	b := e.signIn(t, "office")
	stale := e.settingsValues(t, "c1", func(f *settingsForm) { f.Name = "我的改名" })
	resp := b.post(t, "/campaigns/c1/settings", e.settingsValues(t, "c1", func(f *settingsForm) { f.Name = "别人的改名" }))
	_ = resp.Body.Close()
	require.Equal(t, http.StatusSeeOther, resp.StatusCode)

	resp = b.post(t, "/campaigns/c1/settings", stale)
	body := readBody(t, resp)
	require.Equal(t, http.StatusConflict, resp.StatusCode)
	require.Contains(t, body, "设置刚被他人修改过")
	require.Contains(t, body, `value="别人的改名"`, "the form shows the settings as they are now")
	c, err := e.store.Campaign(context.Background(), "c1")
	require.NoError(t, err)
	require.Equal(t, "别人的改名", c.Name)
}

func TestSettingsAreTheOfficesAlone(t *testing.T) {
	e := newOfficeEnv(t)
	for _, who := range []string{"leader", "official"} {
		b := e.signIn(t, who)
		status, _ := b.get(t, "/campaigns/c1/settings")
		require.Equal(t, http.StatusForbidden, status, who)
		resp := b.post(t, "/campaigns/c1/settings", e.settingsValues(t, "c1", func(f *settingsForm) { f.Name = "x" }))
		_ = resp.Body.Close()
		require.Equal(t, http.StatusForbidden, resp.StatusCode, who)
	}
	b := e.signIn(t, "office")
	status, _ := b.get(t, "/campaigns/nope/settings")
	require.Equal(t, http.StatusNotFound, status)
	c, err := e.store.Campaign(context.Background(), "c1")
	require.NoError(t, err)
	require.Equal(t, "主题教育活动", c.Name)
}

func TestTriageShowsTheTextAsWrittenAndPreselectsTheKnownValue(t *testing.T) {
	e := newOfficeEnv(t)
	office, _ := e.svc.User("office")
	_, err := e.svc.PatchCampaign(context.Background(), office, "c1", campaign.Patch{
		Departments: []campaign.ValueEdit{{Name: "住建局", Aliases: []string{"房管所"}}, {Name: "民政局", Retired: no()}, {Name: "城管科"}},
		Categories:  []campaign.CategoryEdit{{Name: "制度漏洞", Retired: yes()}},
		Channels:    []campaign.ValueEdit{{Name: "民情走访"}},
	})
	require.NoError(t, err)
	e.opinion(t, domain.Opinion{ID: "w", CampaignID: "c1", Content: "城市管理科门口占道经营", State: domain.StateReceived,
		Channel: "民情走访", WrittenDepartment: "城市管理科", WrittenCategory: "服务态度", SuggestedCategory: "形式主义"})
	e.opinion(t, domain.Opinion{ID: "x", CampaignID: "c1", Content: "外星人占用车位", State: domain.StateReceived,
		WrittenDepartment: "外星局"})
	e.opinion(t, domain.Opinion{ID: "y", CampaignID: "c1", Content: "房屋漏水无人管", State: domain.StateCategorized,
		Category: "群众需要解决的问题", WrittenDepartment: "房管所"})
	b := e.signIn(t, "office")

	status, body := b.get(t, "/triage?campaign=c1")
	require.Equal(t, http.StatusOK, status)
	require.Contains(t, body, `<span class="as-written">文件写的：城市管理科</span> · <span class="preselect">预选：城管科</span>`)
	require.Contains(t, body, `<span class="as-written">文件写的：外星局</span></p>`, "nothing like it: shown, nothing pre-selected")
	require.Contains(t, body, `<span class="as-written">文件写的：服务态度</span>`)
	require.Contains(t, body, "建议：</span> 服务态度和效率", "the category written is suggested through its closest match")
	require.Contains(t, body, "<td>民情走访</td>", "a channel the office added is shown by its name")
	requireTranslated(t, body)

	// The opinion page pre-selects them in the forms and offers nothing retired.
	_, body = b.get(t, "/opinions/w")
	require.Contains(t, body, `<option value="服务态度和效率" selected>`)
	require.NotContains(t, body, `<option value="制度漏洞"`, "a retired category is not offered")
	require.Contains(t, body, "文件写的部门")
	_, body = b.get(t, "/opinions/y")
	require.Contains(t, body, `<option value="住建局" selected>住建局</option>`, "an alias added later pre-selects its department")
	require.Contains(t, body, `<option value="城管科">城管科</option>`, "a department added later is offered")

	b.setLang(t, "en")
	_, body = b.get(t, "/triage?campaign=c1")
	require.Contains(t, body, `<span class="as-written">As written: 城市管理科</span> · <span class="preselect">pre-selected: 城管科</span>`)
}
