package delivery

import (
	"math/rand/v2"
	"time"
)

// The retry schedule: each wait three times the one before, from RetryBase
// (10 s) up to 12 hours, each jittered by ±20 % so that the deliveries of a
// receiver that was down do not all come back in the same second. With
// MaxAttempts 14 the last attempt comes about three days after the first:
// 10 s, 30 s, 1.5 min, 4.5 min, 13.5 min, 40 min, 2 h, 6 h, then 12 h five times.
const (
	DefaultRetryBase = 10 * time.Second
	maxRetryWait     = 12 * time.Hour
	retryFactor      = 3
	retryJitter      = 0.2
	// MaxAttempts is how many times a delivery is tried before it is given up.
	MaxAttempts = 14
)

// retryWait is the wait after the attempt-th failed attempt (1-based).
func retryWait(base time.Duration, attempt int) time.Duration {
	wait := base
	for i := 1; i < attempt && wait < maxRetryWait; i++ {
		wait *= retryFactor
	}
	wait = min(wait, maxRetryWait)
	jitter := 1 + retryJitter*(2*rand.Float64()-1) //nolint:gosec // spreading retries needs no secrecy
	return time.Duration(float64(wait) * jitter)
}

// retryWindow is how long the schedule lasts without jitter: the time from the
// first attempt to the last.
func retryWindow(base time.Duration) time.Duration {
	var total time.Duration
	wait := base
	for i := 1; i < MaxAttempts; i++ {
		total += min(wait, maxRetryWait)
		if wait < maxRetryWait {
			wait *= retryFactor
		}
	}
	return total
}
