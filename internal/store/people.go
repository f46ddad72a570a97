package store

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"time"

	"github.com/supportd/supportd/internal/support"
)

// ListUsers returns a page of users, newest first, matching f.
func (db *DB) ListUsers(ctx context.Context, f support.UserFilter) ([]support.User, error) {
	afterID, afterAt := "", timestamp(time.Time{})
	if f.After != nil {
		afterID, afterAt = f.After.ID, timestamp(f.After.CreatedAt)
	}
	users, err := queryAll(ctx, db.sql, db.pq.listUsers, scanUserRow,
		string(f.Role), likePattern(f.Query), string(f.Status), afterID, afterAt, f.Limit)
	return users, db.translate("list users", err)
}

// likePattern turns a search text into a LIKE pattern matching it anywhere, its
// own % and _ taken literally; "" stays "" (no filter).
func likePattern(q string) string {
	q = strings.ToLower(strings.TrimSpace(q))
	if q == "" {
		return ""
	}
	return "%" + strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(q) + "%"
}

// UpdateUser applies change to the user with id and stores the result, in one
// transaction; a change that marks the user deleted also deletes its sessions. Changes to accounts are serialised (an advisory lock on
// PostgreSQL, the write lock on SQLite), so that the check that some active
// admin remains cannot race another change: a change that would leave none
// returns support.ErrLastAdmin and stores nothing.
func (db *DB) UpdateUser(ctx context.Context, id string, change func(*support.User) error) (*support.User, error) {
	var out *support.User
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		if db.dialect.engine == postgresDialect.engine {
			if _, err := tx.ExecContext(ctx, db.pq.lockUsers); err != nil {
				return err
			}
		}
		u, err := scanUser(tx.QueryRowContext(ctx, db.q.userByID, id))
		if err != nil {
			return err
		}
		wasAdmin := u.Role == support.RoleAdmin && u.Active()
		if err := change(u); err != nil {
			return err
		}
		u.UpdatedAt = normTime(u.UpdatedAt) // as stored, so u equals what UserByID returns
		if !u.DeactivatedAt.IsZero() {
			u.DeactivatedAt = normTime(u.DeactivatedAt)
		}
		if !u.DeletedAt.IsZero() {
			u.DeletedAt = normTime(u.DeletedAt)
			if _, err := tx.ExecContext(ctx, db.pq.deleteUserSessions, u.ID); err != nil {
				return err
			}
		}
		if _, err := tx.ExecContext(ctx, db.pq.updateUser, u.ID, u.Email, u.EmailKey, u.PasswordHash, string(u.Role),
			u.Name, nullableTime(u.DeactivatedAt), u.TokenVersion, timestamp(u.UpdatedAt), nullableTime(u.DeletedAt)); err != nil {
			return err
		}
		if wasAdmin && (u.Role != support.RoleAdmin || !u.Active()) {
			var admins int
			if err := tx.QueryRowContext(ctx, db.pq.countActiveAdmins).Scan(&admins); err != nil {
				return err
			}
			if admins == 0 {
				return support.ErrLastAdmin
			}
		}
		out = u
		return nil
	})
	var de *support.Error
	if errors.As(err, &de) {
		return nil, err // the change's own verdict
	}
	return out, db.translate("update user", err)
}

// HasActiveAdmin reports whether any active admin account exists.
func (db *DB) HasActiveAdmin(ctx context.Context) (bool, error) {
	var n int
	err := db.sql.QueryRowContext(ctx, db.pq.countActiveAdmins).Scan(&n)
	return n > 0, db.translate("count admins", err)
}

// nullableTime is t for the database, or NULL when t is zero.
func nullableTime(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return timestamp(t)
}

// scanUserRow reads a user row for queryAll.
func scanUserRow(row rowScanner) (support.User, error) {
	u, err := scanUser(row)
	if err != nil {
		return support.User{}, err
	}
	return *u, nil
}

// peopleQueries holds the statements of people_queries.sql.
type peopleQueries struct {
	listUsers          string
	updateUser         string
	countActiveAdmins  string
	lockUsers          string
	deleteUserSessions string
}

func (q *peopleQueries) targets() map[string]*string {
	return map[string]*string{
		"list-users":           &q.listUsers,
		"update-user":          &q.updateUser,
		"count-active-admins":  &q.countActiveAdmins,
		"lock-users":           &q.lockUsers,
		"delete-user-sessions": &q.deleteUserSessions,
	}
}
