package support

import "time"

// Role is a user's role. Permissions are derived from it in policy.go.
type Role string

// Roles known to supportd. Agents and admins are staff.
const (
	RoleCustomer Role = "customer"
	RoleAgent    Role = "agent"
	RoleAdmin    Role = "admin"
)

// Valid reports whether r is a known role.
func (r Role) Valid() bool {
	switch r {
	case RoleCustomer, RoleAgent, RoleAdmin:
		return true
	}
	return false
}

// User is an account. PasswordHash never leaves the service layer.
type User struct {
	ID            string
	Email         string // as given, trimmed
	EmailKey      string // lower-cased Email: unique
	PasswordHash  string
	Role          Role
	Name          string    // display name; may be empty
	DeactivatedAt time.Time // zero while the account is active
	// TokenVersion is stamped into every access token issued to the user; raising
	// it refuses all tokens issued before (password change, deactivation, logout).
	TokenVersion int
	// DeletedAt is set when the account was deleted: the row stays, anonymised,
	// so that its tickets stay readable to staff.
	DeletedAt time.Time
	CreatedAt time.Time
	UpdatedAt time.Time
}

// Active reports whether the account may sign in and use its tokens.
func (u *User) Active() bool { return u.DeactivatedAt.IsZero() }

// Actor is the authenticated caller on whose behalf a service method runs.
type Actor struct {
	UserID    string
	Role      Role
	SessionID string // the login session of the caller's token; "" outside one
}

// Caller is the user a valid token names before the database has confirmed that
// the user still exists, and with which role. Only Assistant.Open takes one: it
// confirms the user in the same database round trip as it reads the ticket, which
// saves a round trip before an AI reply's first token. Everything else takes an Actor.
type Caller struct {
	UserID string
	// TokenVersion is the version stamped in the caller's access token, which must
	// still be the user's (User.TokenVersion).
	TokenVersion int
	SessionID    string // the login session the access token belongs to
	// ViaStreamToken: the caller redeemed a single-use stream token (issued to an
	// authenticated request moments ago), which carries no token version.
	ViaStreamToken bool
}

// UserStatus filters accounts by whether they are deactivated.
type UserStatus string

// User statuses for listings.
const (
	UserActive      UserStatus = "active"
	UserDeactivated UserStatus = "deactivated"
)

// UserFilter selects a page of users, newest first.
type UserFilter struct {
	Role   Role       // "" for every role
	Query  string     // matched anywhere in the email or the name, case-insensitively; "" for all
	Status UserStatus // "" for both
	After  *PageKey
	Limit  int
}

// ErrLastAdmin refuses a change that would leave no active admin.
var ErrLastAdmin = Errorf(CodeConflict, "This is the last active admin: make another user admin first")
