package auth

import (
	"errors"
	"fmt"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// tokenType marks access tokens explicitly (RFC 8725 §3.11) so no other JWT kind is accepted as one.
const tokenType = "at+jwt"

// Audience is the aud claim of supportd's access tokens.
const Audience = "supportd-api"

// ErrInvalidToken is returned for any token that must not be accepted.
var ErrInvalidToken = errors.New("invalid token")

// Tokens issues and verifies HS256 access tokens.
type Tokens struct {
	key    []byte
	issuer string
	ttl    time.Duration
	now    func() time.Time
	parser *jwt.Parser
}

// NewTokens returns a Tokens signing with key. now is the clock (time.Now in production).
func NewTokens(key []byte, issuer string, ttl time.Duration, now func() time.Time) *Tokens {
	return &Tokens{key: key, issuer: issuer, ttl: ttl, now: now, parser: jwt.NewParser(
		jwt.WithValidMethods([]string{jwt.SigningMethodHS256.Alg()}), // algorithm pinned, never from the header
		jwt.WithIssuer(issuer),
		jwt.WithAudience(Audience),
		jwt.WithExpirationRequired(),
		jwt.WithIssuedAt(),
		jwt.WithLeeway(30*time.Second),
		jwt.WithTimeFunc(now),
	)}
}

// TTL is the lifetime of issued tokens.
func (t *Tokens) TTL() time.Duration { return t.ttl }

// Claims are what an access token says about its bearer.
type Claims struct {
	UserID string
	// Version is the user's token version when the token was issued: raising it
	// (a password change, a deactivation, a logout) refuses every older token.
	Version int
	// SessionID names the login session (the refresh-token family) the token
	// belongs to; empty for tokens outside any session.
	SessionID string
	IssuedAt  time.Time
}

// jwtClaims is Claims on the wire: the registered claims, "ver" and "sid".
type jwtClaims struct {
	jwt.RegisteredClaims
	Version   int    `json:"ver"`
	SessionID string `json:"sid,omitempty"`
}

// Issue returns a signed access token carrying c (its IssuedAt is ignored: now).
func (t *Tokens) Issue(c Claims) (string, error) {
	now := t.now()
	claims := jwtClaims{RegisteredClaims: jwt.RegisteredClaims{
		Subject:   c.UserID,
		Issuer:    t.issuer,
		Audience:  jwt.ClaimStrings{Audience},
		IssuedAt:  jwt.NewNumericDate(now),
		NotBefore: jwt.NewNumericDate(now),
		ExpiresAt: jwt.NewNumericDate(now.Add(t.ttl)),
	}, Version: c.Version, SessionID: c.SessionID}
	tok := jwt.NewWithClaims(jwt.SigningMethodHS256, claims)
	tok.Header["typ"] = tokenType
	s, err := tok.SignedString(t.key)
	if err != nil {
		return "", fmt.Errorf("sign token: %w", err)
	}
	return s, nil
}

// Verify checks signature, algorithm, type, issuer, audience and lifetime, and
// returns the token's claims.
func (t *Tokens) Verify(raw string) (Claims, error) {
	var claims jwtClaims
	tok, err := t.parser.ParseWithClaims(raw, &claims, func(*jwt.Token) (any, error) { return t.key, nil })
	if err != nil {
		return Claims{}, fmt.Errorf("%w: %w", ErrInvalidToken, err)
	}
	if typ, _ := tok.Header["typ"].(string); typ != tokenType {
		return Claims{}, fmt.Errorf("%w: wrong typ %q", ErrInvalidToken, typ)
	}
	if claims.Subject == "" || claims.IssuedAt == nil {
		return Claims{}, fmt.Errorf("%w: missing sub or iat", ErrInvalidToken)
	}
	return Claims{UserID: claims.Subject, Version: claims.Version, SessionID: claims.SessionID,
		IssuedAt: claims.IssuedAt.Time}, nil
}
