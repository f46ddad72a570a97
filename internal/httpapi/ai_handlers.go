package httpapi

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strconv"
	"time"

	"github.com/danielgtaylor/huma/v2"
	"github.com/danielgtaylor/huma/v2/adapters/humago"

	"github.com/supportd/supportd/internal/support"
)

// aiResponseOperation documents the reply stream (registered in routes.go).
func aiResponseOperation() huma.Operation {
	o := op(opAIResponse, http.MethodGet, "/tickets/{id}/ai-response", "Stream the AI assistant's reply (Server-Sent Events)",
		"assistant", 0, append(authenticated, map[string][]string{"streamToken": {}}), 400, 401, 404, 409, 429, 503)
	o.Description = "Streams `delta` events, then one `done` event (the stored message id, content, cited articles and " +
		"`truncated`, true when the reply reached the maximum reply size and was cut off; staff also get the provider, model " +
		"and token counts) or an `error` event. Every event has an `id`; reconnecting with `Last-Event-ID` resumes with exactly the missed " +
		"events. A request while a reply is being generated joins it. Generation continues if the client disconnects. " +
		"Browsers' EventSource can authenticate with `?stream_token=` from the stream-token operation. " +
		"A reply that fails before its first token (every AI provider down or refusing) is a 503 with `Retry-After`, not a stream."
	o.Responses = map[string]*huma.Response{
		"200": {Description: "text/event-stream of delta, done and error events", Content: map[string]*huma.MediaType{
			"text/event-stream": {Schema: &huma.Schema{Type: "string"}, Example: "id: 1\nevent: delta\ndata: {\"content\": \"Thanks for \"}\n\n"}}},
		"204": {Description: "Last-Event-ID is already the reply's final event: nothing to resume"},
	}
	return o
}

// opAIResponse is the reply stream's operation id; authenticate treats it apart.
const opAIResponse = "ai-response"

// replyStartHold is how long a reply stream's headers wait for its first event, so a
// reply failing at once is a 503 rather than a stream of one error event.
const replyStartHold = 150 * time.Millisecond

type aiResponseInput struct {
	ID          string `path:"id" doc:"Ticket id"`
	LastEventID string `header:"Last-Event-ID" doc:"Resume after this event id"`
	StreamToken string `query:"stream_token" doc:"Single-use token for clients that cannot send headers (EventSource)"`
	LastEventQ  string `query:"last_event_id" doc:"Same as Last-Event-ID, for clients that cannot send headers"`
}

func (s *Server) aiResponse(ctx context.Context, in *aiResponseInput) (*huma.StreamResponse, error) {
	if in.LastEventID == "" {
		in.LastEventID = in.LastEventQ
	}
	last, err := parseEventID("Last-Event-ID", in.LastEventID)
	if err != nil {
		return nil, s.apiError(ctx, err)
	}
	stream, err := s.deps.Assistant.Open(ctx, callerFrom(ctx), in.ID, int(last))
	if errors.Is(err, support.ErrNothingToResume) {
		return &huma.StreamResponse{Body: func(hctx huma.Context) { hctx.SetStatus(http.StatusNoContent) }}, nil
	}
	if err != nil {
		return nil, s.apiError(ctx, err)
	}
	if err := stream.Start(ctx, replyStartHold); err != nil {
		stream.Close()
		return nil, s.apiError(ctx, err)
	}
	return &huma.StreamResponse{Body: func(hctx huma.Context) { s.serveStream(hctx, stream) }}, nil
}

// staffView reports whether the request's actor sees the AI accounting of
// messages (support/policy.go).
func staffView(ctx context.Context) bool { return actorFrom(ctx).SeesAIAccounting() }

// serveStream sends the stream's response through w, on net/http's own path: the
// handler returns when the stream ends, so the request log and net/http's
// connection handling see the whole stream. With STREAM_HANDOFF an HTTP/1.1
// stream is written by a goroutine of its own instead (sse_handoff.go).
func (s *Server) serveStream(hctx huma.Context, stream *support.ReplyStream) {
	r, w := humago.Unwrap(hctx)
	h := w.Header()
	h.Set("Content-Type", "text/event-stream; charset=utf-8")
	h.Set("Cache-Control", "no-cache")
	h.Set("X-Accel-Buffering", "no")
	if s.deps.StreamHandoff && s.handOffStream(r, w, stream) {
		return
	}
	defer stream.Close()
	sink := responseSink{w: w, rc: http.NewResponseController(w)}
	w.WriteHeader(http.StatusOK)
	if sink.Flush() == nil {
		s.relayEvents(r.Context(), sink, stream)
	}
}

// eventSink is where relayEvents writes: buffered writes, one flush per burst of
// events, a deadline per write.
type eventSink interface {
	io.Writer
	Flush() error
	SetWriteDeadline(time.Time) error
}

// responseSink streams through net/http's ResponseWriter.
type responseSink struct {
	w  http.ResponseWriter
	rc *http.ResponseController
}

func (s responseSink) Write(b []byte) (int, error)        { return s.w.Write(b) }
func (s responseSink) Flush() error                       { return s.rc.Flush() }
func (s responseSink) SetWriteDeadline(t time.Time) error { return s.rc.SetWriteDeadline(t) }

// writeWait bounds one write to a stream's client.
func (s *Server) writeWait() time.Duration { return s.deps.KeepAlive + 10*time.Second }

// relayEvents writes the stream as Server-Sent Events until its final event, until
// the client leaves or until ctx ends, and reports whether the final event went
// out. The write deadline is pushed forward per write, so the server's
// WriteTimeout never cuts a stream. Events that are already waiting (a burst, or a
// client catching up) go out with one flush, not one each.
func (s *Server) relayEvents(ctx context.Context, sink eventSink, stream *support.ReplyStream) (ended bool) {
	var buf []byte
	for {
		ev, err := stream.Next(ctx, s.deps.KeepAlive)
		switch {
		case errors.Is(err, io.EOF):
			return true
		case errors.Is(err, support.ErrKeepAlive):
			_ = sink.SetWriteDeadline(time.Now().Add(s.writeWait()))
			_, err = io.WriteString(sink, ": keep-alive\n\n")
		case err != nil:
			if ctx.Err() == nil {
				s.log.WarnContext(ctx, "reply stream failed", "err", err)
				_ = sink.SetWriteDeadline(time.Now().Add(s.writeWait()))
				if _, err := sink.Write(appendEvent(nil, support.StreamEvent{Kind: support.EventError,
					Data: []byte(`{"detail":"the reply stream failed"}`)})); err == nil {
					_ = sink.Flush()
				}
			}
			return false
		default:
			buf = appendEvent(buf[:0], ev)
			_ = sink.SetWriteDeadline(time.Now().Add(s.writeWait()))
			_, err = sink.Write(buf)
			if err == nil && stream.Buffered() {
				continue // flush once the waiting events are written
			}
		}
		if err != nil || sink.Flush() != nil {
			return false // the client is gone; generation carries on without it
		}
	}
}

// appendEvent appends ev in the text/event-stream format; an event without an id
// (a stream failure) has no id line.
func appendEvent(b []byte, ev support.StreamEvent) []byte {
	if ev.ID > 0 {
		b = append(b, "id: "...)
		b = strconv.AppendInt(b, int64(ev.ID), 10)
		b = append(b, '\n')
	}
	b = append(b, "event: "...)
	b = append(b, ev.Kind...)
	b = append(b, "\ndata: "...)
	b = append(b, ev.Data...)
	return append(b, "\n\n"...)
}

type streamTokenOutput struct {
	CacheControl string `header:"Cache-Control"`
	Body         struct {
		StreamToken string `json:"stream_token"`
		ExpiresIn   int    `json:"expires_in" doc:"Seconds until the token expires"`
		URL         string `json:"url" doc:"Path to open with EventSource"`
	}
}

func (s *Server) streamToken(ctx context.Context, in *ticketIDInput) (*streamTokenOutput, error) {
	tok, err := s.deps.Assistant.IssueStreamToken(ctx, actorFrom(ctx), in.ID)
	if err != nil {
		return nil, s.apiError(ctx, err)
	}
	out := &streamTokenOutput{CacheControl: "no-store"}
	out.Body.StreamToken, out.Body.ExpiresIn = tok.Token, int(tok.ExpiresIn.Seconds())
	out.Body.URL = "/tickets/" + in.ID + "/ai-response?stream_token=" + tok.Token
	return out, nil
}
