package httpapi

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/danielgtaylor/huma/v2"
	"github.com/danielgtaylor/huma/v2/adapters/humago"

	"github.com/supportd/supportd/internal/attachment"
	"github.com/supportd/supportd/internal/support"
)

// Attachments (issue 13). A message with files is a multipart/form-data POST
// to the same route as the JSON one: huma binds whole bodies, so this route's
// multipart form is read here, part by part, each file streamed to the blob
// store as it arrives (never held whole in memory or on disk). JSON requests
// go on to huma unchanged.

// The mux patterns of the routes that take files.
const (
	routeAddMessage = "POST /tickets/{id}/messages"
	routeAddNote    = "POST /tickets/{id}/notes"
)

// multipartOverhead is what a form may hold beyond its files: the text, the
// parts' headers and boundaries.
const multipartOverhead = 1 << 20

// multipartLimit is the most a form with files may hold.
func multipartLimit(lim support.AttachmentLimits) int64 {
	return int64(lim.MaxFiles)*lim.MaxSize + multipartOverhead
}

// uploadTimeout bounds reading a form with files: 5 files of 10 MiB take
// 7 minutes at 1 Mbit/s.
const uploadTimeout = 10 * time.Minute

// withMultipartMessages serves multipart POSTs to the message and note
// routes and passes everything else to next.
func (s *Server) withMultipartMessages(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPost && isMultipart(r.Header.Get("Content-Type")) {
			if _, pattern := s.mux.Handler(r); pattern == routeAddMessage || pattern == routeAddNote {
				if rec := recorderOf(w); rec != nil {
					rec.route = pattern // for the metrics, as unmatched does for the mux's routes
				}
				s.addWithFiles(w, r, pattern == routeAddNote)
				return
			}
		}
		next.ServeHTTP(w, r)
	})
}

func isMultipart(contentType string) bool {
	mt, _, err := mime.ParseMediaType(contentType)
	return err == nil && mt == "multipart/form-data"
}

// addWithFiles writes a message (or a note) with files: a "content" field
// (the text; may be empty when files are sent) and "files" parts (any field
// name with a filename counts as a file).
func (s *Server) addWithFiles(w http.ResponseWriter, r *http.Request, note bool) {
	ctx := r.Context()
	ticketID, _, _ := strings.Cut(strings.TrimPrefix(r.URL.Path, "/tickets/"), "/")
	actor, err := s.authenticateBearer(ctx, bearerToken(r.Header.Get("Authorization")))
	if err != nil {
		s.writeRawProblem(w, r, err)
		return
	}
	if info := infoFrom(ctx); info != nil {
		info.SetUserID(actor.UserID)
	}
	lim := s.deps.Tickets.AttachmentLimits()
	r.Body = http.MaxBytesReader(w, r.Body, multipartLimit(lim))
	// The server's read and write timeouts (30 s) suit JSON requests: an upload
	// over a slow link gets longer, bounded by its own limit (bench/attachments:
	// a 10 MiB file at 2.4 Mbit/s was cut off at 30 s without an answer).
	rc := http.NewResponseController(w)
	deadline := time.Now().Add(uploadTimeout)
	_ = rc.SetReadDeadline(deadline)
	_ = rc.SetWriteDeadline(deadline.Add(30 * time.Second))
	mr, err := r.MultipartReader()
	if err != nil {
		s.writeRawProblem(w, r, support.Errorf(support.CodeBadRequest, "Malformed multipart body: %v", err))
		return
	}
	begin := s.deps.Tickets.BeginMessage
	if note {
		begin = s.deps.Tickets.BeginNote
	}
	up, err := begin(ctx, actor, ticketID)
	if err != nil {
		s.writeRawProblem(w, r, err)
		return
	}
	defer up.Abort(ctx)
	content, err := readMessageParts(ctx, mr, up)
	if err != nil {
		s.writeRawProblem(w, r, err)
		return
	}
	var out any
	if note {
		n, err := up.CommitNote(ctx, content)
		if err != nil {
			s.writeRawProblem(w, r, err)
			return
		}
		out = toNoteOut(n)
	} else {
		m, err := up.Commit(ctx, content)
		if err != nil {
			s.writeRawProblem(w, r, err)
			return
		}
		out = toMessageOut(m, actor.Role.IsStaff())
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusCreated)
	_ = json.NewEncoder(w).Encode(out)
}

// maxContentField bounds the text part (support.MaxContentLen characters of
// up to four bytes each).
const maxContentField = 4*support.MaxContentLen + 1

// readMessageParts reads the form: the text into content, each file into up.
func readMessageParts(ctx context.Context, mr *multipart.Reader, up *support.MessageUpload) (string, error) {
	var content string
	for {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			return content, nil
		}
		if err != nil {
			var tooBig *http.MaxBytesError
			if errors.As(err, &tooBig) {
				return "", bodyError(err)
			}
			return "", support.Errorf(support.CodeBadRequest, "Malformed multipart body: %v", err)
		}
		switch {
		case part.FileName() != "":
			err = up.AddFile(ctx, part.FileName(), part)
		case part.FormName() == "content":
			var b []byte
			b, err = io.ReadAll(io.LimitReader(part, maxContentField))
			content = string(b)
		default:
			_, err = io.Copy(io.Discard, io.LimitReader(part, 64<<10)) // unknown fields are ignored
		}
		part.Close()
		if err != nil {
			return "", bodyError(err)
		}
	}
}

// bodyError turns a failed read of the body into what the client should see.
func bodyError(err error) error {
	var tooBig *http.MaxBytesError
	switch {
	case errors.As(err, &tooBig):
		return support.Errorf(support.CodeTooLarge, "The request is larger than %s", strconv.FormatInt(tooBig.Limit, 10)+" bytes")
	case errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, multipart.ErrMessageTooLarge):
		return support.Errorf(support.CodeBadRequest, "Malformed multipart body: %v", err)
	}
	return err
}

// writeRawProblem answers err outside huma, in the same problem format.
func (s *Server) writeRawProblem(w http.ResponseWriter, r *http.Request, err error) {
	p := s.toProblem(r.Context(), err)
	for k, vs := range p.headers {
		for _, v := range vs {
			w.Header().Add(k, v)
		}
	}
	body := map[string]any{"title": http.StatusText(p.status), "status": p.status, "detail": p.detail}
	if len(p.fields) > 0 {
		body["errors"] = p.fields
	}
	w.Header().Set("Content-Type", "application/problem+json")
	w.WriteHeader(p.status)
	_ = json.NewEncoder(w).Encode(body)
}

// downloadAttachmentOperation documents GET /attachments/{id}; the handler
// writes the file itself (range requests, conditional requests).
func downloadAttachmentOperation() huma.Operation {
	o := op("download-attachment", http.MethodGet, "/attachments/{id}", "Download a file sent with a message",
		"tickets", 0, authenticated, 401, 404, 416)
	o.Description = "Authorized exactly like the ticket the file belongs to (a file of an internal note: staff only); " +
		"`404` otherwise, as for an id that does not exist. Sent with its detected `Content-Type`, " +
		"`Content-Disposition: attachment` (`inline` for PNG, JPEG, GIF and WebP images) with the name made safe, " +
		"`X-Content-Type-Options: nosniff`, a `Content-Security-Policy` that lets nothing run, an `ETag` (its " +
		"SHA-256) and `Range` support."
	return o
}

type downloadAttachmentInput struct {
	ID string `path:"id" doc:"Attachment id"`
}

func (s *Server) downloadAttachment(ctx context.Context, in *downloadAttachmentInput) (*huma.StreamResponse, error) {
	a, err := s.deps.Tickets.Attachment(ctx, actorFrom(ctx), in.ID)
	if err != nil {
		return nil, s.apiError(ctx, err)
	}
	f, err := s.deps.Tickets.OpenAttachment(ctx, a)
	if err != nil {
		return nil, s.apiError(ctx, err)
	}
	return &huma.StreamResponse{Body: func(hctx huma.Context) {
		defer f.Close()
		r, w := humago.Unwrap(hctx)
		h := w.Header()
		h.Set("Content-Type", a.ContentType)
		h.Set("Content-Disposition", attachment.ContentDisposition(a.ContentType, a.Name))
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Content-Security-Policy", "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; sandbox")
		h.Set("Cache-Control", "private, max-age=0, must-revalidate")
		h.Set("ETag", `"`+a.SHA256+`"`)
		http.ServeContent(w, r, "", a.CreatedAt, f)
	}}, nil
}

// documentMultipartMessages adds the multipart form to the message route's
// request body in the OpenAPI document (huma documents the JSON one), so
// Swagger UI offers a file picker.
func documentMultipartMessages(doc *huma.OpenAPI) {
	for _, p := range []string{"/tickets/{id}/messages", "/tickets/{id}/notes"} {
		documentMultipart(doc.Paths[p])
	}
}

func documentMultipart(path *huma.PathItem) {
	if path == nil || path.Post == nil || path.Post.RequestBody == nil {
		return
	}
	path.Post.RequestBody.Content["multipart/form-data"] = &huma.MediaType{Schema: &huma.Schema{
		Type: "object",
		Properties: map[string]*huma.Schema{
			"content": {Type: "string", MaxLength: ptr(support.MaxContentLen),
				Description: "The message's text; may be empty when files are sent"},
			"files": {Type: "array", Items: &huma.Schema{Type: "string", Format: "binary"},
				Description: "Files (ATTACHMENT_MAX_FILES, 5 by default, of ATTACHMENT_MAX_SIZE, 10 MiB by default, each). " +
					"Their type is detected from their bytes: images, PDF, text and office documents are accepted; " +
					"anything else is 422, a file too large or past the sender's ATTACHMENT_QUOTA 413."},
		},
	}}
	path.Post.Description += " Also accepts `multipart/form-data` with a `content` field and `files`: the answer then " +
		"lists its `attachments`, each downloaded from its `url`."
}

func ptr[T any](v T) *T { return &v }
