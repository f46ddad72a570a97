// Package logtest keeps what a test's logger writes, for assertions, safely for
// the goroutines of the code under test.
package logtest

import (
	"bytes"
	"strings"
	"sync"
)

// Buffer is an io.Writer that goroutines may write while a test reads it.
type Buffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *Buffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

// String returns everything written so far.
func (b *Buffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// Lines returns the lines holding every one of parts.
func (b *Buffer) Lines(parts ...string) []string {
	var out []string
next:
	for line := range strings.SplitSeq(b.String(), "\n") {
		for _, p := range parts {
			if !strings.Contains(line, p) {
				continue next
			}
		}
		out = append(out, line)
	}
	return out
}

// Count returns how many lines hold s.
func (b *Buffer) Count(s string) int { return len(b.Lines(s)) }
