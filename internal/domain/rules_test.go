package domain

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestAllowedOffersOnlyWhatTheValidatorsAccept(t *testing.T) {
	p := Policy{MaxExtensions: 1, Categories: []CategoryPolicy{{Name: "c"}}}
	office := Actor{Username: "office", Roles: []Role{RoleOffice}}
	official := Actor{Username: "official", Roles: []Role{RoleOfficial}}
	other := Actor{Username: "official2", Roles: []Role{RoleOfficial}}
	leader := Actor{Username: "leader", Roles: []Role{RoleLeader}}
	verifier := Actor{Username: "verifier", Roles: []Role{RoleVerifier}}

	received := &Opinion{State: StateReceived}
	require.Equal(t, []Action{ActionCategorize, ActionMerge, ActionReject, ActionResolve, ActionCancel, ActionGroup}, Allowed(received, p, office),
		"no assign before a category is confirmed; a fix on the spot names its category")
	require.Empty(t, Allowed(received, p, official))

	categorized := &Opinion{State: StateCategorized, Category: "c"}
	require.Contains(t, Allowed(categorized, p, office), ActionAssign)
	require.Contains(t, Allowed(categorized, p, office), ActionResolve)
	require.NotContains(t, Allowed(&Opinion{State: StateAssigned, Category: "c"}, p, office), ActionResolve,
		"once with an official, the fix is theirs to submit")

	assigned := &Opinion{State: StateAssigned, Category: "c", Official: "official", Leader: "leader"}
	require.Equal(t, []Action{ActionSign, ActionReturn, ActionRequestExtension}, Allowed(assigned, p, official))
	require.Empty(t, Allowed(assigned, p, other), "only the assigned official")

	pending := &Opinion{State: StateInProgress, Category: "c", Official: "official", Leader: "leader",
		PendingExtension: &Extension{Until: "2026-12-01"}, Extensions: 0}
	require.Equal(t, []Action{ActionReturn, ActionSubmit}, Allowed(pending, p, official), "one extension request at a time")
	require.Equal(t, []Action{ActionDecideExtension}, Allowed(pending, p, leader))

	closed := &Opinion{State: StateClosed, Official: "official", Timeline: []Event{{Action: ActionCallback, To: StateClosed}}}
	require.Equal(t, []Action{ActionReopen}, Allowed(closed, p, office), "closed: reopened within its window")
	closed.Timeline = append(closed.Timeline, Event{Action: EventArchived, To: StateClosed})
	require.Empty(t, Allowed(closed, p, office), "its process ended with the window: nothing is offered")

	submitted := &Opinion{State: StateSubmitted, Official: "official", SubmittedBy: "official"}
	require.Equal(t, []Action{ActionVerify}, Allowed(submitted, p, verifier))
	self := Actor{Username: "official", Roles: []Role{RoleOfficial, RoleVerifier}}
	require.NotContains(t, Allowed(submitted, p, self), ActionVerify, "never one's own fix")
}
