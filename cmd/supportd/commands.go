package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/supportd/supportd/internal/app"
	"github.com/supportd/supportd/internal/config"
	"github.com/supportd/supportd/internal/httpapi"
	"github.com/supportd/supportd/internal/store"
	"github.com/supportd/supportd/internal/support"
)

func migrate(ctx context.Context, e env, args []string) error {
	if err := parseFlags("migrate", e, args, nil); err != nil {
		return err
	}
	cfg, _, err := setup(e)
	if err != nil {
		return err
	}
	db, err := store.Open(ctx, cfg.DatabaseURL)
	if err != nil {
		return fmt.Errorf("open database: %w", err)
	}
	defer db.Close()
	if err := db.Migrate(ctx); err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	fmt.Fprintln(e.stdout, "migrations applied")
	return nil
}

func userCmd(ctx context.Context, e env, args []string) error {
	if len(args) == 0 || args[0] != "create" {
		return fmt.Errorf("%w: supportd user create --email E --password-stdin [--role R]", errUsage)
	}
	var email, role string
	var fromStdin bool
	err := parseFlags("user create", e, args[1:], func(fs *flag.FlagSet) {
		fs.StringVar(&email, "email", "", "email of the new user (required)")
		fs.BoolVar(&fromStdin, "password-stdin", false, "read the password from the first line of standard input (required)")
		fs.StringVar(&role, "role", string(support.RoleCustomer), "customer, agent or admin")
	})
	if err != nil {
		return err
	}
	if email == "" || !fromStdin {
		return fmt.Errorf("%w: --email and --password-stdin are required", errUsage)
	}
	password, err := bufio.NewReader(e.stdin).ReadString('\n')
	if err != nil && password == "" {
		return errors.New("no password on standard input")
	}
	cfg, log, err := setup(e)
	if err != nil {
		return err
	}
	a, err := app.New(ctx, cfg, log, app.Options{Version: version})
	if err != nil {
		return err
	}
	defer a.Close()
	u, err := a.Auth.CreateUser(ctx, support.Credentials{Email: email, Password: strings.TrimRight(password, "\r\n")}, support.Role(role))
	if err != nil {
		return describe(err)
	}
	fmt.Fprintf(e.stdout, "created %s %s (%s)\n", u.Role, u.Email, u.ID)
	return nil
}

// describe turns a domain error into one line for the terminal.
func describe(err error) error {
	var de *support.Error
	if !errors.As(err, &de) {
		return err
	}
	msgs := []string{de.Message}
	for _, f := range de.Fields {
		msgs = append(msgs, f.Field+" "+f.Message)
	}
	return errors.New(strings.Join(msgs, "; "))
}

func healthcheck(ctx context.Context, e env) error {
	cfg, err := config.Load(e.getenv)
	if err != nil {
		return fmt.Errorf("configuration: %w", err)
	}
	ctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://127.0.0.1:"+strconv.Itoa(cfg.Port)+"/healthz", nil)
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("healthcheck: %w", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("healthcheck: status %d", resp.StatusCode)
	}
	return nil
}

// openapiCmd prints the OpenAPI document the server would serve with this
// configuration (PUBLIC_URL sets its server), without opening the database.
func openapiCmd(e env, args []string) error {
	if err := parseFlags("openapi", e, args, nil); err != nil {
		return err
	}
	cfg, err := config.Load(e.getenv)
	if err != nil {
		return fmt.Errorf("configuration: %w", err)
	}
	b, err := json.MarshalIndent(httpapi.Document(version, cfg.PublicURL), "", "  ")
	if err != nil {
		return fmt.Errorf("openapi: %w", err)
	}
	_, err = fmt.Fprintf(e.stdout, "%s\n", b)
	return err
}
