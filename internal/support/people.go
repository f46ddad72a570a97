package support

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"
)

// MaxNameLen bounds a display name, in characters.
const MaxNameLen = 100

// NewAccount is an account an admin creates.
type NewAccount struct {
	Email    string
	Password string
	Name     string
	Role     Role
}

// AccountChange is an admin's change to an account; nil fields stay as they are.
type AccountChange struct {
	Name   *string
	Role   *Role
	Active *bool
}

// UserPage is one page of an admin's user listing.
type UserPage struct {
	Users      []User
	NextCursor string
}

// CreateAccount creates an account with any role (agents and admins: the desk's
// staff) for an admin.
func (s *AuthService) CreateAccount(ctx context.Context, actor Actor, in NewAccount) (*User, error) {
	if err := canManageUsers(actor); err != nil {
		return nil, err
	}
	var v validator
	v.text("name", in.Name, 0, MaxNameLen)
	v.role("role", in.Role)
	if err := v.err(); err != nil {
		return nil, err
	}
	u, err := s.createUser(ctx, Credentials{Email: in.Email, Password: in.Password}, in.Role, strings.TrimSpace(in.Name))
	if err != nil {
		return nil, err
	}
	s.log.InfoContext(ctx, "account created by an admin", "user_id", u.ID, "role", u.Role, "by", actor.UserID)
	s.audit.record(ctx, AuditEntry{Action: AuditAccountCreated, ActorID: actor.UserID, TargetType: "user", TargetID: u.ID,
		Detail: map[string]string{"role": string(u.Role)}})
	return u, nil
}

// ListUsers returns a page of accounts for an admin, newest first.
func (s *AuthService) ListUsers(ctx context.Context, actor Actor, f UserFilter, cursor string) (*UserPage, error) {
	if err := canManageUsers(actor); err != nil {
		return nil, err
	}
	var v validator
	if f.Role != "" {
		v.role("role", f.Role)
	}
	if f.Status != "" && f.Status != UserActive && f.Status != UserDeactivated {
		v.add("status", "must be active or deactivated", string(f.Status))
	}
	v.text("q", f.Query, 0, 200)
	if err := v.err(); err != nil {
		return nil, err
	}
	after, err := decodeCursor(cursor)
	if err != nil {
		return nil, err
	}
	limit, err := pageSize(f.Limit)
	if err != nil {
		return nil, err
	}
	f.After, f.Limit = after, limit+1 // one extra row tells whether another page exists
	users, err := s.users.ListUsers(ctx, f)
	if err != nil {
		return nil, fmt.Errorf("list users: %w", err)
	}
	page := &UserPage{Users: users[:min(len(users), limit)]}
	if len(users) > limit {
		last := page.Users[limit-1]
		page.NextCursor = encodeCursor(PageKey{CreatedAt: last.CreatedAt, ID: last.ID})
	}
	return page, nil
}

// Account returns one account for an admin.
func (s *AuthService) Account(ctx context.Context, actor Actor, id string) (*User, error) {
	if err := canManageUsers(actor); err != nil {
		return nil, err
	}
	if !validID(id) {
		return nil, ErrNotFound
	}
	u, err := s.users.UserByID(ctx, id)
	if err != nil {
		return nil, fmt.Errorf("account: %w", err)
	}
	return u, nil
}

// ChangeAccount changes an account's name, role or activity for an admin. A
// deactivation ends the account's sessions at once; a role change applies from
// the account's next request. No change may leave the desk without an active
// admin (ErrLastAdmin).
func (s *AuthService) ChangeAccount(ctx context.Context, actor Actor, id string, ch AccountChange) (*User, error) {
	if err := canManageUsers(actor); err != nil {
		return nil, err
	}
	var v validator
	if ch.Name != nil {
		v.text("name", *ch.Name, 0, MaxNameLen)
	}
	if ch.Role != nil {
		v.role("role", *ch.Role)
	}
	if ch.Name == nil && ch.Role == nil && ch.Active == nil {
		v.add("body", "must change name, role or active", nil)
	}
	if err := v.err(); err != nil {
		return nil, err
	}
	if !validID(id) {
		return nil, ErrNotFound
	}
	ended := false
	u, before, err := s.changeAccount(ctx, actor, id, func(u *User) {
		if ch.Name != nil {
			u.Name = strings.TrimSpace(*ch.Name)
		}
		if ch.Role != nil {
			u.Role = *ch.Role
		}
		if ch.Active != nil && *ch.Active != u.Active() {
			ended = !*ch.Active
			u.DeactivatedAt = time.Time{}
			if !*ch.Active {
				u.DeactivatedAt = s.timestamp()
				u.TokenVersion++ // its tokens stop working at once
			}
		}
	})
	if err != nil {
		return nil, err
	}
	s.auditChange(ctx, actor, &before, u)
	if ended {
		err = s.revokeSessions(ctx, id, "")
	}
	return u, err
}

// EndSessions refuses every access token the account holds from its next
// request on; for an admin, about any account, or for users about their own.
func (s *AuthService) EndSessions(ctx context.Context, actor Actor, id string) error {
	if err := canEndSessions(actor, id); err != nil {
		return err
	}
	if !validID(id) {
		return ErrNotFound
	}
	if _, err := s.updateAccount(ctx, actor, id, func(u *User) { u.TokenVersion++ }); err != nil {
		return err
	}
	s.audit.record(ctx, AuditEntry{Action: AuditSessionsEnded, ActorID: actor.UserID, TargetType: "user", TargetID: id})
	return s.revokeSessions(ctx, id, "")
}

// revokeSessions ends every session of the user but except ("" for none): their
// refresh tokens stop working.
func (s *AuthService) revokeSessions(ctx context.Context, userID, except string) error {
	if err := s.users.RevokeUserSessions(ctx, userID, except, s.timestamp()); err != nil {
		return fmt.Errorf("revoke sessions: %w", err)
	}
	return nil
}

// updateAccount applies change to the account atomically, logs it, and forgets
// the account's cached role on this instance.
func (s *AuthService) updateAccount(ctx context.Context, actor Actor, id string, change func(*User)) (*User, error) {
	u, _, err := s.changeAccount(ctx, actor, id, change)
	return u, err
}

// changeAccount is updateAccount that also returns the account as it was.
func (s *AuthService) changeAccount(ctx context.Context, actor Actor, id string, change func(*User)) (*User, User, error) {
	var before User
	u, err := s.users.UpdateUser(ctx, id, func(u *User) error {
		before = *u
		change(u)
		u.UpdatedAt = s.timestamp()
		return nil
	})
	if err != nil {
		if errors.Is(err, ErrLastAdmin) {
			return nil, before, ErrLastAdmin
		}
		return nil, before, fmt.Errorf("update account: %w", err)
	}
	s.actors.drop(id)
	if s.watcher != nil && (u.TokenVersion != before.TokenVersion || u.Role != before.Role || u.Active() != before.Active()) {
		s.watcher.AccountChanged(ctx, id)
	}
	s.log.InfoContext(ctx, "account changed", "user_id", id, "by", actor.UserID,
		"role", u.Role, "previous_role", before.Role, "active", u.Active(), "sessions_ended", u.TokenVersion != before.TokenVersion)
	return u, before, nil
}

// auditChange records what an admin's change did to an account.
func (s *AuthService) auditChange(ctx context.Context, actor Actor, before, after *User) {
	entry := func(action string, detail map[string]string) {
		s.audit.record(ctx, AuditEntry{Action: action, ActorID: actor.UserID, TargetType: "user", TargetID: after.ID, Detail: detail})
	}
	if before.Role != after.Role {
		entry(AuditRoleChanged, map[string]string{"from": string(before.Role), "to": string(after.Role)})
	}
	if before.Active() != after.Active() {
		entry(map[bool]string{true: AuditReactivated, false: AuditDeactivated}[after.Active()], nil)
	}
}

// EnsureAdmin creates the first admin from the configuration (ADMIN_EMAIL and
// ADMIN_PASSWORD) when no active admin exists yet, and reports whether it did.
// Once any admin exists it does nothing: the variables can stay set.
func (s *AuthService) EnsureAdmin(ctx context.Context, email, password string) (bool, error) {
	exists, err := s.users.HasActiveAdmin(ctx)
	if err != nil || exists {
		return false, err
	}
	u, err := s.createUser(ctx, Credentials{Email: email, Password: password}, RoleAdmin, "")
	if err != nil {
		return false, fmt.Errorf("first admin from ADMIN_EMAIL: %w", err)
	}
	s.log.InfoContext(ctx, "first admin created from ADMIN_EMAIL", "user_id", u.ID)
	return true, nil
}

func (s *AuthService) timestamp() time.Time { return s.now().UTC().Truncate(time.Microsecond) }

// validID reports whether id can name a row: anything else is reported as not
// found without asking the database (PostgreSQL answers bad UTF-8 with an error).
func validID(id string) bool {
	_, err := uuid.Parse(id)
	return err == nil
}

// role checks a role named in a request.
func (v *validator) role(field string, r Role) {
	if !r.Valid() {
		v.add(field, "must be customer, agent or admin", string(r))
	}
}

// ProfileChange is a user's change to their own account; nil fields stay. A new
// password needs the current one.
type ProfileChange struct {
	Name            *string
	Password        *string
	CurrentPassword string
}

// Me returns the caller's own account.
func (s *AuthService) Me(ctx context.Context, actor Actor) (*User, error) {
	u, err := s.users.UserByID(ctx, actor.UserID)
	if errors.Is(err, ErrNotFound) {
		return nil, ErrUnauthenticated
	}
	if err != nil {
		return nil, fmt.Errorf("me: %w", err)
	}
	return u, nil
}

// errWrongCurrentPassword refuses a password change whose current password is wrong.
var errWrongCurrentPassword = Invalid(FieldError{Field: "current_password", Message: "is not the account's password"})

// UpdateMe changes the caller's name or password. A new password ends every
// session but the caller's and refuses every access token issued before,
// the caller's included: it refreshes its own.
func (s *AuthService) UpdateMe(ctx context.Context, actor Actor, ch ProfileChange) (*User, error) {
	var v validator
	if ch.Name != nil {
		v.text("name", *ch.Name, 0, MaxNameLen)
	}
	if ch.Password != nil {
		v.password("password", *ch.Password)
	}
	if ch.Name == nil && ch.Password == nil {
		v.add("body", "must change name or password", nil)
	}
	if err := v.err(); err != nil {
		return nil, err
	}
	hash := ""
	if ch.Password != nil {
		var err error
		if hash, err = s.checkAndHash(ctx, actor.UserID, ch.CurrentPassword, *ch.Password); err != nil {
			return nil, err
		}
	}
	u, err := s.updateAccount(ctx, actor, actor.UserID, func(u *User) {
		if ch.Name != nil {
			u.Name = strings.TrimSpace(*ch.Name)
		}
		if hash != "" {
			u.PasswordHash = hash
			u.TokenVersion++
		}
	})
	if err == nil && hash != "" {
		s.audit.record(ctx, AuditEntry{Action: AuditPasswordChanged, ActorID: actor.UserID, TargetType: "user", TargetID: actor.UserID})
		err = s.revokeSessions(ctx, actor.UserID, actor.SessionID)
	}
	return u, err
}

// checkAndHash verifies the user's current password and hashes the new one.
func (s *AuthService) checkAndHash(ctx context.Context, userID, current, next string) (string, error) {
	u, err := s.Me(ctx, Actor{UserID: userID})
	if err != nil {
		return "", err
	}
	if err := s.verifyPassword(ctx, current, u.PasswordHash, errWrongCurrentPassword); err != nil {
		return "", err
	}
	hash, err := s.hasher.Hash(ctx, next)
	if err != nil {
		return "", fmt.Errorf("hash password: %w", hashError(err))
	}
	return hash, nil
}

// errWrongPassword refuses an account deletion whose password is wrong.
var errWrongPassword = Invalid(FieldError{Field: "password", Message: "is not the account's password"})

// DeleteMe deletes the caller's account, confirmed with its password. The row
// stays, anonymised (no email, name or password; deactivated and marked
// deleted), so that the account's tickets stay readable to staff; its sessions
// are deleted and its tokens refused; the files it uploaded are deleted (the
// messages stay, without them). The last active admin cannot delete itself.
func (s *AuthService) DeleteMe(ctx context.Context, actor Actor, password string) error {
	u, err := s.Me(ctx, actor)
	if err != nil {
		return err
	}
	if err := s.verifyPassword(ctx, password, u.PasswordHash, errWrongPassword); err != nil {
		return err
	}
	if s.files != nil { // first: an account that stays has lost its files, never the reverse
		if err := s.files.DisownUserFiles(ctx, actor.UserID); err != nil {
			return fmt.Errorf("delete account files: %w", err)
		}
	}
	now := s.timestamp()
	if _, err := s.updateAccount(ctx, actor, actor.UserID, func(u *User) {
		u.Email = "deleted-" + u.ID + "@deleted.invalid"
		u.EmailKey, u.Name, u.PasswordHash = u.Email, "", ""
		u.DeactivatedAt, u.DeletedAt = now, now
		u.TokenVersion++
	}); err != nil {
		return err
	}
	s.audit.record(ctx, AuditEntry{Action: AuditAccountDeleted, ActorID: actor.UserID, TargetType: "user", TargetID: actor.UserID})
	return nil
}
