package httpapi

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/danielgtaylor/huma/v2"
	"github.com/danielgtaylor/huma/v2/validation"

	"github.com/supportd/supportd/internal/ratelimit"
	"github.com/supportd/supportd/internal/support"
)

// Document is the OpenAPI document a server with this version and PUBLIC_URL
// serves at /openapi.json, built without any service behind it: for
// `supportd openapi`, the lint in .ci/run and client generators.
func Document(version, publicURL string) *huma.OpenAPI {
	return New(Deps{Version: version, PublicURL: publicURL}).OpenAPI()
}

// servers is where the API lives: PUBLIC_URL, or else "/", which clients resolve
// against the URL they read the document from, so Swagger UI and generated
// clients work behind any host.
func servers(publicURL string) []*huma.Server {
	if publicURL == "" {
		return []*huma.Server{{URL: "/", Description: "The host serving this document"}}
	}
	return []*huma.Server{{URL: publicURL}}
}

// apiTags describes the tags the operations are grouped by.
func apiTags() []*huma.Tag {
	return []*huma.Tag{
		{Name: "auth", Description: "Sign up and log in for a bearer token (JWT)."},
		{Name: "tickets", Description: "Customers' tickets and their message threads."},
		{Name: "assistant", Description: "The AI assistant's replies, streamed as Server-Sent Events."},
		{Name: "knowledge base", Description: "Help-center articles: everyone signed in reads and searches; agents and admins write."},
		{Name: "admin", Description: "Accounts and roles, for admins: create agents, change roles, deactivate, end sessions."},
		{Name: "webhooks", Description: "Webhook endpoints, for admins: where ticket events are sent, signed as Standard Webhooks; secrets shown once, rotated with a grace period."},
		{Name: "live", Description: "Ticket events as they happen, over a WebSocket (/ws) or Server-Sent Events (/events)."},
		{Name: "operations", Description: "Liveness and readiness probes."},
	}
}

// finishDocument completes what huma generates: explicit `security: []` on public
// operations, real examples on error responses, and arrays that are never null.
func finishDocument(doc *huma.OpenAPI) {
	for _, item := range doc.Paths {
		for _, op := range []*huma.Operation{item.Get, item.Put, item.Post, item.Delete, item.Patch} {
			if op == nil {
				continue
			}
			if op.Security == nil {
				op.Security = []map[string][]string{} // public, said so rather than left out
			}
			documentErrors(doc.Components.Schemas, op)
		}
	}
	schemas := doc.Components.Schemas.Map()
	if em := schemas["ErrorModel"]; em != nil {
		for _, p := range em.Properties {
			p.Examples = nil // huma's placeholders ("Property foo is required"); each response has its own example
		}
	}
	if loc := property(schemas["ErrorDetail"], "location"); loc != nil {
		loc.Description = "Where the error occurred, e.g. 'body.email' or 'query.limit'"
	}
	documentIdempotency(doc) // idempotency.go
	nonNullableArrays(doc)
}

// property is the property name of the object schema s, or nil.
func property(s *huma.Schema, name string) *huma.Schema {
	if s == nil {
		return nil
	}
	return s.Properties[name]
}

// documentErrors gives each error response of op an example of what supportd
// really answers, and drops the 422 huma adds to every operation with a path
// parameter when nothing in op can fail validation.
func documentErrors(schemas huma.Registry, op *huma.Operation) {
	for code, resp := range op.Responses {
		status, err := strconv.Atoi(code)
		if err != nil || status < 400 {
			continue
		}
		example := errorExample(schemas, op, status)
		if example == nil {
			delete(op.Responses, code)
			continue
		}
		for _, mt := range resp.Content {
			mt.Example = example
		}
	}
}

// errorExample is a problem op answers with status, or nil when op cannot answer
// status.
func errorExample(schemas huma.Registry, op *huma.Operation, status int) *huma.ErrorModel {
	em := &huma.ErrorModel{Title: http.StatusText(status), Status: status}
	if status == http.StatusUnprocessableEntity {
		em.Detail = "validation failed"
		if d := operationErrorDetail(op.OperationID, status); d != "" {
			em.Detail = d
			return em
		}
		fe := fieldError(schemas, op)
		if fe == nil {
			return nil
		}
		em.Errors = []*huma.ErrorDetail{fe}
		return em
	}
	em.Detail = errorDetail(op, status)
	return em
}

// errorDetail is the detail of op's error response with status: the operation's
// own when it has one, else the one most operations answer.
func errorDetail(op *huma.Operation, status int) string {
	if d := operationErrorDetail(op.OperationID, status); d != "" {
		return d
	}
	switch status {
	case http.StatusBadRequest:
		return "malformed cursor"
	case http.StatusUnauthorized:
		return support.ErrUnauthenticated.Message
	case http.StatusForbidden:
		return "Only agents and admins can change the knowledge base"
	case http.StatusNotFound:
		if strings.HasPrefix(op.Path, "/kb/") {
			return "Article not found"
		}
		return "Ticket not found"
	case http.StatusRequestEntityTooLarge:
		return fmt.Sprintf("request body is too large limit=%d bytes", op.MaxBodyBytes) // huma's wording
	case http.StatusUnsupportedMediaType:
		return unsupportedMediaType
	case http.StatusTooManyRequests:
		bucket := "user"
		if len(op.Security) == 0 {
			bucket = "ip"
		}
		return rateLimitExample(ratelimit.Limit{Name: bucket, Count: 300, Period: time.Minute})
	case http.StatusInternalServerError:
		return "internal server error (request id 5f0c7a1e9b3d2c64)"
	case http.StatusServiceUnavailable:
		return "database unavailable"
	}
	return http.StatusText(status)
}

// operationErrorDetail is the detail of an error only some operations answer, or "".
func operationErrorDetail(id string, status int) string {
	switch {
	case id == opLogin && status == http.StatusUnauthorized:
		return support.ErrBadCredentials.Message
	case id == opLogin && status == http.StatusTooManyRequests:
		return "too many failed login attempts: wait before trying again (see Retry-After)"
	case (id == opLogin || id == "signup") && status == http.StatusServiceUnavailable:
		return "too many passwords are being checked right now: retry shortly (see Retry-After)"
	case id == "signup" && status == http.StatusConflict:
		return support.ErrDuplicateEmail.Message
	case id == "signup" && status == http.StatusTooManyRequests:
		return rateLimitExample(ratelimit.Limit{Name: "signup", Count: 20, Period: time.Hour})
	case id == "create-article" && status == http.StatusConflict:
		return support.ErrDuplicateSlug.Message
	case id == "list-messages" && status == http.StatusBadRequest:
		return "cursor and before cannot be combined: cursor walks forward, before walks backward"
	case id == "list-articles" && status == http.StatusBadRequest:
		return "search results are a single page; cursor cannot be combined with q"
	case id == opAIResponse && status == http.StatusBadRequest:
		return "Last-Event-ID must be an event id from this stream"
	case id == opAIResponse && status == http.StatusUnprocessableEntity:
		return support.ThreadFull(1000).Message
	case id == opAIResponse && status == http.StatusTooManyRequests:
		return "AI reply limit reached (30 per hour)"
	case id == opAIResponse && status == http.StatusServiceUnavailable:
		return support.ErrReplyUnavailable.Message
	}
	return ""
}

// rateLimitExample is the detail of a 429 from the request rate limiter (ratelimit.go).
func rateLimitExample(l ratelimit.Limit) string {
	return fmt.Sprintf("rate limit %q exceeded: %s; retry in 12 s", l.Name, l)
}

// fieldError is an input error huma's validation reports for op: its first
// required body property missing, or else a query parameter that is not an
// integer; nil when op has neither.
func fieldError(schemas huma.Registry, op *huma.Operation) *huma.ErrorDetail {
	if rb := op.RequestBody; rb != nil {
		if mt := rb.Content["application/json"]; mt != nil && mt.Schema != nil {
			s := mt.Schema
			if s.Ref != "" {
				s = schemas.SchemaFromRef(s.Ref)
			}
			if s != nil && len(s.Required) > 0 {
				return &huma.ErrorDetail{Location: "body",
					Message: huma.ErrorFormatter(validation.MsgExpectedRequiredProperty, s.Required[0])}
			}
		}
	}
	for _, p := range op.Parameters {
		if p.In == "query" && p.Schema != nil && p.Schema.Type == huma.TypeInteger {
			return &huma.ErrorDetail{Location: "query." + p.Name, Message: "invalid integer", Value: "ten"}
		}
	}
	return nil
}

// nonNullableArrays types every array in the document as an array: huma makes
// slices nullable ([] or null) by default, which generated clients turn into
// `T[] | null`. Handlers never send null for a list (they start from make or a
// literal). Validation still takes a request's null for an optional field as
// absent, so clients sending null are not broken.
func nonNullableArrays(doc *huma.OpenAPI) {
	seen := map[*huma.Schema]bool{}
	var visit func(*huma.Schema)
	visit = func(s *huma.Schema) {
		if s == nil || seen[s] {
			return
		}
		seen[s] = true
		if s.Type == huma.TypeArray {
			s.Nullable = false
		}
		visit(s.Items)
		visit(s.Not)
		if ap, ok := s.AdditionalProperties.(*huma.Schema); ok {
			visit(ap)
		}
		for _, p := range s.Properties {
			visit(p)
		}
		for _, list := range [][]*huma.Schema{s.AllOf, s.AnyOf, s.OneOf} {
			for _, c := range list {
				visit(c)
			}
		}
	}
	for _, s := range doc.Components.Schemas.Map() {
		visit(s)
	}
	for _, item := range doc.Paths {
		for _, op := range []*huma.Operation{item.Get, item.Put, item.Post, item.Delete, item.Patch} {
			if op == nil {
				continue
			}
			for _, p := range op.Parameters {
				visit(p.Schema)
			}
			if op.RequestBody != nil {
				for _, mt := range op.RequestBody.Content {
					visit(mt.Schema)
				}
			}
			for _, r := range op.Responses {
				for _, mt := range r.Content {
					visit(mt.Schema)
				}
				for _, h := range r.Headers {
					visit(h.Schema)
				}
			}
		}
	}
}
