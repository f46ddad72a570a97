package httpapi

import (
	"context"
	"errors"
	"net/http"
	"strconv"

	"github.com/danielgtaylor/huma/v2"

	"github.com/supportd/supportd/internal/support"
)

// statusOf is the one table from domain error codes to HTTP statuses.
var statusOf = map[support.Code]int{
	support.CodeInvalid:      http.StatusUnprocessableEntity,
	support.CodeBadRequest:   http.StatusBadRequest,
	support.CodeUnauthorized: http.StatusUnauthorized,
	support.CodeForbidden:    http.StatusForbidden,
	support.CodeNotFound:     http.StatusNotFound,
	support.CodeConflict:     http.StatusConflict,
	support.CodeStale:        http.StatusPreconditionFailed,
	support.CodeTooLarge:     http.StatusRequestEntityTooLarge,
	support.CodeRateLimited:  http.StatusTooManyRequests,
	support.CodeUnavailable:  http.StatusServiceUnavailable,
}

// statusClientClosed is logged when the client went away before the answer.
const statusClientClosed = 499

// problem is an error response before it is written.
type problem struct {
	status  int
	detail  string
	headers http.Header
	fields  []error
}

// toProblem turns any error from a service into a problem. Internal errors are logged
// with the request id and shown to the client only as that id.
func (s *Server) toProblem(ctx context.Context, err error) problem {
	if ctx.Err() != nil || errors.Is(err, context.Canceled) {
		// The client left mid-request; whatever failed below (often a query cut off
		// by the cancellation, which the driver reports as a bad connection) is not
		// a server or database fault.
		return problem{status: statusClientClosed, detail: "client closed request"}
	}
	var de *support.Error
	if !errors.As(err, &de) || statusOf[de.Code] == 0 {
		s.log.ErrorContext(ctx, "internal error", "err", err)
		return problem{status: http.StatusInternalServerError, detail: "internal server error (request id " + requestID(ctx) + ")"}
	}
	p := problem{status: statusOf[de.Code], detail: de.Message, headers: http.Header{}}
	if p.status >= 500 {
		s.log.WarnContext(ctx, "dependency unavailable", "err", err)
	}
	for _, f := range de.Fields {
		p.fields = append(p.fields, &huma.ErrorDetail{Location: "body." + f.Field, Message: f.Message, Value: f.Value})
	}
	switch {
	case p.status == http.StatusUnauthorized:
		p.headers.Set("WWW-Authenticate", "Bearer")
	case de.RetryAfter > 0:
		p.headers.Set("Retry-After", strconv.Itoa(int(de.RetryAfter.Seconds()+0.999)))
	case p.status == http.StatusServiceUnavailable:
		p.headers.Set("Retry-After", "2")
	}
	return p
}

// apiError is what handlers return for a failed service call.
func (s *Server) apiError(ctx context.Context, err error) error {
	p := s.toProblem(ctx, err)
	herr := huma.NewError(p.status, p.detail, p.fields...)
	if len(p.headers) > 0 {
		return huma.ErrorWithHeaders(herr, p.headers)
	}
	return herr
}

// writeProblem writes a problem from middleware, where there is no handler to return it.
func (s *Server) writeProblem(ctx huma.Context, err error) {
	p := s.toProblem(ctx.Context(), err)
	for k, vs := range p.headers {
		for _, v := range vs {
			ctx.AppendHeader(k, v)
		}
	}
	_ = huma.WriteErr(s.api, ctx, p.status, p.detail, p.fields...)
}
