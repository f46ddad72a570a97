package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"strconv"
	"strings"

	"github.com/supportd/supportd/internal/app"
	"github.com/supportd/supportd/internal/config"
	"github.com/supportd/supportd/internal/logging"
)

// errUsage marks command-line mistakes: exit status 2, like the flag package.
var errUsage = errors.New("usage")

func exitCode(err error) int {
	if errors.Is(err, errUsage) || errors.Is(err, flag.ErrHelp) {
		return 2
	}
	return 1
}

// env is everything run needs from the process, passed in so tests never touch the real one.
type env struct {
	getenv func(string) string
	stdin  io.Reader
	stdout io.Writer
	stderr io.Writer
}

const usage = `supportd: a customer-support API with an AI assistant

Usage:
  supportd [serve]                                   serve the API (default)
  supportd migrate                                   apply database migrations and exit
  supportd user create --email E --password-stdin [--role customer|agent|admin]
  supportd kb import DIR                             import the Markdown articles (*.md) in DIR into the knowledge base
  supportd eval [flags] FILE...                      measure the assistant on question sets (JSON Lines; see eval/README.md)
  supportd healthcheck                               exit 0 if the local server answers /healthz
  supportd openapi                                   print the OpenAPI document (as served at /openapi.json)
  supportd version                                   print the version

Configuration comes from the environment and an optional .env file; see README.md.
`

// run is the whole program; main only adds the process's signals, environment and exit code.
func run(ctx context.Context, args []string, lookupEnv func(string) (string, bool), stdin io.Reader, stdout, stderr io.Writer) error {
	getenv, err := config.Getenv(lookupEnv, ".env")
	if err != nil {
		return err
	}
	e := env{getenv: getenv, stdin: stdin, stdout: stdout, stderr: stderr}
	cmd, rest := "serve", args
	if len(args) > 0 {
		cmd, rest = args[0], args[1:]
	}
	switch cmd {
	case "serve":
		return serve(ctx, e, rest)
	case "migrate":
		return migrate(ctx, e, rest)
	case "user":
		return userCmd(ctx, e, rest)
	case "kb":
		return kbCmd(ctx, e, rest)
	case "eval":
		return evalCmd(ctx, e, rest)
	case "healthcheck":
		return healthcheck(ctx, e)
	case "openapi":
		return openapiCmd(e, rest)
	case "version", "--version":
		fmt.Fprintln(stdout, "supportd", version)
		return nil
	case "help", "-h", "--help", "-help":
		fmt.Fprint(stdout, usage)
		return nil
	}
	fmt.Fprint(stderr, usage)
	return fmt.Errorf("%w: unknown command %q", errUsage, cmd)
}

// setup loads the configuration and the logger shared by every subcommand that
// opens the database.
func setup(e env) (config.Config, *slog.Logger, error) {
	cfg, err := config.Load(e.getenv)
	if err == nil {
		err = productionDatabase(cfg, e.getenv)
	}
	if err != nil {
		return cfg, nil, fmt.Errorf("configuration: %w", err)
	}
	log, err := logging.New(e.stderr, cfg.LogFormat, cfg.LogLevel)
	if err != nil {
		return cfg, nil, fmt.Errorf("configuration: %w", err)
	}
	return cfg, log, nil
}

// productionDatabase refuses, in production, the SQLite file in DATA_DIR that
// supportd falls back to when no database is configured: there it is nearly
// always a mistake (a missing or misspelt variable), whose data would live in one
// container's volume, apart from every other instance's. SQLite named explicitly
// in DATABASE_URL is a choice, and is accepted (Start warns about it).
func productionDatabase(cfg config.Config, getenv func(string) string) error {
	if cfg.Dev() || strings.TrimSpace(getenv("DATABASE_URL")) != "" || strings.TrimSpace(getenv("POSTGRES_SERVER")) != "" {
		return nil
	}
	return errors.New("SUPPORTD_ENV=production needs a database: set DATABASE_URL=postgres://... (or POSTGRES_SERVER), " +
		"or name SQLite explicitly for a single instance, e.g. DATABASE_URL=sqlite:///var/lib/supportd/supportd.db")
}

func parseFlags(name string, e env, args []string, define func(*flag.FlagSet)) error {
	fs := flag.NewFlagSet("supportd "+name, flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	if define != nil {
		define(fs)
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("%w: unexpected argument %q", errUsage, fs.Arg(0))
	}
	return nil
}

func serve(ctx context.Context, e env, args []string) error {
	if err := parseFlags("serve", e, args, nil); err != nil {
		return err
	}
	cfg, log, err := setup(e)
	if err != nil {
		return err
	}
	log.Info("starting supportd", "version", version, "config", cfg.String())
	a, err := app.New(ctx, cfg, log, app.Options{Version: version})
	if err != nil {
		return err
	}
	defer a.Close()
	if err := a.EnsureAdmin(ctx); err != nil {
		return err
	}
	a.Start(ctx)
	ln, err := net.Listen("tcp", net.JoinHostPort(cfg.Host, strconv.Itoa(cfg.Port)))
	if err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	base := displayURL(cfg, ln.Addr())
	fmt.Fprintf(e.stdout, "supportd %s listening on %s (database: %s)\nAPI docs: %s/docs\n", version, base, a.DB.Engine(), base)
	return a.Serve(ctx, ln)
}

func displayURL(cfg config.Config, addr net.Addr) string {
	if cfg.PublicURL != "" {
		return cfg.PublicURL
	}
	host := cfg.Host
	if host == "" || host == "0.0.0.0" || host == "::" {
		host = "localhost"
	}
	return "http://" + net.JoinHostPort(host, strconv.Itoa(addr.(*net.TCPAddr).Port))
}
