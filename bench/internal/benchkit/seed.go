package benchkit

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/supportd/supportd/internal/auth"
	"github.com/supportd/supportd/internal/config"
	"github.com/supportd/supportd/internal/store"
	"github.com/supportd/supportd/internal/support"
)

// Customer is a seeded account and its one open ticket.
type Customer struct {
	UserID, TicketID string
	TokenVersion     int
}

// SeedSpec says what the seeded customers look like.
type SeedSpec struct {
	Email              func(i int) string // the i-th customer's address (unique across runs)
	Program            string             // in the placeholder password hash: "seeded by <Program>"
	Title, Description string             // of each customer's ticket
	Workers            int                // customers written at once (at least 1)
}

// Seed migrates the database at dbURL and writes n customers with an open
// ticket each (SeedInto), then reads back the token version a new account
// has. Their password hash is a placeholder: nobody logs in, their tokens are
// signed by MintTokens.
func Seed(ctx context.Context, dbURL string, n int, spec SeedSpec) ([]Customer, error) {
	db, err := store.Open(ctx, dbURL)
	if err != nil {
		return nil, err
	}
	defer db.Close()
	if err := db.Migrate(ctx); err != nil {
		return nil, fmt.Errorf("migrate: %w", err)
	}
	out, err := SeedInto(ctx, db, n, spec)
	if err != nil || n == 0 {
		return out, err
	}
	// A new account's token version is the column's default: read it back once.
	u, err := db.UserByID(ctx, out[0].UserID)
	if err != nil {
		return nil, err
	}
	for i := range out {
		out[i].TokenVersion = u.TokenVersion
	}
	return out, nil
}

// SeedInto writes n customers with an open ticket each through db, spec.Workers
// at a time (TokenVersion is left 0).
func SeedInto(ctx context.Context, db *store.DB, n int, spec SeedSpec) ([]Customer, error) {
	out := make([]Customer, n)
	next := make(chan int)
	errs := make([]error, max(spec.Workers, 1))
	var wg sync.WaitGroup
	for w := range errs {
		wg.Go(func() {
			for i := range next {
				if errs[w] == nil {
					out[i], errs[w] = seedOne(ctx, db, spec, spec.Email(i))
				}
			}
		})
	}
	for i := range n {
		next <- i
	}
	close(next)
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return out, nil
}

func seedOne(ctx context.Context, db *store.DB, spec SeedSpec, email string) (Customer, error) {
	u := &support.User{Email: email, EmailKey: email, PasswordHash: "unusable: seeded by " + spec.Program, Role: support.RoleCustomer}
	if err := db.CreateUser(ctx, u); err != nil {
		return Customer{}, err
	}
	t := &support.Ticket{CustomerID: u.ID, Title: spec.Title, Description: spec.Description}
	if err := db.CreateTicket(ctx, t); err != nil {
		return Customer{}, err
	}
	return Customer{UserID: u.ID, TicketID: t.ID}, nil
}

// MintTokens signs an access token per customer as supportd would at login:
// the key is SECRET_KEY (internal/app's signingKey takes it as it is when
// set), the issuer and lifetime are the config's.
func MintTokens(cfg config.Config, cs []Customer) ([]string, error) {
	if cfg.SecretKey == "" {
		return nil, errors.New("SECRET_KEY is empty")
	}
	tokens := auth.NewTokens([]byte(cfg.SecretKey), cfg.TokenIssuer, cfg.TokenTTL, time.Now)
	out := make([]string, len(cs))
	for i, c := range cs {
		tok, err := tokens.Issue(auth.Claims{UserID: c.UserID, Version: c.TokenVersion, IssuedAt: time.Now()})
		if err != nil {
			return nil, err
		}
		out[i] = tok
	}
	return out, nil
}
