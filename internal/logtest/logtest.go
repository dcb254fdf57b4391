// Package logtest holds what tests need to read a log while it is written.
package logtest

import (
	"bytes"
	"sync"
)

// Buffer is a log the test reads while the code under test (a handler, a worker, a
// child process's output copier) writes it from other goroutines.
type Buffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *Buffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *Buffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// Tail is the end of the log, at most n bytes of it.
func (l *Buffer) Tail(n int) string {
	s := l.String()
	return s[max(0, len(s)-n):]
}
