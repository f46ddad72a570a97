package config

// StreamConfig chooses how reply streams are written.
type StreamConfig struct {
	// Handoff writes an HTTP/1.1 reply stream from a goroutine of its own on the
	// hijacked connection instead of net/http's handler goroutine: about half the
	// memory per open stream, at the cost of relying on net/http behaviour it does
	// not document (see internal/httpapi/sse_handoff.go). Off by default.
	Handoff bool
}

func loadStream(r *reader) StreamConfig {
	return StreamConfig{Handoff: r.bool("STREAM_HANDOFF", false)}
}
