package main

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/supportd/supportd/bench/internal/benchkit"
)

// testsRunning reports whether `pgrep -f "go test"` finds a process (other
// than this program, whose command line does not contain it).
func testsRunning() bool {
	return benchkit.OtherWork("go test") != ""
}

// waitTests waits, polling every 20 s and at most maxWait, while a `go test`
// runs on the machine (it shares the 2 cores), and says what it did.
func waitTests(maxWait time.Duration) {
	deadline := time.Now().Add(maxWait)
	waited := false
	for testsRunning() {
		if time.Now().After(deadline) {
			fmt.Println("  a `go test` is still running after", maxWait, "- measuring anyway (figures overlap other load)")
			return
		}
		if !waited {
			fmt.Println("  waiting for a running `go test` to end (poll every 20 s)...")
			waited = true
		}
		time.Sleep(20 * time.Second)
	}
	if waited {
		fmt.Println("  no `go test` running any more")
	}
}

// loadWatch samples, every second during a measurement, whether a `go test`
// runs: a run that overlapped one is reported as such.
type loadWatch struct {
	stop chan struct{}
	done chan bool
}

func watchLoad() *loadWatch {
	w := &loadWatch{stop: make(chan struct{}), done: make(chan bool, 1)}
	go func() {
		seen := testsRunning()
		t := time.NewTicker(time.Second)
		defer t.Stop()
		for {
			select {
			case <-w.stop:
				w.done <- seen
				return
			case <-t.C:
				seen = seen || testsRunning()
			}
		}
	}()
	return w
}

// end reports whether a `go test` ran at any sample.
func (w *loadWatch) end() bool {
	close(w.stop)
	return <-w.done
}

func has(list, item string) bool { return slices.Contains(strings.Split(list, ","), item) }

func ms(d time.Duration) string { return fmt.Sprintf("%.1f", float64(d.Microseconds())/1000) }
