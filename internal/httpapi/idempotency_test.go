package httpapi

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/supportd/supportd/internal/idempotency"
	"github.com/supportd/supportd/internal/store"
	"github.com/supportd/supportd/internal/store/storetest"
)

// idemTest is the idempotency middleware over a real store, in front of a
// stand-in for the signup handler (per client IP; no token needed).
type idemTest struct {
	db    *store.DB
	s     *Server
	calls atomic.Int32
}

const testWait = 150 * time.Millisecond

func eachIdemEngine(t *testing.T, f func(t *testing.T, it *idemTest)) {
	t.Parallel()
	for _, engine := range storetest.Engines(t) {
		t.Run(engine, func(t *testing.T) {
			t.Parallel()
			db := storetest.Open(t, engine)
			keeper := idempotency.New(db, idempotency.Options{Wait: testWait})
			log := slog.New(slog.NewTextHandler(io.Discard, nil))
			f(t, &idemTest{db: db, s: New(Deps{Log: log, Version: "test", Idempotency: keeper})})
		})
	}
}

// post sends POST /auth/signup with body and key through the middleware to h.
func (it *idemTest) post(h http.HandlerFunc, key, body string) *httptest.ResponseRecorder {
	wrapped := it.s.idempotent(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		it.calls.Add(1)
		h(w, r)
	}))
	r := httptest.NewRequest(http.MethodPost, "/auth/signup", strings.NewReader(body))
	r.Header.Set("Idempotency-Key", key)
	w := httptest.NewRecorder()
	wrapped.ServeHTTP(w, r)
	return w
}

func answer(status int) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.ReadAll(r.Body)
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Location", "/things/1")
		w.Header().Set("ETag", `"7"`)
		w.Header().Set("X-Other", "not kept")
		w.WriteHeader(status)
		_, _ = io.WriteString(w, `{"status":`+http.StatusText(status)+`}`)
	}
}

// 5xx and 429 are not kept: the retry runs; the first final answer is kept and
// replayed exactly, with Idempotent-Replayed; another body with the key is 422.
func TestIdempotencyKeepsFinalAnswers(t *testing.T) {
	eachIdemEngine(t, func(t *testing.T, it *idemTest) {
		for _, status := range []int{http.StatusInternalServerError, http.StatusServiceUnavailable, http.StatusTooManyRequests} {
			if w := it.post(answer(status), "k1", `{"a":1}`); w.Code != status || w.Header().Get("Idempotent-Replayed") != "" {
				t.Fatalf("status %d answered %d %v", status, w.Code, w.Header())
			}
		}
		first := it.post(answer(http.StatusCreated), "k1", `{"a":1}`)
		again := it.post(answer(http.StatusOK), "k1", `{"a":1}`)
		if n := it.calls.Load(); n != 4 {
			t.Fatalf("handler ran %d times, want 4 (three failures, then once)", n)
		}
		h := again.Header()
		if again.Code != http.StatusCreated || again.Body.String() != first.Body.String() || h.Get("Idempotent-Replayed") != "true" ||
			h.Get("Content-Type") != "application/json" || h.Get("Location") != "/things/1" || h.Get("ETag") != `"7"` ||
			h.Get("X-Other") != "" || first.Header().Get("Idempotent-Replayed") != "" {
			t.Fatalf("replay %d %v %s, first %d %s", again.Code, h, again.Body, first.Code, first.Body)
		}
		w := it.post(answer(http.StatusCreated), "k1", `{"a":2}`)
		if w.Code != http.StatusUnprocessableEntity || !strings.Contains(w.Body.String(), "used with another request") {
			t.Fatalf("another body: %d %s", w.Code, w.Body)
		}
		if w := it.post(answer(http.StatusCreated), `"k1"`, `{"a":1}`); w.Code != http.StatusCreated ||
			w.Header().Get("Idempotent-Replayed") != "true" {
			t.Fatalf("the quoted form of the key: %d %v", w.Code, w.Header())
		}
		if n := it.calls.Load(); n != 4 {
			t.Fatalf("handler ran %d times, want 4", n)
		}
	})
}

// The fingerprint covers the whole body, also the part the handler left unread.
func TestIdempotencyFingerprintsUnreadBody(t *testing.T) {
	eachIdemEngine(t, func(t *testing.T, it *idemTest) {
		unread := func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusBadRequest) }
		it.post(unread, "k", strings.Repeat("x", 100000))
		if w := it.post(unread, "k", strings.Repeat("x", 100000)+"y"); w.Code != http.StatusUnprocessableEntity {
			t.Fatalf("longer body: %d, want 422", w.Code)
		}
		if w := it.post(unread, "k", strings.Repeat("x", 100000)); w.Code != http.StatusBadRequest || w.Header().Get("Idempotent-Replayed") != "true" {
			t.Fatalf("same body: %d %v, want the 400 replayed", w.Code, w.Header())
		}
	})
}

// A key held by a request that does not finish is 409 after the wait.
func TestIdempotencyInProgressIsConflict(t *testing.T) {
	eachIdemEngine(t, func(t *testing.T, it *idemTest) {
		c := idempotency.Claim{Scope: "ip:", Key: "busy", ID: "other", CreatedAt: time.Now()}
		if ok, err := it.db.ClaimIdempotencyKey(t.Context(), c, time.Now().Add(time.Minute)); !ok || err != nil {
			t.Fatalf("claim = %v, %v", ok, err)
		}
		began := time.Now()
		w := it.post(answer(http.StatusCreated), "busy", `{}`)
		if w.Code != http.StatusConflict || w.Header().Get("Retry-After") == "" || !strings.Contains(w.Body.String(), "still being processed") {
			t.Fatalf("in progress: %d %v %s", w.Code, w.Header(), w.Body)
		}
		if waited := time.Since(began); waited < testWait {
			t.Fatalf("answered after %v, want a wait of %v", waited, testWait)
		}
		if it.calls.Load() != 0 {
			t.Fatal("the handler ran under another request's key")
		}
	})
}

// A request with the key of one still running waits for its answer.
func TestIdempotencyWaitsForTheFirst(t *testing.T) {
	eachIdemEngine(t, func(t *testing.T, it *idemTest) {
		started, release := make(chan struct{}), make(chan struct{})
		slow := func(w http.ResponseWriter, r *http.Request) {
			close(started)
			<-release
			answer(http.StatusCreated)(w, r)
		}
		var first *httptest.ResponseRecorder
		var wg sync.WaitGroup
		wg.Go(func() { first = it.post(slow, "k", `{}`) })
		<-started
		time.AfterFunc(testWait/3, func() { close(release) })
		second := it.post(slow, "k", `{}`)
		wg.Wait()
		if it.calls.Load() != 1 || second.Code != first.Code || second.Body.String() != first.Body.String() ||
			second.Header().Get("Idempotent-Replayed") != "true" {
			t.Fatalf("calls %d; first %d %s; second %d %s", it.calls.Load(), first.Code, first.Body, second.Code, second.Body)
		}
	})
}

// A panicking handler gives its key up.
func TestIdempotencyPanicReleasesKey(t *testing.T) {
	eachIdemEngine(t, func(t *testing.T, it *idemTest) {
		func() {
			defer func() { _ = recover() }()
			it.post(func(http.ResponseWriter, *http.Request) { panic("boom") }, "k", `{}`)
		}()
		if _, found, err := it.db.IdempotencyKey(t.Context(), "ip:", "k", time.Now()); found || err != nil {
			t.Fatalf("key after a panic: found %v, %v", found, err)
		}
	})
}

// A malformed key is 400; requests without a key, other routes and
// anonymous requests to a per-user route pass through untouched.
func TestIdempotencyKeyChecks(t *testing.T) {
	eachIdemEngine(t, func(t *testing.T, it *idemTest) {
		if w := it.post(answer(http.StatusCreated), strings.Repeat("k", 256), `{}`); w.Code != http.StatusBadRequest ||
			!strings.Contains(w.Body.String(), "255 printable ASCII") {
			t.Fatalf("malformed key: %d %s", w.Code, w.Body)
		}
		pass := it.s.idempotent(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusTeapot) }))
		for _, r := range []*http.Request{
			httptest.NewRequest(http.MethodPost, "/auth/signup", strings.NewReader(`{}`)), // no key
			httptest.NewRequest(http.MethodPost, "/auth/login", strings.NewReader(`{}`)),
			httptest.NewRequest(http.MethodPost, "/tickets", strings.NewReader(`{}`)), // no token: its 401 follows
		} {
			if r.URL.Path != "/auth/signup" {
				r.Header.Set("Idempotency-Key", "k")
			}
			w := httptest.NewRecorder()
			pass.ServeHTTP(w, r)
			if w.Code != http.StatusTeapot {
				t.Fatalf("%s: %d, want passed through", r.URL.Path, w.Code)
			}
		}
	})
}
