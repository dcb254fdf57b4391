package buildinfo

import (
	"runtime"
	"runtime/debug"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestFromReadsTheCommitAndTheTemporalModules(t *testing.T) {
	bi := &debug.BuildInfo{
		GoVersion: "go1.26.8",
		Main:      debug.Module{Path: "rectify", Version: "v1.4.0"},
		Deps: []*debug.Module{
			{Path: "github.com/google/uuid", Version: "v1.6.0"},
			{Path: TemporalServerModule, Version: "v1.32.1"},
			{Path: TemporalSDKModule, Version: "v1.50.0", Replace: &debug.Module{Path: "example.org/sdk-fork", Version: "v1.50.1-fix"}},
			{Path: UIServerModule, Version: "v2.55.0", Replace: &debug.Module{Path: "../ui-server"}},
		},
		Settings: []debug.BuildSetting{
			{Key: "vcs", Value: "git"},
			{Key: "vcs.revision", Value: "efd7ee5c0ffee0123456789abcdef0123456789a"},
			{Key: "vcs.time", Value: "2026-11-02T08:00:00Z"},
			{Key: "vcs.modified", Value: "true"},
		},
	}
	require.Equal(t, Info{
		Version: "v1.4.0", Revision: "efd7ee5c0ffee0123456789abcdef0123456789a", Time: "2026-11-02T08:00:00Z", Modified: true,
		GoVersion: "go1.26.8", TemporalServer: "v1.32.1",
		TemporalSDK: "v1.50.1-fix",  // the replacement is what was built
		UIServer:    "../ui-server", // a local copy has no version: its folder says which
	}, From(bi))
}

func TestWhatABuildDoesNotRecordIsUnknown(t *testing.T) {
	want := Info{Version: Unknown, Revision: Unknown, Time: Unknown, GoVersion: Unknown,
		TemporalServer: Unknown, TemporalSDK: Unknown, UIServer: Unknown}
	require.Equal(t, want, From(nil))

	// A build outside a git checkout: no vcs settings, and the starter links no
	// Temporal server.
	got := From(&debug.BuildInfo{GoVersion: "go1.26.8", Main: debug.Module{Path: "rectify", Version: "(devel)"},
		Deps: []*debug.Module{{Path: TemporalSDKModule, Version: "v1.50.0"}}})
	require.Equal(t, "(devel)", got.Version)
	require.Equal(t, Unknown, got.Revision)
	require.Equal(t, Unknown, got.Time)
	require.False(t, got.Modified)
	require.Equal(t, Unknown, got.TemporalServer)
	require.Equal(t, "v1.50.0", got.TemporalSDK)
}

func TestReadIsThisBinarysBuild(t *testing.T) {
	i := Read()
	require.Equal(t, runtime.Version(), i.GoVersion)
	// This test binary links no Temporal module: none is made up.
	require.Equal(t, Unknown, i.TemporalServer)
}

func TestWriteShowsTemporalOnlyWhenAsked(t *testing.T) {
	i := Info{Version: "v1.4.0", Revision: "abc", Time: "2026-11-02T08:00:00Z", GoVersion: "go1.26.8",
		TemporalServer: "v1.32.1", TemporalSDK: "v1.50.0", UIServer: "v2.55.0"}
	var full, short strings.Builder
	require.NoError(t, i.Write(&full, "rectify-worker", true))
	require.NoError(t, i.Write(&short, "starter", false))
	require.Equal(t, `rectify-worker v1.4.0
  revision:           abc
  modified:           false
  commit time:        2026-11-02T08:00:00Z
  go:                 go1.26.8
  temporal server:    v1.32.1
  temporal sdk:       v1.50.0
  temporal ui-server: v2.55.0
`, full.String())
	require.Equal(t, `starter v1.4.0
  revision:           abc
  modified:           false
  commit time:        2026-11-02T08:00:00Z
  go:                 go1.26.8
`, short.String())
}
