package httpapi

import (
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"testing"
)

// The same form under two boundaries fingerprints alike, written in any
// chunking; a different form does not.
func TestFingerprintIgnoresTheMultipartBoundary(t *testing.T) {
	form := func(boundary, content string) (*http.Request, []byte) {
		body := "--" + boundary + "\r\nContent-Disposition: form-data; name=\"content\"\r\n\r\n" + content + "\r\n--" + boundary + "--\r\n"
		r, _ := http.NewRequest(http.MethodPost, "/tickets/x/messages", nil)
		r.Header.Set("Content-Type", "multipart/form-data; boundary="+boundary)
		return r, []byte(body)
	}
	sum := func(r *http.Request, body []byte, chunk int) string {
		f := newFingerprint(r, "POST /tickets/{id}/messages id=x")
		for len(body) > 0 {
			n := min(chunk, len(body))
			_, _ = f.Write(body[:n])
			body = body[n:]
		}
		return f.sum()
	}
	r1, b1 := form("aaaaXXXXbbbb", "hello")
	r2, b2 := form("1234567890abcdef1234", "hello")
	r3, b3 := form("aaaaXXXXbbbb", "hullo")
	for _, chunk := range []int{1, 3, 7, 1000} {
		if sum(r1, b1, chunk) != sum(r2, b2, 1000) {
			t.Errorf("chunks of %d: the same form under another boundary fingerprints differently", chunk)
		}
	}
	if sum(r1, b1, 5) == sum(r3, b3, 5) {
		t.Error("different forms fingerprint alike")
	}
	// Any other body is hashed whole, boundary-like bytes included.
	j, _ := http.NewRequest(http.MethodPost, "/tickets", nil)
	j.Header.Set("Content-Type", "application/json")
	body := []byte(`{"a":"aaaaXXXXbbbb"}`)
	h := sha256.New()
	h.Write([]byte("POST POST /tickets/{id}/messages id=x\n"))
	h.Write(body)
	if got := sum(j, body, 4); got != hex.EncodeToString(h.Sum(nil)) {
		t.Errorf("JSON fingerprint %s, want the hash of method, route and body", got)
	}
}
