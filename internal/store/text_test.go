package store_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/supportd/supportd/internal/store"
	"github.com/supportd/supportd/internal/support"
)

// trickyText must come back byte for byte.
var trickyText = []struct{ name, text string }{
	{"emoji", "Printer 🔥🖨️ won't print 👩🏽‍💻"},
	{"right to left", "مرحبا، الطابعة لا تعمل — שלום"},
	{"quotes", `He said "it's broken" and ''left''`},
	{"sql injection", "'; DROP TABLE tickets; --"},
	{"newlines", "line one\nline two\r\nline three\n"},
	{"surrounding whitespace", "  \t padded \t  "},
	{"backslashes and wildcards", `C:\temp\%_*? $1 ?1 :name`},
	{"combining marks", "e\u0301 is not \u00e9"},
	{"long", strings.Repeat("0123456789abcdef", 8192)},
	{"empty", ""},
}

func TestTextRoundTrip(t *testing.T) {
	eachEngine(t, func(t *testing.T, db *store.DB) {
		for i, tt := range trickyText {
			t.Run(tt.name, func(t *testing.T) {
				ctx := t.Context()
				u := &support.User{Email: tt.text, EmailKey: fmt.Sprintf("%d:%s", i, tt.text), PasswordHash: tt.text, Role: support.RoleCustomer}
				if err := db.CreateUser(ctx, u); err != nil {
					t.Fatalf("CreateUser: %v", err)
				}
				gotUser, err := db.UserByEmailKey(ctx, u.EmailKey)
				if err != nil || gotUser.Email != tt.text || gotUser.PasswordHash != tt.text {
					t.Errorf("user round trip = %+v, %v; want email and hash %q", gotUser, err, tt.text)
				}
				tk := &support.Ticket{CustomerID: u.ID, Title: tt.text, Description: tt.text}
				if err := db.CreateTicket(ctx, tk); err != nil {
					t.Fatalf("CreateTicket: %v", err)
				}
				gotTicket, err := db.TicketByID(ctx, tk.ID)
				if err != nil || gotTicket.Title != tt.text || gotTicket.Description != tt.text {
					t.Errorf("ticket round trip = %+v, %v; want title and description %q", gotTicket, err, tt.text)
				}
				m := &support.Message{TicketID: tk.ID, Sender: support.SenderAI, Content: tt.text}
				if err := db.AddMessage(ctx, m); err != nil {
					t.Fatalf("AddMessage: %v", err)
				}
				msgs, err := db.Messages(ctx, tk.ID)
				if err != nil || len(msgs) != 1 || msgs[0].Content != tt.text {
					t.Errorf("message round trip = %+v, %v; want content %q", msgs, err, tt.text)
				}
			})
		}
	})
}

// TestBadBytes: PostgreSQL refuses NUL and invalid UTF-8 in TEXT. The service
// rejects them first; here they must give an ordinary error, never a panic.
func TestBadBytes(t *testing.T) {
	eachEngine(t, func(t *testing.T, db *store.DB) {
		u := mustUser(t, db)
		for _, text := range []string{"nul\x00byte", "bad \xff\xfe utf-8"} {
			tk := &support.Ticket{CustomerID: u.ID, Title: text, Description: text}
			err := db.CreateTicket(t.Context(), tk)
			switch {
			case err != nil && db.Engine() == "postgres":
				if code := support.ErrorCode(err); code != support.CodeInternal {
					t.Errorf("CreateTicket(%q) error code %q, want %q: %v", text, code, support.CodeInternal, err)
				}
			case err != nil:
				t.Errorf("CreateTicket(%q) on %s: %v", text, db.Engine(), err)
			case db.Engine() == "postgres":
				t.Errorf("PostgreSQL accepted %q", text)
			default:
				got, err := db.TicketByID(t.Context(), tk.ID)
				if err != nil || got.Title != text {
					t.Errorf("round trip of %q = %+v, %v", text, got, err)
				}
			}
		}
	})
}
