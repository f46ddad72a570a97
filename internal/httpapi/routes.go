package httpapi

import (
	"net/http"
	"slices"

	"github.com/danielgtaylor/huma/v2"

	"github.com/supportd/supportd/internal/swaggerui"
)

// authenticated is the security requirement of every route that needs a bearer token.
var authenticated = []map[string][]string{{"bearer": {}}, {"oauth2": {}}}

// routes lists the whole API surface in one place. Operations whose documentation
// runs long are built by small functions next to their handlers (xxxOperation);
// who may do what is decided by the services (internal/support/policy.go), not here.
func (s *Server) routes() {
	api := s.api
	// Accounts.
	huma.Register(api, op("signup", http.MethodPost, "/auth/signup", "Create a customer account", "auth", http.StatusCreated, nil, 409, 415, 422), s.signup)
	huma.Register(api, loginOperation(), s.login)
	documentFormLogin(api)

	// Tickets and their threads.
	huma.Register(api, op("list-tickets", http.MethodGet, "/tickets", "List your tickets, newest first", "tickets", 0, authenticated, 400, 401, 422), s.listTickets)
	huma.Register(api, op("create-ticket", http.MethodPost, "/tickets", "Open a ticket", "tickets", http.StatusCreated, authenticated, 401, 413, 422), s.createTicket)
	huma.Register(api, getTicketOperation(), s.getTicket)
	huma.Register(api, listMessagesOperation(), s.listMessages)
	huma.Register(api, op("add-message", http.MethodPost, "/tickets/{id}/messages", "Write a message on a ticket", "tickets", http.StatusCreated, authenticated, 401, 404, 413, 422), s.addMessage)

	// The AI assistant's reply stream, and the token that opens it from a browser.
	huma.Register(api, aiResponseOperation(), s.aiResponse)
	huma.Register(api, op("ai-stream-token", http.MethodPost, "/tickets/{id}/ai-response/token",
		"Get a single-use token to open the reply stream from a browser's EventSource", "assistant",
		http.StatusCreated, authenticated, 401, 404), s.streamToken)

	// Knowledge base: every signed-in user reads and searches; agents and admins write.
	huma.Register(api, listArticlesOperation(), s.listArticles)
	huma.Register(api, op("create-article", http.MethodPost, "/kb/articles", "Add an article (agents and admins)", kbTag,
		http.StatusCreated, authenticated, 401, 403, 409, 413, 422), s.createArticle)
	huma.Register(api, op("get-article", http.MethodGet, "/kb/articles/{id}", "An article", kbTag,
		0, authenticated, 401, 404), s.getArticle)
	huma.Register(api, op("update-article", http.MethodPut, "/kb/articles/{id}", "Replace an article's title, body and tags (agents and admins)", kbTag,
		0, authenticated, 401, 403, 404, 413, 422), s.updateArticle)
	huma.Register(api, op("delete-article", http.MethodDelete, "/kb/articles/{id}", "Delete an article (agents and admins)", kbTag,
		http.StatusNoContent, authenticated, 401, 403, 404), s.deleteArticle)

	// Probes.
	live := op("healthz", http.MethodGet, "/healthz", "Liveness: the process serves requests", "operations", 0, nil)
	live.Errors = []int{http.StatusTooManyRequests, http.StatusInternalServerError} // never touches the database
	huma.Register(api, live, s.healthz)
	huma.Register(api, op("readyz", http.MethodGet, "/readyz", "Readiness: the database answers", "operations", 0, nil), s.readyz)

	// Documentation: huma serves the OpenAPI document itself (/openapi.json,
	// /openapi.yaml); Swagger UI is embedded, so /docs works offline.
	s.mux.Handle("GET /docs", swaggerui.Handler())
	s.mux.Handle("GET /docs/", swaggerui.Handler())
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
