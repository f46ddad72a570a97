package delivery

import (
	"bytes"
	"io"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"
)

func jobAt(attempt int) *river.Job[Args] {
	return &river.Job[Args]{JobRow: &rivertype.JobRow{Attempt: attempt}}
}

func bytesReader(b []byte) io.Reader { return bytes.NewReader(b) }
