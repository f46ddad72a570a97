package main

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

// customer is a seeded account and its one open ticket.
type customer struct {
	userID, ticketID string
	tokenVersion     int
}

// seed migrates the database and writes n customers, each with an open ticket,
// through the store (a few connections at once). Their password hash is a
// placeholder: nobody logs in, the tokens are signed by mintTokens.
func seed(ctx context.Context, dbURL string, n int) ([]customer, error) {
	db, err := store.Open(ctx, dbURL)
	if err != nil {
		return nil, err
	}
	defer db.Close()
	if err := db.Migrate(ctx); err != nil {
		return nil, fmt.Errorf("migrate: %w", err)
	}
	run := randomHex(4) // emails unique across runs on one database
	out := make([]customer, n)
	next := make(chan int)
	errs := make([]error, 8)
	var wg sync.WaitGroup
	for w := range errs {
		wg.Go(func() {
			for i := range next {
				if errs[w] == nil {
					out[i], errs[w] = seedOne(ctx, db, fmt.Sprintf("live-%s-%05d@example.com", run, i))
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
	// A new account's token version is the column's default: read it back once.
	u, err := db.UserByID(ctx, out[0].userID)
	if err != nil {
		return nil, err
	}
	for i := range out {
		out[i].tokenVersion = u.TokenVersion
	}
	return out, nil
}

func seedOne(ctx context.Context, db *store.DB, email string) (customer, error) {
	u := &support.User{Email: email, EmailKey: email, PasswordHash: "unusable: seeded by bench/live", Role: support.RoleCustomer}
	if err := db.CreateUser(ctx, u); err != nil {
		return customer{}, err
	}
	t := &support.Ticket{CustomerID: u.ID, Title: "Where is my parcel?",
		Description: "Ordered two weeks ago, the tracking page has not moved since."}
	if err := db.CreateTicket(ctx, t); err != nil {
		return customer{}, err
	}
	return customer{userID: u.ID, ticketID: t.ID}, nil
}

// mintTokens signs an access token per customer as supportd would at login:
// the key is SECRET_KEY (internal/app's signingKey takes it as it is when set),
// the issuer and lifetime are the config's.
func mintTokens(cfg config.Config, cs []customer) ([]string, error) {
	if cfg.SecretKey == "" {
		return nil, errors.New("SECRET_KEY is empty")
	}
	tokens := auth.NewTokens([]byte(cfg.SecretKey), cfg.TokenIssuer, cfg.TokenTTL, time.Now)
	out := make([]string, len(cs))
	for i, c := range cs {
		tok, err := tokens.Issue(auth.Claims{UserID: c.userID, Version: c.tokenVersion, IssuedAt: time.Now()})
		if err != nil {
			return nil, err
		}
		out[i] = tok
	}
	return out, nil
}
