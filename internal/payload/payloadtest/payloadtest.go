// Package payloadtest is the payload key the tests share: every process of a test
// cluster is given it, and the recorded histories the replay tests read were
// encrypted with it.
package payloadtest

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"rectify/internal/payload"
)

// keyLine is the tests' key, in the key file's format.
const keyLine = "test-key AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="

// Keyring is the tests' key ring.
func Keyring(t testing.TB) *payload.Keyring {
	t.Helper()
	k, err := payload.ParseKeyring([]byte(keyLine))
	require.NoError(t, err)
	return k
}

// WriteKeyFile writes the tests' key file into dir and returns its path.
func WriteKeyFile(t testing.TB, dir string) string {
	t.Helper()
	path := filepath.Join(dir, "payload.keys")
	require.NoError(t, os.WriteFile(path, []byte(keyLine+"\n"), 0o600))
	return path
}
