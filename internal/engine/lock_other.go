//go:build !unix

package engine

// lockPorts is a no-op where flock does not exist; ports are still chosen outside
// the ephemeral range.
func lockPorts() func() { return func() {} }
