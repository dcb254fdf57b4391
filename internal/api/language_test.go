package api

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/mock"
	"github.com/stretchr/testify/require"
	"github.com/xuri/excelize/v2"
	"go.temporal.io/sdk/mocks"

	"rectify/internal/domain"
	"rectify/internal/store"
	"rectify/internal/user"
	"rectify/internal/web/i18n"
	"rectify/workflows"
)

// doIn is do with an Accept-Language header ("" sends none), through the API's
// own handler: a client that names no language reads Chinese.
func (f *fixture) doIn(t *testing.T, lang, method, path, username, body string) *httptest.ResponseRecorder {
	t.Helper()
	req := httptest.NewRequest(method, path, strings.NewReader(body))
	if strings.HasPrefix(body, "--b\r\n") {
		req.Header.Set("Content-Type", "multipart/form-data; boundary=b")
	} else if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if lang != "" {
		req.Header.Set("Accept-Language", lang)
	}
	req.Header.Set("Authorization", "Bearer "+tokenOf(username))
	rec := httptest.NewRecorder()
	f.api.Handler().ServeHTTP(rec, req)
	return rec
}

func TestARefusedActionIsAnsweredInTheCallersLanguageWithTheSameCode(t *testing.T) {
	f := newFixture(t)
	f.project(t, newOpinion("in-progress", assigned(domain.StateInProgress, "official", deptA, "2025-06-13", domain.LevelNone)))
	for _, tc := range []struct {
		name, header, lang string
		says               []string
	}{
		{"a Chinese browser", "zh-CN,zh;q=0.9,en;q=0.8", "zh-CN", []string{"整改中", "签收"}},
		{"no language named", "", "zh-CN", []string{"整改中", "签收"}},
		{"English first", "en-US,en;q=0.9,zh-CN;q=0.5", "en", []string{"“Sign for it” cannot be done to an opinion that is “In progress”"}},
		{"English only", "en", "en", []string{"Sign for it", "In progress"}},
		{"a language rectify does not speak", "fr-FR", "zh-CN", []string{"整改中"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rec := f.doIn(t, tc.header, http.MethodPost, "/api/v1/opinions/in-progress/actions/sign", "official", `{}`)
			require.Equal(t, http.StatusConflict, rec.Code, rec.Body.String())
			require.Equal(t, tc.lang, rec.Header().Get("Content-Language"))
			e := decodeAs[apiError](t, rec)
			require.Equal(t, "wrong_state", e.Error.Code, "the code is the same in every language")
			for _, s := range tc.says {
				require.Contains(t, e.Error.Message, s)
			}
			require.Equal(t, tc.lang != "en", i18n.HasHan(e.Error.Message), "a Chinese answer in Chinese, an English one without Chinese: %s", e.Error.Message)
		})
	}
	f.temporal.AssertNotCalled(t, "UpdateWorkflow", mock.Anything, mock.Anything)
}

func TestAnInvalidOpinionIsRefusedNamingItsFieldInTheCallersLanguage(t *testing.T) {
	f := newFixture(t)
	body := `{"content": "路灯坏了", "channel": "hotline", "collected_at": "2025-06-09", "phone": "12345"}`
	zh := decodeAs[apiError](t, f.doIn(t, "zh-CN", http.MethodPost, "/api/v1/campaigns/c1/opinions", "office", body))
	require.Equal(t, "invalid_phone", zh.Error.Code)
	require.Equal(t, "联系电话：应为11位手机号或带区号的固定电话，如 0373-5771293", zh.Error.Message)
	en := decodeAs[apiError](t, f.doIn(t, "en", http.MethodPost, "/api/v1/campaigns/c1/opinions", "office", body))
	require.Equal(t, "invalid_phone", en.Error.Code)
	require.Equal(t, "phone: is neither a mobile number (11 digits) nor a landline with its area code (e.g. 0373-5771293)", en.Error.Message)
}

// TestAMisspeltFieldIsNamedInChinese: a body with a field the API does not know
// is refused naming that field in Chinese too, not with the code's general text.
func TestAMisspeltFieldIsNamedInChinese(t *testing.T) {
	f := newFixture(t)
	f.project(t, newOpinion("in-progress", assigned(domain.StateInProgress, "official", deptA, "2025-06-13", domain.LevelNone)))
	for _, tc := range []struct{ body, says string }{
		{`{"measures": "已修复", "evidense": "照片"}`, "“evidense”"},
		{`{"Measures": "已修复", "evidence": "照片"}`, "“Measures”无法识别：字段名区分大小写，应写作“measures”"},
	} {
		rec := f.doIn(t, "zh-CN", http.MethodPost, "/api/v1/opinions/in-progress/actions/submit", "official", tc.body)
		e := decodeAs[apiError](t, rec)
		require.Equal(t, "unknown_field", e.Error.Code, rec.Body.String())
		require.Contains(t, e.Error.Message, tc.says)
	}
}

// brokenLedger has a good row and three broken ones: no content, a phone that is
// no number, a department the campaign does not know (a warning: imported).
const brokenLedger = "编号,意见内容,来源,收集时间,联系电话,责任单位\n" +
	"A1,路灯坏了,热线,2025-06-09,13800138000,住建局\n" +
	"A2,,热线,2025-06-09,,\n" +
	"A3,道路积水,热线,2025-06-09,12345,\n" +
	"A4,垃圾清运不及时,热线,2025-06-09,,社区居委会\n"

func TestABrokenLedgersReasonsAreChineseByDefaultAndEnglishOnRequest(t *testing.T) {
	f := newFixture(t)
	f.temporal.On("ExecuteWorkflow", mock.Anything, mock.Anything, workflows.BatchWorkflowName, mock.Anything).Return(mocks.NewWorkflowRun(t), nil)
	rec := f.uploadIn(t, "zh-CN,zh;q=0.9", campaignID, "台账.csv", brokenLedger)
	require.Equal(t, http.StatusCreated, rec.Code, rec.Body.String())
	var batch struct {
		ID         string            `json:"id"`
		Rejections []store.Rejection `json:"rejections"`
		Warnings   []store.Warning   `json:"warnings"`
	}
	require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &batch))
	require.Equal(t, "zh-CN", rec.Header().Get("Content-Language"), "every answer names its language")
	require.Len(t, batch.Rejections, 2)
	require.Equal(t, []string{"意见内容", "内容为空，请填写意见内容"}, []string{batch.Rejections[0].Column, batch.Rejections[0].Reason})
	require.Equal(t, []string{"联系电话", "应为11位手机号或带区号的固定电话，如 0373-5771293"}, []string{batch.Rejections[1].Column, batch.Rejections[1].Reason})
	require.Len(t, batch.Warnings, 1)
	require.Equal(t, "“社区居委会”不是本活动的责任部门；已按原文导入，分类时确认", batch.Warnings[0].Reason)

	// The stored batch reads in each reader's language.
	var again struct {
		Rejections []store.Rejection `json:"rejections"`
		Warnings   []store.Warning   `json:"warnings"`
	}
	rec = f.doIn(t, "en", http.MethodGet, "/api/v1/batches/"+batch.ID, "office", "")
	require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
	require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &again))
	require.Equal(t, "is empty", again.Rejections[0].Reason)
	require.Equal(t, "is neither a mobile number (11 digits) nor a landline with its area code (e.g. 0373-5771293)", again.Rejections[1].Reason)
	require.Equal(t, `"社区居委会" is not one of this campaign's departments; kept as written for triage`, again.Warnings[0].Reason)

	// The rejected-rows workbook a clerk opens in Excel: Chinese by default, and
	// in one language throughout — its sheet, its own headers, the mark of a row
	// listed for a warning and the reasons; only the ledger's cells are as written.
	download := func(lang string) (own, reasons []string) {
		t.Helper()
		rec := f.doIn(t, lang, http.MethodGet, "/api/v1/batches/"+batch.ID+"/rejections.xlsx", "office", "")
		require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
		book, err := excelize.OpenReader(bytes.NewReader(rec.Body.Bytes()))
		require.NoError(t, err)
		sheet := book.GetSheetList()[0]
		rows, err := book.GetRows(sheet)
		require.NoError(t, err)
		for _, row := range rows[1:] {
			reasons = append(reasons, row[3])
		}
		csv := f.doIn(t, lang, http.MethodGet, "/api/v1/batches/"+batch.ID+"/rejections.csv", "office", "")
		require.Equal(t, http.StatusOK, csv.Code, csv.Body.String())
		require.True(t, strings.HasPrefix(csv.Body.String(), "\uFEFF"+strings.Join(rows[0][:4], ",")+","), "the CSV speaks as the workbook: %s", csv.Body.String())
		// The reasons but the data they quote.
		written := strings.ReplaceAll(strings.Join(reasons, " "), "社区居委会", "")
		return append([]string{sheet, written}, rows[0][:4]...), reasons
	}
	own, zh := download("")
	require.Len(t, zh, 3, "two refused rows and one with a warning")
	require.Equal(t, "内容为空，请填写意见内容", zh[0])
	require.Equal(t, "应为11位手机号或带区号的固定电话，如 0373-5771293", zh[1])
	require.Equal(t, "已导入，仅提示：“社区居委会”不是本活动的责任部门；已按原文导入，分类时确认", zh[2])
	for _, w := range own {
		require.NotRegexp(t, `[A-Za-z]{2,}`, w, "a Chinese file has no English words of its own")
	}
	own, en := download("en")
	require.Equal(t, "is empty", en[0])
	require.Contains(t, en[1], "is neither a mobile number")
	require.True(t, strings.HasPrefix(en[2], "Imported, warning only: "), en[2])
	for _, w := range own {
		require.False(t, i18n.HasHan(w), "an English file has no Chinese of its own: %s", w)
	}
}

func TestAFileRefusedWholeSaysWhichColumnsAreMissingInChinese(t *testing.T) {
	f := newFixture(t)
	rec := f.uploadIn(t, "zh-CN", campaignID, "台账.csv", "序号,来源,收集时间\n1,热线,2025-06-09\n")
	require.Equal(t, http.StatusUnprocessableEntity, rec.Code, rec.Body.String())
	e := decodeAs[apiError](t, rec)
	require.Equal(t, "file_missing_column", e.Error.Code)
	require.True(t, strings.HasPrefix(e.Error.Message, "《台账.csv》：找不到包含全部必需列的表头行，缺少：意见内容（表头可写 "), e.Error.Message)
	require.Contains(t, e.Error.Message, "没有导入任何内容")
}

// Every kind of refusal — a route, a role, an unknown id, a field, a state, a
// parameter, a body — reads in the caller's language alone and with its values,
// worded as the catalogue words it: the text the web app shows for the same
// refusal (service.Error.In), so a code and its values have one wording per
// language.
// evidenceUpload is a web page named photo.jpg, uploaded as an evidence file
// (multipart, its boundary "b").
const evidenceUpload = "--b\r\nContent-Disposition: form-data; name=\"file\"; filename=\"photo.jpg\"\r\nContent-Type: image/jpeg\r\n\r\n" +
	"<!doctype html><html><body>not a photo</body></html>\r\n--b--\r\n"

func TestEveryKindOfRefusalReadsInTheCallersLanguageAloneWithItsValues(t *testing.T) {
	f := newFixture(t)
	inProgress := newOpinion("in-progress", assigned(domain.StateInProgress, "official", deptA, "2025-06-13", domain.LevelNone))
	f.project(t, inProgress)
	f.expectValidatedAction(t, inProgress, inProgress)
	f.addUser(t, user.User{Username: "admin", Name: "管理员", Roles: []domain.Role{domain.RoleAdmin}})
	roles := []i18n.Message{i18n.M("role.leader"), i18n.M("role.office")}
	for _, tc := range []struct {
		name, method, path, as, body, code string
		says                               i18n.Message // the catalogue's wording; none: the language alone is checked
	}{
		{"no such endpoint", http.MethodGet, "/api/v1/nowhere", "office", "", "not_found", i18n.M("api.no_endpoint", "GET", "/api/v1/nowhere")},
		{"no such opinion", http.MethodGet, "/api/v1/opinions/nope", "office", "", "opinion_not_found", i18n.M("api.no_such", i18n.M("api.noun.opinion"), "nope")},
		{"a role missing", http.MethodGet, "/api/v1/campaigns/" + campaignID + "/reports/progress.xlsx", "official", "", "forbidden", i18n.M("api.needs_role", roles)},
		{"an action in the wrong state", http.MethodPost, "/api/v1/opinions/in-progress/actions/sign", "official", `{}`, "wrong_state",
			i18n.M("api.wrong_state", i18n.M("action.sign"), i18n.M("state.in_progress"))},
		{"a required field", http.MethodPost, "/api/v1/opinions/in-progress/actions/return", "official", `{}`, "reason_required",
			i18n.M("api.text_required", i18n.M("api.field.reason"))},
		{"a field of the wrong type", http.MethodPost, "/api/v1/opinions/in-progress/actions/return", "official", `{"reason": 1}`, "malformed_json",
			i18n.M("api.json_type", "reason", "number", "string")},
		{"an unknown parameter", http.MethodGet, "/api/v1/opinions?bogus=1", "office", "", "unknown_parameter", i18n.Message{}},
		{"a body that is not JSON", http.MethodPost, "/api/v1/opinions/in-progress/actions/return", "official", `{"reason": }`, "malformed_json", i18n.Message{}},
		{"a campaign's setting out of its bounds", http.MethodPatch, "/api/v1/campaigns/" + campaignID, "office", `{"policy": {"sign_working_days": 31}}`, "invalid_campaign",
			i18n.M("campaign.field", "policy.sign_working_days", i18n.M("campaign.rule.between", 1, 30))},
		{"a campaign's alias that is another value", http.MethodPatch, "/api/v1/campaigns/" + campaignID, "office", `{"channels": [{"name": "visit", "aliases": ["hotline"]}]}`, "invalid_campaign",
			i18n.M("campaign.field", "channels[visit].aliases", i18n.M("campaign.rule.is_a_value", "hotline", i18n.M("campaign.kind.channels")))},
		{"a user's field", http.MethodPost, "/api/v1/users", "admin", `{"username": "wang", "roles": ["boss"]}`, "invalid_user_roles",
			i18n.M("rule.of_field", i18n.M("user.field.roles"), i18n.M("user.rule.role_unknown", "boss"))},
		{"a notification address", http.MethodPut, "/api/v1/me/notifications", "official", `{"email": "not an address", "lang": "fr"}`, "invalid_notify_address",
			i18n.M("rule.joined", i18n.M("notify.rule.email"), i18n.M("api.invalid_lang"))},
		{"an evidence file's content", http.MethodPost, "/api/v1/opinions/in-progress/attachments", "official", evidenceUpload, "attachment_type",
			i18n.M("attachment.type", "photo.jpg", i18n.M("attachment.looks.html"), i18n.M("attachment.taken"))},
		{"a campaign's settings changed meanwhile", http.MethodPatch, "/api/v1/campaigns/" + campaignID, "office", `{"revision": 7, "name": "x"}`, "campaign_changed",
			i18n.M("api.campaign_changed", 0)},
		{"a publication's period", http.MethodPost, "/api/v1/campaigns/" + campaignID + "/publications", "office",
			`{"title": "公示", "categories": ["群众需要解决的问题"], "from": "2025-06-20", "to": "2025-06-10"}`, "invalid_to",
			i18n.M("pub.to_before_from", "2025-06-10", "2025-06-20")},
	} {
		t.Run(tc.name, func(t *testing.T) {
			said := map[string]string{}
			for _, lang := range i18n.Languages {
				rec := f.doIn(t, lang, tc.method, tc.path, tc.as, tc.body)
				e := decodeAs[apiError](t, rec)
				require.Equal(t, tc.code, e.Error.Code, rec.Body.String())
				said[lang] = e.Error.Message
				if tc.says.Key != "" {
					require.Equal(t, tc.says.In(lang), e.Error.Message, "the catalogue's wording in %s", lang)
				}
			}
			require.False(t, i18n.HasHan(said[i18n.English]), "no Chinese in the English answer: %q", said[i18n.English])
			require.True(t, i18n.HasHan(said[i18n.Chinese]), "the Chinese answer is in Chinese: %q", said[i18n.Chinese])
			require.NotEqual(t, said[i18n.English], said[i18n.Chinese])
		})
	}
}
