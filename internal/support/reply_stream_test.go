package support

import (
	"errors"
	"testing"
	"time"
)

func TestReplyStreamStart(t *testing.T) {
	t.Run("nothing yet: the stream starts after the hold", func(t *testing.T) {
		s := &ReplyStream{live: newGeneration()}
		if err := s.Start(t.Context(), 10*time.Millisecond); err != nil {
			t.Fatalf("Start = %v, want nil", err)
		}
	})
	t.Run("first event is a delta", func(t *testing.T) {
		g := newGeneration()
		s := &ReplyStream{live: g}
		go g.appendDelta("Hello")
		if err := s.Start(t.Context(), time.Minute); err != nil {
			t.Fatalf("Start = %v, want nil", err)
		}
		ev, err := s.Next(t.Context(), time.Second)
		if err != nil || ev.ID != 1 || ev.Kind != EventDelta || string(ev.Data) != `{"content":"Hello"}` {
			t.Fatalf("Next = %+v, %v; want the delta Start saw", ev, err)
		}
	})
	t.Run("failed before any token", func(t *testing.T) {
		g := newGeneration()
		s := &ReplyStream{live: g}
		go g.finish(EventError, errorData{Detail: "down"})
		if err := s.Start(t.Context(), time.Minute); !errors.Is(err, ErrReplyUnavailable) {
			t.Fatalf("Start = %v, want ErrReplyUnavailable", err)
		}
	})
	t.Run("failed after a token: streamed as an error event", func(t *testing.T) {
		g := newGeneration()
		g.appendDelta("Hel")
		g.finish(EventError, errorData{Detail: "cut"})
		s := &ReplyStream{live: g}
		if err := s.Start(t.Context(), time.Minute); err != nil {
			t.Fatalf("Start = %v, want nil", err)
		}
	})
}

// The stream slot is given back as the final event is handed to the writer, not
// after it has gone out: a client may open its next stream the moment it sees it.
func TestReplyStreamReleasesItsSlotWithTheFinalEvent(t *testing.T) {
	g := newGeneration()
	g.appendDelta("Hi")
	released := 0
	s := &ReplyStream{live: g, release: func() { released++ }}
	if ev, err := s.Next(t.Context(), time.Second); err != nil || ev.Kind != EventDelta || released != 0 {
		t.Fatalf("first event %+v, %v; released %d times, want 0", ev, err, released)
	}
	g.finish(EventDone, map[string]string{})
	if ev, err := s.Next(t.Context(), time.Second); err != nil || ev.Kind != EventDone || released != 1 {
		t.Fatalf("final event %+v, %v; released %d times, want 1", ev, err, released)
	}
	s.Close()
	if released != 1 {
		t.Fatalf("released %d times after Close, want once", released)
	}
}
