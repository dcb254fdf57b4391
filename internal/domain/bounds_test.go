package domain

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/temporal"
)

// An extension requested before dates were bounded may name a date the ladder
// cannot reach; it can still be refused, but never approved.
func TestAPendingExtensionBeyondTheBoundsCanBeRefusedNotApproved(t *testing.T) {
	o := &Opinion{
		ID: "o1", State: StateInProgress, Official: "official", Leader: "leader",
		Schedule:         Schedule{Deadline: "2026-10-12"},
		PendingExtension: &Extension{Until: "9999-12-31", Reason: "r", RequestedBy: "official"},
	}
	p := Policy{Categories: []CategoryPolicy{{Name: "c"}}, MaxExtensions: 2, UTCOffsetSeconds: 8 * 3600}
	leader := Actor{Username: "leader", Roles: []Role{RoleLeader}}
	now := time.Date(2026, 9, 22, 3, 0, 0, 0, time.UTC)
	yes, no := true, false

	err := Validate(o, p, ActionDecideExtension, ActionRequest{Actor: leader, Body: ActionBody{Approve: &yes}}, now)
	var appErr *temporal.ApplicationError
	require.ErrorAs(t, err, &appErr)
	require.Equal(t, ErrInvalid, appErr.Type())
	require.Equal(t, "the requested date 9999-12-31 is more than 5 years ahead (the latest date accepted today is 2031-09-22); refuse the request and ask for another date", appErr.Message())
	var code string
	require.NoError(t, appErr.Details(&code))
	require.Equal(t, "until_too_far", code)

	require.NoError(t, Validate(o, p, ActionDecideExtension, ActionRequest{Actor: leader, Body: ActionBody{Approve: &no, Reason: "日期有误"}}, now))
	// A handler re-checking an action recorded before the bounds replays it as it ran.
	require.NoError(t, Check(o, p, ActionDecideExtension, ActionRequest{Actor: leader, Body: ActionBody{Approve: &yes}}, now, false))
}

// A campaign stored with an offset beyond ±14 h (before campaigns were bounded) can
// still have its opinions cancelled or rejected; only what may set a deadline in its
// time is refused.
func TestACampaignOffsetBeyondTheBoundsRefusesOnlyWhatSetsADeadline(t *testing.T) {
	o := &Opinion{ID: "o1", State: StateCategorized, Category: "c", CollectedAt: "2026-09-01"}
	p := Policy{Categories: []CategoryPolicy{{Name: "c"}}, UTCOffsetSeconds: -90000}
	office := Actor{Username: "office", Roles: []Role{RoleOffice}}
	now := time.Date(2026, 9, 22, 3, 0, 0, 0, time.UTC)

	require.NoError(t, Validate(o, p, ActionCancel, ActionRequest{Actor: office, Body: ActionBody{Reason: "撤销"}}, now))
	err := Validate(o, p, ActionAssign, ActionRequest{Actor: office, Body: ActionBody{Department: "d", Official: "a", Leader: "b"}}, now)
	var appErr *temporal.ApplicationError
	require.ErrorAs(t, err, &appErr)
	var code string
	require.NoError(t, appErr.Details(&code))
	require.Equal(t, "campaign_offset_invalid", code)
}
