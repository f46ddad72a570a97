package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/supportd/supportd/internal/support"
)

var _ support.AttachmentStore = (*DB)(nil)

// attachmentQueries holds the statements of attachment_queries.sql.
type attachmentQueries struct {
	createAttachment      string
	attachmentByID        string
	attachmentsBetween    string
	storedBytes           string
	lockUploader          string
	markBlobUnowned       string
	forgetUnownedBlob     string
	unownedBlobsBefore    string
	disownUserFiles       string
	deleteUserAttachments string
}

func (q *attachmentQueries) targets() map[string]*string {
	return map[string]*string{
		"create-attachment":             &q.createAttachment,
		"attachment-by-id":              &q.attachmentByID,
		"attachments-of-ticket-between": &q.attachmentsBetween,
		"stored-bytes":                  &q.storedBytes,
		"lock-uploader":                 &q.lockUploader,
		"mark-blob-unowned":             &q.markBlobUnowned,
		"forget-unowned-blob":           &q.forgetUnownedBlob,
		"unowned-blobs-before":          &q.unownedBlobsBefore,
		"disown-user-files":             &q.disownUserFiles,
		"delete-user-attachments":       &q.deleteUserAttachments,
	}
}

// MarkBlobUnowned lists key for the sweeper until a message claims it.
func (db *DB) MarkBlobUnowned(ctx context.Context, key string, at time.Time) error {
	_, err := db.sql.ExecContext(ctx, db.aq2.markBlobUnowned, key, timestamp(at))
	return db.translate("mark blob unowned", err)
}

// ForgetUnownedBlob unlists key (deleted, or claimed).
func (db *DB) ForgetUnownedBlob(ctx context.Context, key string) error {
	_, err := db.sql.ExecContext(ctx, db.aq2.forgetUnownedBlob, key)
	return db.translate("forget unowned blob", err)
}

// UnownedBlobs returns up to limit keys listed before cutoff, oldest first.
func (db *DB) UnownedBlobs(ctx context.Context, cutoff time.Time, limit int) ([]string, error) {
	keys, err := queryAll(ctx, db.sql, db.aq2.unownedBlobsBefore, func(r rowScanner) (string, error) {
		var k string
		return k, r.Scan(&k)
	}, timestamp(cutoff), limit)
	return keys, db.translate("unowned blobs", err)
}

// StoredBytes is the size of the files userID has stored.
func (db *DB) StoredBytes(ctx context.Context, userID string) (int64, error) {
	var n int64
	err := db.sql.QueryRowContext(ctx, db.aq2.storedBytes, userID).Scan(&n)
	return n, db.translate("stored bytes", err)
}

// AttachmentByID returns the attachment with id, or support.ErrNotFound.
func (db *DB) AttachmentByID(ctx context.Context, id string) (*support.Attachment, error) {
	a, err := scanAttachment(db.sql.QueryRowContext(ctx, db.aq2.attachmentByID, id))
	if err != nil {
		return nil, db.translate("attachment", err)
	}
	return &a, nil
}

// addAttachments stores a message's files in tx, unless they would take their
// uploader past quota bytes (0: no bound), and unlists their keys.
func (db *DB) addAttachments(ctx context.Context, tx *sql.Tx, files []support.Attachment, quota int64) error {
	if len(files) == 0 {
		return nil
	}
	uploader := files[0].UploaderID
	if quota > 0 {
		if db.dialect.engine == postgresDialect.engine {
			if _, err := tx.ExecContext(ctx, db.aq2.lockUploader, uploader); err != nil {
				return fmt.Errorf("lock uploader: %w", err)
			}
		}
		var stored, adding int64
		if err := tx.QueryRowContext(ctx, db.aq2.storedBytes, uploader).Scan(&stored); err != nil {
			return fmt.Errorf("stored bytes: %w", err)
		}
		for _, f := range files {
			adding += f.Size
		}
		if stored+adding > quota {
			return support.ErrQuotaExceeded
		}
	}
	for _, f := range files {
		_, err := tx.ExecContext(ctx, db.aq2.createAttachment, f.ID, f.TicketID, nullIfEmpty(f.MessageID), nullIfEmpty(f.NoteID),
			nullIfEmpty(f.UploaderID), f.Name, f.Size, f.SHA256, f.ContentType, f.BlobKey, timestamp(f.CreatedAt))
		if err != nil {
			return fmt.Errorf("add attachment: %w", err)
		}
		if _, err := tx.ExecContext(ctx, db.aq2.forgetUnownedBlob, f.BlobKey); err != nil {
			return fmt.Errorf("claim blob: %w", err)
		}
	}
	return nil
}

// withAttachments fills the attachments of a page of one ticket's messages,
// in one statement, and only when some message of the page carries files.
func (db *DB) withAttachments(ctx context.Context, msgs []support.Message) error {
	var from, to time.Time
	for _, m := range msgs {
		if m.AttachmentCount > 0 {
			if from.IsZero() || m.CreatedAt.Before(from) {
				from = m.CreatedAt
			}
			to = m.CreatedAt // pages are in time order
		}
	}
	if from.IsZero() {
		return nil
	}
	byOwner, err := db.filesBetween(ctx, msgs[0].TicketID, from, to)
	for i := range msgs {
		msgs[i].Attachments = byOwner[msgs[i].ID]
	}
	return err
}

// withNoteAttachments fills the attachments of a page of one ticket's notes.
func (db *DB) withNoteAttachments(ctx context.Context, ticketID string, notes []support.Note) error {
	if len(notes) == 0 {
		return nil
	}
	byOwner, err := db.filesBetween(ctx, ticketID, notes[0].CreatedAt, notes[len(notes)-1].CreatedAt)
	for i := range notes {
		notes[i].Attachments = byOwner[notes[i].ID]
	}
	return err
}

// filesBetween returns the ticket's files created in [from, to], by the id of
// the message or note they belong to.
func (db *DB) filesBetween(ctx context.Context, ticketID string, from, to time.Time) (map[string][]support.Attachment, error) {
	files, err := queryAll(ctx, db.sql, db.aq2.attachmentsBetween, scanAttachment, ticketID, timestamp(from), timestamp(to))
	if err != nil {
		return nil, err
	}
	byOwner := make(map[string][]support.Attachment, len(files))
	for _, f := range files {
		owner := f.MessageID + f.NoteID // exactly one is set
		byOwner[owner] = append(byOwner[owner], f)
	}
	return byOwner, nil
}

// DisownUserFiles deletes userID's attachments and hands their keys to the
// sweeper, due at once (an account's deletion).
func (db *DB) DisownUserFiles(ctx context.Context, userID string) error {
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		return db.disownUserFiles(ctx, tx, userID)
	})
	return db.translate("disown user files", err)
}

func (db *DB) disownUserFiles(ctx context.Context, tx *sql.Tx, userID string) error {
	if _, err := tx.ExecContext(ctx, db.aq2.disownUserFiles, userID, timestamp(time.Unix(0, 0))); err != nil {
		return err
	}
	_, err := tx.ExecContext(ctx, db.aq2.deleteUserAttachments, userID)
	return err
}

func scanAttachment(row rowScanner) (support.Attachment, error) {
	var a support.Attachment
	var message, note, uploader sql.NullString
	err := row.Scan(&a.ID, &a.TicketID, &message, &note, &uploader, &a.Name, &a.Size, &a.SHA256, &a.ContentType,
		&a.BlobKey, (*timestamp)(&a.CreatedAt))
	if errors.Is(err, sql.ErrNoRows) {
		return a, err
	}
	a.MessageID, a.NoteID, a.UploaderID = message.String, note.String, uploader.String
	return a, err
}
