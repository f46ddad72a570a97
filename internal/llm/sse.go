package llm

import (
	"bufio"
	"bytes"
	"errors"
	"io"
)

// sseReader reads the data of Server-Sent Events (the subset chat-completion
// streams use: "data" lines, comments and other fields ignored, events ended by a
// blank line, "\n" or "\r\n" line ends).
//
// A bufio.Scanner-based decoder (as openai-go's was) keeps a buffer of 4 KiB or more
// for as long as the reply; chunks are a few hundred bytes, and at thousands of
// open streams those 4 KiB were a large share of each one's memory.
type sseReader struct {
	r    *bufio.Reader
	line []byte // a line longer than r's buffer, assembled
	data []byte
}

// sseBufferSize holds a typical chunk line; longer lines are assembled in line.
const sseBufferSize = 512

// maxSSEEvent bounds one event's data (2 MiB).
const maxSSEEvent = 2 << 20

var errSSETooLong = errors.New("event longer than 2 MiB")

func newSSEReader(body io.Reader) *sseReader {
	return &sseReader{r: bufio.NewReaderSize(body, sseBufferSize)}
}

// next returns the data of the next event (its "data" lines joined by "\n"), valid
// until the next call; io.EOF at the end of the body.
func (s *sseReader) next() ([]byte, error) {
	s.data = s.data[:0]
	for {
		line, err := s.readLine()
		if err == io.EOF && len(line) == 0 && len(s.data) > 0 {
			// The body ended without the event's blank line: hand the event over
			// (a "data: [DONE]" at the very end still counts).
			return s.data[:len(s.data)-1], nil
		}
		if err != nil {
			if err == io.EOF && len(line) > 0 {
				err = io.ErrUnexpectedEOF // an event cut off mid-line
			}
			return nil, err
		}
		if len(line) == 0 {
			if len(s.data) > 0 {
				return s.data[:len(s.data)-1], nil // without the last "\n"
			}
			continue
		}
		name, value, _ := bytes.Cut(line, []byte(":"))
		if string(name) != "data" {
			continue // a comment (empty name), "event", "id" or "retry"
		}
		value, _ = bytes.CutPrefix(value, []byte(" "))
		if len(s.data)+len(value) >= maxSSEEvent {
			return nil, errSSETooLong
		}
		s.data = append(append(s.data, value...), '\n')
	}
}

// readLine returns the next line without its line end.
func (s *sseReader) readLine() ([]byte, error) {
	line, err := s.r.ReadSlice('\n')
	if errors.Is(err, bufio.ErrBufferFull) {
		s.line = append(s.line[:0], line...)
		for errors.Is(err, bufio.ErrBufferFull) && len(s.line) < maxSSEEvent {
			line, err = s.r.ReadSlice('\n')
			s.line = append(s.line, line...)
		}
		line = s.line
	}
	if err != nil {
		if errors.Is(err, bufio.ErrBufferFull) {
			return nil, errSSETooLong
		}
		return line, err
	}
	line = line[:len(line)-1]
	line, _ = bytes.CutSuffix(line, []byte("\r"))
	return line, nil
}
