package signature

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"
)

// The published test vector of the Standard Webhooks libraries: the same secret,
// id, timestamp, payload and expected signature appear in
// standard-webhooks/standard-webhooks (commit b2fa7b8719fb75d326b591077f5d1b385cfcdfae)
// libraries/go/webhook_test.go (TestWebhookSign), libraries/python/tests/test_webhooks.py
// (test_sign_function), libraries/javascript/src/webhook.test.ts ("sign function works"),
// libraries/php, libraries/ruby and libraries/csharp tests.
const (
	vectorSecret    = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
	vectorMsgID     = "msg_p5jXN8AQM9LWM0D4loKWxJek"
	vectorTimestamp = 1614265330
	vectorPayload   = `{"test": 2432232314}`
	vectorSignature = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
	// From the same tests: a v1 signature that matches nothing (test_multi_sig_payload_is_valid)
	// and the Python suite's one-character change of the expected signature.
	vectorUnrelated = "v1,Ceo5qEr07ixe2NLpvHk3FH9bwy/WavXrAFQ/9tdO6mc="
	vectorNearMiss  = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OA="
)

func mustSecret(t *testing.T, s string) Secret {
	t.Helper()
	sec, err := ParseSecret(s)
	if err != nil {
		t.Fatal(err)
	}
	return sec
}

func vectorHeader(sig string) http.Header {
	h := http.Header{}
	h.Set(HeaderID, vectorMsgID)
	h.Set(HeaderTimestamp, fmt.Sprint(vectorTimestamp))
	h.Set(HeaderSignature, sig)
	return h
}

func TestSignPublishedVector(t *testing.T) {
	s := mustSecret(t, vectorSecret)
	ts := time.Unix(vectorTimestamp, 0)
	if got := Sign([]Secret{s}, vectorMsgID, ts, []byte(vectorPayload)); got != vectorSignature {
		t.Fatalf("Sign = %q, want %q", got, vectorSignature)
	}
	// Sub-second parts are not signed: the header carries whole seconds.
	if got := Sign([]Secret{s}, vectorMsgID, ts.Add(999*time.Millisecond), []byte(vectorPayload)); got != vectorSignature {
		t.Fatalf("Sign with milliseconds = %q, want %q", got, vectorSignature)
	}
	h := http.Header{}
	if err := Headers(h, []Secret{s}, vectorMsgID, ts, []byte(vectorPayload)); err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string]string{HeaderID: vectorMsgID, HeaderTimestamp: "1614265330", HeaderSignature: vectorSignature} {
		if got := h.Get(name); got != want {
			t.Errorf("%s = %q, want %q", name, got, want)
		}
	}
}

func TestVerifyPublishedVector(t *testing.T) {
	s := mustSecret(t, vectorSecret)
	now := time.Unix(vectorTimestamp, 0).Add(time.Minute)
	cases := []struct {
		name string
		sig  string
		want error
	}{
		{"the expected signature", vectorSignature, nil},
		{"among others and other versions", strings.Join([]string{vectorUnrelated, "v2," + vectorUnrelated[3:], vectorSignature, vectorUnrelated}, " "), nil},
		{"after a v1a signature", "v1a,hnO3f9T8Ytu9HwrXslvumlUpqtNVqkhqw/enGzPCXe5BdqzCInXqYXFymVJaA7AZdpXwVLPo3mNl8EM+m7TBAg== " + vectorSignature, nil},
		{"one character off", vectorNearMiss, ErrNoMatchingSignature},
		{"unrelated", vectorUnrelated, ErrNoMatchingSignature},
		{"partial", "v1,", ErrNoMatchingSignature},
		{"truncated", vectorSignature[:len(vectorSignature)-5], ErrNoMatchingSignature},
		{"not base64", "v1,dawfeoifkpqwoekfpqoekf", ErrNoMatchingSignature},
		{"wrong version", "v2," + vectorSignature[3:], ErrNoMatchingSignature},
		{"no version", vectorSignature[3:], ErrNoMatchingSignature},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := Verify(s, vectorHeader(c.sig), []byte(vectorPayload), now, 0)
			if !errors.Is(err, c.want) || (c.want == nil) != (err == nil) {
				t.Fatalf("Verify = %v, want %v", err, c.want)
			}
		})
	}
}

// independentSignature computes the header value from the specification's text
// alone: decode the serialized secret, HMAC-SHA256 "id.timestamp.body", base64.
func independentSignature(t *testing.T, serialized, msgID string, unix int64, body []byte) string {
	t.Helper()
	key, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(serialized, "whsec_"))
	if err != nil {
		t.Fatal(err)
	}
	m := hmac.New(sha256.New, key)
	fmt.Fprintf(m, "%s.%d.%s", msgID, unix, body)
	return "v1," + base64.StdEncoding.EncodeToString(m.Sum(nil))
}

func TestSignMatchesAnIndependentComputation(t *testing.T) {
	bodies := [][]byte{nil, []byte(`{}`), []byte("{\"ticket\":\"é\\u00e9\"}\n"), bytes.Repeat([]byte{0, 0xff, '.'}, 1000)}
	seed := bytes.Repeat([]byte("0123456789abcdef"), 4)
	for i, body := range bodies {
		s, err := NewSecret(bytes.NewReader(seed[i:]))
		if err != nil {
			t.Fatal(err)
		}
		unix := int64(1_800_000_000 + i)
		got := Sign([]Secret{s}, "msg_"+fmt.Sprint(i), time.Unix(unix, 0), body)
		if want := independentSignature(t, s.Reveal(), "msg_"+fmt.Sprint(i), unix, body); got != want {
			t.Errorf("body %d: Sign = %q, independent = %q", i, got, want)
		}
	}
	// And the vector again, through the independent path.
	if got := independentSignature(t, vectorSecret, vectorMsgID, vectorTimestamp, []byte(vectorPayload)); got != vectorSignature {
		t.Fatalf("independent computation of the vector = %q, want %q", got, vectorSignature)
	}
}

func TestRotationSignsWithBothSecrets(t *testing.T) {
	cur, prev, other := mustSecret(t, "whsec_"+b64Of(1, 32)), mustSecret(t, "whsec_"+b64Of(2, 32)), mustSecret(t, "whsec_"+b64Of(3, 32))
	ts := time.Unix(1_800_000_000, 0)
	body := []byte(`{"type":"ticket.updated"}`)
	sig := Sign([]Secret{cur, prev, {}}, "msg_rot", ts, body) // the zero secret signs nothing
	fields := strings.Split(sig, " ")
	if len(fields) != 2 {
		t.Fatalf("Sign with two secrets = %q, want two signatures", sig)
	}
	for i, s := range []Secret{cur, prev} {
		if want := independentSignature(t, s.Reveal(), "msg_rot", ts.Unix(), body); fields[i] != want {
			t.Errorf("signature %d = %q, want %q", i, fields[i], want)
		}
	}
	h := http.Header{}
	if err := Headers(h, []Secret{cur, prev}, "msg_rot", ts, body); err != nil {
		t.Fatal(err)
	}
	for name, s := range map[string]Secret{"current": cur, "previous": prev} {
		if err := Verify(s, h, body, ts, 0); err != nil {
			t.Errorf("receiver holding the %s secret: %v", name, err)
		}
	}
	if err := Verify(other, h, body, ts, 0); !errors.Is(err, ErrNoMatchingSignature) {
		t.Errorf("receiver holding another secret: %v, want ErrNoMatchingSignature", err)
	}
	// After the grace period only the current secret signs.
	if err := Headers(h, []Secret{cur}, "msg_rot", ts, body); err != nil {
		t.Fatal(err)
	}
	if err := Verify(prev, h, body, ts, 0); !errors.Is(err, ErrNoMatchingSignature) {
		t.Errorf("previous secret after the rotation: %v, want ErrNoMatchingSignature", err)
	}
}

func b64Of(b byte, n int) string {
	return base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{b}, n))
}

func TestVerifyRefuses(t *testing.T) {
	s := mustSecret(t, vectorSecret)
	sent := time.Unix(1_800_000_000, 0)
	body := []byte(`{"type":"message.created","data":{"ticket":"t1"}}`)
	signed := func() http.Header {
		h := http.Header{}
		if err := Headers(h, []Secret{s}, "msg_1", sent, body); err != nil {
			t.Fatal(err)
		}
		return h
	}
	set := func(name, value string) func(http.Header) {
		return func(h http.Header) { h.Set(name, value) }
	}
	cases := []struct {
		name      string
		edit      func(http.Header)
		body      []byte
		now       time.Time
		tolerance time.Duration
		want      error
	}{
		{name: "untouched", now: sent},
		{name: "5 minutes late", now: sent.Add(5 * time.Minute)},
		{name: "5 minutes early", now: sent.Add(-5 * time.Minute)},
		{name: "tampered body", body: []byte(`{"type":"message.created","data":{"ticket":"t2"}}`), now: sent, want: ErrNoMatchingSignature},
		{name: "extra byte in body", body: append(append([]byte{}, body...), '\n'), now: sent, want: ErrNoMatchingSignature},
		{name: "tampered id", edit: set(HeaderID, "msg_2"), now: sent, want: ErrNoMatchingSignature},
		{name: "tampered timestamp", edit: set(HeaderTimestamp, "1800000001"), now: sent, want: ErrNoMatchingSignature},
		{name: "stale", now: sent.Add(5*time.Minute + time.Second), want: ErrTimestampTooOld},
		{name: "replayed a day later", now: sent.Add(24 * time.Hour), want: ErrTimestampTooOld},
		{name: "from the future", now: sent.Add(-5*time.Minute - time.Second), want: ErrTimestampTooNew},
		{name: "stale under a custom tolerance", now: sent.Add(31 * time.Second), tolerance: 30 * time.Second, want: ErrTimestampTooOld},
		{name: "missing id", edit: func(h http.Header) { h.Del(HeaderID) }, now: sent, want: ErrMissingHeader},
		{name: "missing timestamp", edit: func(h http.Header) { h.Del(HeaderTimestamp) }, now: sent, want: ErrMissingHeader},
		{name: "missing signature", edit: func(h http.Header) { h.Del(HeaderSignature) }, now: sent, want: ErrMissingHeader},
		{name: "empty signature", edit: set(HeaderSignature, ""), now: sent, want: ErrMissingHeader},
		{name: "timestamp with a sign", edit: set(HeaderTimestamp, "+1800000000"), now: sent, want: ErrInvalidHeader},
		{name: "timestamp with a leading zero", edit: set(HeaderTimestamp, "01800000000"), now: sent, want: ErrInvalidHeader},
		{name: "timestamp in milliseconds", edit: set(HeaderTimestamp, "1800000000.000"), now: sent, want: ErrInvalidHeader},
		{name: "negative timestamp", edit: set(HeaderTimestamp, "-1"), now: sent, want: ErrInvalidHeader},
		{name: "not a number", edit: set(HeaderTimestamp, "soon"), now: sent, want: ErrInvalidHeader},
		{name: "dotted id", edit: set(HeaderID, "msg.1"), now: sent, want: ErrInvalidHeader},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			h := signed()
			if c.edit != nil {
				c.edit(h)
			}
			b := body
			if c.body != nil {
				b = c.body
			}
			err := Verify(s, h, b, c.now, c.tolerance)
			if !errors.Is(err, c.want) || (c.want == nil) != (err == nil) {
				t.Fatalf("Verify = %v, want %v", err, c.want)
			}
		})
	}
	if err := Verify(Secret{}, signed(), body, sent, 0); !errors.Is(err, ErrNoSecret) {
		t.Errorf("Verify with the zero secret = %v, want ErrNoSecret", err)
	}
}

func TestHeadersRefuses(t *testing.T) {
	s := mustSecret(t, vectorSecret)
	ts := time.Unix(1_800_000_000, 0)
	cases := []struct {
		name    string
		secrets []Secret
		id      string
		ts      time.Time
		want    error
	}{
		{"empty id", []Secret{s}, "", ts, ErrInvalidMessageID},
		{"dotted id", []Secret{s}, "msg_1.1800000000", ts, ErrInvalidMessageID},
		{"id with a space", []Secret{s}, "msg 1", ts, ErrInvalidMessageID},
		{"id with a line break", []Secret{s}, "msg_1\r\nx-evil: 1", ts, ErrInvalidMessageID},
		{"no secrets", nil, "msg_1", ts, ErrNoSecret},
		{"only the zero secret", []Secret{{}}, "msg_1", ts, ErrNoSecret},
		{"before 1970", []Secret{s}, "msg_1", time.Unix(-1, 0), ErrInvalidHeader},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			h := http.Header{}
			if err := Headers(h, c.secrets, c.id, c.ts, []byte("{}")); !errors.Is(err, c.want) {
				t.Fatalf("Headers = %v, want %v", err, c.want)
			}
			if len(h) != 0 {
				t.Fatalf("Headers failed but set %v", h)
			}
		})
	}
}
