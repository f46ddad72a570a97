package store_test

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/supportd/supportd/internal/store"
	"github.com/supportd/supportd/internal/support"
)

// seedThread inserts n messages on ticketID in one transaction of multi-row
// INSERTs (fast even for thousands), two per millisecond from start so that
// (created_at, id) ties are broken by id. It returns their ids, oldest first.
func seedThread(t *testing.T, db *store.DB, ticketID, authorID string, n int, start time.Time) []string {
	t.Helper()
	const perStatement = 500 // 3,000 parameters: below both engines' limits
	tx, err := db.SQL().BeginTx(t.Context(), nil)
	if err != nil {
		t.Fatalf("begin: %v", err)
	}
	defer tx.Rollback()
	ids := make([]string, n)
	for from := 0; from < n; from += perStatement {
		var values []string
		var args []any
		for i := from; i < min(from+perStatement, n); i++ {
			ids[i] = fmt.Sprintf("%s-m%06d", ticketID, i)
			at := start.Add(time.Duration(i/2) * time.Millisecond).UTC().Format("2006-01-02T15:04:05.000000Z")
			p := len(args)
			values = append(values, fmt.Sprintf("($%d, $%d, $%d, 'user', $%d, $%d)", p+1, p+2, p+3, p+4, p+5))
			args = append(args, ids[i], ticketID, authorID, fmt.Sprintf("message %d", i), at)
		}
		q := "INSERT INTO messages (id, ticket_id, author_id, sender, content, created_at) VALUES " + strings.Join(values, ", ")
		if _, err := tx.ExecContext(t.Context(), q, args...); err != nil {
			t.Fatalf("seed messages: %v", err)
		}
	}
	if err := tx.Commit(); err != nil {
		t.Fatalf("commit: %v", err)
	}
	return ids
}

func messageIDs(msgs []support.Message) []string {
	out := make([]string, len(msgs))
	for i, m := range msgs {
		out[i] = m.ID
	}
	return out
}

func keyOf(t *testing.T, db *store.DB, ticketID, id string) *support.PageKey {
	t.Helper()
	msgs, err := db.Messages(t.Context(), ticketID)
	if err != nil {
		t.Fatalf("Messages: %v", err)
	}
	for _, m := range msgs {
		if m.ID == id {
			return &support.PageKey{CreatedAt: m.CreatedAt, ID: m.ID}
		}
	}
	t.Fatalf("no message %s", id)
	return nil
}

func TestThreadPage(t *testing.T) {
	eachEngine(t, func(t *testing.T, db *store.DB) {
		u := mustUser(t, db)
		tk, other := mustTicket(t, db, u.ID, t0), mustTicket(t, db, u.ID, t0)
		all := seedThread(t, db, tk.ID, u.ID, 9, t0)
		seedThread(t, db, other.ID, u.ID, 4, t0) // interleaved in time, never in tk's pages
		tests := []struct {
			name string
			f    support.ThreadFilter
			want []string
		}{
			{"first page", support.ThreadFilter{Limit: 4}, all[:4]},
			{"whole thread forward", support.ThreadFilter{Limit: 100}, all},
			{"after a key (a tie broken by id)", support.ThreadFilter{Key: keyOf(t, db, tk.ID, all[2]), Limit: 3}, all[3:6]},
			{"after the last", support.ThreadFilter{Key: keyOf(t, db, tk.ID, all[8]), Limit: 3}, []string{}},
			{"newest, oldest first", support.ThreadFilter{Backward: true, Limit: 4}, all[5:]},
			{"whole thread backward", support.ThreadFilter{Backward: true, Limit: 100}, all},
			{"before a key (a tie broken by id)", support.ThreadFilter{Backward: true, Key: keyOf(t, db, tk.ID, all[5]), Limit: 3}, all[2:5]},
			{"before the first", support.ThreadFilter{Backward: true, Key: keyOf(t, db, tk.ID, all[0]), Limit: 3}, []string{}},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				tt.f.TicketID = tk.ID
				got, err := db.ThreadPage(t.Context(), tt.f)
				if err != nil {
					t.Fatalf("ThreadPage: %v", err)
				}
				if got == nil || !slices.Equal(messageIDs(got), tt.want) {
					t.Errorf("ThreadPage = %v, want %v", messageIDs(got), tt.want)
				}
			})
		}
		if got, err := db.ThreadPage(t.Context(), support.ThreadFilter{TicketID: "no-such-ticket", Limit: 5}); err != nil || got == nil || len(got) != 0 {
			t.Errorf("ThreadPage(missing ticket) = %v, %v; want an empty page", got, err)
		}
		if _, err := db.ThreadPage(t.Context(), support.ThreadFilter{TicketID: tk.ID}); err == nil {
			t.Error("ThreadPage with Limit 0 succeeded, want an error")
		}
	})
}

// TestThreadPageReadsAIAccounting checks pages carry an AI message's reply
// accounting and truncation mark, as Messages does.
func TestThreadPageReadsAIAccounting(t *testing.T) {
	eachEngine(t, func(t *testing.T, db *store.DB) {
		ctx := t.Context()
		u := mustUser(t, db)
		tk := mustTicket(t, db, u.ID, t0)
		// Written as FinishReply leaves it: a completed reply and its message share an id.
		at := t0.UTC().Format("2006-01-02T15:04:05.000000Z")
		_, err := db.SQL().ExecContext(ctx, `INSERT INTO ai_replies (id, ticket_id, status, content, provider, model,
			prompt_tokens, completion_tokens, created_at, heartbeat_at, truncated) VALUES ($1, $2, 'completed', 'answer', 'groq', 'm', 7, 3, $3, $3, TRUE)`,
			"r-1", tk.ID, at)
		if err != nil {
			t.Fatalf("insert reply: %v", err)
		}
		if err := db.AddMessage(ctx, &support.Message{ID: "r-1", TicketID: tk.ID, Sender: support.SenderAI, Content: "answer"}); err != nil {
			t.Fatalf("AddMessage: %v", err)
		}
		for _, backward := range []bool{false, true} {
			got, err := db.ThreadPage(ctx, support.ThreadFilter{TicketID: tk.ID, Backward: backward, Limit: 5})
			if err != nil || len(got) != 1 || got[0].AI == nil || got[0].AI.Provider != "groq" || got[0].AI.PromptTokens != 7 || !got[0].AI.Truncated {
				t.Errorf("backward=%v: ThreadPage = %+v, %v; want the AI message with its accounting", backward, got, err)
			}
		}
	})
}

func TestAddMessageCapped(t *testing.T) {
	eachEngine(t, func(t *testing.T, db *store.DB) {
		ctx := t.Context()
		u := mustUser(t, db)
		tk := mustTicket(t, db, u.ID, t0)
		add := func(i int) error {
			return db.AddMessageCapped(ctx, &support.Message{TicketID: tk.ID, AuthorID: u.ID, Sender: support.SenderUser,
				Content: fmt.Sprint(i), CreatedAt: t0.Add(time.Duration(i+1) * time.Minute)}, 3)
		}
		for i := range 3 {
			if err := add(i); err != nil {
				t.Fatalf("message %d of 3: %v", i, err)
			}
		}
		err := add(3)
		var de *support.Error
		if !errors.As(err, &de) || de.Code != support.CodeInvalid ||
			de.Message != "ticket has reached its limit of 3 messages; open a new ticket" {
			t.Fatalf("4th message: %v; want ThreadFull(3)", err)
		}
		got, err := db.TicketByID(ctx, tk.ID)
		if err != nil {
			t.Fatal(err)
		}
		checkTime(t, "UpdatedAt after a refused message", got.UpdatedAt, t0.Add(3*time.Minute).Truncate(time.Microsecond))
		if msgs, _ := db.Messages(ctx, tk.ID); len(msgs) != 3 {
			t.Errorf("thread holds %d messages, want 3", len(msgs))
		}
		// A thread stored past the cap (before it was lowered) refuses too.
		seedThread(t, db, tk.ID, u.ID, 10, t0.Add(time.Hour))
		if err := add(4); support.ErrorCode(err) != support.CodeInvalid {
			t.Errorf("message on an over-full thread: %v, want ThreadFull", err)
		}
		if err := db.AddMessageCapped(ctx, &support.Message{TicketID: "no-such-ticket", Sender: support.SenderUser, Content: "x"}, 3); !errors.Is(err, support.ErrNotFound) {
			t.Errorf("capped add on a missing ticket: %v, want ErrNotFound", err)
		}
	})
}

// TestAddMessageCappedConcurrent races more writers than the cap allows: the
// count and the insert are one transaction, so exactly the cap gets in.
func TestAddMessageCappedConcurrent(t *testing.T) {
	const limit, writers = 10, 30
	eachEngine(t, func(t *testing.T, db *store.DB) {
		ctx := t.Context()
		u := mustUser(t, db)
		tk := mustTicket(t, db, u.ID, time.Time{})
		errs := make(chan error, writers)
		var wg sync.WaitGroup
		for i := range writers {
			wg.Go(func() {
				errs <- db.AddMessageCapped(ctx, &support.Message{TicketID: tk.ID, AuthorID: u.ID, Sender: support.SenderUser, Content: fmt.Sprint(i)}, limit)
			})
		}
		wg.Wait()
		close(errs)
		var ok, full int
		for err := range errs {
			switch {
			case err == nil:
				ok++
			case support.ErrorCode(err) == support.CodeInvalid:
				full++
			default:
				t.Errorf("concurrent capped add: %v", err)
			}
		}
		msgs, err := db.Messages(ctx, tk.ID)
		if ok != limit || full != writers-limit || err != nil || len(msgs) != limit {
			t.Errorf("%d stored, %d refused, thread of %d (%v); want %d, %d, %d", ok, full, len(msgs), err, limit, writers-limit, limit)
		}
	})
}

// TestThreadQueriesUseIndex checks every thread page and the cap's count are
// range scans of messages_ticket_created_idx, without a sort, as
// TestQueriesUseIndexes does for the ticket lists.
func TestThreadQueriesUseIndex(t *testing.T) {
	eachEngine(t, func(t *testing.T, db *store.DB) {
		at := "2026-01-01T00:00:00.000000Z"
		args := map[string][]any{
			"thread-first":          {"ticket", 10},
			"thread-after":          {"ticket", at, "id", 10},
			"thread-newest":         {"ticket", 10},
			"thread-before":         {"ticket", at, "id", 10},
			"count-messages-capped": {"ticket", 10},
		}
		conn, err := db.SQL().Conn(t.Context())
		if err != nil {
			t.Fatalf("Conn: %v", err)
		}
		defer conn.Close()
		explain, avoid := "EXPLAIN QUERY PLAN ", []string{"TEMP B-TREE", "SCAN m\n", "SCAN messages\n"}
		if db.Engine() == "postgres" {
			explain, avoid = "EXPLAIN ", []string{"Sort", "Seq Scan"}
			for _, set := range []string{"enable_seqscan", "enable_bitmapscan", "enable_sort"} {
				if _, err := conn.ExecContext(t.Context(), "SET "+set+" = off"); err != nil {
					t.Fatalf("SET %s: %v", set, err)
				}
			}
		}
		for name, query := range db.ThreadQueries() {
			plan := queryPlan(t, conn, explain+query, args[name]...)
			if !strings.Contains(plan, "messages_ticket_created_idx") {
				t.Errorf("%s does not use messages_ticket_created_idx:\n%s", name, plan)
			}
			for _, bad := range avoid {
				if strings.Contains(plan, bad) {
					t.Errorf("%s plan has %q:\n%s", name, bad, plan)
				}
			}
		}
	})
}
