package support

import "time"

// Metrics receives what the support domain counts, for monitoring
// (internal/metrics implements it). Labels it is given are bounded: provider
// and model names from the configuration and small fixed sets of values.
type Metrics interface {
	// AIReply records a finished reply: the provider that answered ("" if
	// none), its model, the outcome (completed, truncated or failed), the time
	// to its first token (zero if none came) and in all, and the tokens used.
	AIReply(provider, model, outcome string, ttft, total time.Duration, promptTokens, completionTokens int)
	AIRefused()                                // a reply refused by a limit
	StreamOpened(kind string)                  // "new", "join" or "resume"
	TrackStream(release func()) func()         // counts an open stream until the returned func runs
	StreamToken(issued bool)                   // a stream token issued, or refused at redemption
	KBRetrieval(d time.Duration, passages int) // retrieval for a reply's prompt
	FailedLogin(reason string)                 // "bad_credentials" or "locked_out"
	RelayFailed(op string)                     // a Redis "publish", "read", "slots" or "login_count" that failed
}

// nopMetrics records nothing: the default when no Metrics is given.
type nopMetrics struct{}

func (nopMetrics) AIReply(string, string, string, time.Duration, time.Duration, int, int) {}
func (nopMetrics) AIRefused()                                                             {}
func (nopMetrics) StreamOpened(string)                                                    {}
func (nopMetrics) TrackStream(release func()) func()                                      { return release }
func (nopMetrics) StreamToken(bool)                                                       {}
func (nopMetrics) KBRetrieval(time.Duration, int)                                         {}
func (nopMetrics) FailedLogin(string)                                                     {}
func (nopMetrics) RelayFailed(string)                                                     {}

func orNop(m Metrics) Metrics {
	if m == nil {
		return nopMetrics{}
	}
	return m
}

// replyOutcome names a concluded reply's outcome for AIReply.
func replyOutcome(r *AIReply) string {
	switch {
	case r.Status != ReplyCompleted:
		return "failed"
	case r.Meta.Truncated:
		return "truncated"
	}
	return "completed"
}

// observeReply records a concluded reply.
func (a *Assistant) observeReply(r *AIReply) {
	a.metrics.AIReply(r.Meta.Provider, r.Meta.Model, replyOutcome(r), r.Meta.TimeToFirstToken, r.Meta.TotalTime,
		r.Meta.PromptTokens, r.Meta.CompletionTokens)
}

// refused counts err when it is a limit refusing a reply, and returns it.
func (a *Assistant) refused(err error) error {
	if ErrorCode(err) == CodeRateLimited {
		a.metrics.AIRefused()
	}
	return err
}
