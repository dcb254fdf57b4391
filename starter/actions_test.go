package main

import (
	"testing"

	"github.com/stretchr/testify/require"

	"rectify/internal/domain"
)

// starter refuses an action it does not list before asking the server, so its list
// must be the server's: every action, in the same order, and no other.
func TestStarterListsEveryActionTheServerTakes(t *testing.T) {
	var names []domain.Action
	for _, a := range actions {
		names = append(names, domain.Action(a.name))
	}
	require.Equal(t, domain.Actions, names)
}
