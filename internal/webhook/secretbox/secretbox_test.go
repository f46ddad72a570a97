package secretbox_test

import (
	"bytes"
	"encoding/base64"
	"errors"
	"strings"
	"testing"

	"github.com/supportd/supportd/internal/webhook/secretbox"
)

func newBox(t *testing.T, master string) *secretbox.Box {
	t.Helper()
	b, err := secretbox.New([]byte(master))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

const master = "a-master-key-of-at-least-thirty-two-bytes"

func TestRoundTrip(t *testing.T) {
	b := newBox(t, master)
	secret := []byte("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")
	sealed, err := b.Seal(secret, []byte("endpoint-1"))
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(sealed, string(secret)) || strings.Contains(sealed, "MfKQ9r8G") {
		t.Fatalf("sealed value shows the secret: %s", sealed)
	}
	got, err := newBox(t, master).Open(sealed, []byte("endpoint-1")) // a new Box from the same key: another process
	if err != nil || !bytes.Equal(got, secret) {
		t.Fatalf("Open = %q, %v", got, err)
	}
	again, _ := b.Seal(secret, []byte("endpoint-1"))
	if again == sealed {
		t.Fatal("two seals of one secret are equal: the nonce is not fresh")
	}
}

func TestTamperedIsRefused(t *testing.T) {
	b := newBox(t, master)
	sealed, _ := b.Seal([]byte("whsec_secret"), []byte("id"))
	raw, _ := base64.RawStdEncoding.DecodeString(strings.TrimPrefix(sealed, "v1:"))
	for i := range raw {
		bad := bytes.Clone(raw)
		bad[i] ^= 0x01
		if _, err := b.Open("v1:"+base64.RawStdEncoding.EncodeToString(bad), []byte("id")); !errors.Is(err, secretbox.ErrOpen) {
			t.Fatalf("byte %d flipped: err %v, want ErrOpen", i, err)
		}
	}
	for _, s := range []string{"", "v1:", "v1:AAAA", "v2:" + strings.TrimPrefix(sealed, "v1:"), strings.TrimPrefix(sealed, "v1:"), sealed[:len(sealed)-2]} {
		if _, err := b.Open(s, []byte("id")); !errors.Is(err, secretbox.ErrOpen) {
			t.Fatalf("Open(%q): err %v, want ErrOpen", s, err)
		}
	}
	if _, err := b.Open(sealed, []byte("another-id")); !errors.Is(err, secretbox.ErrOpen) {
		t.Fatalf("another row's id: err %v, want ErrOpen", err)
	}
}

func TestWrongKeyIsRefused(t *testing.T) {
	sealed, _ := newBox(t, master).Seal([]byte("whsec_secret"), []byte("id"))
	if _, err := newBox(t, master+"x").Open(sealed, []byte("id")); !errors.Is(err, secretbox.ErrOpen) {
		t.Fatalf("other key: err %v, want ErrOpen", err)
	}
	if _, err := secretbox.New(nil); err == nil {
		t.Fatal("New(nil) succeeded")
	}
}
