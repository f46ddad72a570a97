package attachment

import (
	"archive/zip"
	"bytes"
	"strings"
	"testing"
)

// pngHeader is the start of a real 1x1 PNG.
var pngHeader = []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89")

func docx(t *testing.T) []byte {
	t.Helper()
	var buf bytes.Buffer
	z := zip.NewWriter(&buf)
	for name, body := range map[string]string{
		"[Content_Types].xml": `<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"></Types>`,
		"word/document.xml":   `<?xml version="1.0"?><w:document/>`,
	} {
		w, err := z.Create(name)
		if err != nil {
			t.Fatal(err)
		}
		_, _ = w.Write([]byte(body))
	}
	if err := z.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestDetectByContent(t *testing.T) {
	for name, c := range map[string]struct {
		head []byte
		want string
		ok   bool
	}{
		"png":         {pngHeader, "image/png", true},
		"jpeg":        {[]byte("\xff\xd8\xff\xe0\x00\x10JFIF\x00"), "image/jpeg", true},
		"pdf":         {[]byte("%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj"), "application/pdf", true},
		"log":         {[]byte("2026-11-30T10:00:00Z ERROR payment failed\n"), "text/plain; charset=utf-8", true},
		"html as png": {[]byte("<!DOCTYPE html><html><script>alert(1)</script></html>"), "text/html; charset=utf-8", false},
		"svg as png":  {[]byte(`<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"></svg>`), "image/svg+xml", false},
		"elf as pdf":  {[]byte("\x7fELF\x02\x01\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x02\x00\x3e\x00"), "application/x-executable", false},
		"exe as pdf":  {append([]byte("MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff"), make([]byte, 64)...), "", false},
		"zip":         {[]byte("PK\x03\x04\x14\x00\x00\x00\x08\x00"), "application/zip", false},
		"unknown":     {[]byte{0x00, 0x01, 0x02, 0xfe, 0xff}, "application/octet-stream", false},
	} {
		got, ok := Detect(c.head)
		if ok != c.ok || (c.want != "" && got != c.want) {
			t.Errorf("%s: Detect = %q, %v; want %q, %v", name, got, ok, c.want, c.ok)
		}
	}
	if got, ok := Detect(docx(t)); !ok || !strings.Contains(got, "wordprocessingml") {
		t.Errorf("docx: Detect = %q, %v; want the Word type, allowed", got, ok)
	}
}

func TestSafeName(t *testing.T) {
	for raw, want := range map[string]string{
		"invoice.pdf":                     "invoice.pdf",
		"../../etc/passwd":                "passwd",
		`C:\Users\me\screenshot.png`:      "screenshot.png",
		"evil\r\nSet-Cookie: x=1.png":     "evilSet-Cookie: x=1.png",
		"report\u202egnp.exe":             "reportgnp.exe", // a right-to-left override would show it as "exe.png"
		`say "hi".txt`:                    "say hi.txt",
		"..":                              "file",
		"":                                "file",
		"  spaced.txt  ":                  "spaced.txt",
		"\xff\xfebad.txt":                 "bad.txt",
		"émoji 😀.txt":                     "émoji 😀.txt",
		strings.Repeat("a", 300) + ".txt": strings.Repeat("a", 255),
	} {
		if got := SafeName(raw); got != want {
			t.Errorf("SafeName(%q) = %q, want %q", raw, got, want)
		}
	}
}

func TestContentDisposition(t *testing.T) {
	for _, c := range []struct{ ctype, name, want string }{
		{"image/png", "shot.png", `inline; filename=shot.png`},
		{"application/pdf", "invoice.pdf", `attachment; filename=invoice.pdf`},
		{"text/plain; charset=utf-8", "my log.txt", `attachment; filename="my log.txt"`},
		{"application/pdf", "facture été.pdf", `attachment; filename*=utf-8''facture%20%C3%A9t%C3%A9.pdf`},
	} {
		if got := ContentDisposition(c.ctype, c.name); got != c.want {
			t.Errorf("ContentDisposition(%q, %q) = %q, want %q", c.ctype, c.name, got, c.want)
		}
	}
}
