// Package blobstore opens the bucket attachments are kept in (issue 13), through
// gocloud.dev/blob: a local directory by default, S3 or any S3-compatible store
// (MinIO, Ceph, R2...) in production, chosen by URL (BLOB_URL).
package blobstore

import (
	"context"
	"fmt"
	"io"
	"net/url"
	"path/filepath"
	"strings"

	"gocloud.dev/blob"
	_ "gocloud.dev/blob/fileblob" // file:// URLs
	_ "gocloud.dev/blob/s3blob"   // s3:// URLs (AWS and S3-compatible servers: endpoint=...)
	"gocloud.dev/gcerrors"
)

// DefaultURL is the bucket of the zero-configuration start: a directory under
// dataDir. Metadata sidecar files are not written (the database keeps each
// file's type, size and hash), and temporary files are made next to the final
// ones so a finished upload is renamed, never copied, into place.
func DefaultURL(dataDir string) (string, error) {
	abs, err := filepath.Abs(filepath.Join(dataDir, "attachments"))
	if err != nil {
		return "", fmt.Errorf("blobstore: %w", err)
	}
	u := url.URL{Scheme: "file", Path: filepath.ToSlash(abs), RawQuery: "create_dir=1&no_tmp_dir=1&metadata=skip"}
	return u.String(), nil
}

// Open opens the bucket rawURL names and checks that it can be reached.
func Open(ctx context.Context, rawURL string) (*blob.Bucket, error) {
	b, err := blob.OpenBucket(ctx, rawURL)
	if err != nil {
		// gocloud's errors repeat the URL, query (credentials) included.
		return nil, fmt.Errorf("blobstore: open %s: %s", redact(rawURL), strings.ReplaceAll(err.Error(), rawURL, redact(rawURL)))
	}
	if ok, err := b.IsAccessible(ctx); err != nil || !ok {
		_ = b.Close()
		if err == nil {
			err = fmt.Errorf("not accessible")
		}
		return nil, fmt.Errorf("blobstore: %s: %w", redact(rawURL), err)
	}
	return b, nil
}

// redact keeps a URL's scheme, host and path: its query may carry credentials.
func redact(rawURL string) string {
	u, err := url.Parse(rawURL)
	if err != nil {
		return "(invalid URL)"
	}
	u.RawQuery, u.User = "", nil
	return u.String()
}

// Store adapts a bucket to what the attachment code asks of it
// (support.BlobStore).
type Store struct{ Bucket *blob.Bucket }

// NewWriter starts writing key with its type set, so the driver does not
// sniff (and buffer) the first bytes itself. Cancelling ctx before Close
// aborts the write.
func (s Store) NewWriter(ctx context.Context, key, contentType string) (io.WriteCloser, error) {
	return s.Bucket.NewWriter(ctx, key, &blob.WriterOptions{ContentType: contentType})
}

// NewReader opens key; the reader seeks, so ranges are served without reading
// what precedes them.
func (s Store) NewReader(ctx context.Context, key string) (io.ReadSeekCloser, error) {
	return s.Bucket.NewReader(ctx, key, nil)
}

// Delete removes key; a key already gone is not an error.
func (s Store) Delete(ctx context.Context, key string) error {
	if err := s.Bucket.Delete(ctx, key); err != nil && gcerrors.Code(err) != gcerrors.NotFound {
		return err
	}
	return nil
}
