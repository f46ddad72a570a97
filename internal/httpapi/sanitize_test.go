package httpapi

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/danielgtaylor/huma/v2"
)

func TestBoundErrors(t *testing.T) {
	long := strings.Repeat("0123456789", 100)
	em := &huma.ErrorModel{Status: 422, Detail: long, Errors: []*huma.ErrorDetail{
		{Location: "body", Message: "unexpected end of JSON input", Value: `{"password": "hunter22"`},
		{Location: "body.password", Message: "expected string", Value: 5},
		{Location: "body.client_secret", Message: "x", Value: "s3cret"},
		{Location: "query.stream_token", Message: "x", Value: "tok"},
		{Location: "body.email", Message: long, Value: long},
		{Location: "body." + long, Message: "unexpected property"},
		{Location: "body.limit", Message: "x", Value: 7.0},
		{Location: "body.tags", Message: "x", Value: []any{long}},
		nil,
	}}
	for range 30 {
		em.Errors = append(em.Errors, &huma.ErrorDetail{Location: "body.x", Message: "m"})
	}
	v, err := boundErrors(nil, "422", em)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(v)
	out := string(b)
	for _, leak := range []string{"hunter22", "s3cret", `"tok"`} {
		if strings.Contains(out, leak) {
			t.Errorf("bounded error repeats %q: %s", leak, out)
		}
	}
	if len(out) > 4096 {
		t.Errorf("%d bytes", len(out))
	}
	if len(em.Detail) > maxErrorDetail+len("…") || len(em.Errors[4].Message) > maxErrorMessage+len("…") ||
		len(em.Errors[5].Location) > maxErrorLocation+len("…") {
		t.Errorf("detail, message or location not cut: %s", out)
	}
	e := em.Errors
	if e[4].Value != long[:maxErrorValue]+"…" || e[6].Value != 7.0 || e[7].Value != nil || e[1].Value != nil {
		t.Errorf("values %v %v %v %v", e[4].Value, e[6].Value, e[7].Value, e[1].Value)
	}
	if n := len(em.Errors); n != maxErrorFields+1 || !strings.Contains(em.Errors[n-1].Message, "more errors") {
		t.Errorf("%d errors listed, last %+v", n, em.Errors[n-1])
	}
}
