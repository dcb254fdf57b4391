// Package buildinfo says which build a binary is: rectify's version and commit and
// the versions of the Temporal modules linked into it, all as the Go toolchain
// recorded them in the binary (runtime/debug.ReadBuildInfo), none written by hand,
// so what --version and /metrics say cannot drift from what was built.
package buildinfo

import (
	"fmt"
	"io"
	"runtime/debug"
	"strings"
)

// Unknown stands for what the binary does not record: the commit of a build made
// outside a git checkout (or with -buildvcs=false), a module not linked in.
const Unknown = "unknown"

// The modules whose versions matter to an operator: the embedded server, the SDK
// the workflows run on, and the embedded server's Web UI.
const (
	TemporalServerModule = "go.temporal.io/server"
	TemporalSDKModule    = "go.temporal.io/sdk"
	UIServerModule       = "github.com/temporalio/ui-server/v2"
)

// Info is one build of a rectify binary.
type Info struct {
	// Version is the main module's version: a tag, a pseudo-version the toolchain
	// derived from the commit, or "(devel)" when it had no VCS to ask.
	Version string
	// Revision and Time are the commit built and its time; Modified says the work
	// tree had changes not committed.
	Revision string
	Time     string
	Modified bool
	// GoVersion is the toolchain that built the binary.
	GoVersion string
	// TemporalServer, TemporalSDK and UIServer are the linked modules' versions.
	TemporalServer, TemporalSDK, UIServer string
}

// Read is the running binary's build.
func Read() Info {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return From(nil)
	}
	return From(bi)
}

// From reads what a build recorded; a nil bi (a binary built without module
// support) gives Unknown everywhere.
func From(bi *debug.BuildInfo) Info {
	i := Info{
		Version: Unknown, Revision: Unknown, Time: Unknown, GoVersion: Unknown,
		TemporalServer: Unknown, TemporalSDK: Unknown, UIServer: Unknown,
	}
	if bi == nil {
		return i
	}
	i.Version = orUnknown(bi.Main.Version)
	i.GoVersion = orUnknown(bi.GoVersion)
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			i.Revision = orUnknown(s.Value)
		case "vcs.time":
			i.Time = orUnknown(s.Value)
		case "vcs.modified":
			i.Modified = s.Value == "true"
		}
	}
	for _, d := range bi.Deps {
		version := d.Version
		if d.Replace != nil {
			// The code built is the replacement's: its version, or its folder
			// when it is a local copy, which has none.
			version = d.Replace.Version
			if version == "" {
				version = d.Replace.Path
			}
		}
		switch d.Path {
		case TemporalServerModule:
			i.TemporalServer = orUnknown(version)
		case TemporalSDKModule:
			i.TemporalSDK = orUnknown(version)
		case UIServerModule:
			i.UIServer = orUnknown(version)
		}
	}
	return i
}

func orUnknown(s string) string {
	if strings.TrimSpace(s) == "" {
		return Unknown
	}
	return s
}

// Write prints the build as --version shows it: the program and version, then
// one "name: value" line each. withTemporal adds the Temporal modules, for the
// binary that links them.
func (i Info) Write(w io.Writer, program string, withTemporal bool) error {
	lines := []struct{ name, value string }{
		{"revision", i.Revision},
		{"modified", fmt.Sprint(i.Modified)},
		{"commit time", i.Time},
		{"go", i.GoVersion},
	}
	if withTemporal {
		lines = append(lines, []struct{ name, value string }{
			{"temporal server", i.TemporalServer},
			{"temporal sdk", i.TemporalSDK},
			{"temporal ui-server", i.UIServer},
		}...)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s\n", program, i.Version)
	for _, l := range lines {
		fmt.Fprintf(&b, "  %-19s %s\n", l.name+":", l.value)
	}
	_, err := io.WriteString(w, b.String())
	return err
}
