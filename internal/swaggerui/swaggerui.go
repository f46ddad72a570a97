// Package swaggerui serves Swagger UI from assets embedded in the binary, so
// the API documentation at /docs works with no internet access and under a
// strict Content-Security-Policy (no inline scripts, no third-party origins).
//
// The UI loads the OpenAPI document from /openapi.json, which is served by the
// API itself, not by this package.
//
// Mount it on both patterns:
//
//	h := swaggerui.Handler()
//	mux.Handle("GET /docs", h)
//	mux.Handle("GET /docs/", h)
package swaggerui

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Version is the swagger-ui-dist release vendored in assets/.
const Version = "5.35.0"

//go:embed index.html init.js assets
var files embed.FS

// ContentSecurityPolicy is sent with the HTML page. Swagger UI needs:
//   - style-src 'unsafe-inline': Markdown rendered from the spec's
//     descriptions carries style="" attributes (table column alignment);
//   - img-src data: — swagger-ui.css and the bundle draw icons as data: URIs
//     (checked in headless Chromium: without it the icons are blocked);
//   - img-src blob: — "Try it out" previews image responses via object URLs;
//   - connect-src 'self' — it fetches /openapi.json and sends "Try it out"
//     requests to the API, which must therefore be on the same origin.
//
// Scripts come only from 'self' (no 'unsafe-inline', no 'unsafe-eval'); the
// page, its scripts, the spec fetch and "Try it out" were checked in headless
// Chromium with this policy and raised no violation.
const ContentSecurityPolicy = "default-src 'none'; " +
	"script-src 'self'; " +
	"style-src 'self' 'unsafe-inline'; " +
	"img-src 'self' data: blob:; " +
	"font-src 'self'; " +
	"connect-src 'self'; " +
	"manifest-src 'self'; " +
	"form-action 'self'; " +
	"base-uri 'none'; " +
	"object-src 'none'; " +
	"frame-ancestors 'none'"

const (
	// The page and init.js are tiny and must pick up new releases at once:
	// browsers revalidate them every time (cheap, thanks to the ETag).
	cachePage = "no-cache"
	// Vendored assets change only with a swagger-ui-dist upgrade; they keep
	// their ETag, so after max-age a browser revalidates with a 304.
	cacheAsset = "public, max-age=604800"
	// Responses smaller than this are not worth compressing.
	minGzipSize = 1024
)

// file is one servable response, prepared once.
type file struct {
	body        []byte
	contentType string
	cache       string
	html        bool
	etag        string

	gzipOnce sync.Once
	gzipBody []byte // nil when compressing does not pay off
	gzipETag string
}

type handler struct {
	routes map[string]*file // by URL path
}

// Handler returns the http.Handler for GET/HEAD /docs, /docs/, /docs/init.js
// and /docs/assets/*. Any other path is answered with 404.
func Handler() http.Handler {
	h := &handler{routes: make(map[string]*file)}
	page := h.add("index.html", "text/html; charset=utf-8", cachePage)
	page.html = true
	h.routes["/docs"] = page
	h.routes["/docs/"] = page
	h.routes["/docs/init.js"] = h.add("init.js", "text/javascript; charset=utf-8", cachePage)
	for name, ctype := range map[string]string{
		"swagger-ui-bundle.js":             "text/javascript; charset=utf-8",
		"swagger-ui.css":                   "text/css; charset=utf-8",
		"favicon-32x32.png":                "image/png",
		"LICENSE":                          "text/plain; charset=utf-8",
		"NOTICE":                           "text/plain; charset=utf-8",
		"swagger-ui-bundle.js.LICENSE.txt": "text/plain; charset=utf-8",
	} {
		h.routes["/docs/assets/"+name] = h.add("assets/"+name, ctype, cacheAsset)
	}
	return h
}

func (h *handler) add(name, contentType, cache string) *file {
	body, err := files.ReadFile(name)
	if err != nil {
		// Only reachable if the embed directive and this list disagree,
		// which the package tests catch.
		panic("swaggerui: missing embedded file " + name + ": " + err.Error())
	}
	return &file{body: body, contentType: contentType, cache: cache, etag: etag(body, "")}
}

func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f, ok := h.routes[r.URL.Path]
	if !ok {
		http.NotFound(w, r)
		return
	}
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, http.StatusText(http.StatusMethodNotAllowed), http.StatusMethodNotAllowed)
		return
	}

	hdr := w.Header()
	hdr.Set("Content-Type", f.contentType)
	hdr.Set("Cache-Control", f.cache)
	hdr.Set("X-Content-Type-Options", "nosniff")
	if f.html {
		hdr.Set("Content-Security-Policy", ContentSecurityPolicy)
		hdr.Set("X-Frame-Options", "DENY")
		hdr.Set("Referrer-Policy", "no-referrer")
	}

	body, tag := f.body, f.etag
	if len(f.body) >= minGzipSize {
		hdr.Add("Vary", "Accept-Encoding")
		if acceptsGzip(r.Header.Get("Accept-Encoding")) {
			if gz, gzTag := f.gzipped(); gz != nil {
				body, tag = gz, gzTag
				hdr.Set("Content-Encoding", "gzip")
			}
		}
	}
	hdr.Set("ETag", tag)
	// ServeContent answers HEAD, If-None-Match (304) and Range requests.
	// Embedded files have no modification time, so none is sent.
	http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(body))
}

// gzipped compresses f once, on first demand, and returns nil if that does
// not make it smaller.
func (f *file) gzipped() ([]byte, string) {
	f.gzipOnce.Do(func() {
		var buf bytes.Buffer
		zw, err := gzip.NewWriterLevel(&buf, gzip.BestCompression)
		if err != nil {
			return
		}
		if _, err := zw.Write(f.body); err != nil {
			return
		}
		if err := zw.Close(); err != nil {
			return
		}
		if buf.Len() < len(f.body) {
			f.gzipBody = buf.Bytes()
			f.gzipETag = etag(f.body, "-gzip")
		}
	})
	return f.gzipBody, f.gzipETag
}

// etag is a strong validator derived from the uncompressed content; each
// content coding gets its own suffix, as RFC 9110 requires.
func etag(body []byte, suffix string) string {
	sum := sha256.Sum256(body)
	return `"` + hex.EncodeToString(sum[:12]) + suffix + `"`
}

// acceptsGzip reports whether an Accept-Encoding header allows gzip
// (explicitly, or through "*"), honouring q=0 as a refusal.
func acceptsGzip(header string) bool {
	gz, star := -1.0, -1.0
	for _, part := range strings.Split(header, ",") {
		coding, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		q := 1.0
		for _, p := range strings.Split(params, ";") {
			k, v, ok := strings.Cut(strings.TrimSpace(p), "=")
			if ok && strings.EqualFold(strings.TrimSpace(k), "q") {
				if f, err := strconv.ParseFloat(strings.TrimSpace(v), 64); err == nil {
					q = f
				}
			}
		}
		switch strings.ToLower(strings.TrimSpace(coding)) {
		case "gzip", "x-gzip":
			gz = q
		case "*":
			star = q
		}
	}
	if gz >= 0 {
		return gz > 0
	}
	return star > 0
}
