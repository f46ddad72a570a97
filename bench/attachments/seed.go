package main

import (
	"context"
	"fmt"

	"github.com/supportd/supportd/bench/internal/benchkit"
	"github.com/supportd/supportd/internal/config"
)

// customer is a seeded account, its one open ticket and its access token.
type customer struct {
	benchkit.Customer
	token string
}

// seed migrates the database and writes n customers, each with an open
// ticket, through the store, one at a time.
func seed(ctx context.Context, dbURL string, n int) ([]customer, error) {
	run := benchkit.RandomHex(4)
	cs, err := benchkit.Seed(ctx, dbURL, n, benchkit.SeedSpec{
		Email:       func(i int) string { return fmt.Sprintf("attbench-%s-%03d@example.com", run, i) },
		Program:     "bench/attachments",
		Title:       "Screenshots of the failed payment",
		Description: "The checkout page shows an error after the card is accepted; files attached.",
		Workers:     1,
	})
	if err != nil {
		return nil, err
	}
	out := make([]customer, len(cs))
	for i, c := range cs {
		out[i].Customer = c
	}
	return out, nil
}

// mintTokens signs each customer's access token (benchkit.MintTokens).
func mintTokens(cfg config.Config, cs []customer) error {
	base := make([]benchkit.Customer, len(cs))
	for i, c := range cs {
		base[i] = c.Customer
	}
	tokens, err := benchkit.MintTokens(cfg, base)
	if err != nil {
		return err
	}
	for i := range cs {
		cs[i].token = tokens[i]
	}
	return nil
}
