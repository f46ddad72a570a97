package app_test

import (
	"bytes"
	"io"
	"io/fs"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/supportd/supportd/internal/llm/llmtest"
	"github.com/supportd/supportd/internal/support"
)

// testPNG is a valid 1x1 PNG.
var testPNG = []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89" +
	"\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00\x00\x00IEND\xaeB`\x82")

type formFile struct {
	name string
	body []byte
}

// postFiles sends a multipart message: content (if not "-") and the files.
func (in *instance) postFiles(token, ticketID, content string, files ...formFile) response {
	in.t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	if content != "-" {
		_ = mw.WriteField("content", content)
	}
	for _, f := range files {
		w, err := mw.CreateFormFile("files", f.name)
		if err != nil {
			in.t.Fatal(err)
		}
		_, _ = w.Write(f.body)
	}
	_ = mw.Close()
	return in.do(http.MethodPost, "/tickets/"+ticketID+"/messages", token, &buf, mw.FormDataContentType())
}

type attachmentJSON struct {
	ID          string `json:"id"`
	Name        string `json:"name"`
	Size        int64  `json:"size"`
	ContentType string `json:"content_type"`
	SHA256      string `json:"sha256"`
	URL         string `json:"url"`
}

type messageWithFilesJSON struct {
	ID          string           `json:"id"`
	Content     string           `json:"content"`
	Attachments []attachmentJSON `json:"attachments"`
}

// blobFiles lists the files in the instance's blob directory.
func blobFiles(t *testing.T, dataDir string) []string {
	t.Helper()
	var out []string
	_ = filepath.WalkDir(filepath.Join(dataDir, "attachments"), func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			out = append(out, p)
		}
		return nil
	})
	return out
}

var attachmentLimits = map[string]string{"ATTACHMENT_MAX_SIZE": "64KiB", "ATTACHMENT_MAX_FILES": "2", "ATTACHMENT_QUOTA": "100KiB"}

// A customer sends a screenshot and a log with a message; they are listed on
// the message, downloaded with their detected type, safe headers and ranges,
// and hidden from another customer exactly like a missing id.
func TestAttachmentsUploadAndDownload(t *testing.T) {
	for _, engine := range engines(t) {
		t.Run(engine, func(t *testing.T) {
			t.Parallel()
			dataDir := t.TempDir()
			env := map[string]string{"DATA_DIR": dataDir}
			for k, v := range attachmentLimits {
				env[k] = v
			}
			in := startApp(t, engine, env, appOptions{})
			u := in.newUser()
			tk := in.createTicket(u.Token, "Broken checkout", "See attached")
			logText := []byte("2026-11-30 ERROR card declined\n")
			r := in.postFiles(u.Token, tk.ID, "Here you go", formFile{"../../screen\tshot.png", testPNG}, formFile{"app.log", logText})
			expect(t, r, http.StatusCreated)
			var m messageWithFilesJSON
			r.json(t, &m)
			if len(m.Attachments) != 2 || m.Content != "Here you go" {
				t.Fatalf("message %+v: want the text and two attachments", m)
			}
			shot, log := m.Attachments[0], m.Attachments[1]
			if shot.Name != "screenshot.png" || shot.ContentType != "image/png" || shot.Size != int64(len(testPNG)) {
				t.Errorf("screenshot %+v: want a safe name, image/png and its size", shot)
			}
			if !strings.HasPrefix(log.ContentType, "text/plain") {
				t.Errorf("log type %q, want text/plain", log.ContentType)
			}

			// In the thread, and in the JSON form's messages unchanged.
			thread := in.call(http.MethodGet, "/tickets/"+tk.ID, u.Token, nil)
			expect(t, thread, http.StatusOK)
			if !strings.Contains(string(thread.body), shot.ID) {
				t.Errorf("the ticket's thread does not list the attachment: %s", thread.body)
			}
			expect(t, in.call(http.MethodPost, "/tickets/"+tk.ID+"/messages", u.Token, map[string]string{"content": "plain"}), http.StatusCreated)

			d := in.call(http.MethodGet, shot.URL, u.Token, nil)
			expect(t, d, http.StatusOK)
			h := d.header
			if !bytes.Equal(d.body, testPNG) || h.Get("Content-Type") != "image/png" || h.Get("X-Content-Type-Options") != "nosniff" ||
				!strings.HasPrefix(h.Get("Content-Disposition"), "inline") || !strings.Contains(h.Get("Content-Security-Policy"), "sandbox") ||
				h.Get("ETag") != `"`+shot.SHA256+`"` {
				t.Errorf("download: %d bytes, headers %v", len(d.body), h)
			}
			dl := in.call(http.MethodGet, log.URL, u.Token, nil)
			if cd := dl.header.Get("Content-Disposition"); !strings.HasPrefix(cd, "attachment") || !strings.Contains(cd, "app.log") {
				t.Errorf("log Content-Disposition %q: want a download named app.log", cd)
			}
			req, _ := http.NewRequest(http.MethodGet, in.url+log.URL, nil)
			req.Header.Set("Authorization", "Bearer "+u.Token)
			req.Header.Set("Range", "bytes=5-9")
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			part, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != http.StatusPartialContent || string(part) != string(logText[5:10]) {
				t.Errorf("range 5-9: %d %q, want 206 %q", resp.StatusCode, part, logText[5:10])
			}

			other := in.newUser()
			expect(t, in.call(http.MethodGet, shot.URL, other.Token, nil), http.StatusNotFound)
			expect(t, in.call(http.MethodGet, "/attachments/00000000-0000-0000-0000-000000000000", u.Token, nil), http.StatusNotFound)
			expect(t, in.call(http.MethodGet, shot.URL, in.newStaff(support.RoleAgent).Token, nil), http.StatusOK)
			if n := len(blobFiles(t, dataDir)); n != 2 {
				t.Errorf("%d files in the blob directory, want 2", n)
			}
		})
	}
}

// Each limit and each refused file is a 4xx with a detail, and a refused
// upload leaves no message and no file behind, even when it fails after a
// first file was stored.
func TestAttachmentLimitsLeaveNothingBehind(t *testing.T) {
	dataDir := t.TempDir()
	env := map[string]string{"DATA_DIR": dataDir}
	for k, v := range attachmentLimits {
		env[k] = v
	}
	in := startApp(t, "sqlite", env, appOptions{})
	u := in.newUser()
	tk := in.createTicket(u.Token, "Limits", "files")
	big := append(append([]byte{}, testPNG...), make([]byte, 65<<10)...)
	elf := append([]byte("\x7fELF\x02\x01\x01\x00"), make([]byte, 64)...)
	for name, c := range map[string]struct {
		files   []formFile
		status  int
		detail  string
		content string
	}{
		"too large":         {[]formFile{{"ok.png", testPNG}, {"big.png", big}}, http.StatusRequestEntityTooLarge, "64 KiB", ""},
		"too many":          {[]formFile{{"a.png", testPNG}, {"b.png", testPNG}, {"c.png", testPNG}}, http.StatusUnprocessableEntity, "At most 2 files", ""},
		"html named png":    {[]formFile{{"ok.png", testPNG}, {"x.png", []byte("<!DOCTYPE html><script>alert(1)</script>")}}, http.StatusUnprocessableEntity, "text/html", ""},
		"svg named png":     {[]formFile{{"x.png", []byte(`<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>`)}}, http.StatusUnprocessableEntity, "svg", ""},
		"executable as pdf": {[]formFile{{"invoice.pdf", elf}}, http.StatusUnprocessableEntity, "not accepted", ""},
		"no text, no file":  {nil, http.StatusUnprocessableEntity, "content", ""},
		"text too long":     {[]formFile{{"ok.png", testPNG}}, http.StatusUnprocessableEntity, "content", strings.Repeat("x", 10_001)},
		"NUL in a name":     {[]formFile{{"a\x00.png", testPNG}}, http.StatusBadRequest, "Malformed multipart", ""},
	} {
		r := in.postFiles(u.Token, tk.ID, c.content, c.files...)
		if r.status != c.status || !strings.Contains(string(r.body), c.detail) {
			t.Errorf("%s: %d %s; want %d mentioning %q", name, r.status, r.body, c.status, c.detail)
		}
	}
	// A body cut off in the middle of its second file (the client went away).
	var cut bytes.Buffer
	mw := multipart.NewWriter(&cut)
	_ = mw.WriteField("content", "cut off")
	fw, _ := mw.CreateFormFile("files", "first.png")
	_, _ = fw.Write(testPNG)
	fw, _ = mw.CreateFormFile("files", "second.png")
	_, _ = fw.Write(testPNG[:20])
	r := in.do(http.MethodPost, "/tickets/"+tk.ID+"/messages", u.Token, &cut, mw.FormDataContentType()) // never closed
	if r.status != http.StatusBadRequest {
		t.Errorf("truncated body: %d %s; want 400", r.status, r.body)
	}
	// The quota (100 KiB): two files of 60 KiB fit once, not twice.
	chunk := append(append([]byte{}, testPNG...), make([]byte, 60<<10)...)
	expect(t, in.postFiles(u.Token, tk.ID, "first", formFile{"a.png", chunk}), http.StatusCreated)
	r = in.postFiles(u.Token, tk.ID, "second", formFile{"b.png", chunk})
	if r.status != http.StatusRequestEntityTooLarge || !strings.Contains(string(r.body), "quota") {
		t.Errorf("past the quota: %d %s; want 413 naming the quota", r.status, r.body)
	}
	msgs := in.call(http.MethodGet, "/tickets/"+tk.ID+"/messages", u.Token, nil)
	var list []messageWithFilesJSON
	msgs.json(t, &list)
	if len(list) != 1 || list[0].Content != "first" {
		t.Errorf("messages %+v: only the one within the quota may exist", list)
	}
	if files := blobFiles(t, dataDir); len(files) != 1 {
		t.Errorf("blob directory holds %v; want only the accepted file", files)
	}
	var pending int
	if err := in.app.DB.SQL().QueryRow("SELECT count(*) FROM unowned_blobs").Scan(&pending); err != nil || pending != 0 {
		t.Errorf("%d keys left for the sweeper (%v); the failed uploads cleaned up after themselves", pending, err)
	}
}

// Deleting an account deletes its files: the rows at once, the bytes at the
// next sweep.
func TestDeletingAnAccountDeletesItsFiles(t *testing.T) {
	dataDir := t.TempDir()
	in := startApp(t, "sqlite", map[string]string{"DATA_DIR": dataDir}, appOptions{})
	u := in.signupLogin("files-"+strings.ToLower(t.Name())+"@example.com", "correct horse battery")
	tk := in.createTicket(u.Token, "Files", "x")
	r := in.postFiles(u.Token, tk.ID, "shot", formFile{"a.png", testPNG})
	expect(t, r, http.StatusCreated)
	var m messageWithFilesJSON
	r.json(t, &m)
	staff := in.newStaff(support.RoleAgent)
	expect(t, in.call(http.MethodDelete, "/auth/me", u.Token, map[string]string{"password": "correct horse battery"}), http.StatusNoContent)
	expect(t, in.call(http.MethodGet, m.Attachments[0].URL, staff.Token, nil), http.StatusNotFound)
	in.app.SweepNow(t.Context())
	if files := blobFiles(t, dataDir); len(files) != 0 {
		t.Errorf("files left after the account's deletion: %v", files)
	}
}

// The model is told the files' names, never given their bytes; the built-in
// responder says it saw them.
func TestAttachmentsReachThePromptByNameOnly(t *testing.T) {
	secret := "SECRET-CONTENTS-OF-THE-LOG"
	forEachEngineUpstream(t, nil, func(t *testing.T, in *instance, fake *llmtest.Server) {
		u := in.newUser()
		tk := in.createTicket(u.Token, "Invoice wrong", "The amount is off")
		expect(t, in.postFiles(u.Token, tk.ID, "Here is the invoice", formFile{"invoice.pdf", []byte("%PDF-1.7\n" + secret)}), http.StatusCreated)
		in.openStream(aiPath(tk.ID), u.Token, nil).all(t)
		reqs := fake.Requests()
		if len(reqs) == 0 {
			t.Fatal("the model was not asked")
		}
		body := string(reqs[len(reqs)-1].RawBody)
		if !strings.Contains(body, "invoice.pdf") || strings.Contains(body, secret) {
			t.Errorf("prompt: want the file's name and never its bytes; got %s", body)
		}
	})
	in := startApp(t, "sqlite", nil, appOptions{})
	u := in.newUser()
	tk := in.createTicket(u.Token, "Screenshot", "see")
	expect(t, in.postFiles(u.Token, tk.ID, "-", formFile{"shot.png", testPNG}), http.StatusCreated)
	d := in.askAssistantOn(t, u.Token, tk.ID)
	if !strings.Contains(d.Content, "I see you attached shot.png") {
		t.Errorf("built-in reply %q does not mention the attached file", d.Content)
	}
}

// A note's files are staff-only, like the note: a customer gets 404 for them,
// their events are internal.
func TestNoteAttachmentsAreStaffOnly(t *testing.T) {
	in := startApp(t, "sqlite", nil, appOptions{})
	u, agent := in.newUser(), in.newStaff(support.RoleAgent)
	tk := in.createTicket(u.Token, "Refund", "please")
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	_ = mw.WriteField("content", "Internal: the bank statement")
	fw, _ := mw.CreateFormFile("files", "statement.pdf")
	_, _ = fw.Write([]byte("%PDF-1.7\nstatement"))
	_ = mw.Close()
	r := in.do(http.MethodPost, "/tickets/"+tk.ID+"/notes", agent.Token, &buf, mw.FormDataContentType())
	expect(t, r, http.StatusCreated)
	var n messageWithFilesJSON
	r.json(t, &n)
	if len(n.Attachments) != 1 || n.Attachments[0].ContentType != "application/pdf" {
		t.Fatalf("note %+v: want one PDF", n)
	}
	expect(t, in.call(http.MethodGet, n.Attachments[0].URL, u.Token, nil), http.StatusNotFound)
	expect(t, in.call(http.MethodGet, n.Attachments[0].URL, agent.Token, nil), http.StatusOK)
	notes := in.call(http.MethodGet, "/tickets/"+tk.ID+"/notes", agent.Token, nil)
	if !strings.Contains(string(notes.body), n.Attachments[0].ID) {
		t.Errorf("the notes listing does not show the file: %s", notes.body)
	}
	for _, e := range in.events(tk.ID, u.Token) {
		if e.Type == "attachment" {
			t.Errorf("the customer sees a note's attachment event: %+v", e)
		}
	}
	var found bool
	for _, e := range in.events(tk.ID, agent.Token) {
		found = found || (e.Type == "attachment" && e.Internal)
	}
	if !found {
		t.Error("staff do not see the note's attachment event, marked internal")
	}
	var buf2 bytes.Buffer
	mw2 := multipart.NewWriter(&buf2)
	fw2, _ := mw2.CreateFormFile("files", "x.pdf")
	_, _ = fw2.Write([]byte("%PDF-1.7\n"))
	_ = mw2.Close()
	expect(t, in.do(http.MethodPost, "/tickets/"+tk.ID+"/notes", u.Token, &buf2, mw2.FormDataContentType()), http.StatusForbidden)
}

// An upload slower than the server's read timeout (30 s in production, 300 ms
// here) is not cut off: the form gets its own, longer deadline.
func TestSlowUploadOutlivesTheReadTimeout(t *testing.T) {
	in := startApp(t, "sqlite", nil, appOptions{})
	srv := httptest.NewUnstartedServer(in.app.Server)
	srv.Config.ReadTimeout, srv.Config.WriteTimeout = 300*time.Millisecond, 300*time.Millisecond
	srv.Start()
	defer srv.Close()
	u := in.newUser()
	tk := in.createTicket(u.Token, "Slow link", "upload")
	pr, pw := io.Pipe()
	mw := multipart.NewWriter(pw)
	go func() {
		_ = mw.WriteField("content", "slowly")
		fw, _ := mw.CreateFormFile("files", "shot.png")
		for i := range len(testPNG) { // one byte every 20 ms: about 1.5 s in all
			_, _ = fw.Write(testPNG[i : i+1])
			time.Sleep(20 * time.Millisecond)
		}
		_ = mw.Close()
		_ = pw.Close()
	}()
	req, _ := http.NewRequest(http.MethodPost, srv.URL+"/tickets/"+tk.ID+"/messages", pr)
	req.Header.Set("Authorization", "Bearer "+u.Token)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("slow upload: %v", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusCreated {
		body, _ := io.ReadAll(resp.Body)
		t.Fatalf("slow upload: %d %s", resp.StatusCode, body)
	}
}
