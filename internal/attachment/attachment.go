// Package attachment decides what a file sent with a message is and how it may
// be served back (issue 13): its type from its bytes, never from the client's
// header or name; a name safe to show and to put in a header; and whether a
// browser may render it.
package attachment

import (
	"mime"
	"path"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/gabriel-vasile/mimetype"
)

// SniffLen is how many leading bytes Detect needs to see.
const SniffLen = 3072

// allowed are the types a file may have, as the magic-number detector names
// them: images, PDF, plain text (logs), and office documents.
var allowed = map[string]bool{
	"image/png": true, "image/jpeg": true, "image/gif": true, "image/webp": true,
	"application/pdf": true,
	"text/plain":      true, "text/csv": true,
	"application/msword":       true, // .doc, .xls and .ppt share the OLE container
	"application/vnd.ms-excel": true, "application/vnd.ms-powerpoint": true,
	"application/x-ole-storage": true,
	"application/vnd.openxmlformats-officedocument.wordprocessingml.document":   true,
	"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet":         true,
	"application/vnd.openxmlformats-officedocument.presentationml.presentation": true,
	"application/vnd.oasis.opendocument.text":                                   true,
	"application/vnd.oasis.opendocument.spreadsheet":                            true,
	"application/vnd.oasis.opendocument.presentation":                           true,
	"application/rtf": true,
}

// inline are the allowed types a browser may show in the page: raster images,
// which cannot run script. Everything else is sent as a download.
var inline = map[string]bool{"image/png": true, "image/jpeg": true, "image/gif": true, "image/webp": true}

// Detect names the type of a file from its first bytes (up to SniffLen) and
// says whether it is allowed. Text is "text/plain; charset=utf-8" (or the
// charset found); anything the detector does not know is
// "application/octet-stream", refused.
func Detect(head []byte) (contentType string, ok bool) {
	// The most specific type only: a .docx is a zip, but a zip is not allowed.
	m := mimetype.Detect(head)
	base, _, _ := mime.ParseMediaType(m.String())
	return m.String(), allowed[base]
}

// shownInline reports whether a file of contentType may be shown in the page
// rather than downloaded.
func shownInline(contentType string) bool {
	base, _, _ := mime.ParseMediaType(contentType)
	return inline[base]
}

// MaxNameBytes bounds a stored file name.
const MaxNameBytes = 255

// SafeName is the name a file is stored and shown under: the last element of
// whatever path the client sent (either slash), without control or format
// characters (bidirectional overrides included), trimmed, at most
// MaxNameBytes of valid UTF-8; "file" when nothing is left.
func SafeName(raw string) string {
	raw = strings.ToValidUTF8(raw, "")
	raw = raw[strings.LastIndexAny(raw, `/\`)+1:]
	var b strings.Builder
	for _, r := range raw {
		if unicode.IsControl(r) || unicode.Is(unicode.Cf, r) || r == '"' {
			continue
		}
		b.WriteRune(r)
	}
	name := strings.TrimSpace(b.String())
	name = strings.Trim(name, ".")
	for len(name) > MaxNameBytes {
		_, size := utf8.DecodeLastRuneInString(name)
		name = name[:len(name)-size]
	}
	if name == "" || path.Clean(name) != name {
		return "file"
	}
	return name
}

// ContentDisposition is the header a download is sent with: inline for the
// types a page may show, attachment otherwise, with the name encoded as RFC
// 6266 and RFC 8187 say (a plain ASCII fallback and filename* in UTF-8).
func ContentDisposition(contentType, name string) string {
	kind := "attachment"
	if shownInline(contentType) {
		kind = "inline"
	}
	if v := mime.FormatMediaType(kind, map[string]string{"filename": name}); v != "" {
		return v
	}
	return kind
}
