package main

import (
	"context"
	"fmt"

	"github.com/supportd/supportd/bench/internal/benchkit"
)

// seed migrates the database and writes n customers, each with an open ticket,
// through the store (8 connections at once); their tokens are signed by
// benchkit.MintTokens.
func seed(ctx context.Context, dbURL string, n int) ([]benchkit.Customer, error) {
	run := benchkit.RandomHex(4) // emails unique across runs on one database
	return benchkit.Seed(ctx, dbURL, n, benchkit.SeedSpec{
		Email:       func(i int) string { return fmt.Sprintf("live-%s-%05d@example.com", run, i) },
		Program:     "bench/live",
		Title:       "Where is my parcel?",
		Description: "Ordered two weeks ago, the tracking page has not moved since.",
		Workers:     8,
	})
}
