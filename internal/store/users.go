package store

import (
	"context"
	"fmt"
	"time"

	"github.com/google/uuid"

	"github.com/supportd/supportd/internal/support"
)

// CreateUser stores u. It fills in an empty ID and zero CreatedAt/UpdatedAt and
// normalises the times, so u afterwards equals what UserByID returns.
// A taken EmailKey gives support.ErrDuplicateEmail.
func (db *DB) CreateUser(ctx context.Context, u *support.User) error {
	if err := db.stamp(&u.ID, &u.CreatedAt); err != nil {
		return err
	}
	u.UpdatedAt = orTime(u.UpdatedAt, u.CreatedAt)
	_, err := db.sql.ExecContext(ctx, db.q.createUser,
		u.ID, u.Email, u.EmailKey, u.PasswordHash, string(u.Role), u.Name,
		timestamp(u.CreatedAt), timestamp(u.UpdatedAt))
	return db.translate("create user", err)
}

// UserByID returns the user with id, or support.ErrNotFound.
func (db *DB) UserByID(ctx context.Context, id string) (*support.User, error) {
	u, err := scanUser(db.sql.QueryRowContext(ctx, db.q.userByID, id))
	return u, db.translate("user by id", err)
}

// UserByEmailKey returns the user whose lower-cased email is emailKey, or support.ErrNotFound.
func (db *DB) UserByEmailKey(ctx context.Context, emailKey string) (*support.User, error) {
	u, err := scanUser(db.sql.QueryRowContext(ctx, db.q.userByEmailKey, emailKey))
	return u, db.translate("user by email key", err)
}

func scanUser(row rowScanner) (*support.User, error) {
	var u support.User
	var deactivated, deleted nullTime
	err := row.Scan(&u.ID, &u.Email, &u.EmailKey, &u.PasswordHash, &u.Role, &u.Name, &deactivated, &u.TokenVersion,
		&deleted, (*timestamp)(&u.CreatedAt), (*timestamp)(&u.UpdatedAt))
	if err != nil {
		return nil, err
	}
	u.DeactivatedAt, u.DeletedAt = deactivated.t, deleted.t
	return &u, nil
}

// stamp gives a new row its identity: a UUIDv7 when *id is empty (time-ordered,
// so inserts land at the end of the primary-key index) and the current time when
// *at is zero. It normalises *at to the stored precision either way.
func (db *DB) stamp(id *string, at *time.Time) error {
	if *id == "" {
		u, err := uuid.NewV7()
		if err != nil {
			return fmt.Errorf("store: new id: %w", err)
		}
		*id = u.String()
	}
	*at = normTime(orTime(*at, db.now()))
	return nil
}

// orTime returns t, or def when t is zero, normalised.
func orTime(t, def time.Time) time.Time {
	if t.IsZero() {
		t = def
	}
	return normTime(t)
}
