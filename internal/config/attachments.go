package config

import (
	"fmt"
	"strconv"
	"strings"
)

// AttachmentsConfig is where files sent with messages are kept and how big
// they may be (issue 13).
type AttachmentsConfig struct {
	// BlobURL names the bucket (BLOB_URL): "" is a directory under DATA_DIR;
	// s3://bucket?region=...&endpoint=... for S3 or an S3-compatible store.
	BlobURL  string
	MaxSize  int64 // bytes per file (ATTACHMENT_MAX_SIZE)
	MaxFiles int   // files per message (ATTACHMENT_MAX_FILES)
	Quota    int64 // bytes of files one user may store (ATTACHMENT_QUOTA); 0: no bound
}

// Defaults of the attachment settings.
const (
	defaultAttachmentMaxSize  = 10 << 20
	defaultAttachmentMaxFiles = 5
	defaultAttachmentQuota    = 100 << 20
	maxAttachmentFiles        = 20
	maxAttachmentSize         = 1 << 30
)

func loadAttachments(r *reader) AttachmentsConfig {
	c := AttachmentsConfig{BlobURL: r.str("BLOB_URL", ""),
		MaxSize:  r.bytes("ATTACHMENT_MAX_SIZE", defaultAttachmentMaxSize),
		MaxFiles: r.int("ATTACHMENT_MAX_FILES", defaultAttachmentMaxFiles),
		Quota:    r.bytes("ATTACHMENT_QUOTA", defaultAttachmentQuota)}
	r.check(c.MaxSize >= 1 && c.MaxSize <= maxAttachmentSize, "ATTACHMENT_MAX_SIZE must be between 1 byte and 1GiB")
	r.check(c.MaxFiles >= 1 && c.MaxFiles <= maxAttachmentFiles,
		fmt.Sprintf("ATTACHMENT_MAX_FILES must be between 1 and %d", maxAttachmentFiles))
	r.check(c.Quota >= 0, "ATTACHMENT_QUOTA must be 0 (no quota) or a size such as 100MiB")
	return c
}

// byteUnits are the suffixes bytes accepts, longest first.
var byteUnits = []struct {
	suffix string
	factor int64
}{{"GiB", 1 << 30}, {"MiB", 1 << 20}, {"KiB", 1 << 10}, {"GB", 1e9}, {"MB", 1e6}, {"KB", 1e3}, {"B", 1}}

// bytes reads a size: a plain number of bytes or one with a unit (10MiB, 500KB).
func (r *reader) bytes(key string, def int64) int64 {
	v := strings.TrimSpace(r.getenv(key))
	if v == "" {
		return def
	}
	num, factor := v, int64(1)
	for _, u := range byteUnits {
		if strings.HasSuffix(v, u.suffix) {
			num, factor = strings.TrimSpace(strings.TrimSuffix(v, u.suffix)), u.factor
			break
		}
	}
	n, err := strconv.ParseInt(num, 10, 64)
	if (err != nil || n < 0 || n > (1<<62)/factor) && r.err == nil {
		r.err = fmt.Errorf("%s must be a size such as 10MiB or 1048576, not %q", key, v)
		return def
	}
	return n * factor
}
