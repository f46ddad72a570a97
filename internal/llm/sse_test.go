package llm

import (
	"errors"
	"io"
	"strings"
	"testing"
)

func readAllEvents(t *testing.T, body string) ([]string, error) {
	t.Helper()
	r := newSSEReader(strings.NewReader(body))
	var out []string
	for {
		data, err := r.next()
		if err != nil {
			return out, err
		}
		out = append(out, string(data))
	}
}

func TestSSEReader(t *testing.T) {
	long := strings.Repeat("x", 3*sseBufferSize+17) // longer than the reader's buffer
	tests := []struct {
		name string
		body string
		want []string
		err  error
	}{
		{"lf", "data: a\n\ndata: b\n\n", []string{"a", "b"}, io.EOF},
		{"crlf and comments", ": ping\r\n\r\nevent: message\r\nid: 3\r\ndata: a\r\n\r\n", []string{"a"}, io.EOF},
		{"no space after colon", "data:a\n\n", []string{"a"}, io.EOF},
		{"multi-line data", "data: a\ndata: b\n\n", []string{"a\nb"}, io.EOF},
		{"long line", "data: " + long + "\n\ndata: after\n\n", []string{long, "after"}, io.EOF},
		{"last event without blank line", "data: a\n\ndata: [DONE]\n", []string{"a", "[DONE]"}, io.EOF},
		{"cut mid-line", "data: a\n\ndata: {\"cho", []string{"a"}, io.ErrUnexpectedEOF},
		{"blank lines only", "\n\n\r\n", nil, io.EOF},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := readAllEvents(t, tc.body)
			if !errors.Is(err, tc.err) || strings.Join(got, "|") != strings.Join(tc.want, "|") || len(got) != len(tc.want) {
				t.Errorf("got %q, %v; want %q, %v", got, err, tc.want, tc.err)
			}
		})
	}
}

func TestSSEReaderRefusesHugeEvent(t *testing.T) {
	body := strings.Repeat("data: "+strings.Repeat("y", 64<<10)+"\n", 40) + "\n"
	if _, err := readAllEvents(t, body); !errors.Is(err, errSSETooLong) {
		t.Errorf("err %v, want errSSETooLong", err)
	}
}
