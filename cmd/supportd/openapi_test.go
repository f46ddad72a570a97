package main

import (
	"bytes"
	"context"
	"encoding/json"
	"testing"
)

// `supportd openapi` prints the served document, its server taken from PUBLIC_URL,
// without a database.
func TestOpenAPICommand(t *testing.T) {
	env := baseEnv(t)
	env["PUBLIC_URL"] = "https://help.acme.test"
	env["DATABASE_URL"] = "postgres://nobody@127.0.0.1:1/none" // never opened
	var out, errOut bytes.Buffer
	if err := run(context.Background(), []string{"openapi"}, lookup(env), nil, &out, &errOut); err != nil {
		t.Fatalf("openapi: %v %s", err, errOut.String())
	}
	var doc struct {
		OpenAPI string                    `json:"openapi"`
		Servers []struct{ URL string }    `json:"servers"`
		Paths   map[string]map[string]any `json:"paths"`
	}
	if err := json.Unmarshal(out.Bytes(), &doc); err != nil {
		t.Fatalf("not JSON: %v", err)
	}
	if doc.OpenAPI != "3.1.0" || len(doc.Servers) != 1 || doc.Servers[0].URL != "https://help.acme.test" || doc.Paths["/tickets"]["get"] == nil {
		t.Errorf("document: openapi %q servers %v, %d paths", doc.OpenAPI, doc.Servers, len(doc.Paths))
	}
	if err := run(context.Background(), []string{"openapi", "extra"}, lookup(env), nil, &out, &errOut); exitCode(err) != 2 {
		t.Errorf("openapi extra: %v, want a usage error", err)
	}
}
