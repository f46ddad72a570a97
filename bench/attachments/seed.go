package main

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/supportd/supportd/internal/auth"
	"github.com/supportd/supportd/internal/config"
	"github.com/supportd/supportd/internal/store"
	"github.com/supportd/supportd/internal/support"
)

// customer is a seeded account, its one open ticket and its access token.
type customer struct {
	userID, ticketID string
	tokenVersion     int
	token            string
}

// seed migrates the database and writes n customers, each with an open
// ticket, through the store. Their password hash is a placeholder: nobody
// logs in, the tokens are signed by mintTokens.
func seed(ctx context.Context, dbURL string, n int) ([]customer, error) {
	db, err := store.Open(ctx, dbURL)
	if err != nil {
		return nil, err
	}
	defer db.Close()
	if err := db.Migrate(ctx); err != nil {
		return nil, fmt.Errorf("migrate: %w", err)
	}
	run := randomHex(4)
	out := make([]customer, n)
	for i := range out {
		email := fmt.Sprintf("attbench-%s-%03d@example.com", run, i)
		u := &support.User{Email: email, EmailKey: email, PasswordHash: "unusable: seeded by bench/attachments", Role: support.RoleCustomer}
		if err := db.CreateUser(ctx, u); err != nil {
			return nil, err
		}
		t := &support.Ticket{CustomerID: u.ID, Title: "Screenshots of the failed payment",
			Description: "The checkout page shows an error after the card is accepted; files attached."}
		if err := db.CreateTicket(ctx, t); err != nil {
			return nil, err
		}
		out[i] = customer{userID: u.ID, ticketID: t.ID}
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

// mintTokens signs an access token per customer as supportd would at login:
// the key is SECRET_KEY (internal/app's signingKey takes it as it is when
// set), the issuer and lifetime are the config's.
func mintTokens(cfg config.Config, cs []customer) error {
	if cfg.SecretKey == "" {
		return errors.New("SECRET_KEY is empty")
	}
	tokens := auth.NewTokens([]byte(cfg.SecretKey), cfg.TokenIssuer, cfg.TokenTTL, time.Now)
	for i, c := range cs {
		tok, err := tokens.Issue(auth.Claims{UserID: c.userID, Version: c.tokenVersion, IssuedAt: time.Now()})
		if err != nil {
			return err
		}
		cs[i].token = tok
	}
	return nil
}
