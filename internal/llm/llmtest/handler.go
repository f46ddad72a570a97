package llmtest

import "net/http"

// Handler returns the server's HTTP handler, so that a benchmark can serve the
// same fake on a listener of its own as well (for example TLS with HTTP/2, as
// api.groq.com speaks), sharing its queue, default reply and request count.
func (s *Server) Handler() http.Handler { return s.srv.Config.Handler }
