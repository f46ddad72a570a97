package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"sync/atomic"
	"time"
)

// boundary of every form sent (the file's bytes are random after a PDF header
// line, so they cannot hold "\r\n--" followed by it by chance in practice).
const boundary = "attbench7f3a9c2e4b1d8e6f"

// pdfHead makes the bytes detected as application/pdf; random bytes alone
// are refused as application/octet-stream.
const pdfHead = "%PDF-1.7\n"

// payload is one file shape: size bytes, a PDF header, a per-upload unique
// line (so no two files are byte-identical) and shared random bytes.
type payload struct {
	size         int64
	rest         []byte // random, shared by every upload of this shape
	head, trail  []byte // the form around the file's bytes
	uniqueLen    int
	contentBytes int64 // the whole request body
}

func newPayload(size int64) *payload {
	const uniqueLen = 24 // "%016x\n" padded: the upload's number
	p := &payload{size: size, uniqueLen: uniqueLen}
	p.rest = make([]byte, size-int64(len(pdfHead))-uniqueLen)
	_, _ = rand.Read(p.rest)
	p.head = []byte("--" + boundary + "\r\n" +
		"Content-Disposition: form-data; name=\"content\"\r\n\r\n" +
		"Screenshot of the error attached\r\n" +
		"--" + boundary + "\r\n" +
		"Content-Disposition: form-data; name=\"files\"; filename=\"statement.pdf\"\r\n" +
		"Content-Type: application/pdf\r\n\r\n")
	p.trail = []byte("\r\n--" + boundary + "--\r\n")
	p.contentBytes = int64(len(p.head)) + size + int64(len(p.trail))
	return p
}

var uploadSeq atomic.Int64

// body is one upload's request body.
func (p *payload) body() io.Reader {
	unique := fmt.Sprintf("%%%022d\n", uploadSeq.Add(1)) // a PDF comment line
	return io.MultiReader(bytes.NewReader(p.head), bytes.NewReader([]byte(pdfHead)), bytes.NewReader([]byte(unique[:p.uniqueLen])),
		bytes.NewReader(p.rest), bytes.NewReader(p.trail))
}

// client speaks to supportd over kept-alive loopback connections.
type client struct {
	base string
	hc   *http.Client
}

func newClient(base string, conns int) *client {
	tr := &http.Transport{Proxy: nil, DialContext: (&net.Dialer{Timeout: 10 * time.Second}).DialContext,
		MaxIdleConns: conns, MaxIdleConnsPerHost: conns, IdleConnTimeout: 2 * time.Minute, DisableCompression: true,
		WriteBufferSize: 64 << 10, ReadBufferSize: 64 << 10}
	return &client{base: base, hc: &http.Client{Transport: tr, Timeout: 2 * time.Minute}}
}

// uploaded is a file the server stored, and who may read it.
type uploaded struct {
	id, sha256, token string
	size              int64
}

// upload posts a message with one file of p's shape to c's ticket; body
// wraps the request body (pacing), when not nil.
func (cl *client) upload(ctx context.Context, c customer, p *payload, wrap func(io.Reader) io.Reader) (uploaded, error) {
	body := p.body()
	if wrap != nil {
		body = wrap(body)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, cl.base+"/tickets/"+c.TicketID+"/messages", body)
	if err != nil {
		return uploaded{}, err
	}
	req.ContentLength = p.contentBytes
	req.Header.Set("Content-Type", "multipart/form-data; boundary="+boundary)
	req.Header.Set("Authorization", "Bearer "+c.token)
	resp, err := cl.hc.Do(req)
	if err != nil {
		return uploaded{}, err
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if resp.StatusCode != http.StatusCreated {
		return uploaded{}, fmt.Errorf("status %d: %.200s", resp.StatusCode, raw)
	}
	var full struct {
		Attachments []struct {
			ID          string `json:"id"`
			SHA256      string `json:"sha256"`
			ContentType string `json:"content_type"`
			Size        int64  `json:"size"`
		} `json:"attachments"`
	}
	if err := json.Unmarshal(raw, &full); err != nil {
		return uploaded{}, fmt.Errorf("answer: %w", err)
	}
	if len(full.Attachments) != 1 {
		return uploaded{}, fmt.Errorf("answer lists %d attachments", len(full.Attachments))
	}
	a := full.Attachments[0]
	if a.Size != p.size || a.ContentType != "application/pdf" {
		return uploaded{}, fmt.Errorf("stored %d bytes as %s, sent %d as a PDF", a.Size, a.ContentType, p.size)
	}
	return uploaded{id: a.ID, sha256: a.SHA256, token: c.token, size: a.Size}, nil
}

// download reads a file whole; with verify its SHA-256 is checked against the
// one the upload answered.
func (cl *client) download(ctx context.Context, u uploaded, verify bool) (int64, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, cl.base+"/attachments/"+u.id, nil)
	if err != nil {
		return 0, err
	}
	req.Header.Set("Authorization", "Bearer "+u.token)
	resp, err := cl.hc.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		raw, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
		return 0, fmt.Errorf("status %d: %s", resp.StatusCode, raw)
	}
	var dst io.Writer = io.Discard
	h := sha256.New()
	if verify {
		dst = h
	}
	n, err := io.Copy(dst, resp.Body)
	if err != nil {
		return n, err
	}
	if n != u.size {
		return n, fmt.Errorf("read %d bytes of %d", n, u.size)
	}
	if verify && hex.EncodeToString(h.Sum(nil)) != u.sha256 {
		return n, fmt.Errorf("SHA-256 differs from the upload's")
	}
	return n, nil
}

// paced sends r at most at bytesPerSec, in 32 KiB steps: the upload stays in
// flight for size/bytesPerSec however fast the server reads.
func paced(bytesPerSec float64) func(io.Reader) io.Reader {
	return func(r io.Reader) io.Reader { return &pacedReader{r: r, rate: bytesPerSec} }
}

type pacedReader struct {
	r    io.Reader
	rate float64
	t0   time.Time
	sent int64
}

func (p *pacedReader) Read(b []byte) (int, error) {
	if p.t0.IsZero() {
		p.t0 = time.Now()
	}
	if due := p.t0.Add(time.Duration(float64(p.sent) / p.rate * float64(time.Second))); time.Until(due) > 0 {
		time.Sleep(time.Until(due))
	}
	n, err := p.r.Read(b[:min(len(b), 32<<10)])
	p.sent += int64(n)
	return n, err
}

func mib(n int64) string { return strconv.FormatFloat(float64(n)/(1<<20), 'f', 1, 64) }
