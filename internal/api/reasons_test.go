package api

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"

	"rectify/internal/domain"
	"rectify/internal/service"
)

// A reason the system gave (its history holds it in English) comes in the
// caller's language; an official's own reason as written.
func TestATimelinesSystemReasonIsInTheCallersLanguage(t *testing.T) {
	f := newFixture(t)
	f.project(t, newOpinion("a", assigned(domain.StateAssigned, "official", deptA, "2025-06-12", domain.LevelNone),
		func(o *domain.Opinion) {
			o.Revision = 3
			o.Timeline = append(o.Timeline,
				domain.Event{Seq: 2, At: fixedNow, Actor: "office", Action: domain.ActionAssign,
					From: domain.StateReceived, To: domain.StateAssigned, Reason: "属地管理"},
				domain.Event{Seq: 3, At: fixedNow, Actor: domain.SystemActor, Action: domain.EventSignOverdue,
					From: domain.StateAssigned, To: domain.StateAssigned, Reason: "not signed for by the sign-in deadline"})
		}))
	reasons := func(lang string) []string {
		rec := f.doIn(t, lang, http.MethodGet, "/api/v1/opinions/a", "official", "")
		require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
		var out []string
		for _, e := range decodeAs[service.OpinionView](t, rec).Timeline[1:] {
			out = append(out, e.Reason)
		}
		return out
	}
	require.Equal(t, []string{"属地管理", "签收期限已过，仍未签收"}, reasons("zh-CN"))
	require.Equal(t, []string{"属地管理", "not signed for by the sign-in deadline"}, reasons("en"))
}
