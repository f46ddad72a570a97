package app_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"go.opentelemetry.io/otel/trace"
	"go.opentelemetry.io/otel/trace/noop"

	"github.com/supportd/supportd/internal/support"
)

// What metrics and tracing cost. "off" serves without METRICS_ADDR and with a
// tracer that does nothing; "on" has the Prometheus metrics and the tracer that
// runs when no OTEL_EXPORTER_OTLP_ENDPOINT is set (spans with trace ids, never
// recorded). Compare the two with benchstat (docs/benchmarks.md):
//
//	go test -run '^$' -bench 'ReadRoutes|FirstToken' -count 8 ./internal/app > obs.txt
//	benchstat -col /obs obs.txt
func observability(obs string) (map[string]string, appOptions) {
	env := map[string]string{"AI_REPLIES_PER_HOUR": "1000000", "TICKET_MAX_MESSAGES": "1000000"}
	if obs == "on" {
		env["METRICS_ADDR"] = "127.0.0.1:0" // metrics are recorded; nothing listens here
		return env, appOptions{}
	}
	return env, appOptions{tracer: trace.TracerProvider(noop.NewTracerProvider())}
}

// BenchmarkReadRoutes serves GET /tickets/{id} (a ticket with 10 messages) and
// GET /tickets?limit=20 through the whole handler, in process.
func BenchmarkReadRoutes(b *testing.B) {
	for _, engine := range engines(b) {
		for _, obs := range []string{"off", "on"} {
			env, o := observability(obs)
			in := startApp(b, engine, env, o)
			u := in.newUser()
			tk := in.createTicket(u.Token, "Refund", "How do I get my money back?")
			for range 9 {
				expect(b, in.call(http.MethodPost, "/tickets/"+tk.ID+"/messages", u.Token, map[string]string{"content": "Any news?"}),
					http.StatusCreated)
			}
			for range 20 {
				in.createTicket(u.Token, "Another", "question")
			}
			for route, path := range map[string]string{"ticket": "/tickets/" + tk.ID, "list": "/tickets?limit=20"} {
				b.Run("engine="+engine+"/route="+route+"/obs="+obs, func(b *testing.B) {
					for b.Loop() {
						r := httptest.NewRequest(http.MethodGet, path, nil)
						r.Header.Set("Authorization", "Bearer "+u.Token)
						w := httptest.NewRecorder()
						in.app.Server.ServeHTTP(w, r)
						if w.Code != http.StatusOK {
							b.Fatalf("GET %s: %d %s", path, w.Code, w.Body)
						}
					}
				})
			}
		}
	}
}

// BenchmarkFirstToken opens an AI reply stream on a new ticket over HTTP and
// reports the time to its first delta (first-token-µs); the built-in responder
// answers, with no delay of its own. ns/op covers the whole reply.
func BenchmarkFirstToken(b *testing.B) {
	for _, engine := range engines(b) {
		for _, obs := range []string{"off", "on"} {
			env, o := observability(obs)
			in := startApp(b, engine, env, o)
			u := in.newUser()
			actor := support.Actor{UserID: u.ID, Role: support.RoleCustomer}
			b.Run("engine="+engine+"/obs="+obs, func(b *testing.B) {
				var first time.Duration
				for b.Loop() {
					b.StopTimer()
					tk, err := in.app.Tickets.CreateTicket(context.Background(), actor,
						support.NewTicket{Title: "Password reset", Description: "How do I reset my password?"})
					if err != nil {
						b.Fatal(err)
					}
					b.StartTimer()
					began := time.Now()
					s := in.openStream(aiPath(tk.ID), u.Token, nil)
					for {
						ev, err := s.next()
						if err != nil {
							b.Fatalf("no delta: %v", err)
						}
						if ev.Event == "delta" {
							break
						}
					}
					first += time.Since(began)
					for _, err := s.next(); err == nil; _, err = s.next() {
					}
					s.resp.Body.Close()
				}
				b.ReportMetric(float64(first.Microseconds())/float64(b.N), "first-token-µs/op")
			})
		}
	}
}
