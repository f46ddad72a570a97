package support

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/supportd/supportd/internal/attachment"
)

// Attachments (issue 13): files sent with a message. Each is streamed to the
// blob store as it arrives, its type decided from its bytes, then the message
// and all its files are stored in one transaction. A failure anywhere deletes
// the files already written; a crash leaves their keys listed as unowned,
// for the sweeper.

// Attachment is a file sent with a message (or an internal note).
type Attachment struct {
	ID          string
	TicketID    string
	MessageID   string // "" for a note's
	NoteID      string // "" for a message's
	UploaderID  string
	Name        string // sanitised (attachment.SafeName)
	Size        int64
	SHA256      string // hex
	ContentType string // detected from the bytes
	BlobKey     string
	CreatedAt   time.Time
}

// AttachmentLimits bound what a message carries and what a user stores.
type AttachmentLimits struct {
	MaxSize  int64 // bytes per file
	MaxFiles int   // files per message
	Quota    int64 // bytes of files a user may have stored; 0: no bound
}

// Defaults of AttachmentLimits.
const (
	DefaultAttachmentMaxSize  = 10 << 20
	DefaultAttachmentMaxFiles = 5
)

// BlobStore keeps attachments' bytes (blobstore.Store over gocloud.dev/blob).
type BlobStore interface {
	// NewWriter starts writing key. Cancelling ctx before Close aborts the
	// write: nothing is stored.
	NewWriter(ctx context.Context, key, contentType string) (io.WriteCloser, error)
	// NewReader opens key for reading from any offset.
	NewReader(ctx context.Context, key string) (io.ReadSeekCloser, error)
	// Delete removes key; a missing key is not an error.
	Delete(ctx context.Context, key string) error
}

// AttachmentStore is what attachments need of the database.
type AttachmentStore interface {
	// MarkBlobUnowned lists key as owned by no attachment (yet): the sweeper
	// deletes it unless a message claims it first.
	MarkBlobUnowned(ctx context.Context, key string, at time.Time) error
	// ForgetUnownedBlob unlists key once it is deleted.
	ForgetUnownedBlob(ctx context.Context, key string) error
	// StoredBytes is how many bytes of files userID has stored.
	StoredBytes(ctx context.Context, userID string) (int64, error)
	// AttachmentByID returns an attachment, or ErrNotFound.
	AttachmentByID(ctx context.Context, id string) (*Attachment, error)
}

// Errors of attachments, as the API answers them.
var (
	ErrQuotaExceeded = Errorf(CodeTooLarge, "Your files would exceed your storage quota; delete some or send smaller files")
)

// fileTooLarge refuses a file past the size limit.
func fileTooLarge(name string, max int64) error {
	return Errorf(CodeTooLarge, "File %q is larger than the %s limit per file", name, byteSize(max))
}

// byteSize is n in the unit people read: "10 MiB", "512 KiB", "100 B".
func byteSize(n int64) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%d MiB", n>>20)
	case n >= 1<<10 && n%(1<<10) == 0:
		return fmt.Sprintf("%d KiB", n>>10)
	}
	return fmt.Sprintf("%d B", n)
}

// MessageUpload is a message being written with files: AddFile streams each
// file to the blob store, Commit stores the message with them, Abort (always
// deferred) deletes what a failed upload left.
type MessageUpload struct {
	s         *TicketService
	actor     Actor
	ticket    *Ticket
	note      bool  // an internal note rather than a message
	stored    int64 // the actor's bytes stored before this message
	files     []Attachment
	committed bool
}

// BeginMessage starts a message with files on a ticket the actor may write
// to. Nothing is stored until Commit.
func (s *TicketService) BeginMessage(ctx context.Context, actor Actor, ticketID string) (*MessageUpload, error) {
	return s.beginUpload(ctx, actor, ticketID, false)
}

// BeginNote starts an internal note with files (staff only).
func (s *TicketService) BeginNote(ctx context.Context, actor Actor, ticketID string) (*MessageUpload, error) {
	if err := canUseNotes(actor); err != nil {
		return nil, err
	}
	return s.beginUpload(ctx, actor, ticketID, true)
}

func (s *TicketService) beginUpload(ctx context.Context, actor Actor, ticketID string, note bool) (*MessageUpload, error) {
	if s.blobs == nil {
		return nil, Errorf(CodeUnavailable, "Attachments are not available on this server")
	}
	t, err := s.visibleTicket(ctx, actor, ticketID)
	if err != nil {
		return nil, err
	}
	if !note {
		if err := acceptsMessages(t); err != nil {
			return nil, err
		}
	}
	var stored int64
	if q := s.fileLimits.Quota; q > 0 { // a sum over the user's files: only when there is a quota
		if stored, err = s.files.StoredBytes(ctx, actor.UserID); err != nil {
			return nil, fmt.Errorf("begin message: %w", err)
		}
		if stored >= q {
			return nil, ErrQuotaExceeded
		}
	}
	return &MessageUpload{s: s, actor: actor, ticket: t, note: note, stored: stored}, nil
}

// AddFile streams one file to the blob store: its type is detected from its
// first bytes and must be allowed, its size must stay within the limit and
// the quota. On error nothing of this file is kept.
func (u *MessageUpload) AddFile(ctx context.Context, rawName string, body io.Reader) error {
	lim := u.s.fileLimits
	name := attachment.SafeName(rawName)
	if len(u.files) >= lim.MaxFiles {
		return Errorf(CodeInvalid, "At most %d files can be sent with one message", lim.MaxFiles)
	}
	head := make([]byte, attachment.SniffLen)
	n, err := io.ReadFull(body, head)
	if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) && !errors.Is(err, io.EOF) {
		return fmt.Errorf("read %s: %w", name, err)
	}
	head = head[:n]
	ctype, ok := attachment.Detect(head)
	if !ok {
		return &Error{Code: CodeInvalid, Message: fmt.Sprintf("File %q is %s, which is not accepted: send images, PDF, "+
			"text or office documents", name, ctype),
			Fields: []FieldError{{Field: "files", Message: "type " + ctype + " is not accepted", Value: name}}}
	}
	a := Attachment{ID: u.s.newID(), TicketID: u.ticket.ID, UploaderID: u.actor.UserID, Name: name, ContentType: ctype,
		BlobKey: "attachments/" + u.s.newID()}
	if err := u.s.files.MarkBlobUnowned(ctx, a.BlobKey, u.s.timestamp()); err != nil {
		return fmt.Errorf("add file: %w", err)
	}
	if err := u.write(ctx, &a, io.MultiReader(bytes.NewReader(head), body)); err != nil {
		u.s.forgetBlob(context.WithoutCancel(ctx), a.BlobKey, false) // the request may be gone
		return err
	}
	u.files = append(u.files, a)
	return nil
}

// write copies r to a's blob, hashing and counting it; past the size limit
// or the quota the write is aborted.
func (u *MessageUpload) write(ctx context.Context, a *Attachment, r io.Reader) error {
	lim := u.s.fileLimits
	wctx, cancel := context.WithCancel(ctx)
	defer cancel() // after a successful Close this changes nothing
	w, err := u.s.blobs.NewWriter(wctx, a.BlobKey, a.ContentType)
	if err != nil {
		return fmt.Errorf("store %s: %w", a.Name, err)
	}
	h := sha256.New()
	n, err := io.Copy(io.MultiWriter(w, h), io.LimitReader(r, lim.MaxSize+1))
	switch {
	case err != nil:
		cancel()
		_ = w.Close()
		return fmt.Errorf("upload %s: %w", a.Name, err)
	case n > lim.MaxSize:
		cancel()
		_ = w.Close()
		return fileTooLarge(a.Name, lim.MaxSize)
	case lim.Quota > 0 && u.stored+u.size()+n > lim.Quota:
		cancel()
		_ = w.Close()
		return ErrQuotaExceeded
	}
	if err := w.Close(); err != nil {
		return fmt.Errorf("store %s: %w", a.Name, err)
	}
	a.Size, a.SHA256 = n, hex.EncodeToString(h.Sum(nil))
	return nil
}

func (u *MessageUpload) size() int64 {
	var n int64
	for _, f := range u.files {
		n += f.Size
	}
	return n
}

// CommitNote stores the note with its files in one transaction (BeginNote).
func (u *MessageUpload) CommitNote(ctx context.Context, content string) (*Note, error) {
	if err := u.checkText(content); err != nil {
		return nil, err
	}
	n, err := u.s.addNote(ctx, u.actor, u.ticket.ID, content, u.files)
	if err != nil {
		return nil, err
	}
	u.committed = true
	return n, nil
}

// checkText validates the text sent with files: it may be empty when files were sent.
func (u *MessageUpload) checkText(content string) error {
	var v validator
	minLen := 1
	if len(u.files) > 0 {
		minLen = 0
	}
	v.text("content", content, minLen, MaxContentLen)
	return v.err()
}

// Commit stores the message with its files in one transaction. The text may
// be empty when files were sent.
func (u *MessageUpload) Commit(ctx context.Context, content string) (*Message, error) {
	if err := u.checkText(content); err != nil {
		return nil, err
	}
	m, err := u.s.addMessage(ctx, u.actor, u.ticket.ID, content, u.files)
	if err != nil {
		return nil, err
	}
	u.committed = true
	return m, nil
}

// Abort deletes the files of an upload that was not committed; after Commit
// it does nothing. Deletions that fail are left to the sweeper.
func (u *MessageUpload) Abort(ctx context.Context) {
	if u.committed {
		return
	}
	for _, f := range u.files {
		u.s.forgetBlob(context.WithoutCancel(ctx), f.BlobKey, true)
	}
	u.files = nil
}

// forgetBlob deletes key from the blob store and unlists it; on failure the
// sweeper tries again later.
func (s *TicketService) forgetBlob(ctx context.Context, key string, written bool) {
	if written {
		if err := s.blobs.Delete(ctx, key); err != nil {
			s.log.WarnContext(ctx, "deleting an uploaded file failed; the sweeper will", "key", key, "error", err)
			return
		}
	}
	if err := s.files.ForgetUnownedBlob(ctx, key); err != nil {
		s.log.WarnContext(ctx, "unlisting a deleted file failed", "key", key, "error", err)
	}
}

// AttachmentEvents records each file in the ticket's history; a note's are
// internal.
func AttachmentEvents(files []Attachment, internal bool) []Event {
	events := make([]Event, len(files))
	for i, f := range files {
		v := map[string]any{"id": f.ID, "name": f.Name, "size": f.Size, "content_type": f.ContentType}
		if f.NoteID != "" {
			v["note_id"] = f.NoteID
		} else {
			v["message_id"] = f.MessageID
		}
		events[i] = Event{TicketID: f.TicketID, ActorID: f.UploaderID, Type: EventAttachment, New: EventValue(v),
			Internal: internal, CreatedAt: f.CreatedAt}
	}
	return events
}

// Attachment returns a file the actor may download: one on a ticket the
// actor may see, and on a note only for staff. Anything else is reported
// exactly like a missing id.
func (s *TicketService) Attachment(ctx context.Context, actor Actor, id string) (*Attachment, error) {
	notFound := Errorf(CodeNotFound, "Attachment not found")
	if !validID(id) || s.files == nil {
		return nil, notFound
	}
	a, err := s.files.AttachmentByID(ctx, id)
	if errors.Is(err, ErrNotFound) {
		return nil, notFound
	}
	if err != nil {
		return nil, fmt.Errorf("attachment: %w", err)
	}
	if _, err := s.visibleTicket(ctx, actor, a.TicketID); err != nil {
		return nil, notFound
	}
	if a.NoteID != "" && !actor.Role.IsStaff() {
		return nil, notFound
	}
	return a, nil
}

// OpenAttachment opens a's bytes.
func (s *TicketService) OpenAttachment(ctx context.Context, a *Attachment) (io.ReadSeekCloser, error) {
	r, err := s.blobs.NewReader(ctx, a.BlobKey)
	if err != nil {
		return nil, fmt.Errorf("open attachment: %w", err)
	}
	return r, nil
}
