package swaggerui

import (
	"bytes"
	"compress/gzip"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
)

// newServer mounts the handler the way the application does.
func newServer(t *testing.T) *httptest.Server {
	t.Helper()
	mux := http.NewServeMux()
	h := Handler()
	mux.Handle("GET /docs", h)
	mux.Handle("GET /docs/", h)
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv
}

type response struct {
	status int
	header http.Header
	body   []byte
}

func do(t *testing.T, srv *httptest.Server, method, path string, hdr map[string]string) response {
	t.Helper()
	req, err := http.NewRequest(method, srv.URL+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	// Ask for the identity coding unless the test says otherwise, so the
	// transport does not add gzip and decode it behind our back.
	if req.Header.Get("Accept-Encoding") == "" {
		req.Header.Set("Accept-Encoding", "identity")
	}
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return response{res.StatusCode, res.Header, body}
}

func get(t *testing.T, srv *httptest.Server, path string) response {
	return do(t, srv, http.MethodGet, path, nil)
}

// origin matches any absolute http(s) URL or protocol-relative URL.
var origin = regexp.MustCompile(`(?i)(https?:)?//[a-z0-9.-]+\.[a-z]{2,}`)

func TestPage(t *testing.T) {
	srv := newServer(t)
	for _, path := range []string{"/docs", "/docs/"} {
		res := get(t, srv, path)
		if res.status != http.StatusOK {
			t.Fatalf("GET %s: status %d", path, res.status)
		}
		if ct := res.header.Get("Content-Type"); ct != "text/html; charset=utf-8" {
			t.Errorf("GET %s: Content-Type %q", path, ct)
		}
		csp := res.header.Get("Content-Security-Policy")
		if csp != ContentSecurityPolicy {
			t.Errorf("GET %s: Content-Security-Policy %q", path, csp)
		}
		for _, want := range []string{"default-src 'none'", "script-src 'self';", "style-src 'self' 'unsafe-inline'", "img-src 'self' data:", "connect-src 'self'"} {
			if !strings.Contains(csp, want) {
				t.Errorf("CSP lacks %q: %s", want, csp)
			}
		}
		if strings.Contains(csp, "unsafe-eval") || strings.Contains(csp, "script-src 'self' 'unsafe-inline'") {
			t.Errorf("CSP allows eval or inline scripts: %s", csp)
		}
		if got := res.header.Get("X-Content-Type-Options"); got != "nosniff" {
			t.Errorf("GET %s: X-Content-Type-Options %q", path, got)
		}
		if got := res.header.Get("Cache-Control"); got != "no-cache" {
			t.Errorf("GET %s: Cache-Control %q", path, got)
		}
		page := string(res.body)
		for _, ref := range []string{
			`href="/docs/assets/swagger-ui.css"`,
			`src="/docs/assets/swagger-ui-bundle.js"`,
			`src="/docs/init.js"`,
			`id="swagger-ui"`,
		} {
			if !strings.Contains(page, ref) {
				t.Errorf("GET %s: page lacks %s", path, ref)
			}
		}
	}
}

// TestLocalOnly makes sure the page and its boot script point at nothing but
// this server, and that the page has no inline script the CSP would block.
func TestLocalOnly(t *testing.T) {
	srv := newServer(t)
	page := string(get(t, srv, "/docs").body)
	initJS := string(get(t, srv, "/docs/init.js").body)
	for name, text := range map[string]string{"index.html": page, "init.js": initJS} {
		if m := origin.FindAllString(text, -1); len(m) > 0 {
			t.Errorf("%s references external origins: %q", name, m)
		}
		if strings.Contains(text, "http://") || strings.Contains(text, "https://") {
			t.Errorf("%s contains an absolute http(s) URL", name)
		}
	}

	// Every <script> has a src (no inline code), every src/href is a local path.
	for _, m := range regexp.MustCompile(`<script([^>]*)>([^<]*)</script>`).FindAllStringSubmatch(page, -1) {
		if !strings.Contains(m[1], "src=") || strings.TrimSpace(m[2]) != "" {
			t.Errorf("inline script in index.html: %q", m[0])
		}
	}
	for _, m := range regexp.MustCompile(`(?:src|href)="([^"]*)"`).FindAllStringSubmatch(page, -1) {
		if !strings.HasPrefix(m[1], "/") || strings.HasPrefix(m[1], "//") {
			t.Errorf("index.html references non-local URL %q", m[1])
		}
	}
	for _, attr := range []string{" onload=", " onclick=", " onerror=", "javascript:"} {
		if strings.Contains(page, attr) {
			t.Errorf("index.html has inline handler %q", attr)
		}
	}

	for _, want := range []string{
		`SwaggerUIBundle(`,
		`url: "/openapi.json"`,
		`dom_id: "#swagger-ui"`,
		`deepLinking: true`,
		`validatorUrl: null`,
		`persistAuthorization: true`,
	} {
		if !strings.Contains(initJS, want) {
			t.Errorf("init.js lacks %s", want)
		}
	}
}

func TestAssets(t *testing.T) {
	srv := newServer(t)
	cases := []struct {
		path, ctype, prefix string
		minSize             int
	}{
		{"/docs/init.js", "text/javascript; charset=utf-8", "", 100},
		{"/docs/assets/swagger-ui-bundle.js", "text/javascript; charset=utf-8", "", 500_000},
		{"/docs/assets/swagger-ui.css", "text/css; charset=utf-8", "", 50_000},
		{"/docs/assets/favicon-32x32.png", "image/png", "\x89PNG", 100},
		{"/docs/assets/LICENSE", "text/plain; charset=utf-8", "", 1000},
	}
	for _, c := range cases {
		res := get(t, srv, c.path)
		if res.status != http.StatusOK {
			t.Errorf("GET %s: status %d", c.path, res.status)
			continue
		}
		if ct := res.header.Get("Content-Type"); ct != c.ctype {
			t.Errorf("GET %s: Content-Type %q, want %q", c.path, ct, c.ctype)
		}
		if got := res.header.Get("X-Content-Type-Options"); got != "nosniff" {
			t.Errorf("GET %s: X-Content-Type-Options %q", c.path, got)
		}
		if res.header.Get("Cache-Control") == "" {
			t.Errorf("GET %s: no Cache-Control", c.path)
		}
		if res.header.Get("ETag") == "" {
			t.Errorf("GET %s: no ETag", c.path)
		}
		if res.header.Get("Content-Encoding") != "" {
			t.Errorf("GET %s: encoded although the client asked for identity", c.path)
		}
		if len(res.body) < c.minSize || !bytes.HasPrefix(res.body, []byte(c.prefix)) {
			t.Errorf("GET %s: unexpected body (%d bytes)", c.path, len(res.body))
		}
	}
	if cc := get(t, srv, "/docs/assets/swagger-ui-bundle.js").header.Get("Cache-Control"); !strings.Contains(cc, "max-age=") || strings.Contains(cc, "no-cache") {
		t.Errorf("bundle Cache-Control %q, want a long max-age", cc)
	}
	if body := get(t, srv, "/docs/assets/swagger-ui-bundle.js").body; !bytes.Contains(body, []byte("SwaggerUIBundle")) {
		t.Error("bundle does not define SwaggerUIBundle")
	}
}

func TestNotFound(t *testing.T) {
	srv := newServer(t)
	for _, path := range []string{
		"/docs/nope",
		"/docs/assets/",
		"/docs/assets",
		"/docs/assets/README.md",
		"/docs/assets/swagger-ui-bundle.js.map",
		"/docs/index.html/",
		"/docs/init.js/",
	} {
		if res := get(t, srv, path); res.status != http.StatusNotFound {
			t.Errorf("GET %s: status %d, want 404", path, res.status)
		}
	}
	// The mux redirects unclean paths; the handler itself matches exact paths only.
	for _, path := range []string{"/docs/assets/../init.js", "/docs/./init.js", "/docs//init.js", "/other"} {
		rec := httptest.NewRecorder()
		req := httptest.NewRequest(http.MethodGet, "/", nil)
		req.URL.Path = path
		Handler().ServeHTTP(rec, req)
		if rec.Code != http.StatusNotFound {
			t.Errorf("handler GET %s: status %d, want 404", path, rec.Code)
		}
	}
}

func TestHeadAndConditional(t *testing.T) {
	srv := newServer(t)
	full := get(t, srv, "/docs/assets/swagger-ui.css")

	head := do(t, srv, http.MethodHead, "/docs/assets/swagger-ui.css", nil)
	if head.status != http.StatusOK || len(head.body) != 0 || head.header.Get("Content-Type") != "text/css; charset=utf-8" {
		t.Errorf("HEAD: status %d, %d body bytes, Content-Type %q", head.status, len(head.body), head.header.Get("Content-Type"))
	}

	tag := full.header.Get("ETag")
	res := do(t, srv, http.MethodGet, "/docs/assets/swagger-ui.css", map[string]string{"If-None-Match": tag})
	if res.status != http.StatusNotModified || len(res.body) != 0 {
		t.Errorf("If-None-Match %s: status %d, %d bytes", tag, res.status, len(res.body))
	}
	res = do(t, srv, http.MethodGet, "/docs/assets/swagger-ui.css", map[string]string{"If-None-Match": `"other"`})
	if res.status != http.StatusOK {
		t.Errorf("stale If-None-Match: status %d", res.status)
	}
}

func TestGzip(t *testing.T) {
	srv := newServer(t)
	plain := get(t, srv, "/docs/assets/swagger-ui-bundle.js")
	res := do(t, srv, http.MethodGet, "/docs/assets/swagger-ui-bundle.js", map[string]string{"Accept-Encoding": "br, gzip;q=0.8"})
	if res.header.Get("Content-Encoding") != "gzip" {
		t.Fatalf("Content-Encoding %q, want gzip", res.header.Get("Content-Encoding"))
	}
	if !strings.Contains(res.header.Get("Vary"), "Accept-Encoding") {
		t.Errorf("Vary %q", res.header.Get("Vary"))
	}
	if res.header.Get("ETag") == plain.header.Get("ETag") {
		t.Error("gzip and identity responses share an ETag")
	}
	if len(res.body) >= len(plain.body) {
		t.Errorf("gzip body %d bytes, identity %d", len(res.body), len(plain.body))
	}
	zr, err := gzip.NewReader(bytes.NewReader(res.body))
	if err != nil {
		t.Fatal(err)
	}
	got, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, plain.body) {
		t.Error("gzip body does not decode to the asset")
	}

	// The favicon is too small to compress; refused gzip is respected.
	if enc := do(t, srv, http.MethodGet, "/docs/assets/favicon-32x32.png", map[string]string{"Accept-Encoding": "gzip"}).header.Get("Content-Encoding"); enc != "" {
		t.Errorf("favicon Content-Encoding %q", enc)
	}
	if enc := do(t, srv, http.MethodGet, "/docs/assets/swagger-ui.css", map[string]string{"Accept-Encoding": "gzip;q=0, *"}).header.Get("Content-Encoding"); enc != "" {
		t.Errorf("gzip;q=0 still got Content-Encoding %q", enc)
	}
}

func TestAcceptsGzip(t *testing.T) {
	for header, want := range map[string]bool{
		"":                  false,
		"identity":          false,
		"gzip":              true,
		"GZIP":              true,
		"deflate, gzip":     true,
		"gzip;q=0":          false,
		"gzip; q=0.0":       false,
		"gzip;q=0.5":        true,
		"*":                 true,
		"*;q=0":             false,
		"gzip;q=0, *":       false,
		"br, *;q=0.1":       true,
		"x-gzip":            true,
		"br;q=1, deflate":   false,
		" gzip ; q=1 , br ": true,
	} {
		if got := acceptsGzip(header); got != want {
			t.Errorf("acceptsGzip(%q) = %v, want %v", header, got, want)
		}
	}
}

func TestMethodNotAllowed(t *testing.T) {
	// Used without the method-matching mux patterns, the handler still
	// refuses anything but GET and HEAD.
	rec := httptest.NewRecorder()
	Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/docs", nil))
	if rec.Code != http.StatusMethodNotAllowed || rec.Header().Get("Allow") != "GET, HEAD" {
		t.Errorf("POST /docs: status %d, Allow %q", rec.Code, rec.Header().Get("Allow"))
	}
}

// TestEmbeddedFiles guards the vendored assets: the license travels with the
// bundle and the version recorded in README.md matches Version.
func TestEmbeddedFiles(t *testing.T) {
	for _, name := range []string{"assets/LICENSE", "assets/NOTICE", "assets/README.md", "assets/swagger-ui-bundle.js.LICENSE.txt"} {
		if _, err := files.ReadFile(name); err != nil {
			t.Errorf("missing %s: %v", name, err)
		}
	}
	readme, _ := files.ReadFile("assets/README.md")
	if !bytes.Contains(readme, []byte("swagger-ui-dist@"+Version)) {
		t.Errorf("assets/README.md does not mention swagger-ui-dist@%s", Version)
	}
}
