// Command pprofsupportd serves supportd exactly like `supportd serve` (app.New,
// app.Start and the same http.Server settings) plus net/http/pprof on the
// separate address in STREAMBENCH_PPROF. It exists only to profile the stream
// benchmark (go run ./bench/stream -supportd <this binary>); the product has no
// pprof route.
//
//	go build -o /tmp/pprofsupportd ./bench/stream/pprofsupportd
//	STREAMBENCH_PPROF=127.0.0.1:6060 go run ./bench/stream -supportd /tmp/pprofsupportd ...
//	go tool pprof -top http://127.0.0.1:6060/debug/pprof/profile?seconds=10
package main

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"os"
	"os/signal"
	"strconv"
	"syscall"
	"time"

	"github.com/supportd/supportd/internal/app"
	"github.com/supportd/supportd/internal/config"
	"github.com/supportd/supportd/internal/logging"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "pprofsupportd:", err)
		os.Exit(1)
	}
}

func run() error {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	cfg, err := config.Load(os.Getenv)
	if err != nil {
		return err
	}
	log, err := logging.New(os.Stderr, cfg.LogFormat, cfg.LogLevel)
	if err != nil {
		return err
	}
	a, err := app.New(ctx, cfg, log, app.Options{Version: "pprofsupportd"})
	if err != nil {
		return err
	}
	defer a.Close()
	a.Start(ctx)
	if addr := os.Getenv("STREAMBENCH_PPROF"); addr != "" {
		mux := http.NewServeMux()
		mux.HandleFunc("/debug/pprof/", pprof.Index)
		mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
		mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
		go func() { _ = http.ListenAndServe(addr, mux) }()
	}
	ln, err := net.Listen("tcp", net.JoinHostPort(cfg.Host, strconv.Itoa(cfg.Port)))
	if err != nil {
		return err
	}
	srv := &http.Server{ // as cmd/supportd's newHTTPServer
		Handler:           a.Server,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      30 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(a.Log.Handler(), slog.LevelWarn),
	}
	go func() { _ = srv.Serve(ln) }()
	<-ctx.Done()
	sctx, cancel := context.WithTimeout(context.Background(), cfg.ShutdownPeriod)
	defer cancel()
	return srv.Shutdown(sctx)
}
