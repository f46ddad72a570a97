package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/supportd/supportd/internal/httpapi"
	"github.com/supportd/supportd/internal/llm"
)

// httpMetrics is the request metrics for the HTTP layer: an untyped nil without
// METRICS_ADDR, so that no metrics middleware runs at all.
func (a *App) httpMetrics() httpapi.HTTPMetrics {
	if a.Metrics == nil {
		return nil
	}
	return a.Metrics
}

// watchMetrics counts the database's errors and registers what is read at scrape
// time: the database pool, the providers' circuit breakers, the rate limiter's
// Redis fallbacks.
func (a *App) watchMetrics(gen *llm.Chain, providers []string) {
	if a.Metrics == nil {
		return
	}
	a.DB.ObserveErrors(a.Metrics.QueryError)
	a.Metrics.WatchDB(a.DB.Engine(), a.DB.SQL().Stats)
	a.Metrics.WatchBreakers(providers, gen.BreakerState)
	a.Metrics.WatchRateLimitFallbacks(a.Limiter.Fallbacks)
	a.Metrics.WatchLive(func() (int, uint64, uint64) {
		s := a.Live.Stats()
		return s.Streams, s.Delivered, s.Slow
	})
}

// serveMetrics serves GET /metrics on METRICS_ADDR, apart from the public port,
// until the returned stop is called. Without METRICS_ADDR it does nothing.
func (a *App) serveMetrics() (stop func(), err error) {
	if a.Metrics == nil {
		return func() {}, nil
	}
	ln, err := net.Listen("tcp", a.Config.Metrics.Addr)
	if err != nil {
		return nil, fmt.Errorf("listen on METRICS_ADDR: %w", err)
	}
	return a.ServeMetrics(ln), nil
}

// ServeMetrics serves GET /metrics on ln until the returned stop is called.
func (a *App) ServeMetrics(ln net.Listener) (stop func()) {
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", a.Metrics.Handler())
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 30 * time.Second,
		WriteTimeout: 30 * time.Second, IdleTimeout: 120 * time.Second, MaxHeaderBytes: 16 << 10,
		ErrorLog: slog.NewLogLogger(a.Log.Handler(), slog.LevelWarn)}
	go func() {
		if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
			a.Log.Error("metrics endpoint stopped", "err", err)
		}
	}()
	a.Log.Info("metrics endpoint", "url", "http://"+ln.Addr().String()+"/metrics")
	return func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := srv.Shutdown(ctx); err != nil {
			srv.Close()
		}
	}
}
