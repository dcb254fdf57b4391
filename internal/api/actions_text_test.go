package api

import (
	"context"
	"net/http"
	"testing"

	"github.com/stretchr/testify/mock"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/mocks"

	"rectify/internal/campaign"
	"rectify/internal/domain"
)

// expectValidatedAction mocks the action's Update with the workflow's own
// validator: it judges the request the API sends against before, as the real
// workflow would, and a request it accepts is recorded as after.
func (f *fixture) expectValidatedAction(t *testing.T, before, after domain.Opinion) *domain.ActionRequest {
	t.Helper()
	sent := new(domain.ActionRequest)
	var action domain.Action
	handle := mocks.NewWorkflowUpdateHandle(t)
	handle.On("Get", mock.Anything, mock.Anything).Return(func(ctx context.Context, res any) error {
		if err := domain.Validate(&before, campaign.DefaultPolicy(), action, *sent, fixedNow); err != nil {
			return err
		}
		require.NoError(t, f.store.ProjectOpinion(ctx, after))
		*res.(*domain.ActionResult) = domain.ActionResult{State: after.State, Revision: after.Revision}
		return nil
	}).Maybe()
	f.temporal.On("UpdateWorkflow", mock.Anything, mock.Anything).
		Run(func(args mock.Arguments) {
			o := args.Get(1).(client.UpdateWorkflowOptions)
			action, *sent = domain.Action(o.UpdateName), o.Args[0].(domain.ActionRequest)
		}).
		Return(handle, nil).Maybe()
	return sent
}

func TestAnActionsRequiredTextOfInvisibleCharactersIsRefusedAsMissing(t *testing.T) {
	received := newOpinion("a")
	inProgress := newOpinion("a", assigned(domain.StateInProgress, "official", deptA, "2025-06-20", domain.LevelNone))
	for _, tt := range []struct {
		name, as, action, body, code string
		before                       domain.Opinion
	}{
		{"a reject's reason of zero-width spaces", "office", "reject", `{"reason": "\u200b\u200b"}`, "reason_required", received},
		{"a cancel's reason of a NUL", "office", "cancel", `{"reason": "\u0000"}`, "reason_required", received},
		{"a return's reason of a byte-order mark", "official", "return", `{"reason": "\ufeff"}`, "reason_required", inProgress},
		{"an extension's reason of a line separator", "official", "request-extension", `{"until": "2025-06-27", "reason": "\u2028"}`, "reason_required", inProgress},
		{"submitted measures of controls and spaces", "official", "submit", `{"measures": " \u0007\u200c ", "evidence": "照片"}`, "measures_required", inProgress},
		{"submitted evidence of fillers", "official", "submit", `{"measures": "已修复", "evidence": "\u3164\u2060"}`, "evidence_required", inProgress},
	} {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			f.project(t, tt.before)
			f.expectValidatedAction(t, tt.before, tt.before)
			rec := f.do(t, http.MethodPost, "/api/v1/opinions/a/actions/"+tt.action, tt.as, tt.body)
			requireError(t, rec, http.StatusUnprocessableEntity, tt.code)
		})
	}
}

func TestAnActionsFreeTextIsRecordedWithoutControlCharactersOrInvisibleEnds(t *testing.T) {
	f := newFixture(t)
	before := newOpinion("a", assigned(domain.StateInProgress, "official", deptA, "2025-06-20", domain.LevelNone))
	after := before
	after.State, after.Revision = domain.StateSubmitted, 2
	f.project(t, before)
	sent := f.expectValidatedAction(t, before, after)
	rec := f.do(t, http.MethodPost, "/api/v1/opinions/a/actions/submit", "official",
		`{"measures": "\ufeff更换灯具\u0000\r\n\t已通电\u200b", "evidence": "照片👨\u200d🔧 "}`)
	require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
	require.Equal(t, "更换灯具\r\n\t已通电", sent.Body.Measures, "line breaks and tabs stay; controls go; invisible ends are trimmed")
	require.Equal(t, "照片👨\u200d🔧", sent.Body.Evidence, "a joiner inside the text stays")
}
