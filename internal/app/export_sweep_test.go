package app

import "context"

// SweepNow runs the sweeper's pass at once, for tests.
func (a *App) SweepNow(ctx context.Context) { a.sweep(ctx) }
