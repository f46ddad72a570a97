package httpapi

import (
	"encoding/json"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/supportd/supportd/internal/support"
)

// documentJSON is the document as clients read it: marshalled, then decoded generically.
func documentJSON(t *testing.T, publicURL string) map[string]any {
	t.Helper()
	b, err := json.Marshal(Document("test", publicURL))
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	return doc
}

// docOp is one operation of a decoded document.
type docOp struct {
	method, path string
	op           map[string]any
}

func operationsOf(doc map[string]any) []docOp {
	var ops []docOp
	for path, item := range doc["paths"].(map[string]any) {
		for method, op := range item.(map[string]any) {
			ops = append(ops, docOp{method, path, op.(map[string]any)})
		}
	}
	return ops
}

// at walks a decoded document along keys, nil when a key is missing.
func at(v any, keys ...string) any {
	for _, k := range keys {
		m, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = m[k]
	}
	return v
}

func TestOpenAPIServers(t *testing.T) {
	doc := documentJSON(t, "")
	if got := at(doc, "servers"); len(got.([]any)) != 1 || at(got.([]any)[0], "url") != "/" {
		t.Errorf("servers without PUBLIC_URL = %v, want one relative server /", got)
	}
	if got := at(doc, "components", "securitySchemes", "oauth2", "flows", "password", "tokenUrl"); got != "/auth/login" {
		t.Errorf("tokenUrl = %v", got)
	}
	doc = documentJSON(t, "https://help.acme.test/api")
	if got := at(doc, "servers"); len(got.([]any)) != 1 || at(got.([]any)[0], "url") != "https://help.acme.test/api" {
		t.Errorf("servers with PUBLIC_URL = %v", got)
	}
	if got := at(doc, "components", "securitySchemes", "oauth2", "flows", "password", "tokenUrl"); got != "https://help.acme.test/api/auth/login" {
		t.Errorf("tokenUrl under PUBLIC_URL = %v", got)
	}
}

// Public operations say `security: []`; every other one requires a bearer token.
// An operation added without security fails here until it is listed as public.
func TestOpenAPISecurity(t *testing.T) {
	public := []string{"signup", "login", "refresh", "healthz", "readyz"}
	for _, o := range operationsOf(documentJSON(t, "")) {
		id, _ := o.op["operationId"].(string)
		sec, ok := o.op["security"].([]any)
		switch {
		case !ok:
			t.Errorf("%s %s: no security array", o.method, o.path)
		case slices.Contains(public, id) && len(sec) != 0:
			t.Errorf("%s: public, but security %v", id, sec)
		case !slices.Contains(public, id) && len(sec) == 0:
			t.Errorf("%s %s (%s): security [] but not a public operation", o.method, o.path, id)
		case !slices.Contains(public, id) && at(sec[0], "bearer") == nil:
			t.Errorf("%s: security %v lacks bearer", id, sec)
		case id == opAIResponse && !slices.ContainsFunc(sec, func(s any) bool { return at(s, "streamToken") != nil }):
			t.Errorf("%s: security %v lacks the stream token", id, sec)
		}
	}
}

func TestOpenAPIErrorExamples(t *testing.T) {
	doc := documentJSON(t, "")
	b, _ := json.Marshal(doc)
	for _, placeholder := range []string{"Property foo", "example.com/errors", "example.com/error-log", "thing-id"} {
		if strings.Contains(string(b), placeholder) {
			t.Errorf("the document still holds huma's placeholder %q", placeholder)
		}
	}
	examples := map[string]map[string]any{} // "METHOD path status" -> example
	for _, o := range operationsOf(doc) {
		for code, resp := range o.op["responses"].(map[string]any) {
			status, err := strconv.Atoi(code)
			if err != nil || status < 400 {
				continue
			}
			ex, _ := at(resp, "content", "application/problem+json", "example").(map[string]any)
			key := strings.ToUpper(o.method) + " " + o.path + " " + code
			examples[key] = ex
			switch {
			case ex == nil:
				t.Errorf("%s: no example", key)
			case ex["status"] != float64(status) || ex["title"] != http.StatusText(status) || ex["detail"] == "":
				t.Errorf("%s: example %v", key, ex)
			case ex["detail"] == "validation failed" && len(ex["errors"].([]any)) == 0:
				t.Errorf("%s: a validation failure without its field error", key)
			}
		}
	}
	want := map[string]string{
		"GET /tickets 401":                  support.ErrUnauthenticated.Message,
		"POST /auth/login 401":              support.ErrBadCredentials.Message,
		"GET /tickets/{id} 404":             "Ticket not found",
		"DELETE /kb/articles/{id} 404":      "Article not found",
		"POST /auth/signup 409":             support.ErrDuplicateEmail.Message,
		"GET /tickets 429":                  `rate limit "user" exceeded: 300 requests per minute; retry in 12 s`,
		"GET /healthz 429":                  `rate limit "ip" exceeded: 300 requests per minute; retry in 12 s`,
		"GET /tickets/{id}/ai-response 503": support.ErrReplyUnavailable.Message,
		"POST /tickets 422":                 "validation failed",
	}
	for key, detail := range want {
		if got := examples[key]["detail"]; got != detail {
			t.Errorf("%s: detail %q, want %q", key, got, detail)
		}
	}
	if fe := at(examples["POST /tickets 422"], "errors"); fe == nil || at(fe.([]any)[0], "message") != "expected required property title to be present" {
		t.Errorf("POST /tickets 422 errors = %v", fe)
	}
	if fe := at(examples["GET /tickets 422"], "errors"); fe == nil || at(fe.([]any)[0], "location") != "query.limit" {
		t.Errorf("GET /tickets 422 errors = %v", fe)
	}
	// Nothing a client sends to GET /tickets/{id} can fail validation.
	if _, ok := examples["GET /tickets/{id} 422"]; ok {
		t.Error("GET /tickets/{id} documents a 422 it cannot answer")
	}
}

// No schema anywhere has a type list: huma's nullable arrays (["array","null"])
// become `T[] | null` in generated clients.
func TestOpenAPINoNullableArrays(t *testing.T) {
	doc := documentJSON(t, "")
	var walk func(path string, v any)
	walk = func(path string, v any) {
		switch v := v.(type) {
		case map[string]any:
			if types, ok := v["type"].([]any); ok {
				t.Errorf("%s: type %v", path, types)
			}
			for k, c := range v {
				walk(path+"/"+k, c)
			}
		case []any:
			for i, c := range v {
				walk(path+"/"+strconv.Itoa(i), c)
			}
		}
	}
	walk("#", doc)
	for _, p := range [][]string{
		{"paths", "/tickets", "get", "responses", "200", "content", "application/json", "schema", "type"},
		{"components", "schemas", "TicketDetailOut", "properties", "messages", "type"},
		{"components", "schemas", "AIOut", "properties", "citations", "type"},
		{"components", "schemas", "ArticleOut", "properties", "tags", "type"},
	} {
		if got := at(doc, p...); got != "array" {
			t.Errorf("%s = %v, want array", strings.Join(p, "/"), got)
		}
	}
}
