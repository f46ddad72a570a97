// Command profserve serves supportd exactly like `supportd serve` (app.New,
// app.Start, app.Serve), configured from the environment, plus profiling that the
// product never has:
//
//   - -cpuprofile FILE records a CPU profile, written on SIGINT or SIGTERM
//     (bench/load.sh uses it when PROFILE=file is set);
//
//   - STREAMBENCH_PPROF=ADDR serves net/http/pprof on that separate address
//     (bench/stream fetches profiles from it: go run ./bench/stream -supportd <this binary>).
//
//     go build -o /tmp/profserve ./bench/profserve
//     go tool pprof -top /tmp/profserve cpu.pprof
package main

import (
	"context"
	"flag"
	"fmt"
	"net"
	"net/http"
	httppprof "net/http/pprof"
	"os"
	"os/signal"
	"runtime/pprof"
	"strconv"
	"syscall"

	"github.com/supportd/supportd/internal/app"
	"github.com/supportd/supportd/internal/config"
	"github.com/supportd/supportd/internal/logging"
)

func main() {
	out := flag.String("cpuprofile", "", "write a CPU profile here on exit")
	flag.Parse()
	if err := run(*out, os.Getenv("STREAMBENCH_PPROF")); err != nil {
		fmt.Fprintln(os.Stderr, "profserve:", err)
		os.Exit(1)
	}
}

func run(cpuProfile, pprofAddr string) error {
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
	a, err := app.New(ctx, cfg, log, app.Options{Version: "profserve"})
	if err != nil {
		return err
	}
	defer a.Close()
	a.Start(ctx)
	if pprofAddr != "" {
		go servePprof(pprofAddr)
	}
	if cpuProfile != "" {
		stopProfile, err := startCPUProfile(cpuProfile)
		if err != nil {
			return err
		}
		defer stopProfile()
	}
	ln, err := net.Listen("tcp", net.JoinHostPort(cfg.Host, strconv.Itoa(cfg.Port)))
	if err != nil {
		return err
	}
	fmt.Printf("profserve listening on %s\n", ln.Addr())
	return a.Serve(ctx, ln)
}

func servePprof(addr string) {
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", httppprof.Index)
	mux.HandleFunc("/debug/pprof/profile", httppprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", httppprof.Symbol)
	mux.HandleFunc("/debug/pprof/trace", httppprof.Trace)
	_ = http.ListenAndServe(addr, mux) // a profiling aid: if it cannot listen, the bench just gets no profiles
}

func startCPUProfile(path string) (func(), error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, err
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, err
	}
	return func() { pprof.StopCPUProfile(); f.Close() }, nil
}
