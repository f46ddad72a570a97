package httpapi

import (
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/danielgtaylor/huma/v2"
)

// Bounds on what an error response repeats of a request. huma echoes the submitted
// value of every invalid field, and the whole body when it does not parse, which
// may hold a password; a client's own property names come back in locations.
const (
	maxErrorValue    = 32  // characters of a submitted value
	maxErrorLocation = 40  // characters of a location (body.<property name>)
	maxErrorMessage  = 200 // characters of a field error's message
	maxErrorDetail   = 300 // characters of a problem's detail
	maxErrorFields   = 20  // field errors listed
)

// boundErrors is the one place error bodies are made safe to send: no password,
// token or secret value, no more than an excerpt of any other value, and a size
// bounded whatever the request held. It is a huma Transformer, so it sees every
// problem huma writes: validation and parse errors as well as the services'.
func boundErrors(_ huma.Context, _ string, v any) (any, error) {
	em, ok := v.(*huma.ErrorModel)
	if !ok {
		return v, nil
	}
	em.Detail = cut(em.Detail, maxErrorDetail)
	if len(em.Errors) > maxErrorFields {
		extra := len(em.Errors) - maxErrorFields
		em.Errors = append(em.Errors[:maxErrorFields], &huma.ErrorDetail{Message: fmt.Sprintf("and %d more errors", extra)})
	}
	for _, e := range em.Errors {
		if e == nil {
			continue
		}
		e.Value = boundValue(e.Location, e.Value)
		e.Location = cut(e.Location, maxErrorLocation)
		e.Message = cut(e.Message, maxErrorMessage)
	}
	return em, nil
}

// boundValue is what an error may repeat of the value at location: nothing for a
// secret field or for the whole body (which huma echoes when it does not parse),
// a short excerpt of a string, a scalar as is, nothing for a structure.
func boundValue(location string, v any) any {
	if v == nil || location == "body" || secretField(location) {
		return nil
	}
	switch x := v.(type) {
	case string:
		return cut(x, maxErrorValue)
	case bool, float64, float32, int, int64, int32, uint, uint64, uint32:
		return x
	case []byte:
		return nil
	}
	return nil
}

// secretField reports a location naming a password, a token or a secret, such as
// body.password, body.client_secret or query.stream_token.
func secretField(location string) bool {
	l := strings.ToLower(location)
	return strings.Contains(l, "password") || strings.Contains(l, "token") || strings.Contains(l, "secret") ||
		strings.Contains(l, "authorization")
}

// cut returns s cut to n characters, the cut marked with "…".
func cut(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n]) + "…"
}
