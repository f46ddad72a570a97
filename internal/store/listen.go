package store

import (
	"context"
	"database/sql/driver"
	"fmt"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5/stdlib"
)

// Listen hears PostgreSQL's notifications until ctx ends: onFeed when ticket
// events commit on any instance, onAccount with the user id when an account
// changes (NotifyAccountChanged). It holds one connection of the pool and,
// after losing it, connects again with a growing pause, calling onFeed each
// time it listens again so that readers catch up on what they may have missed.
// On SQLite it returns at once: the one instance is told in process.
func (db *DB) Listen(ctx context.Context, onFeed func(), onAccount func(userID string), log *slog.Logger) {
	if db.dialect.engine != postgresDialect.engine {
		return
	}
	pause := listenMinPause
	for {
		listening, err := db.listen(ctx, onFeed, onAccount)
		if ctx.Err() != nil {
			return
		}
		if listening {
			pause = listenMinPause
		}
		log.WarnContext(ctx, "store: listening for notifications failed; live streams poll until it is back", "error", err, "retry_in", pause)
		select {
		case <-ctx.Done():
			return
		case <-time.After(pause):
		}
		pause = min(2*pause, listenMaxPause)
	}
}

const (
	listenMinPause = time.Second
	listenMaxPause = 30 * time.Second
)

// listen runs one LISTEN session; listening reports whether it got that far.
func (db *DB) listen(ctx context.Context, onFeed func(), onAccount func(string)) (listening bool, err error) {
	conn, err := db.sql.Conn(ctx)
	if err != nil {
		return false, err
	}
	defer conn.Close()
	err = conn.Raw(func(driverConn any) error {
		c, ok := driverConn.(*stdlib.Conn)
		if !ok {
			return fmt.Errorf("store: listen: unexpected driver connection %T", driverConn)
		}
		pc := c.Conn()
		for _, ch := range []string{FeedChannel, AccountsChannel} {
			if _, err := pc.Exec(ctx, "LISTEN "+ch); err != nil {
				return err
			}
		}
		listening = true
		onFeed()
		for {
			n, err := pc.WaitForNotification(ctx)
			if err != nil {
				return err
			}
			switch n.Channel {
			case FeedChannel:
				onFeed()
			case AccountsChannel:
				onAccount(n.Payload)
			}
		}
	})
	// The connection still LISTENs, or is broken: never hand it back to the pool.
	_ = conn.Raw(func(any) error { return driver.ErrBadConn })
	return listening, err
}
