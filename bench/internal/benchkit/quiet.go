package benchkit

import (
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"time"
)

// WaitQuiet waits, up to maxWait, until the whole machine is at most pct %
// busy over a second, and returns the last level seen: other work skews the
// figures.
func WaitQuiet(pct float64, maxWait time.Duration) float64 {
	deadline := time.Now().Add(maxWait)
	for {
		b0 := BusyTicks()
		time.Sleep(time.Second)
		busy := float64(BusyTicks()-b0) / UserHZ / float64(runtime.NumCPU()) * 100
		if busy <= pct || time.Now().After(deadline) {
			return busy
		}
	}
}

// OtherWork names the processes other than this one whose command line
// `pgrep -f` matches one of patterns, as `"pattern"(pid N)` separated by
// spaces; "" when there are none.
func OtherWork(patterns ...string) string {
	var found []string
	for _, pat := range patterns {
		out, _ := exec.Command("pgrep", "-f", pat).Output()
		for f := range strings.FieldsSeq(string(out)) {
			if pid, _ := strconv.Atoi(f); pid != os.Getpid() && pid != 0 {
				found = append(found, fmt.Sprintf("%q(pid %s)", pat, f))
			}
		}
	}
	return strings.Join(found, " ")
}

// WaitForOthers polls every 20 s, up to maxWait, while OtherWork(patterns...)
// finds something, and returns what was still running when it gave up (""
// when the machine was free).
func WaitForOthers(maxWait time.Duration, patterns ...string) string {
	deadline := time.Now().Add(maxWait)
	for {
		w := OtherWork(patterns...)
		if w == "" || time.Now().After(deadline) {
			return w
		}
		fmt.Printf("  waiting: other work runs: %s\n", w)
		time.Sleep(20 * time.Second)
	}
}
