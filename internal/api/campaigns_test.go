package api

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"rectify/internal/campaign"
	"rectify/internal/domain"
	"rectify/internal/service"
)

// changesBody is the answer of GET /api/v1/campaigns/{id}/changes.
type changesBody struct {
	CampaignID string            `json:"campaign_id"`
	Revision   int               `json:"revision"`
	Changes    []campaign.Change `json:"changes"`
}

func TestPatchCampaignIsTheOfficesAlone(t *testing.T) {
	f := newFixture(t)
	for _, who := range []string{"leader", "official", "verifier"} {
		rec := f.do(t, http.MethodPatch, "/api/v1/campaigns/c1", who, `{"name": "改名"}`)
		requireError(t, rec, http.StatusForbidden, "forbidden", "office")
	}
	rec := f.do(t, http.MethodPatch, "/api/v1/campaigns/c1", "", `{"name": "改名"}`)
	require.Equal(t, http.StatusUnauthorized, rec.Code)
	c, err := f.store.Campaign(context.Background(), campaignID)
	require.NoError(t, err)
	require.Equal(t, "主题教育 c1", c.Name, "nothing changed")
	require.Zero(t, c.Revision)
	changes, err := f.store.CampaignChanges(context.Background(), campaignID, 0)
	require.NoError(t, err)
	require.Empty(t, changes)
}

func TestPatchCampaignChangesSettingsAndRecordsWhoWhenWhat(t *testing.T) {
	f := newFixture(t)
	rec := f.do(t, http.MethodPatch, "/api/v1/campaigns/c1", "office", `{
		"revision": 0,
		"categories": [
			{"name": "窨井盖安全", "speed": "immediate", "working_days": 4, "keywords": ["井盖"]},
			{"name": "服务态度和效率", "aliases": ["服务态度"]},
			{"name": "制度漏洞", "retired": true}],
		"departments": [{"name": "住建局", "aliases": ["住房和城乡建设局"]}, "城管局"],
		"channels": ["民情走访", {"name": "visit", "aliases": ["走访", "入户走访", "来访"]}],
		"policy": {"max_extensions": 1, "callback_required": false}}`)
	require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
	c := decodeAs[CampaignView](t, rec)
	require.Equal(t, 1, c.Revision)
	require.Equal(t, "office", c.UpdatedBy)
	require.True(t, c.UpdatedAt.Equal(fixedNow))
	require.Equal(t, []string{"住建局", "民政局", "城管局"}, c.Departments)
	require.Equal(t, map[string][]string{"住建局": {"住房和城乡建设局"}}, c.Policy.DepartmentAliases)
	require.Len(t, c.Categories, 9)
	require.Equal(t, domain.CategoryPolicy{Name: "窨井盖安全", Speed: domain.SpeedImmediate, WorkingDays: 4, Keywords: []string{"井盖"}}, c.Categories[8])
	require.True(t, c.Categories[7].Retired)
	require.Equal(t, 1, c.Policy.MaxExtensions)
	require.False(t, c.Policy.CallbackRequired)
	require.Len(t, c.Channels, 7)
	require.Equal(t, campaign.Channel{Name: "民情走访"}, c.Channels[6])

	// GET shows the same campaign.
	got := f.do(t, http.MethodGet, "/api/v1/campaigns/c1", "official", "")
	require.Equal(t, http.StatusOK, got.Code)
	require.JSONEq(t, rec.Body.String(), got.Body.String())

	// The record: who, when, before and after, per field.
	for _, who := range []string{"office", "leader"} {
		rec = f.do(t, http.MethodGet, "/api/v1/campaigns/c1/changes", who, "")
		require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
	}
	body := decodeAs[changesBody](t, rec)
	require.Equal(t, 1, body.Revision)
	byField := map[string]campaign.Change{}
	for _, ch := range body.Changes {
		require.Equal(t, 1, ch.Revision)
		require.Equal(t, "office", ch.Actor)
		require.True(t, ch.At.Equal(fixedNow))
		byField[ch.Field] = ch
	}
	require.Equal(t, []any{nil, "窨井盖安全"}, []any{byField["categories[窨井盖安全]"].Before, byField["categories[窨井盖安全]"].After})
	require.Equal(t, []any{float64(2), float64(1)}, []any{byField["policy.max_extensions"].Before, byField["policy.max_extensions"].After})
	require.Equal(t, []any{[]any{}, []any{"住房和城乡建设局"}}, []any{byField["departments[住建局].aliases"].Before, byField["departments[住建局].aliases"].After})
	require.Equal(t, []any{false, true}, []any{byField["categories[制度漏洞].retired"].Before, byField["categories[制度漏洞].retired"].After})
	require.Equal(t, "民情走访", byField["channels[民情走访]"].After)
	require.Contains(t, byField, "channels[visit].aliases")
	require.Contains(t, byField, "policy.callback_required")
	require.NotContains(t, byField, "channels[hotline]", "channels left as they were are not recorded")

	// An official does not read the record; a stale change is refused.
	rec = f.do(t, http.MethodGet, "/api/v1/campaigns/c1/changes", "official", "")
	requireError(t, rec, http.StatusForbidden, "forbidden")
	rec = f.do(t, http.MethodPatch, "/api/v1/campaigns/c1", "office", `{"revision": 0, "name": "另一个名称"}`)
	requireError(t, rec, http.StatusConflict, "campaign_changed", "revision 1")

	// A change that changes nothing records nothing.
	rec = f.do(t, http.MethodPatch, "/api/v1/campaigns/c1", "office", `{"departments": ["城管局"]}`)
	require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
	require.Equal(t, 1, decodeAs[CampaignView](t, rec).Revision)
	rec = f.do(t, http.MethodGet, "/api/v1/campaigns/c1/changes?limit=1", "office", "")
	require.Len(t, decodeAs[changesBody](t, rec).Changes, 1)
}

func TestPatchCampaignInvalid(t *testing.T) {
	f := newFixture(t)
	tests := []struct {
		name, body string
		status     int
		code       string
		parts      []string
	}{
		{"sign days 0", `{"policy": {"sign_working_days": 0}}`, 422, "invalid_campaign", []string{"policy.sign_working_days", "between 1 and 30"}},
		{"unknown speed", `{"categories": [{"name": "形式主义", "speed": "soon"}]}`, 422, "invalid_campaign", []string{"categories[0].speed", "immediate, deadline or long_term"}},
		{"rename of nothing", `{"departments": [{"name": "城管局", "renamed_from": "城管科"}]}`, 422, "invalid_campaign",
			[]string{"departments[0].renamed_from", `"城管科" is not one of this campaign's departments`}},
		{"alias that is a department", `{"departments": [{"name": "住建局", "aliases": ["民政局"]}]}`, 422, "invalid_campaign",
			[]string{"departments[住建局].aliases", `"民政局" is already one of this campaign's departments`}},
		{"blank name", `{"name": " "}`, 422, "invalid_campaign", []string{"name is required"}},
		{"unknown field", `{"departmentz": ["城管局"]}`, 400, "unknown_field", []string{`"departmentz"`}},
		{"unknown field in an item", `{"departments": [{"name": "城管局", "alias": ["城管"]}]}`, 400, "unknown_field", []string{`"alias"`}},
		{"unknown policy field", `{"policy": {"utc_offset_seconds": 0}}`, 400, "unknown_field", []string{`"utc_offset_seconds"`}},
		{"wrong type", `{"policy": {"max_extensions": "2"}}`, 400, "malformed_json", nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rec := f.do(t, http.MethodPatch, "/api/v1/campaigns/c1", "office", tc.body)
			requireError(t, rec, tc.status, tc.code, tc.parts...)
		})
	}
	rec := f.do(t, http.MethodPatch, "/api/v1/campaigns/nope", "office", `{"name": "x"}`)
	requireError(t, rec, http.StatusNotFound, "campaign_not_found", `"nope"`)
	c, err := f.store.Campaign(context.Background(), campaignID)
	require.NoError(t, err)
	require.Zero(t, c.Revision, "nothing refused was stored")
	changes, err := f.store.CampaignChanges(context.Background(), campaignID, 0)
	require.NoError(t, err)
	require.Empty(t, changes)
}

func TestSubmittedOpinionResolvesAliasesAndWarnsOfUnknownHints(t *testing.T) {
	f := newFixture(t)
	rec := f.do(t, http.MethodPatch, "/api/v1/campaigns/c1", "office",
		`{"departments": [{"name": "住建局", "aliases": ["住房和城乡建设局"]}], "channels": ["民情走访"]}`)
	require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
	_, in := f.expectStart(t)

	rec = f.do(t, http.MethodPost, "/api/v1/campaigns/c1/opinions", "office",
		`{"key": "a", "content": "楼道灯坏了", "channel": "民情走访", "collected_at": "2025-06-09", "department": "住房和城乡建设局"}`)
	require.Equal(t, http.StatusCreated, rec.Code, rec.Body.String())
	v := decodeAs[SubmittedView](t, rec)
	require.Equal(t, deptA, v.Department, "the alias lands as the department it names")
	require.Equal(t, "民情走访", v.Channel, "the campaign's own channel")
	require.Equal(t, []service.WarningView{}, v.Warnings)

	rec = f.do(t, http.MethodPost, "/api/v1/campaigns/c1/opinions", "office",
		`{"key": "b", "content": "外星人占用车位", "channel": "热线", "collected_at": "2025-06-09", "department": "外星局", "category": "服务态度"}`)
	require.Equal(t, http.StatusCreated, rec.Code, rec.Body.String())
	v = decodeAs[SubmittedView](t, rec)
	require.Equal(t, []service.WarningView{
		{Field: "department", Code: "unknown_department",
			Message: `department: "外星局" is not one of this campaign's departments; kept as written for triage`},
		{Field: "category", Code: "unknown_category",
			Message:    `category: "服务态度" is not one of this campaign's categories; kept as written for triage, which will suggest "服务态度和效率"`,
			Suggestion: "服务态度和效率"},
	}, v.Warnings)
	require.Empty(t, v.Department)
	require.Equal(t, "外星局", in.WrittenDepartment, "the workflow keeps the text as written")
	require.Equal(t, "服务态度", in.WrittenCategory)

	rec = f.do(t, http.MethodPost, "/api/v1/campaigns/c1/opinions", "office",
		`{"key": "c", "content": "x", "channel": "来访", "collected_at": "2025-06-09"}`)
	requireError(t, rec, http.StatusUnprocessableEntity, "invalid_channel", `"来访"`, "民情走访")
}

func TestOpinionViewPreselectsTheKnownValueForATextAsWritten(t *testing.T) {
	f := newFixture(t)
	f.project(t, newOpinion("w", func(o *domain.Opinion) {
		o.WrittenDepartment, o.WrittenCategory, o.SuggestedCategory = "住房和城乡建设局", "服务态度", "群众需要解决的问题"
	}))
	f.project(t, newOpinion("x", func(o *domain.Opinion) {
		o.WrittenDepartment, o.SuggestedCategory = "房管所", "群众需要解决的问题"
	}))
	v := decodeAs[service.OpinionView](t, f.do(t, http.MethodGet, "/api/v1/opinions/w", "office", ""))
	require.Equal(t, "住房和城乡建设局", v.WrittenDepartment)
	require.Equal(t, deptA, v.SuggestedDepartment, "住建局 abbreviates it")
	require.Equal(t, "服务态度", v.WrittenCategory)
	require.Equal(t, "服务态度和效率", v.SuggestedCategory, "the written category's closest beats the keywords")
	v = decodeAs[service.OpinionView](t, f.do(t, http.MethodGet, "/api/v1/opinions/x", "office", ""))
	require.Equal(t, "房管所", v.WrittenDepartment)
	require.Empty(t, v.SuggestedDepartment, "nothing like it")
	require.Equal(t, "群众需要解决的问题", v.SuggestedCategory, "no category was written: the keywords' suggestion stays")

	// An alias added after the opinion arrived counts.
	rec := f.do(t, http.MethodPatch, "/api/v1/campaigns/c1", "office", `{"departments": [{"name": "住建局", "aliases": ["房管所"]}]}`)
	require.Equal(t, http.StatusOK, rec.Code)
	v = decodeAs[service.OpinionView](t, f.do(t, http.MethodGet, "/api/v1/opinions/x", "office", ""))
	require.Equal(t, deptA, v.SuggestedDepartment)
}

func TestActionCarriesTheCampaignsCurrentPolicyAndResolvesAliases(t *testing.T) {
	f := newFixture(t)
	rec := f.do(t, http.MethodPatch, "/api/v1/campaigns/c1", "office", `{
		"departments": [{"name": "住建局", "aliases": ["住房和城乡建设局"]}, "城管局"],
		"categories": [{"name": "窨井盖安全", "speed": "immediate", "keywords": ["井盖"], "aliases": ["井盖安全"]}]}`)
	require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())

	before := newOpinion("a")
	f.project(t, before)
	after := newOpinion("a", func(o *domain.Opinion) {
		o.State, o.Category, o.Revision = domain.StateCategorized, "窨井盖安全", 2
	})
	sent := f.expectAction(t, nil, &after)
	rec = f.do(t, http.MethodPost, "/api/v1/opinions/a/actions/categorize", "office", `{"category": "井盖安全"}`)
	require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
	req := sent.Args[0].(domain.ActionRequest)
	require.Equal(t, "窨井盖安全", req.Body.Category, "the alias is sent as the category it names")
	require.NotNil(t, req.Policy)
	cat, ok := req.Policy.Category("窨井盖安全")
	require.True(t, ok, "the category added since the opinion started travels with the action")
	require.Empty(t, cat.Keywords, "keywords stay out of the opinion's history")
	require.Equal(t, []string{"井盖安全"}, cat.Aliases)

	assigned := newOpinion("a", assigned(domain.StateAssigned, "official", deptA, "2025-06-13", domain.LevelNone), func(o *domain.Opinion) { o.Revision = 3 })
	sent = f.expectAction(t, nil, &assigned)
	rec = f.do(t, http.MethodPost, "/api/v1/opinions/a/actions/assign", "office",
		`{"department": "住房和城乡建设局", "official": "official", "leader": "leader"}`)
	require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
	req = sent.Args[0].(domain.ActionRequest)
	require.Equal(t, deptA, req.Body.Department)
	require.Equal(t, []string{"住建局", "民政局", "城管局"}, req.Policy.Departments)
	require.Nil(t, req.Policy.DepartmentAliases, "resolved here, not sent")

	// Actions the policy does not bear on carry none.
	signed := assigned
	signed.State, signed.Signed, signed.Revision, signed.UpdatedAt = domain.StateInProgress, true, 4, fixedNow.Add(time.Minute)
	sent = f.expectAction(t, nil, &signed)
	rec = f.do(t, http.MethodPost, "/api/v1/opinions/a/actions/sign", "official", "")
	require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
	require.Nil(t, sent.Args[0].(domain.ActionRequest).Policy)
}

func TestACampaignsValuesAndNamesAreBoundedWhenCreatedAndChanged(t *testing.T) {
	f := newFixture(t)
	list := func(n int, format string) string {
		items := make([]string, n)
		for i := range items {
			items[i] = fmt.Sprintf(`"`+format+`"`, i+1)
		}
		return "[" + strings.Join(items, ",") + "]"
	}
	named := func(n int, format string) string {
		items := make([]string, n)
		for i := range items {
			items[i] = fmt.Sprintf(`{"name": "`+format+`"}`, i+1)
		}
		return "[" + strings.Join(items, ",") + "]"
	}
	huge := strings.Repeat("名", 20_000)
	for _, tt := range []struct {
		name, method, path, body string
		parts                    []string
	}{
		{"501 departments", http.MethodPost, "/api/v1/campaigns", `{"name": "x", "departments": ` + list(501, "部门%d") + `}`,
			[]string{"departments[500]", "at most 500 departments"}},
		{"201 categories", http.MethodPost, "/api/v1/campaigns", `{"name": "x", "categories": ` + named(201, "类别%d") + `}`,
			[]string{"categories[200]", "at most 200 categories"}},
		{"51 channels", http.MethodPost, "/api/v1/campaigns", `{"name": "x", "channels": ` + named(51, "渠道%d") + `}`,
			[]string{"channels[50]", "at most 50 channels"}},
		{"a huge department", http.MethodPost, "/api/v1/campaigns", `{"name": "x", "departments": ["城管科", "` + huge + `"]}`,
			[]string{"departments[1]", "longer than 100 characters"}},
		{"a campaign name with a line break", http.MethodPost, "/api/v1/campaigns", `{"name": "主题\n教育"}`,
			[]string{"name", "control character"}},
		{"a 51st channel added", http.MethodPatch, "/api/v1/campaigns/c1", `{"channels": ` + list(45, "渠道%d") + `}`,
			[]string{"channels[44]", "at most 50 channels"}},
		{"a huge category name", http.MethodPatch, "/api/v1/campaigns/c1", `{"categories": [{"name": "` + huge + `"}]}`,
			[]string{"categories[0].name", "longer than 100 characters"}},
		{"a department with a NUL", http.MethodPatch, "/api/v1/campaigns/c1", `{"departments": ["城管科", "民\u0000政科"]}`,
			[]string{"departments[1].name", "control character"}},
		{"a channel of zero-width spaces", http.MethodPatch, "/api/v1/campaigns/c1", `{"channels": ["\u200b\u200b"]}`,
			[]string{"channels[0].name", "required"}},
		{"51 aliases", http.MethodPatch, "/api/v1/campaigns/c1", `{"departments": [{"name": "住建局", "aliases": ` + list(51, "别名%d") + `}]}`,
			[]string{"departments[0].aliases", "has 51 aliases; at most 50"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			rec := f.do(t, tt.method, tt.path, "office", tt.body)
			requireError(t, rec, http.StatusUnprocessableEntity, "invalid_campaign", tt.parts...)
			require.Less(t, rec.Body.Len(), 1000, "the answer does not repeat the value")
		})
	}
	c, err := f.store.Campaign(context.Background(), campaignID)
	require.NoError(t, err)
	require.Zero(t, c.Revision, "nothing refused was stored")
}
