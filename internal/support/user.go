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
	ID           string
	Email        string // as given, trimmed
	EmailKey     string // lower-cased Email: unique
	PasswordHash string
	Role         Role
	CreatedAt    time.Time
	UpdatedAt    time.Time
}

// Actor is the authenticated caller on whose behalf a service method runs.
type Actor struct {
	UserID string
	Role   Role
}

// Caller is the user a valid token names before the database has confirmed that
// the user still exists, and with which role. Only Assistant.Open takes one: it
// confirms the user in the same database round trip as it reads the ticket, which
// saves a round trip before an AI reply's first token. Everything else takes an Actor.
type Caller struct {
	UserID string
}
