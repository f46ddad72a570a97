package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"
)

// Serve serves the API on ln until ctx ends, then lets in-flight requests finish
// within the configured shutdown period. supportd serve and the benchmark
// harnesses all serve through it, so they run the same server settings.
func (a *App) Serve(ctx context.Context, ln net.Listener) error {
	stopMetrics, err := a.serveMetrics() // on METRICS_ADDR, never on ln
	if err != nil {
		return err
	}
	defer stopMetrics()
	srv := &http.Server{
		Handler:           a.Server,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      a.Config.WriteTimeout, // reply streams extend their own deadline per event
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(a.Log.Handler(), slog.LevelWarn),
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	grace := a.Config.ShutdownPeriod
	a.Log.Info("shutting down", "grace", grace.String()) // "10s", not nanoseconds
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), grace)
	defer cancel()
	// Live streams never go idle: end them first (their clients reconnect to
	// another instance and resume from their last event), then wait for the rest.
	stopAndWait(a.stopLive, a.liveDone)
	if err := srv.Shutdown(sctx); err != nil {
		srv.Close()
		if !errors.Is(err, context.DeadlineExceeded) {
			return fmt.Errorf("shutdown: %w", err)
		}
		// Reply streams keep their request open for the whole reply: those still
		// open are cut; their clients resume elsewhere with Last-Event-ID.
		a.Log.Warn("shutdown grace period over: closed the connections still open", "grace", grace.String())
	}
	a.Log.Info("stopped")
	return nil
}
