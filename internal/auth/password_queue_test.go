package auth

import (
	"context"
	"errors"
	"runtime"
	"testing"
)

// With every slot taken and the queue full, the next hash is refused at once with
// a BusyError; those already waiting still complete once slots free up.
func TestHashQueueIsBounded(t *testing.T) {
	h, err := NewBoundedHasher(fast, 2, 1)
	if err != nil {
		t.Fatal(err)
	}
	h.slots <- struct{}{}
	h.slots <- struct{}{}
	ctx := context.Background()
	queued := make(chan error, 1)
	go func() {
		_, err := h.Hash(ctx, "waits for a slot")
		queued <- err
	}()
	for h.waiting.Load() != 1 {
		runtime.Gosched()
	}
	_, err = h.Hash(ctx, "one too many")
	var busy *BusyError
	if !errors.As(err, &busy) || busy.Busy() <= 0 {
		t.Fatalf("hash with a full queue: %v, want a BusyError with a retry delay", err)
	}
	if err := h.Verify(ctx, "one too many", ""); !errors.As(err, &busy) {
		t.Fatalf("verify with a full queue: %v, want a BusyError", err)
	}
	<-h.slots
	if err := <-queued; err != nil {
		t.Fatalf("the queued hash: %v", err)
	}
	<-h.slots
	if _, err := h.Hash(ctx, "room again"); err != nil {
		t.Fatalf("hash once the queue drained: %v", err)
	}
	if n := h.waiting.Load(); n != 0 {
		t.Fatalf("%d still counted as waiting", n)
	}
}

// A queue of 0 lets nothing wait: with every slot taken, hashing is refused.
func TestHashQueueZeroRefusesWhenSlotsAreTaken(t *testing.T) {
	h, err := NewBoundedHasher(fast, 1, 0)
	if err != nil {
		t.Fatal(err)
	}
	h.slots <- struct{}{}
	var busy *BusyError
	if _, err := h.Hash(context.Background(), "password"); !errors.As(err, &busy) {
		t.Fatalf("err %v, want BusyError", err)
	}
	<-h.slots
	if _, err := h.Hash(context.Background(), "password"); err != nil {
		t.Fatal(err)
	}
}
