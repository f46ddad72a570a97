package httpapi

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/coder/websocket"
	"github.com/danielgtaylor/huma/v2"
	"github.com/danielgtaylor/huma/v2/adapters/humago"

	"github.com/supportd/supportd/internal/live"
	"github.com/supportd/supportd/internal/support"
)

// Live notifications (issue 12): GET /ws (WebSocket) and GET /events (SSE)
// push the ticket events the caller may see, from live.Hub. Both authenticate
// at the handshake with a bearer token or a single-use live token (POST
// /events/token), and resume after the id of the last event the client saw.

// LiveDeps are the live streams' parts; without a Hub the routes answer 503.
type LiveDeps struct {
	Hub    *live.Hub
	Access *support.LiveAccess
}

const (
	opLiveEvents = "live-events"
	opLiveSocket = "live-socket"

	liveReadLimit    = 64 << 10         // client messages past this close the socket with 1009
	livePingInterval = 30 * time.Second // WebSocket pings; SSE comments as often
	liveWriteWait    = 10 * time.Second // a client that takes longer to accept a message is gone
)

// WebSocket close codes past the standard ones, for the reasons a stream ends.
const closeSignedOut websocket.StatusCode = 4001 // logout, deactivation, role change: authenticate again

func (s *Server) liveRoutes() {
	huma.Register(s.api, op("live-token", http.MethodPost, "/events/token",
		"Get a single-use token to open /ws or /events from a browser (valid one minute)", liveTag,
		http.StatusCreated, authenticated, 401), s.liveToken)
	huma.Register(s.api, liveEventsOperation(), s.liveEvents)
	huma.Register(s.api, liveSocketOperation(), s.liveSocket)
}

const liveTag = "live"

// liveSecurity: a bearer token, or the single-use token in ?token=.
var liveSecurity = []map[string][]string{{"bearer": {}}, {"liveToken": {}}}

type liveTokenOutput struct {
	CacheControl string `header:"Cache-Control"`
	Body         struct {
		Token        string `json:"token"`
		ExpiresIn    int    `json:"expires_in" doc:"Seconds until the token expires"`
		WebSocketURL string `json:"websocket_url" doc:"Path to open with WebSocket (add &since=ID to resume)"`
		EventsURL    string `json:"events_url" doc:"Path to open with EventSource"`
	}
}

func (s *Server) liveToken(ctx context.Context, _ *struct{}) (*liveTokenOutput, error) {
	if s.deps.Live.Access == nil {
		return nil, s.apiError(ctx, errNoLive)
	}
	tok, err := s.deps.Live.Access.Issue(ctx, actorFrom(ctx))
	if err != nil {
		return nil, s.apiError(ctx, err)
	}
	out := &liveTokenOutput{CacheControl: "no-store"}
	out.Body.Token, out.Body.ExpiresIn = tok.Token, int(tok.ExpiresIn.Seconds())
	q := url.QueryEscape(tok.Token)
	out.Body.WebSocketURL, out.Body.EventsURL = "/ws?token="+q, "/events?token="+q
	return out, nil
}

// errNoLive answers the live routes of a server built without a hub.
var errNoLive = support.Errorf(support.CodeUnavailable, "live events are not available on this server")

// liveActor authenticates a live stream: its bearer token or, without one, its
// live token.
func (s *Server) liveActor(ctx huma.Context) (support.Actor, error) {
	if s.deps.Live.Hub == nil {
		return support.Actor{}, errNoLive
	}
	bearer := bearerToken(ctx.Header("Authorization"))
	if tok := ctx.Query("token"); bearer == "" && tok != "" {
		return s.deps.Live.Access.Redeem(ctx.Context(), tok)
	}
	return s.authenticateBearer(ctx.Context(), bearer)
}

func liveEventsOperation() huma.Operation {
	o := op(opLiveEvents, http.MethodGet, "/events", "Live ticket events as Server-Sent Events", liveTag,
		0, liveSecurity, 400, 401, 409)
	o.Description = "The events of `GET /tickets/{id}/events` for every ticket the caller may see, as they happen: " +
		"staff see all, a customer the non-internal events of their own tickets. Each SSE message has the event's id " +
		"as `id`, its type as `event` and the event as `data`. Reconnecting with `Last-Event-ID` (EventSource does it) " +
		"delivers every event missed since, once. A comment every 30 s keeps proxies from closing the stream. The " +
		"stream ends with an `end` event whose data names the reason: `signed_out` (log in again), `slow_consumer` " +
		"or `shutdown`. Resuming from further back than 10,000 events is a 409: reload, then reconnect without an id."
	o.Responses = map[string]*huma.Response{
		"200": {Description: "text/event-stream of ticket events", Content: map[string]*huma.MediaType{
			"text/event-stream": {Schema: &huma.Schema{Type: "string"}}}},
	}
	return o
}

type liveEventsInput struct {
	LastEventID string `header:"Last-Event-ID" doc:"Resume after this event id"`
	LastEventQ  string `query:"last_event_id" doc:"Same as Last-Event-ID, for clients that cannot send headers"`
	Token       string `query:"token" doc:"Single-use token from POST /events/token, for clients that cannot send headers"`
}

func (s *Server) liveEvents(ctx context.Context, in *liveEventsInput) (*huma.StreamResponse, error) {
	if in.LastEventID == "" {
		in.LastEventID = in.LastEventQ
	}
	since, err := parseEventID("Last-Event-ID", in.LastEventID)
	if err != nil {
		return nil, s.apiError(ctx, err)
	}
	sub, err := s.deps.Live.Hub.Subscribe(ctx, actorFrom(ctx), since)
	if err != nil {
		return nil, s.apiError(ctx, liveError(err))
	}
	return &huma.StreamResponse{Body: func(hctx huma.Context) {
		defer sub.Close()
		r, w := humago.Unwrap(hctx)
		s.serveLiveSSE(r.Context(), w, sub)
	}}, nil
}

// liveWriter is one transport of a live stream.
type liveWriter interface {
	event(data []byte, e *support.FeedEvent) error
	ping() error
	end(why error) // the subscription ended: tell the client why
}

// pumpLive writes the subscription's events through w, and a ping every
// livePingInterval, until the subscription, the client or a write ends.
func pumpLive(ctx context.Context, sub *live.Subscription, w liveWriter) {
	events := nextEvents(ctx, sub)
	ping := time.NewTicker(livePingInterval)
	defer ping.Stop()
	for {
		select {
		case <-ping.C:
			if w.ping() != nil {
				return
			}
		case n, ok := <-events:
			if !ok {
				return
			}
			if n.err != nil {
				w.end(n.err)
				return
			}
			data, err := json.Marshal(toEventOut(&n.event.Event))
			if err != nil || w.event(data, &n.event) != nil {
				return
			}
		}
	}
}

// sseWriter writes a live stream as Server-Sent Events.
type sseWriter struct {
	w  http.ResponseWriter
	rc *http.ResponseController
}

func (s sseWriter) write(chunk string) error {
	_ = s.rc.SetWriteDeadline(time.Now().Add(liveWriteWait)) // WriteTimeout never cuts the stream
	if _, err := io.WriteString(s.w, chunk); err != nil {
		return err
	}
	return s.rc.Flush()
}

func (s sseWriter) event(data []byte, e *support.FeedEvent) error {
	return s.write(fmt.Sprintf("id: %d\nevent: %s\ndata: %s\n\n", e.ID, e.Type, data))
}

func (s sseWriter) ping() error { return s.write(": keep-alive\n\n") }

func (s sseWriter) end(why error) {
	if reason := endReason(why); reason != "" {
		_ = s.write("event: end\ndata: {\"reason\":\"" + reason + "\"}\n\n")
	}
}

// serveLiveSSE writes the subscription's events until it or the client ends.
func (s *Server) serveLiveSSE(ctx context.Context, w http.ResponseWriter, sub *live.Subscription) {
	h := w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Accel-Buffering", "no") // nginx: do not buffer the stream
	w.WriteHeader(http.StatusOK)
	sw := sseWriter{w: w, rc: http.NewResponseController(w)}
	if sw.write(": connected\n\n") != nil {
		return
	}
	pumpLive(ctx, sub, sw)
}

func liveSocketOperation() huma.Operation {
	o := op(opLiveSocket, http.MethodGet, "/ws", "Live ticket events over a WebSocket", liveTag,
		0, liveSecurity, 400, 401, 403, 409, http.StatusUpgradeRequired)
	o.Description = "Upgrade to a WebSocket that receives, as JSON text messages, the events of " +
		"`GET /tickets/{id}/events` for every ticket the caller may see (staff: all; a customer: the non-internal " +
		"events of their own tickets). `since=ID` first delivers every event after that id, once. Browsers " +
		"authenticate with `?token=` from `POST /events/token`; the `Origin` must be this server's or one of " +
		"`ALLOWED_ORIGINS`. Messages from the client are read and ignored; one over 64 KiB closes the socket with 1009. " +
		"The server pings every 30 s. Close codes: 1001 shutdown, 1008 slow consumer, 4001 signed out (log in " +
		"again). Resuming from further back than 10,000 events is a 409 before the upgrade: reload, reconnect without since."
	o.Responses = map[string]*huma.Response{"101": {Description: "Switching Protocols: the WebSocket is open"}}
	return o
}

type liveSocketInput struct {
	Since string `query:"since" doc:"Resume after this event id"`
	Token string `query:"token" doc:"Single-use token from POST /events/token, for browsers"`
}

func (s *Server) liveSocket(ctx context.Context, in *liveSocketInput) (*huma.StreamResponse, error) {
	since, err := parseEventID("since", in.Since)
	if err != nil {
		return nil, s.apiError(ctx, err)
	}
	return &huma.StreamResponse{Body: func(hctx huma.Context) {
		r, w := humago.Unwrap(hctx)
		if !s.originAllowed(r) {
			s.writeProblem(hctx, support.Errorf(support.CodeForbidden, "origin %q may not open a WebSocket here", r.Header.Get("Origin")))
			return
		}
		// The subscription starts before the upgrade, so a refusal is still an HTTP answer.
		sub, err := s.deps.Live.Hub.Subscribe(ctx, actorFrom(ctx), since)
		if err != nil {
			s.writeProblem(hctx, liveError(err))
			return
		}
		defer sub.Close()
		conn, err := websocket.Accept(w, r, &websocket.AcceptOptions{OriginPatterns: s.originHosts()})
		if err != nil {
			return // Accept answered the client
		}
		defer conn.CloseNow()
		s.serveLiveSocket(r.Context(), conn, sub)
	}}, nil
}

// socketWriter writes a live stream as WebSocket text messages.
type socketWriter struct {
	ctx  context.Context
	conn *websocket.Conn
}

func (s socketWriter) event(data []byte, _ *support.FeedEvent) error {
	ctx, cancel := context.WithTimeout(s.ctx, liveWriteWait)
	defer cancel()
	return s.conn.Write(ctx, websocket.MessageText, data)
}

func (s socketWriter) ping() error {
	ctx, cancel := context.WithTimeout(s.ctx, liveWriteWait)
	defer cancel()
	return s.conn.Ping(ctx)
}

func (s socketWriter) end(why error) { _ = s.conn.Close(closeFor(why)) }

// serveLiveSocket writes the subscription's events to conn until one ends.
func (s *Server) serveLiveSocket(ctx context.Context, conn *websocket.Conn, sub *live.Subscription) {
	conn.SetReadLimit(liveReadLimit)
	// Client messages are read and dropped: reading is what answers pings and
	// closes, and what enforces the size limit (the library closes with 1009).
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	go func() {
		defer cancel() // the client went, or broke the limit
		for {
			if _, _, err := conn.Read(ctx); err != nil {
				return
			}
		}
	}()
	pumpLive(ctx, sub, socketWriter{ctx: ctx, conn: conn})
}

type nextEvent struct {
	event support.FeedEvent
	err   error
}

// nextEvents feeds the subscription's events into a channel, so a writer can
// wait for an event and a ping together; it closes once ctx ends or the
// subscription does (its last item carries the reason).
func nextEvents(ctx context.Context, sub *live.Subscription) <-chan nextEvent {
	out := make(chan nextEvent)
	go func() {
		defer close(out)
		for {
			e, err := sub.Next(ctx)
			select {
			case out <- nextEvent{e, err}:
			case <-ctx.Done():
				return
			}
			if err != nil {
				return
			}
		}
	}()
	return out
}

// endReason names why a subscription ended, for the SSE end event; "" when the
// client left.
func endReason(err error) string {
	switch {
	case errors.Is(err, live.ErrSignedOut):
		return "signed_out"
	case errors.Is(err, live.ErrSlowConsumer):
		return "slow_consumer"
	case errors.Is(err, live.ErrClosed):
		return "shutdown"
	}
	return ""
}

func closeFor(err error) (websocket.StatusCode, string) {
	switch reason := endReason(err); reason {
	case "signed_out":
		return closeSignedOut, reason
	case "slow_consumer":
		return websocket.StatusPolicyViolation, reason
	case "shutdown":
		return websocket.StatusGoingAway, reason
	}
	return websocket.StatusNormalClosure, ""
}

// liveError is err as an API error: a replay too long to hold is the client's
// to resolve (reload), a closed hub is a 503, one stream too many a 429.
func liveError(err error) error {
	switch {
	case errors.Is(err, live.ErrTooFarBehind):
		return support.Errorf(support.CodeConflict, "too many events missed: reload, then reconnect without an event id")
	case errors.Is(err, live.ErrClosed):
		return support.Errorf(support.CodeUnavailable, "live events are not available right now; retry")
	case errors.Is(err, live.ErrTooManyStreams):
		return support.Errorf(support.CodeRateLimited, "too many live streams open for this account: close one first")
	}
	return err
}

// parseEventID reads a stream's resume point (Last-Event-ID, since): "" is
// none (0), anything but a non-negative integer a 400 naming the parameter.
func parseEventID(name, v string) (int64, error) {
	if v == "" {
		return 0, nil
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n < 0 {
		return 0, support.Errorf(support.CodeBadRequest, "%s must be an event id from this stream", name)
	}
	return n, nil
}

// originAllowed: no Origin (not a browser), this server's own, or one of
// ALLOWED_ORIGINS ("*": any, as for CORS; the handshake still needs a token).
func (s *Server) originAllowed(r *http.Request) bool {
	origin := r.Header.Get("Origin")
	if origin == "" {
		return true
	}
	u, err := url.Parse(origin)
	if err != nil {
		return false
	}
	if strings.EqualFold(u.Host, r.Host) {
		return true
	}
	for _, allowed := range s.deps.AllowedOrigins {
		if allowed == "*" || strings.EqualFold(strings.TrimSuffix(allowed, "/"), origin) {
			return true
		}
	}
	return false
}

// originHosts are ALLOWED_ORIGINS' hosts, as the WebSocket library matches them
// (originAllowed has already checked the whole origin).
func (s *Server) originHosts() []string {
	hosts := make([]string, 0, len(s.deps.AllowedOrigins))
	for _, o := range s.deps.AllowedOrigins {
		if o == "*" {
			return []string{"*"}
		}
		if u, err := url.Parse(o); err == nil && u.Host != "" {
			hosts = append(hosts, u.Host)
		}
	}
	return hosts
}
