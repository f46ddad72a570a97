package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// arrival is one request the receiver got.
type arrival struct {
	endpoint  int    // from the URL path /e<n>
	webhookID string // the webhook-id header
	typ       string // the payload's type
	messageID string // data.new of a ticket.message event: the message's id
	createdAt time.Time
	at        time.Time
	signed    bool
}

// receiver is every endpoint's loopback receiver: it answers 200 at once and
// keeps what it got.
type receiver struct {
	srv     *httptest.Server
	mu      sync.Mutex
	got     []arrival
	seen    map[string]int // endpoint|webhook-id -> deliveries
	bad     int            // bodies that did not parse
	arrived chan struct{}
}

func newReceiver() *receiver {
	r := &receiver{seen: map[string]int{}, arrived: make(chan struct{}, 1)}
	r.srv = httptest.NewServer(http.HandlerFunc(r.serve))
	return r
}

func (r *receiver) url(endpoint int) string { return r.srv.URL + "/e" + strconv.Itoa(endpoint) }

func (r *receiver) serve(w http.ResponseWriter, req *http.Request) {
	at := time.Now()
	body, _ := io.ReadAll(req.Body)
	var p struct {
		Type string `json:"type"`
		Data struct {
			New       json.RawMessage `json:"new"`
			CreatedAt time.Time       `json:"created_at"`
		} `json:"data"`
	}
	err := json.Unmarshal(body, &p)
	d := arrival{webhookID: req.Header.Get("webhook-id"), typ: p.Type, createdAt: p.Data.CreatedAt, at: at,
		signed: req.Header.Get("webhook-signature") != ""}
	d.endpoint, _ = strconv.Atoi(strings.TrimPrefix(req.URL.Path, "/e"))
	if p.Type == "ticket.message" {
		_ = json.Unmarshal(p.Data.New, &d.messageID)
	}
	r.mu.Lock()
	r.got = append(r.got, d)
	r.seen[strconv.Itoa(d.endpoint)+"|"+d.webhookID]++
	if err != nil {
		r.bad++
	}
	r.mu.Unlock()
	select {
	case r.arrived <- struct{}{}:
	default:
	}
	w.WriteHeader(http.StatusOK)
}

// distinct is how many different (endpoint, webhook-id) arrived.
func (r *receiver) distinct() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.seen)
}

// await waits until n distinct deliveries arrived or ctx ends; it returns
// whether they did.
func (r *receiver) await(ctx context.Context, n int) bool {
	for {
		if r.distinct() >= n {
			return true
		}
		select {
		case <-r.arrived:
		case <-time.After(50 * time.Millisecond):
		case <-ctx.Done():
			return false
		}
	}
}

// take returns what arrived so far, the duplicates among it and the bodies
// that did not parse, and forgets it.
func (r *receiver) take() (got []arrival, duplicates, bad int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	got, bad = r.got, r.bad
	for _, n := range r.seen {
		duplicates += n - 1
	}
	r.got, r.seen, r.bad = nil, map[string]int{}, 0
	return got, duplicates, bad
}

func (r *receiver) close() { r.srv.Close() }

// observer counts one Service's attempts by outcome (delivery.Observer).
type observer struct {
	delivered, failed, gone atomic.Int64
}

func (o *observer) WebhookAttempt(outcome string, _ time.Duration) {
	switch outcome {
	case "delivered":
		o.delivered.Add(1)
	case "gone":
		o.gone.Add(1)
	default:
		o.failed.Add(1)
	}
}

// logCounter prints delivery's and River's warnings and errors (the Services'
// Log) and counts them by message for the report.
type logCounter struct {
	slog.Handler
	mu     sync.Mutex
	counts map[string]int
}

func newLogCounter(out io.Writer) *logCounter {
	return &logCounter{Handler: slog.NewTextHandler(out, &slog.HandlerOptions{Level: slog.LevelWarn}), counts: map[string]int{}}
}

func (l *logCounter) Handle(ctx context.Context, r slog.Record) error {
	l.mu.Lock()
	l.counts[r.Level.String()+" "+r.Message]++
	l.mu.Unlock()
	return l.Handler.Handle(ctx, r)
}

func (l *logCounter) WithAttrs(attrs []slog.Attr) slog.Handler {
	return &attrsHandler{l, l.Handler.WithAttrs(attrs)}
}

func (l *logCounter) WithGroup(name string) slog.Handler {
	return &attrsHandler{l, l.Handler.WithGroup(name)}
}

// attrsHandler is a logCounter's derived handler, counting into it.
type attrsHandler struct {
	root *logCounter
	slog.Handler
}

func (a *attrsHandler) Handle(ctx context.Context, r slog.Record) error {
	a.root.mu.Lock()
	a.root.counts[r.Level.String()+" "+r.Message]++
	a.root.mu.Unlock()
	return a.Handler.Handle(ctx, r)
}

func (a *attrsHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	return &attrsHandler{a.root, a.Handler.WithAttrs(attrs)}
}

func (a *attrsHandler) WithGroup(name string) slog.Handler {
	return &attrsHandler{a.root, a.Handler.WithGroup(name)}
}

// summary is the counts, one "N × LEVEL message" each; "none" when empty.
func (l *logCounter) summary() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.counts) == 0 {
		return "none"
	}
	var parts []string
	for _, k := range slices.Sorted(maps.Keys(l.counts)) {
		parts = append(parts, fmt.Sprintf("%d × %s", l.counts[k], k))
	}
	return strings.Join(parts, "; ")
}
