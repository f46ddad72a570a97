package delivery

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/riverqueue/river"

	"github.com/supportd/supportd/internal/netguard"
	"github.com/supportd/supportd/internal/support"
	"github.com/supportd/supportd/internal/webhook/signature"
)

// Args is a delivery job: one event to one endpoint. The body is built when
// the job is enqueued and kept with it, so every attempt sends the same bytes.
type Args struct {
	EndpointID string                 `json:"endpoint_id"`
	EventID    int64                  `json:"event_id"`
	Trigger    support.WebhookTrigger `json:"trigger"`
	Body       []byte                 `json:"body"`
}

// Kind names delivery jobs in River's tables.
func (Args) Kind() string { return "webhook_delivery" }

// InsertOpts puts deliveries on their own queue with their retry budget.
func (Args) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: QueueName, MaxAttempts: MaxAttempts}
}

// QueueName is the River queue deliveries run on.
const QueueName = "webhooks"

// RequestTimeout bounds one attempt, from dialling to the end of the answer.
const RequestTimeout = 15 * time.Second

// recordTimeout is what a job run has beyond its request to record it.
const recordTimeout = 15 * time.Second

// Signer gives the secrets a delivery to an endpoint is signed with
// (support.WebhookService).
type Signer interface {
	ActiveSecrets(e *support.WebhookEndpoint, now time.Time) ([]signature.Secret, error)
}

// Observer counts deliveries by outcome (the metrics); nil counts nothing.
type Observer interface {
	WebhookAttempt(outcome string, d time.Duration)
}

// Outcomes of an attempt, as Observer receives them.
const (
	OutcomeDelivered = "delivered" // a 2xx answer
	OutcomeFailed    = "failed"    // any other answer, or none
	OutcomeGone      = "gone"      // 410: the endpoint is disabled
)

// worker sends delivery jobs.
type worker struct {
	river.WorkerDefaults[Args]
	store        Store
	signer       Signer
	client       *http.Client
	timeout      time.Duration // of one request
	observer     Observer
	log          *slog.Logger
	now          func() time.Time
	retryBase    time.Duration
	disableAfter time.Duration
}

// Timeout bounds a job run (River cancels its context after it).
func (w *worker) Timeout(*river.Job[Args]) time.Duration { return w.timeout + recordTimeout }

// NextRetry follows the schedule of retry.go, on River's clock (the real one).
func (w *worker) NextRetry(job *river.Job[Args]) time.Time {
	return time.Now().Add(retryWait(w.retryBase, job.Attempt))
}

// Work makes one attempt and records it. A 2xx completes the job; 410
// disables the endpoint; any other answer, or none, is retried (after the
// receiver's Retry-After when it sends one), until the schedule runs out or
// the endpoint has failed for longer than disableAfter.
func (w *worker) Work(ctx context.Context, job *river.Job[Args]) error {
	endpoint, err := w.store.WebhookEndpointByID(ctx, job.Args.EndpointID)
	if errors.Is(err, support.ErrNotFound) {
		return river.JobCancel(errors.New("the endpoint was deleted"))
	}
	if err != nil {
		return fmt.Errorf("load endpoint: %w", err)
	}
	if !endpoint.Enabled {
		return river.JobCancel(errors.New("the endpoint is disabled"))
	}
	res := w.send(ctx, endpoint, job)
	attempt := support.WebhookAttempt{EndpointID: endpoint.ID, EventID: job.Args.EventID, MessageID: MessageID(job.Args.EventID),
		Attempt: job.Attempt, Trigger: job.Args.Trigger, Succeeded: res.ok(), StatusCode: res.status, Error: res.err,
		Duration: res.duration, ResponseExcerpt: res.excerpt, CreatedAt: res.started}
	// Recorded even when the attempt was cut off by a shutdown.
	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), recordTimeout)
	defer cancel()
	if err := w.store.RecordWebhookAttempt(rctx, &attempt); err != nil {
		w.log.ErrorContext(ctx, "recording a webhook attempt failed", "webhook_id", endpoint.ID, "event_id", job.Args.EventID, "error", err)
	}
	return w.settle(rctx, endpoint, job, res)
}

// settle turns an attempt's result into what River does next.
func (w *worker) settle(ctx context.Context, endpoint *support.WebhookEndpoint, job *river.Job[Args], res result) error {
	switch {
	case res.ok():
		w.observe(OutcomeDelivered, res.duration)
		if endpoint.FailingSince.IsZero() {
			return nil
		}
		if err := w.store.MarkWebhookHealthy(ctx, endpoint.ID); err != nil {
			w.log.WarnContext(ctx, "clearing a webhook's failure time failed", "webhook_id", endpoint.ID, "error", err)
		}
		return nil
	case res.status == http.StatusGone:
		w.observe(OutcomeGone, res.duration)
		w.disable(ctx, endpoint.ID, "the receiver answered 410 Gone")
		return river.JobCancel(errors.New("the receiver answered 410 Gone; endpoint disabled"))
	}
	w.observe(OutcomeFailed, res.duration)
	since, err := w.store.MarkWebhookFailing(ctx, endpoint.ID, res.started)
	if err == nil && res.started.Sub(since) >= w.disableAfter {
		w.disable(ctx, endpoint.ID, fmt.Sprintf("every delivery has failed since %s (last: %s)",
			since.UTC().Format(time.RFC3339), res.summary()))
		return river.JobCancel(fmt.Errorf("endpoint disabled after failing since %s", since.UTC().Format(time.RFC3339)))
	}
	if res.retryAfter > 0 && job.Attempt < job.MaxAttempts {
		return river.JobSnooze(res.retryAfter)
	}
	return errors.New(res.summary())
}

// disable turns the endpoint off with reason, unless it is off already.
func (w *worker) disable(ctx context.Context, id, reason string) {
	now := w.now().UTC()
	_, err := w.store.UpdateWebhookEndpoint(ctx, id, func(e *support.WebhookEndpoint) error {
		if e.Enabled {
			e.Enabled, e.DisabledReason, e.DisabledAt, e.UpdatedAt = false, reason, now, now
		}
		return nil
	})
	if err != nil {
		w.log.ErrorContext(ctx, "disabling a failing webhook endpoint failed", "webhook_id", id, "error", err)
		return
	}
	w.log.WarnContext(ctx, "webhook endpoint disabled", "webhook_id", id, "reason", reason)
}

func (w *worker) observe(outcome string, d time.Duration) {
	if w.observer != nil {
		w.observer.WebhookAttempt(outcome, d)
	}
}

// result is what one attempt found.
type result struct {
	started    time.Time
	duration   time.Duration
	status     int    // 0: no answer
	err        string // why there was no answer
	excerpt    string
	retryAfter time.Duration
}

func (r result) ok() bool { return r.status >= 200 && r.status < 300 }

// summary is the result in a few words, for errors and reasons.
func (r result) summary() string {
	if r.status == 0 {
		return r.err
	}
	return "HTTP " + strconv.Itoa(r.status)
}

// send makes the request: POST, the signed headers, the stored body.
func (w *worker) send(ctx context.Context, endpoint *support.WebhookEndpoint, job *river.Job[Args]) result {
	res := result{started: w.now().UTC()}
	secrets, err := w.signer.ActiveSecrets(endpoint, res.started)
	if err != nil {
		res.err = "the endpoint's secret cannot be opened (was SECRET_KEY changed?)"
		return res
	}
	ctx, cancel := context.WithTimeout(ctx, w.timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, endpoint.URL, bytes.NewReader(job.Args.Body))
	if err != nil {
		res.err = "invalid endpoint URL"
		return res
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "supportd-webhooks/1")
	if err := signature.Headers(req.Header, secrets, MessageID(job.Args.EventID), res.started, job.Args.Body); err != nil {
		res.err = "signing failed: " + err.Error()
		return res
	}
	resp, err := w.client.Do(req)
	res.duration = time.Since(res.started)
	if err != nil {
		res.err = describeError(err, w.timeout)
		return res
	}
	defer resp.Body.Close()
	res.status = resp.StatusCode
	res.excerpt = readExcerpt(resp.Body)
	res.retryAfter = parseRetryAfter(resp.Header.Get("Retry-After"), w.now())
	res.duration = time.Since(res.started)
	return res
}

// readExcerpt keeps the start of an answer, valid UTF-8, and reads a little
// more so that the connection can be reused.
func readExcerpt(body io.Reader) string {
	b, _ := io.ReadAll(io.LimitReader(body, support.MaxWebhookResponseExcerpt))
	_, _ = io.Copy(io.Discard, io.LimitReader(body, 64<<10))
	if n := len(b); n > 0 { // the limit may split the last character: drop its start
		start := n - 1
		for start > 0 && n-start < utf8.UTFMax && !utf8.RuneStart(b[start]) {
			start--
		}
		if !utf8.FullRune(b[start:]) {
			b = b[:start]
		}
	}
	return strings.ToValidUTF8(string(b), "\uFFFD")
}

// maxRetryAfter caps how long a receiver's Retry-After may hold a delivery.
const maxRetryAfter = 12 * time.Hour

// parseRetryAfter reads delay-seconds or an HTTP date; 0 when absent or past.
func parseRetryAfter(v string, now time.Time) time.Duration {
	if v == "" {
		return 0
	}
	var d time.Duration
	if secs, err := strconv.Atoi(strings.TrimSpace(v)); err == nil {
		d = time.Duration(secs) * time.Second
	} else if t, err := http.ParseTime(v); err == nil {
		d = t.Sub(now)
	}
	return min(max(d, 0), maxRetryAfter)
}

// describeError says why no answer came, without Go's call chain.
func describeError(err error, timeout time.Duration) string {
	var netErr net.Error
	switch {
	case errors.Is(err, netguard.ErrForbiddenAddress):
		return "refused: the endpoint resolves to a forbidden address"
	case errors.Is(err, context.DeadlineExceeded), errors.As(err, &netErr) && netErr.Timeout():
		return "no answer within " + timeout.String()
	}
	var opErr *net.OpError
	if errors.As(err, &opErr) && opErr.Err != nil {
		return "connection failed: " + opErr.Err.Error()
	}
	return "request failed: " + err.Error()
}
