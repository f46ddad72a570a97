package httpapi

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"hash"
	"io"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/supportd/supportd/internal/idempotency"
)

// idempotentRoutes are the operations that honour Idempotency-Key, each true
// when its keys are the caller's (a user) and false when the client IP's.
var idempotentRoutes = map[string]bool{
	"POST /tickets":               true,
	"POST /tickets/{id}/messages": true,
	"POST /auth/signup":           false,
}

const (
	// maxKeptBody is the largest response body kept for a replay; a larger one
	// is sent but not kept (these routes answer with a few KiB of JSON).
	maxKeptBody = 1 << 20
	// defaultBodyLimit bounds the drain of a body whose operation sets no limit.
	defaultBodyLimit = 64 << 20
	// finishTimeout bounds storing or releasing a key once the handler is done,
	// also when the client has left.
	finishTimeout = 5 * time.Second
)

const (
	idempotencyInProgress = "a request with this Idempotency-Key is still being processed; retry shortly"
	idempotencyMismatch   = "this Idempotency-Key was used with another request: " +
		"a retry must repeat the first request exactly (method, path and body), or use a new key"
)

// Idempotency returns the keeper of Idempotency-Key (Deps.Idempotency), or nil.
func (s *Server) Idempotency() *idempotency.Keeper { return s.deps.Idempotency }

// idempotent applies Idempotency-Key to idempotentRoutes: the first request
// with a key runs and its answer is kept; a retry with the same request gets
// that answer again (Idempotent-Replayed: true), a different request with the
// key 422, and one while the first still runs waits for its answer (409 when
// it takes too long). Answers a client may retry (5xx, 429, a 401 from a
// session ended meanwhile) are not kept. Bodies are fingerprinted as they are
// read, never buffered here. It runs inside the rate limiter, which has
// verified the bearer token.
func (s *Server) idempotent(next http.Handler) http.Handler {
	if s.deps.Idempotency == nil {
		return next
	}
	limits := s.operationBodyLimits()
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		values := r.Header.Values("Idempotency-Key")
		if r.Method != http.MethodPost || len(values) == 0 {
			next.ServeHTTP(w, r)
			return
		}
		_, pattern := s.mux.Handler(r)
		perUser, ok := idempotentRoutes[pattern]
		scope := ""
		if ok {
			scope = s.idempotencyScope(r, perUser)
		}
		if scope == "" { // another route, or no valid token: the route answers (401)
			next.ServeHTTP(w, r)
			return
		}
		if rec := recorderOf(w); rec != nil {
			rec.route = pattern // for the metrics when the mux does not run (a refusal, a replay)
		}
		key, err := idempotency.ParseKey(values)
		if err != nil {
			writeJSONProblem(w, http.StatusBadRequest, err.Error())
			return
		}
		req := idemRequest{scope: scope, key: key, pattern: pattern, route: routeWithValues(pattern, r),
			limit: s.bodyLimit(limits, pattern, r)}
		s.serveIdempotent(w, r, next, req)
	})
}

// idemRequest is a request with a valid key on an idempotent route.
type idemRequest struct {
	scope, key string
	pattern    string
	route      string // the pattern with the path's values, fingerprinted
	limit      int64  // the operation's body limit: what a drain reads at most
}

// idempotencyScope is whose key it is: "user:ID" for a valid bearer token
// (perUser routes), "ip:ADDRESS" otherwise; "" for a perUser route without one.
func (s *Server) idempotencyScope(r *http.Request, perUser bool) string {
	if !perUser {
		return "ip:" + clientIP(r.Context())
	}
	tok := bearerToken(r.Header.Get("Authorization"))
	if tok == "" || s.deps.Auth == nil {
		return ""
	}
	c, err := s.identify(r.Context(), tok)
	if err != nil || c.UserID == "" {
		return ""
	}
	return "user:" + c.UserID
}

func (s *Server) serveIdempotent(w http.ResponseWriter, r *http.Request, next http.Handler, req idemRequest) {
	out, err := s.deps.Idempotency.Begin(r.Context(), req.scope, req.key)
	if err != nil {
		p := s.toProblem(r.Context(), err)
		for k, v := range p.headers {
			w.Header()[k] = v
		}
		writeJSONProblem(w, p.status, p.detail)
		return
	}
	if out.Claim != nil {
		s.runClaimed(w, r, next, req, out.Claim)
		return
	}
	if !out.Record.Done {
		w.Header().Set("Retry-After", "1")
		writeJSONProblem(w, http.StatusConflict, idempotencyInProgress)
		return
	}
	fp := newFingerprint(r, req.route)
	if complete := drain(r.Body, fp, req.limit); !complete || fp.sum() != out.Record.Fingerprint {
		writeJSONProblem(w, http.StatusUnprocessableEntity, idempotencyMismatch)
		return
	}
	replay(w, out.Record.Response)
}

// runClaimed runs the request under its claim and keeps the answer, or
// releases the key when the answer is not to be kept (also on a panic).
func (s *Server) runClaimed(w http.ResponseWriter, r *http.Request, next http.Handler, req idemRequest, c *idempotency.Claim) {
	fp := newFingerprint(r, req.route)
	body := &teeBody{ReadCloser: r.Body, h: fp}
	r = r.WithContext(r.Context()) // a copy, whose Body the handler reads through fp
	r.Body = body
	cw := &captureWriter{ResponseWriter: w}
	kept := false
	defer func() {
		if !kept {
			ctx, cancel := context.WithTimeout(context.WithoutCancel(r.Context()), finishTimeout)
			defer cancel()
			if err := s.deps.Idempotency.Release(ctx, c); err != nil {
				s.log.WarnContext(ctx, "releasing an idempotency key failed; retries get 409 until its lease ends", "err", err)
			}
		}
	}()
	next.ServeHTTP(cw, r)
	complete := drain(body, nil, req.limit-body.n)
	_ = body.ReadCloser.Close()
	if !complete || !cw.keep() {
		return
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(r.Context()), finishTimeout)
	defer cancel()
	if err := s.deps.Idempotency.Finish(ctx, c, fp.sum(), cw.response()); err != nil {
		s.log.WarnContext(ctx, "keeping an idempotent response failed; the key is released", "err", err)
		return
	}
	kept = true
}

// replay sends a kept answer again.
func replay(w http.ResponseWriter, resp idempotency.Response) {
	h := w.Header()
	for name, v := range map[string]string{"Content-Type": resp.ContentType, "Location": resp.Location, "ETag": resp.ETag} {
		if v != "" {
			h.Set(name, v)
		}
	}
	h.Set("Idempotent-Replayed", "true")
	w.WriteHeader(resp.Status)
	_, _ = w.Write(resp.Body)
}

// fingerprint is the SHA-256 of a request: its method, its route pattern with
// the path's values, and its body as read. A multipart body is hashed without
// its boundary, which clients draw at random for each attempt (curl does):
// a retry of the same form is the same request.
type fingerprint struct {
	h    hash.Hash
	body io.Writer // h, or a boundaryDropper in front of it
}

func newFingerprint(r *http.Request, route string) *fingerprint {
	h := sha256.New()
	_, _ = io.WriteString(h, r.Method+" "+route+"\n")
	f := &fingerprint{h: h, body: h}
	if mt, params, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err == nil && mt == "multipart/form-data" && params["boundary"] != "" {
		f.body = &boundaryDropper{w: h, sep: []byte(params["boundary"])}
	}
	return f
}

func (f *fingerprint) Write(p []byte) (int, error) { return f.body.Write(p) }

func (f *fingerprint) sum() string {
	if d, ok := f.body.(*boundaryDropper); ok {
		d.flush()
	}
	return hex.EncodeToString(f.h.Sum(nil))
}

// boundaryDropper writes to w what it is given minus every occurrence of sep,
// holding back the last len(sep)-1 bytes, which may begin one.
type boundaryDropper struct {
	w    io.Writer
	sep  []byte
	held []byte
}

func (d *boundaryDropper) Write(p []byte) (int, error) {
	d.held = append(d.held, p...)
	for {
		i := bytes.Index(d.held, d.sep)
		if i < 0 {
			break
		}
		_, _ = d.w.Write(d.held[:i])
		d.held = d.held[i+len(d.sep):]
	}
	if keep := len(d.sep) - 1; len(d.held) > keep {
		_, _ = d.w.Write(d.held[:len(d.held)-keep])
		d.held = append([]byte(nil), d.held[len(d.held)-keep:]...)
	}
	return len(p), nil
}

func (d *boundaryDropper) flush() {
	_, _ = d.w.Write(d.held)
	d.held = nil
}

// routeWithValues is pattern ("POST /tickets/{id}/messages") followed by each
// wildcard's value in r's path ("id=0190...").
func routeWithValues(pattern string, r *http.Request) string {
	_, path, _ := strings.Cut(pattern, " ")
	segs := strings.Split(r.URL.EscapedPath(), "/")
	var b strings.Builder
	b.WriteString(pattern)
	for i, p := range strings.Split(path, "/") {
		if strings.HasPrefix(p, "{") && i < len(segs) {
			b.WriteString(" " + strings.Trim(p, "{}.") + "=" + segs[i])
		}
	}
	return b.String()
}

// teeBody hashes a request body as the handler reads it. The handler's Close
// is put off until the middleware has drained what the handler left.
type teeBody struct {
	io.ReadCloser
	h io.Writer
	n int64 // bytes read
}

func (b *teeBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	_, _ = b.h.Write(p[:n])
	b.n += int64(n)
	return n, err
}

func (b *teeBody) Close() error { return nil }

// drain reads what is left of body, into h when not nil, and reports whether
// it ended within limit bytes (the server's body limit bounds the work).
func drain(body io.Reader, h io.Writer, limit int64) bool {
	if h == nil {
		h = io.Discard
	}
	if limit < 0 {
		return false
	}
	n, err := io.Copy(h, io.LimitReader(body, limit+1))
	return err == nil && n <= limit
}

// operationBodyLimits is each idempotent route's body limit (huma's MaxBodyBytes).
func (s *Server) operationBodyLimits() map[string]int64 {
	limits := map[string]int64{}
	for pattern := range idempotentRoutes {
		limits[pattern] = defaultBodyLimit
		if op := postOperation(s.api.OpenAPI(), pattern); op != nil && op.MaxBodyBytes > 0 {
			limits[pattern] = op.MaxBodyBytes
		}
	}
	return limits
}

// bodyLimit is the most r's body may hold on its route: the operation's
// limit, or for a message with files the multipart limit (attachment_handlers.go).
func (s *Server) bodyLimit(limits map[string]int64, pattern string, r *http.Request) int64 {
	limit := limits[pattern]
	if pattern == routeAddMessage && isMultipart(r.Header.Get("Content-Type")) && s.deps.Tickets != nil {
		lim := s.deps.Tickets.AttachmentLimits()
		limit = max(limit, multipartLimit(lim))
	}
	return limit
}

// postOperation is the POST operation of "POST /path" in doc, or nil.
func postOperation(doc *huma.OpenAPI, pattern string) *huma.Operation {
	_, path, _ := strings.Cut(pattern, " ")
	if item := doc.Paths[path]; item != nil {
		return item.Post
	}
	return nil
}

// captureWriter passes a response through and keeps a copy to replay.
type captureWriter struct {
	http.ResponseWriter
	status                 int
	contentType, loc, etag string
	body                   bytes.Buffer
	overflow               bool
}

func (c *captureWriter) WriteHeader(code int) {
	if c.status == 0 && code >= 200 { // 1xx are interim
		c.status = code
		h := c.Header()
		c.contentType, c.loc, c.etag = h.Get("Content-Type"), h.Get("Location"), h.Get("ETag")
	}
	c.ResponseWriter.WriteHeader(code)
}

func (c *captureWriter) Write(b []byte) (int, error) {
	if c.status == 0 {
		c.WriteHeader(http.StatusOK)
	}
	n, err := c.ResponseWriter.Write(b)
	if !c.overflow && c.body.Len()+n > maxKeptBody {
		c.overflow = true
		c.body = bytes.Buffer{}
	}
	if !c.overflow {
		c.body.Write(b[:n])
	}
	return n, err
}

func (c *captureWriter) Flush() {
	if f, ok := c.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

func (c *captureWriter) Unwrap() http.ResponseWriter { return c.ResponseWriter }

// keep reports whether the answer is final: not a failure the client may
// retry (5xx, 429), nor a 401 from credentials ended meanwhile (the request
// never ran), and small enough to keep.
func (c *captureWriter) keep() bool {
	status := c.code()
	return !c.overflow && status < 500 && status != http.StatusTooManyRequests && status != http.StatusUnauthorized
}

func (c *captureWriter) code() int {
	if c.status == 0 {
		return http.StatusOK // the handler wrote nothing: net/http answers 200
	}
	return c.status
}

func (c *captureWriter) response() idempotency.Response {
	return idempotency.Response{Status: c.code(), ContentType: c.contentType, Location: c.loc, ETag: c.etag,
		Body: bytes.Clone(c.body.Bytes())}
}

// documentIdempotency describes Idempotency-Key on each idempotent operation:
// the rules, the Idempotent-Replayed header of a replay, and the 400, 409 and
// 422 answers the key adds (merged into the operation's own when it has them).
func documentIdempotency(doc *huma.OpenAPI) {
	for pattern, perUser := range idempotentRoutes {
		op := postOperation(doc, pattern)
		if op == nil {
			continue
		}
		scope := "per user"
		if !perUser {
			scope = "per client IP address"
		}
		op.Description = strings.TrimSpace(op.Description + "\n\n" + "With an `Idempotency-Key` header (keys are " +
			scope + ") the first answer is kept for 24 hours and a retry with the same key and the same request gets it " +
			"again, with `Idempotent-Replayed: true`, instead of doing the work twice. The same key with a different " +
			"request is `422`; a retry while the first request still runs waits for its answer, up to a few seconds, " +
			"then is `409`. Server errors (`5xx`) and `429` are not kept: retry them with the same key.")
		for code, resp := range op.Responses {
			if strings.HasPrefix(code, "2") {
				if resp.Headers == nil {
					resp.Headers = map[string]*huma.Param{}
				}
				resp.Headers["Idempotent-Replayed"] = &huma.Param{Description: "`true` on a replayed answer",
					Schema: &huma.Schema{Type: huma.TypeString, Enum: []any{"true"}}}
			}
		}
		documentKeyError(op, http.StatusBadRequest, idempotency.ErrMalformedKey.Error(), "a malformed Idempotency-Key")
		documentKeyError(op, http.StatusConflict, idempotencyInProgress, "the request with this Idempotency-Key is still being processed")
		documentKeyError(op, http.StatusUnprocessableEntity, idempotencyMismatch, "this Idempotency-Key was used with another request")
	}
}

// documentKeyError adds status with detail to op's responses, or, when op
// answers status already, adds why to its description and keeps its example.
func documentKeyError(op *huma.Operation, status int, detail, why string) {
	code := strconv.Itoa(status)
	if resp := op.Responses[code]; resp != nil {
		resp.Description += "; or " + why
		for _, mt := range resp.Content { // huma's bare status text: show this one instead
			if em, ok := mt.Example.(*huma.ErrorModel); ok && em.Detail == http.StatusText(status) {
				em.Detail = detail
			}
		}
		return
	}
	var content map[string]*huma.MediaType
	for _, resp := range op.Responses { // every error response has the problem schema
		if mt := resp.Content["application/problem+json"]; mt != nil {
			content = map[string]*huma.MediaType{"application/problem+json": {Schema: mt.Schema,
				Example: &huma.ErrorModel{Title: http.StatusText(status), Status: status, Detail: detail}}}
			break
		}
	}
	op.Responses[code] = &huma.Response{Description: http.StatusText(status) + ": " + why, Content: content}
}
