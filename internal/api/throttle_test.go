package api

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestThrottleAllowsABurstPerUserThenRefuses(t *testing.T) {
	var th throttle
	for i := range userBurst {
		require.True(t, th.allow("office"), "request %d of the burst", i+1)
	}
	require.False(t, th.allow("office"), "past the burst the user waits")
	require.True(t, th.allow("leader"), "other users keep their own budget")
}
