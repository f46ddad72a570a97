package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/coder/websocket"
	"github.com/supportd/supportd/bench/internal/benchkit"
)

// fleet is the benchmark's WebSockets: each is read by a goroutine of its own,
// which times every "message" event it receives.
type fleet struct {
	url    string
	hc     *http.Client
	ctx    context.Context // ends every socket
	cancel context.CancelFunc
	wg     sync.WaitGroup

	mu     sync.Mutex
	conns  []*websocket.Conn
	delays []time.Duration // arrival - created_at, one per message event
	arrive []time.Duration // arrival - since, one per message event
	since  time.Time       // the last reset
	other  int             // events of other types
	ended  map[string]int  // sockets the server ended, by close status or error
}

func newFleet(base string) *fleet {
	ctx, cancel := context.WithCancel(context.Background())
	tr := &http.Transport{Proxy: nil, DialContext: (&net.Dialer{Timeout: 10 * time.Second}).DialContext,
		ResponseHeaderTimeout: 30 * time.Second} // the handshake's bound: no dial context cuts a socket later
	return &fleet{url: "ws" + strings.TrimPrefix(base, "http") + "/ws", hc: &http.Client{Transport: tr},
		ctx: ctx, cancel: cancel, ended: map[string]int{}}
}

// openResult is how the opening of the sockets went.
type openResult struct {
	Opened, Failed int
	Handshake      benchkit.Pcts // request to open socket
	FailSample     []string
	Took           time.Duration
}

// open dials one socket per token, at a steady pace over ramp, each dial in its
// own goroutine (a slow handshake does not delay the next), and waits for all.
func (f *fleet) open(ctx context.Context, tokens []string, ramp time.Duration) openResult {
	var res openResult
	if len(tokens) == 0 {
		return res
	}
	var mu sync.Mutex
	var lat []time.Duration
	var wg sync.WaitGroup
	gap := ramp / time.Duration(len(tokens))
	start := time.Now()
	for i, tok := range tokens {
		if d := time.Until(start.Add(time.Duration(i) * gap)); d > 0 {
			time.Sleep(d)
		}
		if ctx.Err() != nil {
			break
		}
		wg.Go(func() {
			t := time.Now()
			err := f.dial(tok)
			took := time.Since(t)
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				res.Failed++
				if len(res.FailSample) < 3 {
					res.FailSample = append(res.FailSample, err.Error())
				}
				return
			}
			res.Opened++
			lat = append(lat, took)
		})
	}
	wg.Wait()
	res.Took, res.Handshake = time.Since(start), benchkit.Percentiles(lat)
	return res
}

func (f *fleet) dial(token string) error {
	c, _, err := websocket.Dial(f.ctx, f.url, &websocket.DialOptions{HTTPClient: f.hc,
		HTTPHeader: http.Header{"Authorization": {"Bearer " + token}}})
	if err != nil {
		return err
	}
	f.mu.Lock()
	f.conns = append(f.conns, c)
	f.mu.Unlock()
	f.wg.Go(func() { f.read(c) })
	return nil
}

// read times each event until the socket ends.
func (f *fleet) read(c *websocket.Conn) {
	var e struct {
		Type      string    `json:"type"`
		CreatedAt time.Time `json:"created_at"`
	}
	for {
		_, data, err := c.Read(f.ctx)
		at := time.Now()
		if err != nil {
			if f.ctx.Err() == nil {
				f.end(err)
			}
			return
		}
		e.Type = ""
		jerr := json.Unmarshal(data, &e)
		f.mu.Lock()
		if jerr == nil && e.Type == "message" {
			f.delays = append(f.delays, at.Sub(e.CreatedAt))
			f.arrive = append(f.arrive, at.Sub(f.since))
		} else {
			f.other++
		}
		f.mu.Unlock()
	}
}

func (f *fleet) end(err error) {
	why := err.Error()
	if s := websocket.CloseStatus(err); s != -1 {
		why = fmt.Sprintf("close %d", s)
	} else if errors.Is(err, net.ErrClosed) {
		why = "connection closed"
	}
	f.mu.Lock()
	f.ended[why]++
	f.mu.Unlock()
}

// received is how many message events arrived since the last reset.
func (f *fleet) received() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.delays)
}

// reset forgets the events received so far.
func (f *fleet) reset() {
	f.mu.Lock()
	f.delays, f.arrive, f.other, f.since = nil, nil, 0, time.Now()
	f.mu.Unlock()
}

// eventsResult is what the sockets received since the last reset.
type eventsResult struct {
	Received int
	Other    int
	Delay    benchkit.Pcts
	Ended    map[string]int
	// ByWindow: the delay's p50 and max of the events arriving in each
	// window (windowLen) since the reset, to tell a backlog that grows
	// from a steady delay.
	ByWindow []benchkit.Pcts
}

const windowLen = 5 * time.Second

func (f *fleet) result() eventsResult {
	f.mu.Lock()
	defer f.mu.Unlock()
	ended := make(map[string]int, len(f.ended))
	for k, v := range f.ended {
		ended[k] = v
	}
	var win [][]time.Duration
	for i, a := range f.arrive {
		w := max(0, int(a/windowLen))
		for len(win) <= w {
			win = append(win, nil)
		}
		win[w] = append(win[w], f.delays[i])
	}
	byWindow := make([]benchkit.Pcts, len(win))
	for i, ds := range win {
		byWindow[i] = benchkit.Percentiles(ds)
	}
	return eventsResult{Received: len(f.delays), Other: f.other, Delay: benchkit.Percentiles(f.delays), Ended: ended, ByWindow: byWindow}
}

// close drops every socket and waits for their readers.
func (f *fleet) close() {
	f.cancel()
	f.mu.Lock()
	conns := f.conns
	f.conns = nil
	f.mu.Unlock()
	for _, c := range conns {
		_ = c.CloseNow()
	}
	f.wg.Wait()
	f.hc.CloseIdleConnections()
}
