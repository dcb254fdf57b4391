package api

// The API's part of the honest record (docs/rules.md): dates on days off refused
// with the next working day named, bounded campaigns, exact field names and list
// parameters, and the record itself in every opinion's view.

import (
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/mock"
	"github.com/stretchr/testify/require"

	"rectify/internal/domain"
	"rectify/internal/service"
)

// --- 4. deadlines fall on working days ---

func TestADateOnADayOffIsRefusedNamingTheNextWorkingDay(t *testing.T) {
	inProgress := newOpinion("a", assigned(domain.StateInProgress, "official", deptA, "2025-06-20", domain.LevelNone))
	categorized := newOpinion("a", func(o *domain.Opinion) {
		o.State, o.Category = domain.StateCategorized, "群众需要解决的问题"
	})
	closed := newOpinion("a", assigned(domain.StateClosed, "official", deptA, "2025-06-20", domain.LevelNone))
	tests := []struct {
		name   string
		before domain.Opinion
		as     string
		action string
		body   string
		code   string
		parts  []string
	}{
		{"assign on New Year's Day 2027", categorized, "office", "assign",
			`{"department": "住建局", "official": "official", "leader": "leader", "deadline": "2027-01-01"}`,
			"deadline_not_workday", []string{"deadline 2027-01-01 is not a working day", "元旦", "the next working day is 2027-01-04"}},
		{"assign on a Saturday", categorized, "office", "assign",
			`{"department": "住建局", "official": "official", "leader": "leader", "deadline": "2025-06-21"}`,
			"deadline_not_workday", []string{"2025-06-21", "a Saturday", "2025-06-23"}},
		{"an extension into the National Day week", inProgress, "official", "request-extension",
			`{"until": "2025-10-03", "reason": "需协调"}`,
			"until_not_workday", []string{"until 2025-10-03", "国庆节", "2025-10-09"}},
		{"reopen on a Sunday", closed, "leader", "reopen",
			`{"reason": "反弹", "deadline": "2025-06-22"}`,
			"deadline_not_workday", []string{"a Sunday", "2025-06-23"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			f.project(t, tt.before)
			rec := f.do(t, http.MethodPost, "/api/v1/opinions/a/actions/"+tt.action, tt.as, tt.body)
			requireError(t, rec, http.StatusUnprocessableEntity, tt.code, tt.parts...)
			f.temporal.AssertNotCalled(t, "UpdateWorkflow", mock.Anything, mock.Anything)
		})
	}
}

// A 调休 weekend day is a working day; a request the workflow refuses anyway (a
// date out of bounds or in the past, a reason missing) goes to the workflow, which
// says why in its own words.
func TestWorkingDaysAndDatesTheWorkflowJudgesGoThrough(t *testing.T) {
	for _, body := range []string{
		`{"until": "2025-09-28", "reason": "调休上班日"}`, // Sunday, a make-up working day
		`{"until": "2025-05-31", "reason": "过去的周六"}`, // in the past: the workflow refuses
		`{"until": "9999-12-31", "reason": "很远"}`,    // a Friday, too far: the workflow refuses
		`{"until": "2025-06-28"}`,                    // a Saturday without a reason: the reason is named first
	} {
		f := newFixture(t)
		f.project(t, newOpinion("a", assigned(domain.StateInProgress, "official", deptA, "2025-06-20", domain.LevelNone)))
		sent := f.expectAction(t, rejection(domain.ErrInvalid, "judged by the workflow", "until_too_far"), nil)
		rec := f.do(t, http.MethodPost, "/api/v1/opinions/a/actions/request-extension", "official", body)
		requireError(t, rec, http.StatusUnprocessableEntity, "until_too_far", "judged by the workflow")
		require.Equal(t, "request-extension", sent.UpdateName, body)
	}
}

// --- 5. bounded input ---

func TestACampaignsOffsetMustBeWithinFourteenHours(t *testing.T) {
	f := newFixture(t)
	for _, off := range []int{-90000, 50401} {
		rec := f.do(t, http.MethodPost, "/api/v1/campaigns", "office",
			`{"name": "x", "policy": {"utc_offset_seconds": `+strconv.Itoa(off)+`}}`)
		requireError(t, rec, http.StatusUnprocessableEntity, "invalid_campaign", "policy.utc_offset_seconds", "±14 hours")
	}
	rec := f.do(t, http.MethodPost, "/api/v1/campaigns", "office", `{"name": "x", "policy": {"utc_offset_seconds": -50400}}`)
	require.Equal(t, http.StatusCreated, rec.Code, rec.Body.String())
}

// --- 6. exact names ---

func TestUnknownListParametersAreRefusedNamingThem(t *testing.T) {
	f := newFixture(t)
	seedUrgency(t, f)
	for _, tt := range []struct{ query, code string }{
		{"leaderx=leader", "unknown_parameter"},
		{"Campaign=c1", "unknown_parameter"},
		{"campaign=c1&overdue=true&sort=deadline", "unknown_parameter"},
		{"state=closed&state=received", "repeated_parameter"},
	} {
		rec := f.do(t, http.MethodGet, "/api/v1/opinions?"+tt.query, "office", "")
		requireError(t, rec, http.StatusUnprocessableEntity, tt.code)
	}
	rec := f.do(t, http.MethodGet, "/api/v1/opinions?sort=deadline", "office", "")
	requireError(t, rec, http.StatusUnprocessableEntity, "unknown_parameter", `"sort"`,
		"assignee, campaign, category, department, leader, limit, overdue, page_token, state")
	// An empty limit or page is the default, as before.
	rec = f.do(t, http.MethodGet, "/api/v1/opinions?limit=&page_token=", "office", "")
	require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
	require.Len(t, decodeAs[listBody](t, rec).Opinions, 10)
}

// A misspelt ?open= on a ledger download answered the whole ledger.
func TestTheLedgersAndChangesRefuseParametersTheyDoNotTake(t *testing.T) {
	f := newFixture(t)
	seedUrgency(t, f)
	for _, tt := range []struct{ path, code, names string }{
		{"/api/v1/campaigns/c1/ledger.csv?opne=true", "unknown_parameter", `"opne"`},
		{"/api/v1/campaigns/c1/ledger.xlsx?open=true&state=closed", "unknown_parameter", `"state"`},
		{"/api/v1/campaigns/c1/ledger?open=true&open=false", "repeated_parameter", `"open"`},
		{"/api/v1/campaigns/c1/changes?limt=5", "unknown_parameter", `"limt"`},
	} {
		rec := f.do(t, http.MethodGet, tt.path, "office", "")
		requireError(t, rec, http.StatusUnprocessableEntity, tt.code, tt.names)
	}
	rec := f.do(t, http.MethodGet, "/api/v1/campaigns/c1/ledger.csv?open=true", "office", "")
	require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
}

func TestTheLeaderFilterListsALeadersOwnItems(t *testing.T) {
	f := newFixture(t)
	seedUrgency(t, f)
	f.project(t, newOpinion("other-leader", assigned(domain.StateInProgress, "official", deptA, "2025-06-18", domain.LevelNone),
		func(o *domain.Opinion) { o.Leader = "leader9" }))
	rec := f.do(t, http.MethodGet, "/api/v1/opinions?leader=leader9", "office", "")
	require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
	require.Equal(t, []string{"other-leader"}, ids(decodeAs[listBody](t, rec).Opinions))

	rec = f.do(t, http.MethodGet, "/api/v1/opinions?leader=me&state=assigned", "leader", "")
	require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
	require.Equal(t, []string{"overdue-earlier", "due-soon"}, ids(decodeAs[listBody](t, rec).Opinions))
}

func TestFieldNamesMustMatchExactly(t *testing.T) {
	f := newFixture(t)
	f.project(t, newOpinion("a"))
	tests := []struct{ name, path, body, part string }{
		{"action", "/api/v1/opinions/a/actions/categorize", `{"CATEGORY": "制度漏洞"}`, `"CATEGORY"`},
		{"action mixed case", "/api/v1/opinions/a/actions/reject", `{"Reason": "重复"}`, `write "reason"`},
		{"campaign nested", "/api/v1/campaigns", `{"name": "x", "policy": {"Max_Extensions": 3}}`, `"policy.Max_Extensions"`},
		{"campaign in a list", "/api/v1/campaigns", `{"name": "x", "categories": [{"name": "a"}, {"Name": "b"}]}`, `"categories[1].Name"`},
		{"opinion", "/api/v1/campaigns/c1/opinions", `{"Content": "路灯坏了", "channel": "hotline", "collected_at": "2025-06-01"}`, `"Content"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := f.do(t, http.MethodPost, tt.path, "office", tt.body)
			requireError(t, rec, http.StatusBadRequest, "unknown_field", tt.part, "case-sensitive")
			f.temporal.AssertNotCalled(t, "UpdateWorkflow", mock.Anything, mock.Anything)
		})
	}
	// The same requests with the names as written in the API pass the decoder.
	rec := f.do(t, http.MethodPost, "/api/v1/campaigns", "office", `{"name": "x", "categories": [{"name": "a"}, {"name": "b"}], "policy": {"max_extensions": 3}}`)
	require.Equal(t, http.StatusCreated, rec.Code, rec.Body.String())
	// A department in a PATCH may be a bare name or an object, whose names are exact too.
	rec = f.do(t, http.MethodPatch, "/api/v1/campaigns/c1", "office", `{"departments": ["外联办", {"Name": "信访办"}]}`)
	requireError(t, rec, http.StatusBadRequest, "unknown_field", `"departments[1].Name"`)
	rec = f.do(t, http.MethodPatch, "/api/v1/campaigns/c1", "office", `{"departments": ["外联办", {"name": "信访办"}]}`)
	require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
}

// --- 1, 3, 7, 8: the record in the view ---

func TestTheViewShowsTheHonestRecord(t *testing.T) {
	f := newFixture(t)
	reached := fixedNow.Add(-72 * time.Hour)
	pass, fail := true, false
	rounds := []domain.Round{
		{Measures: "更换灯泡", Evidence: "照片1", SubmittedBy: "official", SubmittedAt: fixedNow.Add(-48 * time.Hour), Late: true,
			VerifiedBy: "verifier", Passed: &fail, Reason: "仍不亮", VerifiedAt: fixedNow.Add(-47 * time.Hour)},
		{Measures: "更换线路", Evidence: "照片2", SubmittedBy: "official", SubmittedAt: fixedNow.Add(-24 * time.Hour),
			VerifiedBy: "verifier", Passed: &pass, VerifiedAt: fixedNow.Add(-23 * time.Hour)},
	}
	callbacks := []domain.Callback{{At: fixedNow.Add(-2 * time.Hour), By: "office", Satisfaction: "basically", First: true}}
	f.project(t, newOpinion("a", assigned(domain.StateClosed, "official", deptA, "2025-06-20", domain.LevelNone),
		func(o *domain.Opinion) {
			o.ClosedAt, o.OnTime = fixedNow.Add(-time.Hour), false
			o.HighestLevel, o.HighestLevelAt = domain.LevelAccountability, reached
			o.Extensions, o.LateExtensions = 1, 1
			o.Rounds, o.Callbacks, o.WorkingDaysToClose = rounds, callbacks, 7
		}))
	f.project(t, newOpinion("old", assigned(domain.StateClosed, "official", deptA, "2025-06-20", domain.LevelNone),
		func(o *domain.Opinion) { o.ClosedAt, o.OnTime = fixedNow, true }))

	rec := f.do(t, http.MethodGet, "/api/v1/opinions/a", "leader", "")
	require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
	v := decodeAs[service.OpinionView](t, rec)
	require.Equal(t, domain.LevelNone, v.OverdueLevel)
	require.Equal(t, domain.LevelAccountability, v.HighestLevel)
	require.True(t, reached.Equal(*v.HighestLevelAt))
	require.Equal(t, 1, v.LateExtensions)
	require.False(t, *v.OnTime)
	require.Len(t, v.Rounds, 2)
	require.Equal(t, "更换灯泡", v.Rounds[0].Measures, "the first round's measures are kept")
	require.False(t, *v.Rounds[0].Passed)
	require.True(t, v.Rounds[0].Late)
	require.Equal(t, callbacks[0].Satisfaction, v.Callbacks[0].Satisfaction)
	require.True(t, v.Callbacks[0].First)
	require.Equal(t, 7, *v.WorkingDaysToClose)

	// An opinion from before the record was kept shows empty lists and no count.
	rec = f.do(t, http.MethodGet, "/api/v1/opinions/old", "leader", "")
	raw := decodeAs[map[string]any](t, rec)
	require.Equal(t, []any{}, raw["rounds"])
	require.Equal(t, []any{}, raw["callbacks"])
	require.NotContains(t, raw, "working_days_to_close")
	require.NotContains(t, raw, "highest_level")
	require.EqualValues(t, 0, raw["late_extensions"])
}
