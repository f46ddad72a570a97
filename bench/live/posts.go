package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/supportd/supportd/bench/internal/benchkit"
)

// target is a ticket that gets messages, and its owner's token.
type target struct{ ticketID, userID, token string }

// poster posts messages as the tickets' customers, over kept-alive connections.
type poster struct {
	base string
	hc   *http.Client
}

func newPoster(base string, maxInflight int) *poster {
	tr := &http.Transport{Proxy: nil, DialContext: (&net.Dialer{Timeout: 10 * time.Second}).DialContext,
		MaxIdleConns: maxInflight, MaxIdleConnsPerHost: maxInflight, IdleConnTimeout: 2 * time.Minute, DisableCompression: true}
	return &poster{base: base, hc: &http.Client{Transport: tr, Timeout: 30 * time.Second}}
}

// post adds a message to t's ticket; an error names what failed.
func (p *poster) post(ctx context.Context, t target, content string) error {
	body, _ := json.Marshal(map[string]string{"content": content})
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, p.base+"/tickets/"+t.ticketID+"/messages", strings.NewReader(string(body)))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+t.token)
	resp, err := p.hc.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, resp.Body)
	if resp.StatusCode != http.StatusCreated {
		return fmt.Errorf("status %d", resp.StatusCode)
	}
	return nil
}

// warmUp opens n sockets, writes a message to each one's ticket with send and
// waits for the n events: connections, pools and code paths are warm before the
// baseline (with the store writer: its NOTIFY reached supportd's LISTEN).
func warmUp(ctx context.Context, base string, send sendFunc, targets []target, n int) error {
	f := newFleet(base)
	defer f.close()
	tokens := make([]string, n)
	for i := range n {
		tokens[i] = targets[i].token
	}
	// /readyz answers before the hub has read the feed's head; until then /ws is a 503.
	t, refused := time.Now(), 0
	for err := f.dial(tokens[0]); err != nil; err = f.dial(tokens[0]) {
		if refused++; time.Since(t) > 10*time.Second {
			return fmt.Errorf("no socket opened in 10s: %w", err)
		}
		time.Sleep(10 * time.Millisecond)
	}
	fmt.Printf("first socket open %s after ready (%d refused before)\n", time.Since(t).Round(time.Millisecond), refused)
	if r := f.open(ctx, tokens[1:], 0); r.Failed > 0 {
		return fmt.Errorf("%d of %d sockets failed: %v", r.Failed, n, r.FailSample)
	}
	for i := range n {
		if err := send(ctx, targets[i], "warm-up"); err != nil {
			return fmt.Errorf("write: %w", err)
		}
	}
	for deadline := time.Now().Add(10 * time.Second); f.received() < n; time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			return fmt.Errorf("%d of %d events arrived", f.received(), n)
		}
	}
	return nil
}

// loadResult is phase 2's request side.
type loadResult struct {
	Issued, OK, Failed, Skipped int64
	Errors                      map[string]int
	Latency                     benchkit.Pcts // scheduled send to response (store writer: to commit)
	Elapsed                     time.Duration // first send to last response (or commit)
	Usage                       usage         // first send to the last event (or the drain's end)
}

// runLoad sends at o.rate for o.duration on a fixed schedule (open loop: a
// late response does not delay the next send), round-robin over targets, then
// waits up to o.drain for the sockets to receive the events of the messages
// that succeeded. supportd's and the machine's CPU and RSS are read meanwhile.
// Each message runs in a goroutine of its own, or through dispatch (the store
// writer's pool) when it is not nil.
func runLoad(ctx context.Context, send sendFunc, dispatch func(func()), f *fleet, sd *supportdProc, targets []target, o options) loadResult {
	res := loadResult{Errors: map[string]int{}}
	var mu sync.Mutex
	var lat []time.Duration
	var inflight atomic.Int64
	var wg sync.WaitGroup
	interval := time.Second / time.Duration(o.rate)
	n := int(o.duration / interval)
	meter := startMeter(sd.Pid())
	start := time.Now()
	for i := range n {
		at := start.Add(time.Duration(i) * interval)
		if d := time.Until(at); d > 0 {
			time.Sleep(d)
		}
		if ctx.Err() != nil {
			break
		}
		if inflight.Load() >= int64(o.maxInflight) {
			res.Skipped++
			continue
		}
		res.Issued++
		inflight.Add(1)
		wg.Add(1)
		job := func() {
			defer wg.Done()
			defer inflight.Add(-1)
			err := send(ctx, targets[i%len(targets)], fmt.Sprintf("live bench message %d", i))
			took := time.Since(at)
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				res.Failed++
				res.Errors[errorKind(err)]++
				return
			}
			res.OK++
			lat = append(lat, took)
		}
		if dispatch != nil {
			dispatch(job)
		} else {
			go job()
		}
	}
	wg.Wait()
	res.Elapsed, res.Latency = time.Since(start), benchkit.Percentiles(lat)
	for deadline := time.Now().Add(o.drain); f.received() < int(res.OK) && time.Now().Before(deadline); {
		time.Sleep(20 * time.Millisecond)
	}
	res.Usage = meter.stop()
	return res
}

// errorKind shortens an error for counting: statuses as they are, transport
// errors by their last part.
func errorKind(err error) string {
	s := err.Error()
	if i := strings.LastIndex(s, ": "); i >= 0 && !strings.HasPrefix(s, "status") {
		s = s[i+2:]
	}
	return s
}
