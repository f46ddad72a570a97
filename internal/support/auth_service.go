package support

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/supportd/supportd/internal/auth"
)

// PasswordHasher hashes and verifies passwords. Verify with an empty hash must cost
// the same as a real comparison and fail.
type PasswordHasher interface {
	Hash(ctx context.Context, password string) (string, error)
	Verify(ctx context.Context, password, hash string) error
}

// TokenIssuer issues and verifies access tokens.
type TokenIssuer interface {
	Issue(c auth.Claims) (string, error)
	Verify(token string) (auth.Claims, error)
}

// AuthService registers users, logs them in and authenticates requests.
type AuthService struct {
	users  AccountStore
	hasher PasswordHasher
	tokens TokenIssuer
	log    *slog.Logger
	now    func() time.Time
	newID  func() string
	actors *actorCache
	guard  *loginGuard

	refreshTTL    time.Duration // how long a session lives unused
	sessionMaxAge time.Duration // how long it lives at most
	audit         *Auditor      // nil: nothing audited

	metrics Metrics // failed logins
	watcher AccountWatcher
	files   FileEraser // nil: accounts have no files
}

// FileEraser deletes the files an account uploaded (store.DB: their rows at
// once, their bytes by the sweeper).
type FileEraser interface {
	DisownUserFiles(ctx context.Context, userID string) error
}

// EraseFilesWith makes account deletion delete the account's files. Wiring
// only: call it before the service is used.
func (s *AuthService) EraseFilesWith(f FileEraser) { s.files = f }

// AccountWatcher hears, after the change is stored, of each account whose
// sessions ended or whose role or status changed: the live streams close its
// connections, other instances forget what they cached of it.
type AccountWatcher interface {
	AccountChanged(ctx context.Context, userID string)
}

// WatchAccounts makes w hear of account changes. Wiring only: call it before
// the service is used.
func (s *AuthService) WatchAccounts(w AccountWatcher) { s.watcher = w }

// ForgetAccount drops what this instance cached of userID's account: another
// instance changed it.
func (s *AuthService) ForgetAccount(userID string) { s.actors.drop(userID) }

// LoginProtection throttles failed logins (login_guard.go). Failures is the counter
// shared between instances; nil counts on this instance only.
type LoginProtection struct {
	Config   LoginGuardConfig
	Failures FailureCounter
	Metrics  Metrics // counts failed logins; nil: not counted
}

// SessionLifetimes bound login sessions: Idle after the last refresh, Max after
// the login. Zero fields take the defaults.
type SessionLifetimes struct {
	Idle, Max time.Duration
}

// NewAuthService wires an AuthService. actorTTL is how long a token's user, once
// looked up, is trusted to still exist with the same role (0: look it up on every request).
func NewAuthService(users AccountStore, hasher PasswordHasher, tokens TokenIssuer, log *slog.Logger, now func() time.Time,
	newID func() string, actorTTL time.Duration, sessions SessionLifetimes, protect LoginProtection, audit *Auditor) *AuthService {
	if sessions.Idle <= 0 {
		sessions.Idle = DefaultRefreshTTL
	}
	if sessions.Max <= 0 {
		sessions.Max = DefaultSessionMaxAge
	}
	return &AuthService{users: users, hasher: hasher, tokens: tokens, log: log, now: now, newID: newID,
		refreshTTL: sessions.Idle, sessionMaxAge: sessions.Max, audit: audit,
		actors: newActorCache(actorTTL, now), guard: newLoginGuard(protect.Config, protect.Failures, log, protect.Metrics),
		metrics: orNop(protect.Metrics)}
}

// Credentials are what a user signs up or logs in with.
type Credentials struct {
	Email    string
	Password string
	ClientIP string // the client's address, for the per-IP failure count and the log
}

// maxLoggedAccount bounds the account name, as given, in the log of a failed login.
const maxLoggedAccount = 64

// loggedAccount is the account as the client gave it, cut to a safe length. The
// log handler escapes control characters, so it cannot forge log lines.
func loggedAccount(s string) string {
	if utf8.RuneCountInString(s) <= maxLoggedAccount {
		return s
	}
	return string([]rune(s)[:maxLoggedAccount]) + "…"
}

// busyError is how a hasher says it is saturated: a momentary lack of capacity
// (auth.BusyError), answered 503 with Retry-After rather than by waiting.
type busyError interface{ Busy() time.Duration }

// hashError turns a hasher failure into the answer for the client.
func hashError(err error) error {
	var busy busyError
	if errors.As(err, &busy) {
		return &Error{Code: CodeUnavailable, RetryAfter: busy.Busy(), Err: err,
			Message: "too many passwords are being checked right now: retry shortly (see Retry-After)"}
	}
	return err
}

// ErrBadCredentials is the one answer to a failed login, whatever the cause.
var ErrBadCredentials = Errorf(CodeUnauthorized, "Incorrect email or password")

// ErrUnauthenticated is the one answer to a bad, expired or orphaned token.
var ErrUnauthenticated = Errorf(CodeUnauthorized, "Could not validate credentials")

// Signup creates a customer account (signupRole, policy.go).
func (s *AuthService) Signup(ctx context.Context, c Credentials) (*User, error) {
	return s.createUser(ctx, c, signupRole, "")
}

// CreateUser creates an account with any role; for operators (the CLI), never the API.
func (s *AuthService) CreateUser(ctx context.Context, c Credentials, role Role) (*User, error) {
	if !role.Valid() {
		return nil, Invalid(FieldError{Field: "role", Message: "must be customer, agent or admin", Value: string(role)})
	}
	return s.createUser(ctx, c, role, "")
}

func (s *AuthService) createUser(ctx context.Context, c Credentials, role Role, name string) (*User, error) {
	email := NormalizeEmail(c.Email)
	var v validator
	v.email("email", email)
	v.password("password", c.Password)
	if err := v.err(); err != nil {
		return nil, err
	}
	hash, err := s.hasher.Hash(ctx, c.Password)
	if err != nil {
		return nil, fmt.Errorf("hash password: %w", hashError(err))
	}
	now := s.timestamp()
	u := &User{ID: s.newID(), Email: email, EmailKey: strings.ToLower(email), PasswordHash: hash,
		Role: role, Name: name, CreatedAt: now, UpdatedAt: now}
	if err := s.users.CreateUser(ctx, u); err != nil {
		if errors.Is(err, ErrDuplicateEmail) {
			s.log.InfoContext(ctx, "signup refused: email taken", "client_ip", c.ClientIP)
		}
		return nil, fmt.Errorf("create user: %w", err)
	}
	s.log.InfoContext(ctx, "user created", "user_id", u.ID, "role", u.Role, "client_ip", c.ClientIP)
	return u, nil
}

// Login checks credentials and returns an access token. Unknown email and wrong password
// take the same time and return the same error; so does a locked-out login (its
// count is keyed by the email as given, normalised, whether an account has it or
// not), which is refused before any lookup or hashing.
func (s *AuthService) Login(ctx context.Context, c Credentials) (*TokenPair, error) {
	key := EmailKey(c.Email)
	att, err := s.guard.admit(ctx, key, c.ClientIP, s.now())
	if err != nil {
		if ErrorCode(err) == CodeRateLimited {
			s.metrics.FailedLogin("locked_out")
			s.log.WarnContext(ctx, "login refused: too many failures", "account", loggedAccount(c.Email), "client_ip", c.ClientIP)
			s.audit.record(ctx, AuditEntry{Action: AuditLoginLockedOut, ClientIP: c.ClientIP,
				Detail: map[string]string{"account": loggedAccount(c.Email)}})
		}
		return nil, err
	}
	u, err := s.login(ctx, key, c)
	att.settle(ctx, err)
	if errors.Is(err, ErrBadCredentials) {
		s.metrics.FailedLogin("bad_credentials")
		s.audit.record(ctx, AuditEntry{Action: AuditLoginFailed, ClientIP: c.ClientIP,
			Detail: map[string]string{"account": loggedAccount(c.Email)}})
	}
	if err != nil {
		return nil, err
	}
	pair, err := s.startSession(ctx, u, c.ClientIP)
	if err == nil {
		s.audit.record(ctx, AuditEntry{Action: AuditLogin, ActorID: u.ID, TargetType: "session", TargetID: pair.SessionID,
			ClientIP: c.ClientIP})
	}
	return pair, err
}

// login checks the credentials and returns the account they open.
func (s *AuthService) login(ctx context.Context, key string, c Credentials) (*User, error) {
	if utf8.RuneCountInString(c.Password) > MaxPasswordLen {
		s.log.WarnContext(ctx, "login failed", "account", loggedAccount(c.Email), "client_ip", c.ClientIP, "reason", "over-long password")
		return nil, ErrBadCredentials // cannot match any stored password; no need to hash it
	}
	u, err := s.users.UserByEmailKey(ctx, key)
	hash := ""
	switch {
	case err == nil:
		hash = u.PasswordHash
	case !errors.Is(err, ErrNotFound):
		return nil, fmt.Errorf("find user: %w", err)
	}
	if err := s.verifyPassword(ctx, c.Password, hash, ErrBadCredentials); err != nil {
		if errors.Is(err, ErrBadCredentials) {
			s.log.WarnContext(ctx, "login failed", "account", loggedAccount(c.Email), "client_ip", c.ClientIP, "known_user", hash != "")
		}
		return nil, err
	}
	if !u.Active() {
		s.log.WarnContext(ctx, "login refused: account deactivated", "user_id", u.ID, "client_ip", c.ClientIP)
		return nil, ErrDeactivated // the password was right: saying why leaks nothing
	}
	s.log.InfoContext(ctx, "login succeeded", "user_id", u.ID, "client_ip", c.ClientIP)
	return u, nil
}

// verifyPassword checks password against hash and answers wrong when they do not
// match. A saturated hasher (503) or a client that left is reported as such,
// never as a wrong password.
func (s *AuthService) verifyPassword(ctx context.Context, password, hash string, wrong error) error {
	err := s.hasher.Verify(ctx, password, hash)
	if err == nil {
		return nil
	}
	var busy busyError
	if ctx.Err() != nil || errors.As(err, &busy) {
		return fmt.Errorf("verify password: %w", hashError(err))
	}
	return wrong
}

// Identify checks an access token's signature and expiry, not that its user still
// exists: whoever takes the Caller must (see Caller).
func (s *AuthService) Identify(token string) (Caller, error) {
	c, err := s.tokens.Verify(token)
	if err != nil {
		return Caller{}, ErrUnauthenticated
	}
	return Caller{UserID: c.UserID, TokenVersion: c.Version, SessionID: c.SessionID}, nil
}

// Authenticate turns an access token into the Actor it was issued to. The user must still
// exist: it is looked up, or found in the actor cache if it was looked up less than the
// cache's TTL ago.
func (s *AuthService) Authenticate(ctx context.Context, token string) (Actor, error) {
	c, err := s.Identify(token)
	if err != nil {
		return Actor{}, err
	}
	return s.Confirm(ctx, c)
}

// Confirm turns a Caller into the Actor it is: its user must still exist (looked
// up, or found in the actor cache), and the role is the current one.
func (s *AuthService) Confirm(ctx context.Context, c Caller) (Actor, error) {
	sub := c.UserID
	if e, ok := s.actors.get(sub); ok && (c.ViaStreamToken || e.version == c.TokenVersion) {
		return Actor{UserID: sub, Role: e.role, SessionID: c.SessionID}, nil
	}
	u, err := s.users.UserByID(ctx, sub)
	if errors.Is(err, ErrNotFound) {
		return Actor{}, ErrUnauthenticated
	}
	if err != nil {
		return Actor{}, fmt.Errorf("load token user: %w", err)
	}
	if err := admits(u, c); err != nil {
		return Actor{}, err
	}
	s.actors.put(u.ID, u.Role, u.TokenVersion)
	return Actor{UserID: u.ID, Role: u.Role, SessionID: c.SessionID}, nil
}

// ErrDeactivated refuses the tokens, and the logins, of a deactivated account.
var ErrDeactivated = Errorf(CodeUnauthorized, "This account is deactivated")

// errTokenRevoked refuses an access token issued before the user's sessions were
// ended (a password change, a logout, an admin's action).
var errTokenRevoked = Errorf(CodeUnauthorized, "This session has ended: log in again")

// admits checks that u, as it is now, still accepts c's token: the account is
// active and the token's version is the current one. A missing user is refused.
func admits(u *User, c Caller) error {
	switch {
	case u == nil:
		return ErrUnauthenticated
	case !u.Active():
		return ErrDeactivated
	case !c.ViaStreamToken && u.TokenVersion != c.TokenVersion:
		return errTokenRevoked
	}
	return nil
}
