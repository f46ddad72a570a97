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
	huma.Register(api, op("refresh", http.MethodPost, "/auth/refresh",
		"Exchange a refresh token for a new access token and the next refresh token", "auth", 0, nil, 401, 415, 422), s.refresh)
	huma.Register(api, op("logout", http.MethodPost, "/auth/logout",
		"Log out: ends this session and every access token issued before now", "auth", http.StatusNoContent, authenticated, 401), s.logout)
	huma.Register(api, op("get-me", http.MethodGet, "/auth/me", "Your account", "auth", 0, authenticated, 401), s.me)
	huma.Register(api, op("update-me", http.MethodPatch, "/auth/me", "Change your name or password", "auth",
		0, authenticated, 401, 413, 415, 422), s.updateMe)
	huma.Register(api, op("export-me", http.MethodGet, "/auth/me/export",
		"Everything supportd holds about you, as JSON: account, sessions, tickets with their messages, audit entries",
		"auth", 0, authenticated, 401), s.exportMe)
	huma.Register(api, op("delete-me", http.MethodDelete, "/auth/me",
		"Delete your account (with your password): your tickets stay readable to staff, anonymised", "auth",
		http.StatusNoContent, authenticated, 401, 409, 413, 415, 422), s.deleteMe)

	// Accounts as admins manage them: the policy answers 403 to anyone else (but ending your own sessions).
	huma.Register(api, op("list-accounts", http.MethodGet, "/admin/users", "List and search accounts (admins)", adminTag,
		0, authenticated, 400, 401, 403, 422), s.listAccounts)
	huma.Register(api, op("create-account", http.MethodPost, "/admin/users", "Create an account with a role, e.g. an agent (admins)",
		adminTag, http.StatusCreated, authenticated, 401, 403, 409, 413, 415, 422), s.createAccount)
	huma.Register(api, op("get-account", http.MethodGet, "/admin/users/{id}", "An account (admins)", adminTag,
		0, authenticated, 401, 403, 404), s.getAccount)
	huma.Register(api, op("change-account", http.MethodPatch, "/admin/users/{id}",
		"Change an account's name or role, or deactivate or reactivate it (admins)", adminTag,
		0, authenticated, 401, 403, 404, 409, 413, 415, 422), s.changeAccount)
	huma.Register(api, op("end-sessions", http.MethodDelete, "/admin/users/{id}/sessions",
		"End every session of an account: its access tokens stop working at its next request (admins; anyone for their own account)", adminTag,
		http.StatusNoContent, authenticated, 401, 403, 404), s.endSessions)
	huma.Register(api, op("list-audit", http.MethodGet, "/admin/audit",
		"The audit log: logins, failed logins, role changes, deactivations, sessions ended, knowledge-base changes (admins)",
		adminTag, 0, authenticated, 400, 401, 403, 422), s.listAudit)

	// Webhook endpoints: admins only, like accounts. Secrets appear only in the
	// answers to a registration and a rotation.
	huma.Register(api, op("list-webhooks", http.MethodGet, "/admin/webhooks", "List webhook endpoints, newest first (admins)",
		webhooksTag, 0, authenticated, 400, 401, 403, 422), s.listWebhooks)
	huma.Register(api, createWebhookOperation(), s.createWebhook)
	huma.Register(api, op("get-webhook", http.MethodGet, "/admin/webhooks/{id}", "A webhook endpoint, without its secret (admins)",
		webhooksTag, 0, authenticated, 401, 403, 404), s.getWebhook)
	huma.Register(api, op("update-webhook", http.MethodPatch, "/admin/webhooks/{id}",
		"Change a webhook endpoint's URL, description, event types or internal flag, or disable or re-enable it (admins)",
		webhooksTag, 0, authenticated, 401, 403, 404, 413, 415, 422), s.updateWebhook)
	huma.Register(api, op("delete-webhook", http.MethodDelete, "/admin/webhooks/{id}", "Delete a webhook endpoint (admins)",
		webhooksTag, http.StatusNoContent, authenticated, 401, 403, 404), s.deleteWebhook)
	huma.Register(api, rotateWebhookSecretOperation(), s.rotateWebhookSecret)
	s.webhookDeliveryRoutes(api)
	huma.Register(api, downloadAttachmentOperation(), s.downloadAttachment)

	// Tickets and their threads.
	huma.Register(api, listTicketsOperation(), s.listTickets)
	huma.Register(api, op("create-ticket", http.MethodPost, "/tickets", "Open a ticket", "tickets", http.StatusCreated, authenticated, 401, 413, 422), s.createTicket)
	huma.Register(api, getTicketOperation(), s.getTicket)
	huma.Register(api, listMessagesOperation(), s.listMessages)
	huma.Register(api, op("add-message", http.MethodPost, "/tickets/{id}/messages", "Write a message on a ticket", "tickets", http.StatusCreated, authenticated, 400, 401, 404, 409, 413, 422), s.addMessage)

	// The desk: the ticket workflow, the ticket's history and staff-only notes.
	huma.Register(api, patchTicketOperation(), s.patchTicket)
	huma.Register(api, listEventsOperation(), s.listEvents)
	huma.Register(api, op("add-note", http.MethodPost, "/tickets/{id}/notes", "Write an internal note customers never see (agents and admins)",
		"tickets", http.StatusCreated, authenticated, 400, 401, 403, 404, 413, 422), s.addNote)
	huma.Register(api, listNotesOperation(), s.listNotes)

	// The AI assistant's reply stream, and the token that opens it from a browser.
	huma.Register(api, aiResponseOperation(), s.aiResponse)
	huma.Register(api, op("ai-stream-token", http.MethodPost, "/tickets/{id}/ai-response/token",
		"Get a single-use token to open the reply stream from a browser's EventSource", "assistant",
		http.StatusCreated, authenticated, 401, 404), s.streamToken)

	// Ratings of AI messages (customers on their own tickets, staff on any), and
	// what the assistant could not answer, grouped by topic (agents and admins).
	huma.Register(api, rateMessageOperation(), s.rateMessage)
	huma.Register(api, op("unrate-message", http.MethodDelete, "/messages/{id}/feedback",
		"Remove your rating of an AI message", "assistant", http.StatusNoContent, authenticated, 401, 404), s.unrateMessage)
	huma.Register(api, listUnansweredOperation(), s.listUnanswered)

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
