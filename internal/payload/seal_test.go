package payload_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"rectify/internal/payload"
	"rectify/internal/payload/payloadtest"
)

// A sealed value hides what it holds, opens with the ring that sealed it, and is
// refused when it was changed or relabelled to another key.
func TestSealedValuesOpenOnlyAsWritten(t *testing.T) {
	keys := payloadtest.Keyring(t)
	sealed, err := keys.Seal([]byte(`{"dingtalk_secret":"SEC0123456789"}`))
	require.NoError(t, err)
	require.True(t, payload.IsSealed(sealed))
	require.NotContains(t, sealed, "SEC0123456789")
	plain, err := keys.Open(sealed)
	require.NoError(t, err)
	require.Equal(t, `{"dingtalk_secret":"SEC0123456789"}`, string(plain))

	tampered := sealed[:len(sealed)-2] + "AA"
	_, err = keys.Open(tampered)
	require.ErrorContains(t, err, "forged or damaged")
	id := keys.Newest().ID
	_, err = keys.Open(strings.Replace(sealed, ":"+id+":", ":other:", 1))
	require.ErrorContains(t, err, `"other"`)
	_, err = keys.Open(`{"plain":"json"}`)
	require.Error(t, err)
}
