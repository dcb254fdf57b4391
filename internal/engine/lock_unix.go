//go:build unix

package engine

import (
	"os"
	"syscall"
)

// lockPorts takes the machine-wide port lock; the returned function releases it.
// Without a writable temporary folder it goes on unlocked rather than refuse to start.
func lockPorts() func() {
	f, err := os.OpenFile(portLockPath(), os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return func() {}
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX); err != nil {
		_ = f.Close()
		return func() {}
	}
	return func() { _ = f.Close() } // closing the file releases the lock
}
