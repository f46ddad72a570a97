package metrics

import (
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// RouteUnmatched is the route label of requests no route pattern matched.
const RouteUnmatched = "unmatched"

func (m *Metrics) newHTTP() {
	m.httpRequests = m.counterVec("supportd_http_requests_total",
		"HTTP requests by route pattern, method and status code.", "route", "method", "code")
	m.httpDuration = m.histogramVec("supportd_http_request_duration_seconds",
		"Time to answer an HTTP request (for a reply stream: until the handler returns).",
		[]float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30}, "route", "method")
	m.httpSize = m.histogramVec("supportd_http_response_size_bytes", "Bytes of response body written.",
		prometheus.ExponentialBuckets(64, 4, 9), "route", "method") // 64 B .. 4 MiB
	m.httpInFlight = m.gauge("supportd_http_requests_in_flight", "HTTP requests being answered.")
}

// InFlight counts requests in flight: +1 when one starts, -1 when it ends.
func (m *Metrics) InFlight(delta int) {
	if m != nil {
		m.httpInFlight.Add(float64(delta))
	}
}

// ObserveRequest records a finished request. route is its pattern without the
// method ("/tickets/{id}"), or RouteUnmatched; method is bounded here.
func (m *Metrics) ObserveRequest(route, method string, code int, d time.Duration, bytes int) {
	if m == nil {
		return
	}
	method = boundMethod(method)
	m.httpRequests.WithLabelValues(route, method, codeLabel(code)).Inc()
	m.httpDuration.WithLabelValues(route, method).Observe(d.Seconds())
	m.httpSize.WithLabelValues(route, method).Observe(float64(bytes))
}

// boundMethod keeps the method label to the methods HTTP defines: a client may
// send any token as a method.
func boundMethod(method string) string {
	switch method {
	case http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch,
		http.MethodDelete, http.MethodOptions, http.MethodConnect, http.MethodTrace:
		return method
	}
	return "other"
}

// codeLabel avoids an allocation for the common statuses.
func codeLabel(code int) string {
	switch code {
	case http.StatusOK:
		return "200"
	case http.StatusCreated:
		return "201"
	case http.StatusNoContent:
		return "204"
	case http.StatusNotFound:
		return "404"
	case http.StatusTooManyRequests:
		return "429"
	}
	return strconv.Itoa(code)
}
