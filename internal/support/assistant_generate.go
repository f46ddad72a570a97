package support

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"runtime/debug"
	"time"
	"unicode/utf8"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"

	"github.com/supportd/supportd/internal/llm"
)

// doneData is the payload of the final event of a completed reply, as staff see
// it; customers get customerDoneData.
type doneData struct {
	MessageID        string     `json:"message_id"`
	Content          string     `json:"content"`
	Citations        []Citation `json:"citations"`
	Grounding        string     `json:"grounding"` // a ReplyGrounding
	Truncated        bool       `json:"truncated"`
	Provider         string     `json:"provider"`
	Model            string     `json:"model"`
	PromptTokens     int        `json:"prompt_tokens"`
	CompletionTokens int        `json:"completion_tokens"`
}

// customerDoneData is the done event without the accounting (provider, model,
// tokens) and the grounding, which only staff see.
type customerDoneData struct {
	MessageID string          `json:"message_id"`
	Content   string          `json:"content"`
	Citations json.RawMessage `json:"citations"`
	Truncated bool            `json:"truncated"`
}

func newDoneData(r *AIReply) doneData {
	cites := r.Meta.Citations
	if cites == nil {
		cites = []Citation{}
	}
	return doneData{MessageID: r.ID, Content: r.Content, Citations: cites, Grounding: string(r.Meta.Grounding), Truncated: r.Meta.Truncated,
		Provider: r.Meta.Provider, Model: r.Meta.Model, PromptTokens: r.Meta.PromptTokens, CompletionTokens: r.Meta.CompletionTokens}
}

// customerDone strips the accounting from a done event's data. The event is
// built once per reply (and relayed between instances) with everything in it;
// each customer's stream filters it as it is delivered.
func customerDone(data json.RawMessage) json.RawMessage {
	var d customerDoneData
	if err := json.Unmarshal(data, &d); err != nil {
		return json.RawMessage(`{"detail":"the reply ended"}`) // never relay what could not be filtered
	}
	if len(d.Citations) == 0 {
		d.Citations = json.RawMessage(`[]`)
	}
	b, _ := json.Marshal(d) // strings and raw JSON just decoded always marshal
	return b
}

type errorData struct {
	Detail string `json:"detail"`
}

// generate runs one reply to the end, whoever is watching, stores the outcome, then
// publishes the final event. RunReaper's heartbeat marks it alive meanwhile. ctx
// carries the values of the request that started the reply (its ids, for the
// log), not its cancellation: context.WithoutCancel of it.
func (a *Assistant) generate(ctx context.Context, g *generation, reply *AIReply, req llm.Request) {
	defer a.bg.Done()
	defer trace.SpanFromContext(ctx).End() // the ai.reply span open started
	defer a.unclaim(reply.TicketID, g)
	run := &generationRun{ctx: ctx, g: g, pub: &relayPublisher{ctx: ctx, relay: a.relay, replyID: reply.ID, log: a.log, metrics: a.metrics,
		timeout: a.cfg.RelayTimeout},
		start: time.Now(), room: a.cfg.MaxReplyBytes}
	defer a.recoverGeneration(ctx, g)
	res, err := a.stream(run, req)
	if errors.Is(err, errReplyCapped) {
		err = nil // the reply is complete as far as it goes, and says it was cut off
	}
	a.record(run, reply, req, res, err)
}

// stream runs the providers. A panic in them (a provider's bug) fails this reply
// like any provider error, never the process.
func (a *Assistant) stream(run *generationRun, req llm.Request) (res llm.Result, err error) {
	ctx, cancel := context.WithTimeout(run.ctx, a.cfg.MaxDuration)
	defer cancel()
	defer func() {
		if v := recover(); v != nil {
			a.log.ErrorContext(ctx, "panic", "in", "AI reply generation", "panic", fmt.Sprint(v), "stack", string(debug.Stack()))
			err = fmt.Errorf("generation panicked: %v", v)
		}
	}()
	if req.Declined {
		return a.decline.Stream(ctx, req, run.emit)
	}
	return a.gen.Stream(ctx, req, run.emit)
}

// recoverGeneration logs a panic raised while a reply was being stored and ends
// its streams with an error event. The reply row stays "streaming" until the
// reaper fails it.
func (a *Assistant) recoverGeneration(ctx context.Context, g *generation) {
	if v := recover(); v != nil {
		a.log.ErrorContext(ctx, "panic", "in", "AI reply generation", "panic", fmt.Sprint(v), "stack", string(debug.Stack()))
		g.finish(EventError, errorData{Detail: failureDetail("panic")})
	}
}

// errReplyCapped is emit's answer once the reply reached its maximum size: the
// provider stops generating and cancels its upstream request, whose rest is never read.
var errReplyCapped = errors.New("the reply reached its maximum size")

// generationRun is the state generate shares with its emit callback. It lives on
// the heap so that generate's frame, on the stack for the whole reply, stays small.
type generationRun struct {
	ctx       context.Context // the starting request's values, without its cancellation
	g         *generation
	pub       *relayPublisher
	start     time.Time
	ttft      time.Duration
	room      int  // bytes the reply may still grow by
	truncated bool // cut off at the maximum size
}

func (r *generationRun) emit(delta string) error {
	if r.ttft == 0 {
		r.ttft = time.Since(r.start)
	}
	if len(delta) > r.room {
		delta, r.truncated = cutUTF8(delta, r.room), true
	}
	if delta != "" {
		r.room -= len(delta)
		r.pub.delta(r.g.appendDelta(delta), delta)
	}
	if r.truncated {
		return errReplyCapped
	}
	return nil
}

// cutUTF8 returns the longest prefix of s of at most n bytes that does not split
// a UTF-8 sequence.
func cutUTF8(s string, n int) string {
	if n >= len(s) {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:max(n, 0)]
}

// record fills in the reply's text, accounting and grounding, and concludes it.
//
//go:noinline
func (a *Assistant) record(run *generationRun, reply *AIReply, req llm.Request, res llm.Result, err error) {
	reply.Content, reply.ChunkEnds = run.g.snapshot()
	cites := citations(res.Citations)
	reply.Meta = AIMeta{Provider: res.Provider, Model: res.Model, PromptTokens: res.Usage.PromptTokens,
		CompletionTokens: res.Usage.CompletionTokens, TimeToFirstToken: run.ttft, TotalTime: time.Since(run.start),
		Citations: cites, Truncated: run.truncated, Grounding: groundingOf(req, cites)}
	reply.Question, reply.Language = firstRunes(req.Question, MaxQuestionRunes), req.Language
	if run.truncated && reply.Meta.CompletionTokens == 0 {
		// The usage comes with the stream's last chunk, which a cut-off reply never reads.
		reply.Meta.CompletionTokens = llm.EstimateTokens(reply.Content)
	}
	a.conclude(run.ctx, run.g, run.pub, reply, err)
}

// conclude stores the reply's outcome and publishes the final event, in that order,
// so a client that sees "done" can read the message at once.
func (a *Assistant) conclude(ctx context.Context, g *generation, pub *relayPublisher, reply *AIReply, genErr error) {
	defer a.observeReply(reply) // as concluded: a reply that could not be stored counts as failed
	reply.FinishedAt = a.timestamp()
	var msg *Message
	if genErr == nil && reply.Content == "" {
		genErr = errors.New("the model returned an empty reply")
	}
	if genErr == nil {
		reply.Status = ReplyCompleted
		msg = &Message{ID: reply.ID, TicketID: reply.TicketID, Sender: SenderAI, Content: reply.Content,
			CreatedAt: reply.FinishedAt, AI: &reply.Meta}
	} else {
		reply.Status, reply.Error, reply.Meta.Grounding = ReplyFailed, genErr.Error(), GroundingNone
		a.log.WarnContext(ctx, "AI reply failed", "ticket_id", reply.TicketID, "reply_id", reply.ID, "err", genErr)
	}
	annotateReply(trace.SpanFromContext(ctx), reply)
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	ctx, span := a.tracer.Start(ctx, "store.finish_reply")
	err := a.replies.FinishReply(ctx, reply, msg, a.tickets.limits.MaxMessages)
	var full *Error
	if errors.As(err, &full) && full.Code == CodeInvalid { // the thread filled up during the reply
		reply.Status, reply.Error, reply.Meta.Grounding, msg = ReplyFailed, full.Message, GroundingNone, nil
		if err = a.replies.FinishReply(ctx, reply, nil, 0); err == nil {
			endSpan(span, nil)
			a.unclaim(reply.TicketID, g)
			pub.final(g.finish(EventError, errorData{Detail: full.Message}))
			return
		}
	}
	endSpan(span, err)
	if err != nil {
		a.log.ErrorContext(ctx, "storing AI reply failed", "ticket_id", reply.TicketID, "reply_id", reply.ID, "err", err)
		pub.final(g.finish(EventError, errorData{Detail: "the reply could not be saved; please try again"}))
		return
	}
	// Stop new requests from joining before the final event is out: from here on
	// they read the stored reply (or start the next one), never a finished log.
	a.unclaim(reply.TicketID, g)
	if reply.Status == ReplyCompleted {
		pub.final(g.finish(EventDone, newDoneData(reply)))
		return
	}
	pub.final(g.finish(EventError, errorData{Detail: failureDetail(reply.Error)}))
}

// annotateReply records a concluded reply's outcome on its span.
func annotateReply(span trace.Span, r *AIReply) {
	if !span.IsRecording() {
		return
	}
	span.SetAttributes(attribute.String("reply.status", string(r.Status)), attribute.String("llm.provider", r.Meta.Provider),
		attribute.String("llm.model", r.Meta.Model), attribute.Bool("reply.truncated", r.Meta.Truncated),
		attribute.Int64("reply.time_to_first_token_ms", r.Meta.TimeToFirstToken.Milliseconds()))
	if r.Status == ReplyFailed {
		span.SetStatus(codes.Error, r.Error)
	}
}

// endSpan records err, if any, on span and ends it.
func endSpan(span trace.Span, err error) {
	if err != nil {
		span.RecordError(err)
		span.SetStatus(codes.Error, err.Error())
	}
	span.End()
}

// failureDetail is what clients are told about a failed reply; internals stay in the log.
func failureDetail(internal string) string {
	if internal == "" {
		return "the reply failed"
	}
	return "the AI assistant could not complete this reply; the partial answer was not saved. Please try again."
}

// groundingOf says how a reply written for req and citing cites stood on the
// knowledge base. A failed reply has none (conclude clears it).
func groundingOf(req llm.Request, cites []Citation) ReplyGrounding {
	switch {
	case req.Declined:
		return GroundingDeclined
	case len(cites) > 0:
		return GroundingGrounded
	case len(req.Passages) > 0:
		return GroundingUngrounded
	}
	return GroundingNone
}

// firstRunes returns s cut to its first n runes.
func firstRunes(s string, n int) string {
	for i := range s {
		if n == 0 {
			return s[:i]
		}
		n--
	}
	return s
}

func citations(ps []llm.Passage) []Citation {
	seen := map[string]bool{}
	out := []Citation{}
	for _, p := range ps {
		if !seen[p.ArticleID] {
			seen[p.ArticleID] = true
			out = append(out, Citation{ArticleID: p.ArticleID, Title: p.Title})
		}
	}
	return out
}

// ReapStale fails streaming replies whose heartbeat stopped: their instance died.
func (a *Assistant) ReapStale(ctx context.Context) (int, error) {
	now := a.timestamp()
	return a.replies.FailStaleReplies(ctx, now.Add(-3*a.cfg.Heartbeat), now)
}

// ReapAll fails every streaming reply; for start-up when this instance is the only
// one using the database (embedded SQLite), where none can still be alive.
func (a *Assistant) ReapAll(ctx context.Context) (int, error) {
	now := a.timestamp()
	return a.replies.FailStaleReplies(ctx, now.Add(time.Microsecond), now)
}

// RunReaper keeps this instance's streaming replies marked alive, and fails the
// replies of instances that stopped doing so, until ctx ends.
func (a *Assistant) RunReaper(ctx context.Context) {
	t := time.NewTicker(a.cfg.Heartbeat)
	defer t.Stop()
	for beat := 0; ; beat++ {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		a.beat(ctx, beat%2 == 1)
	}
}

// beat is one round of the reaper, in a span of its own so its log lines carry a trace id.
func (a *Assistant) beat(ctx context.Context, reap bool) {
	ctx, span := a.tracer.Start(ctx, "ai.reaper")
	defer span.End()
	if err := a.replies.Heartbeat(ctx, a.instanceID, a.timestamp()); err != nil && ctx.Err() == nil {
		a.log.WarnContext(ctx, "AI reply heartbeat failed", "err", err)
	}
	if reap {
		a.reapOnce(ctx)
	}
}

func (a *Assistant) reapOnce(ctx context.Context) {
	if n, err := a.ReapStale(ctx); err != nil && ctx.Err() == nil {
		a.log.WarnContext(ctx, "reaping stale replies failed", "err", err)
	} else if n > 0 {
		a.log.WarnContext(ctx, "marked interrupted AI replies failed", "count", n)
	}
}
