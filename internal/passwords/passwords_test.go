package passwords

import (
	"crypto/rand"
	"strings"
	"sync"
	"testing"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

func TestIsCommon(t *testing.T) {
	for _, p := range []string{
		"password", "123456789", "qwertyuiop", "12345678", "iloveyou",
		"Password", "PASSWORD", "QwertyUIOP", // case
		"ｐａｓｓｗｏｒｄ", // fullwidth: NFKC
	} {
		if !IsCommon(p) {
			t.Errorf("IsCommon(%q) = false, want true", p)
		}
	}
	random := rand.Text()[:20] // 20 random base-32 characters
	for _, p := range []string{random, "correct horse battery", "password ", " password", "passwor", ""} {
		if IsCommon(p) {
			t.Errorf("IsCommon(%q) = true, want false", p)
		}
	}
}

// TestList holds the shipped file to what IsCommon and the doc comment assume.
func TestList(t *testing.T) {
	list := common()
	if len(list) < 10_000 {
		t.Fatalf("%d entries, want at least 10,000", len(list))
	}
	t.Logf("%d entries, %d bytes embedded", len(list), len(commonGz))
	for i, p := range list {
		switch n := utf8.RuneCountInString(p); {
		case !utf8.ValidString(p):
			t.Errorf("entry %d %q: not UTF-8", i, p)
		case n < 8 || n > 128:
			t.Errorf("entry %d %q: %d characters, want 8 to 128", i, p, n)
		case p != strings.ToLower(norm.NFKC.String(p)):
			t.Errorf("entry %d %q: not lower-case NFKC", i, p)
		case p != strings.TrimSpace(p) || strings.ContainsAny(p, "\r\n"):
			t.Errorf("entry %d %q: surrounding space or a line break", i, p)
		case i > 0 && list[i-1] >= p:
			t.Errorf("entry %d %q: not after %q (sorted, unique)", i, p, list[i-1])
		}
	}
}

// TestConcurrentFirstUse calls IsCommon from many goroutines at once: with -race,
// and alone (-run), it checks the one lazy load.
func TestConcurrentFirstUse(t *testing.T) {
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			if !IsCommon("password") {
				t.Error("password not common")
			}
		})
	}
	wg.Wait()
}

func BenchmarkIsCommon(b *testing.B) {
	IsCommon("") // load outside the timing
	for b.Loop() {
		IsCommon("Correct Horse Battery")
	}
}
