package api

import (
	"context"
	"net/http"
	"testing"

	"github.com/stretchr/testify/mock"
	"github.com/stretchr/testify/require"
	"go.temporal.io/api/serviceerror"

	"rectify/internal/domain"
	"rectify/workflows"
)

func TestSubmittingAKeyThatBelongsToAnotherOpinionIsAConflictNamingIt(t *testing.T) {
	f := newFixture(t)
	id := domain.OpinionID(campaignID, "k-1")
	// k-1 already belongs to an opinion that says something else.
	f.project(t, newOpinion(id, func(o *domain.Opinion) { o.Key = "k-1" }))

	rec := f.do(t, http.MethodPost, "/api/v1/campaigns/c1/opinions", "office", validOpinion)
	requireError(t, rec, http.StatusConflict, "key_conflict", `key "k-1"`, id, "content, collected_at, phone")
	require.NotContains(t, rec.Body.String(), "路灯", "the message names fields, never what a citizen said")
	f.temporal.AssertNotCalled(t, "ExecuteWorkflow", mock.Anything, mock.Anything, mock.Anything, mock.Anything)
	stored, err := f.store.Opinion(context.Background(), id)
	require.NoError(t, err)
	require.Equal(t, "小区路灯坏了一个月", stored.Content, "the existing opinion is untouched")
}

func TestSubmittingAKeyJustStartedWithOtherContentIsAConflict(t *testing.T) {
	f := newFixture(t)
	id := domain.OpinionID(campaignID, "k-1")
	// Someone else's start of k-1 wins the race; its workflow records it meanwhile.
	f.temporal.On("ExecuteWorkflow", mock.Anything, mock.Anything, workflows.OpinionWorkflowName, mock.Anything).
		Run(func(mock.Arguments) {
			f.project(t, newOpinion(id, func(o *domain.Opinion) { o.Key = "k-1" }))
		}).Return(nil, serviceerror.NewWorkflowExecutionAlreadyStarted("started", "", ""))

	rec := f.do(t, http.MethodPost, "/api/v1/campaigns/c1/opinions", "office", validOpinion)
	requireError(t, rec, http.StatusConflict, "key_conflict", id)
}
