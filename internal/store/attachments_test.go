package store_test

import (
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/supportd/supportd/internal/store"
	"github.com/supportd/supportd/internal/support"
)

// A message's files are stored with it, their keys claimed from the sweeper's
// list; concurrent messages of one user never exceed the quota together.
func TestAttachmentsQuotaAndClaims(t *testing.T) {
	eachEngine(t, func(t *testing.T, db *store.DB) {
		u := mustUser(t, db)
		tk := mustTicket(t, db, u.ID, t0)
		write := func(size int64) (*support.MessageWrite, string) {
			key := "attachments/" + uuid.NewString()
			if err := db.MarkBlobUnowned(t.Context(), key, t0); err != nil {
				t.Fatal(err)
			}
			m := &support.Message{TicketID: tk.ID, AuthorID: u.ID, Sender: support.SenderUser, Content: "file", CreatedAt: t0.Add(time.Second),
				ID: uuid.NewString()}
			m.Attachments = []support.Attachment{{ID: uuid.NewString(), TicketID: tk.ID, MessageID: m.ID, UploaderID: u.ID, Name: "a.png",
				Size: size, SHA256: "00", ContentType: "image/png", BlobKey: key, CreatedAt: m.CreatedAt}}
			return &support.MessageWrite{Message: m, Seen: support.StatusOpen, Status: support.StatusOpen, Quota: 100}, key
		}
		// Six writers of 40 bytes against a quota of 100: two fit.
		var wg sync.WaitGroup
		var mu sync.Mutex
		ok, refused := 0, 0
		for range 6 {
			wg.Go(func() {
				w, _ := write(40)
				err := db.AddTicketMessage(t.Context(), w)
				mu.Lock()
				defer mu.Unlock()
				switch {
				case err == nil:
					ok++
				case errors.Is(err, support.ErrQuotaExceeded):
					refused++
				default:
					t.Errorf("AddTicketMessage: %v", err)
				}
			})
		}
		wg.Wait()
		if n, err := db.StoredBytes(t.Context(), u.ID); ok != 2 || refused != 4 || err != nil || n != 80 {
			t.Fatalf("%d stored, %d refused, %d bytes (%v); want 2, 4, 80", ok, refused, n, err)
		}
		// The stored ones left the sweeper's list; the refused ones are still on it.
		keys, err := db.UnownedBlobs(t.Context(), t0.Add(time.Hour), 100)
		if err != nil || len(keys) != 4 {
			t.Fatalf("unowned keys %v (%v); want the 4 refused", keys, err)
		}
		msgs, err := db.Messages(t.Context(), tk.ID)
		if err != nil || len(msgs) != 2 || len(msgs[0].Attachments) != 1 || msgs[0].AttachmentCount != 1 ||
			len(msgs[1].Attachments) != 1 || msgs[1].Attachments[0].MessageID != msgs[1].ID {
			t.Fatalf("thread %+v (%v): want two messages with their file", msgs, err)
		}
		a, err := db.AttachmentByID(t.Context(), msgs[0].Attachments[0].ID)
		if err != nil || a.BlobKey == "" || a.UploaderID != u.ID {
			t.Fatalf("AttachmentByID: %+v, %v", a, err)
		}
		if err := db.DisownUserFiles(t.Context(), u.ID); err != nil {
			t.Fatal(err)
		}
		if keys, _ := db.UnownedBlobs(t.Context(), t0, 100); len(keys) != 2 {
			t.Fatalf("after the account's deletion %d keys are due at once, want its 2 files", len(keys))
		}
		if _, err := db.AttachmentByID(t.Context(), a.ID); !errors.Is(err, support.ErrNotFound) {
			t.Fatalf("a deleted account's file: %v", err)
		}
	})
}
