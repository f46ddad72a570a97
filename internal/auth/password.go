// Package auth hashes passwords and issues and verifies access tokens.
package auth

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"time"

	"golang.org/x/crypto/argon2"
)

// Argon2Params are argon2id cost parameters. DefaultArgon2 is OWASP's current minimum.
type Argon2Params struct {
	MemoryKiB uint32
	Time      uint32
	Threads   uint8
	SaltLen   int
	KeyLen    uint32
}

// DefaultArgon2 follows the OWASP Password Storage Cheat Sheet: m=19 MiB, t=2, p=1.
var DefaultArgon2 = Argon2Params{MemoryKiB: 19 * 1024, Time: 2, Threads: 1, SaltLen: 16, KeyLen: 32}

// ErrMismatch is returned when a password does not match its hash.
var ErrMismatch = errors.New("password does not match")

// BusyError is returned at once, without hashing, when the queue of hashes waiting
// for a slot is full. Callers recognise it by its Busy method.
type BusyError struct{ RetryAfter time.Duration }

func (e *BusyError) Error() string { return "password hashing is saturated" }

// Busy marks the error as a momentary lack of capacity, not a failure.
func (e *BusyError) Busy() time.Duration { return e.RetryAfter }

// Hasher computes argon2id hashes in PHC format. At most a fixed number run at once,
// since each takes MemoryKiB of memory: a login flood queues instead of exhausting RAM.
// The queue is bounded too: a flood would otherwise make every login wait behind it
// (a queue of q hashes costs q/concurrency hash times, about 50 ms each), so once q
// wait, the next request is refused at once and its client retries later.
type Hasher struct {
	params  Argon2Params
	slots   chan struct{}
	queue   int32 // most hashes waiting for a slot; negative: unbounded
	waiting atomic.Int32
	dummy   string // hash compared against when the user does not exist
}

// NewHasher returns a Hasher allowing concurrency hashes at once and any number waiting.
func NewHasher(params Argon2Params, concurrency int) (*Hasher, error) {
	return NewBoundedHasher(params, concurrency, -1)
}

// NewBoundedHasher returns a Hasher allowing concurrency hashes at once and queue
// waiting for one; more get a *BusyError at once (queue 0: none wait).
func NewBoundedHasher(params Argon2Params, concurrency, queue int) (*Hasher, error) {
	h := &Hasher{params: params, slots: make(chan struct{}, max(concurrency, 1)), queue: int32(max(queue, -1))}
	dummy, err := h.Hash(context.Background(), "dummy password for timing equalisation")
	if err != nil {
		return nil, err
	}
	h.dummy = dummy
	return h, nil
}

// Hash returns the PHC string of password with a fresh random salt.
func (h *Hasher) Hash(ctx context.Context, password string) (string, error) {
	salt := make([]byte, h.params.SaltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", fmt.Errorf("salt: %w", err)
	}
	key, err := h.derive(ctx, password, salt, h.params)
	if err != nil {
		return "", err
	}
	b64 := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version,
		h.params.MemoryKiB, h.params.Time, h.params.Threads, b64.EncodeToString(salt), b64.EncodeToString(key)), nil
}

// Verify checks password against a PHC hash. An empty hash is checked against a dummy
// so an unknown user costs the same time as a wrong password.
func (h *Hasher) Verify(ctx context.Context, password, phc string) error {
	unknown := phc == ""
	if unknown {
		phc = h.dummy
	}
	params, salt, want, err := parsePHC(phc)
	if err != nil {
		return err
	}
	got, err := h.derive(ctx, password, salt, params)
	if err != nil {
		return err
	}
	if subtle.ConstantTimeCompare(got, want) != 1 || unknown {
		return ErrMismatch
	}
	return nil
}

func (h *Hasher) derive(ctx context.Context, password string, salt []byte, p Argon2Params) ([]byte, error) {
	if err := h.acquire(ctx); err != nil {
		return nil, err
	}
	defer func() { <-h.slots }()
	return argon2.IDKey([]byte(password), salt, p.Time, p.MemoryKiB, p.Threads, p.KeyLen), nil
}

// acquire takes a hashing slot: at once if one is free, else after waiting in the
// bounded queue, else not at all.
func (h *Hasher) acquire(ctx context.Context) error {
	select {
	case h.slots <- struct{}{}:
		return nil
	default:
	}
	if n := h.waiting.Add(1); h.queue >= 0 && n > h.queue {
		h.waiting.Add(-1)
		return &BusyError{RetryAfter: time.Second}
	}
	defer h.waiting.Add(-1)
	select {
	case h.slots <- struct{}{}:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("waiting to hash: %w", ctx.Err())
	}
}

func parsePHC(phc string) (Argon2Params, []byte, []byte, error) {
	parts := strings.Split(phc, "$")
	if len(parts) != 6 || parts[1] != "argon2id" {
		return Argon2Params{}, nil, nil, errors.New("unsupported password hash format")
	}
	var version int
	var p Argon2Params
	if _, err := fmt.Sscanf(parts[2], "v=%d", &version); err != nil || version != argon2.Version {
		return p, nil, nil, errors.New("unsupported argon2 version")
	}
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &p.MemoryKiB, &p.Time, &p.Threads); err != nil {
		return p, nil, nil, fmt.Errorf("parse argon2 params: %w", err)
	}
	salt, err := base64.RawStdEncoding.DecodeString(parts[4])
	if err != nil {
		return p, nil, nil, fmt.Errorf("decode salt: %w", err)
	}
	key, err := base64.RawStdEncoding.DecodeString(parts[5])
	if err != nil {
		return p, nil, nil, fmt.Errorf("decode key: %w", err)
	}
	p.KeyLen = uint32(len(key))
	return p, salt, key, nil
}
