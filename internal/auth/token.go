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

// Issue returns a signed access token for userID.
func (t *Tokens) Issue(userID string) (string, error) {
	now := t.now()
	claims := jwt.RegisteredClaims{
		Subject:   userID,
		Issuer:    t.issuer,
		Audience:  jwt.ClaimStrings{Audience},
		IssuedAt:  jwt.NewNumericDate(now),
		NotBefore: jwt.NewNumericDate(now),
		ExpiresAt: jwt.NewNumericDate(now.Add(t.ttl)),
	}
	tok := jwt.NewWithClaims(jwt.SigningMethodHS256, claims)
	tok.Header["typ"] = tokenType
	s, err := tok.SignedString(t.key)
	if err != nil {
		return "", fmt.Errorf("sign token: %w", err)
	}
	return s, nil
}

// Verify checks signature, algorithm, type, issuer, audience and lifetime, and returns the subject.
func (t *Tokens) Verify(raw string) (subject string, issuedAt time.Time, err error) {
	var claims jwt.RegisteredClaims
	tok, err := t.parser.ParseWithClaims(raw, &claims, func(*jwt.Token) (any, error) { return t.key, nil })
	if err != nil {
		return "", time.Time{}, fmt.Errorf("%w: %w", ErrInvalidToken, err)
	}
	if typ, _ := tok.Header["typ"].(string); typ != tokenType {
		return "", time.Time{}, fmt.Errorf("%w: wrong typ %q", ErrInvalidToken, typ)
	}
	if claims.Subject == "" || claims.IssuedAt == nil {
		return "", time.Time{}, fmt.Errorf("%w: missing sub or iat", ErrInvalidToken)
	}
	return claims.Subject, claims.IssuedAt.Time, nil
}
