package httpapi

import (
	"net/http"
	"slices"

	"github.com/danielgtaylor/huma/v2"
)

// authenticated is the security requirement of every route that needs a bearer token.
var authenticated = []map[string][]string{{"bearer": {}}, {"oauth2": {}}}

// routes lists the whole API surface in one place.
func (s *Server) routes() {
	api := s.api
	huma.Register(api, op("signup", http.MethodPost, "/auth/signup", "Create a customer account", "auth", http.StatusCreated, nil, 409, 415, 422), s.signup)
	huma.Register(api, loginOperation(), s.login)
	documentFormLogin(api)

	huma.Register(api, op("list-tickets", http.MethodGet, "/tickets", "List your tickets, newest first", "tickets", 0, authenticated, 400, 401, 422), s.listTickets)
	huma.Register(api, op("create-ticket", http.MethodPost, "/tickets", "Open a ticket", "tickets", http.StatusCreated, authenticated, 401, 413, 422), s.createTicket)
	huma.Register(api, getTicketOperation(), s.getTicket)
	huma.Register(api, listMessagesOperation(), s.listMessages)
	huma.Register(api, op("add-message", http.MethodPost, "/tickets/{id}/messages", "Write a message on a ticket", "tickets", http.StatusCreated, authenticated, 401, 404, 413, 422), s.addMessage)
	s.aiRoutes()
	s.kbRoutes()

	live := op("healthz", http.MethodGet, "/healthz", "Liveness: the process serves requests", "operations", 0, nil)
	live.Errors = []int{http.StatusTooManyRequests, http.StatusInternalServerError} // never touches the database
	huma.Register(api, live, s.healthz)
	huma.Register(api, op("readyz", http.MethodGet, "/readyz", "Readiness: the database answers", "operations", 0, nil), s.readyz)
}

func op(id, method, path, summary, tag string, status int, security []map[string][]string, errors ...int) huma.Operation {
	return huma.Operation{
		OperationID:   id,
		Method:        method,
		Path:          path,
		Summary:       summary,
		Tags:          []string{tag},
		DefaultStatus: status,
		Security:      security,
		// Any operation may meet a rate limit (429), a server bug (500) or an
		// unreachable database (503).
		Errors: slices.Compact(slices.Sorted(slices.Values(append(errors,
			http.StatusTooManyRequests, http.StatusInternalServerError, http.StatusServiceUnavailable)))),
	}
}
