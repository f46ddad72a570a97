package app_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/google/uuid"

	"github.com/supportd/supportd/internal/support"
)

// The role-by-endpoint matrix (issue 11, "Done when", first line): every route of
// the API, for every kind of caller, with the exact status of each cell. The rules
// (internal/support/policy.go): 401 without valid credentials, 403 for a function
// the caller's role lacks, 404 for an object the caller may not see (exactly as if
// it did not exist). A route added to the API without a row here fails the test.

// mxCaller is a column of the matrix.
type mxCaller int

const (
	mxAnonymous   mxCaller = iota // no token
	mxCustomer                    // the customer who owns the objects used (ticket, account)
	mxOther                       // another customer
	mxAgent                       // an agent
	mxAdmin                       // an admin
	mxDeactivated                 // a customer deactivated by an admin after logging in: its old token
	mxCallers
)

var mxCallerNames = [mxCallers]string{"anonymous", "customer", "other", "agent", "admin", "deactivated"}

// mxPassword is every matrix account's password.
const mxPassword = "correct horse battery"

// mxWorld holds the read-only fixtures every cell may use, made once per engine.
type mxWorld struct {
	callers [mxCallers]user // the anonymous caller is the zero user
	ticket  string          // the customer's ticket, with one message
	article string          // a knowledge-base article
	webhook string          // a webhook endpoint
	file    string          // a file on the customer's ticket
}

// mxRequest is one cell's request.
type mxRequest struct {
	path   string
	token  string // the bearer token sent; "" sends none
	body   any    // sent as JSON unless nil
	form   url.Values
	stream bool // the reply stream: only the status is read, then the body closed
}

// mxCell is one caller on one row; in is the instance as seen from the cell's test.
type mxCell struct {
	t   *testing.T
	w   *mxWorld
	in  *instance
	who mxCaller
}

// token is the caller's own token ("" for the anonymous caller).
func (c *mxCell) token() string { return c.w.callers[c.who].Token }

// as builds a request with the caller's own token.
func (c *mxCell) as(path string, body any) mxRequest {
	return mxRequest{path: path, token: c.token(), body: body}
}

// freshCaller is a new account of the caller's kind, for a request that changes the
// caller's own account or session (logout, deletion): the fixtures stay intact.
// The anonymous and the deactivated callers change nothing, so they stay themselves.
func (c *mxCell) freshCaller() user {
	switch c.who {
	case mxCustomer, mxOther:
		return c.in.newUser()
	case mxAgent:
		return c.in.newStaff(support.RoleAgent)
	case mxAdmin:
		return c.in.newStaff(support.RoleAdmin)
	}
	return c.w.callers[c.who]
}

// freshTicket is a new ticket of the customer's with one message, for a cell that
// changes a ticket.
func (c *mxCell) freshTicket() string {
	tk := c.in.createTicket(c.w.callers[mxCustomer].Token, "Matrix "+uuid.NewString(), "A fresh ticket for one cell")
	expect(c.t, c.in.call(http.MethodPost, "/tickets/"+tk.ID+"/messages", c.w.callers[mxCustomer].Token,
		map[string]string{"content": "Still broken."}), http.StatusCreated)
	return tk.ID
}

// freshArticle is a new article, for a cell that changes or deletes one.
func (c *mxCell) freshArticle() string {
	return mxCreateArticle(c.t, c.in, c.w.callers[mxAgent].Token)
}

// freshWebhook is a new webhook endpoint, for a cell that changes, rotates or deletes one.
func (c *mxCell) freshWebhook() string {
	return mxCreateWebhook(c.t, c.in, c.w.callers[mxAdmin].Token)
}

func mxCreateWebhook(t *testing.T, in *instance, adminToken string) string {
	t.Helper()
	r := in.call(http.MethodPost, "/admin/webhooks", adminToken, map[string]any{"url": "https://hooks.example.com/matrix"})
	expect(t, r, http.StatusCreated)
	var w webhookJSON
	r.json(t, &w)
	return w.ID
}

func mxCreateArticle(t *testing.T, in *instance, staffToken string) string {
	t.Helper()
	r := in.call(http.MethodPost, "/kb/articles", staffToken, mxArticleBody())
	expect(t, r, http.StatusCreated)
	var a articleJSON
	r.json(t, &a)
	return a.ID
}

// mxArticleBody has a title of its own: slugs are derived from titles and unique.
func mxArticleBody() map[string]any {
	return map[string]any{"title": "Matrix article " + uuid.NewString(), "body": "## Steps\nRestart the app.", "tags": []string{"matrix"}}
}

func mxEmail() string { return "matrix-" + uuid.NewString() + "@example.com" }

// send performs the cell's request and returns the status and body.
func (c *mxCell) send(method string, r mxRequest) (int, []byte) {
	c.t.Helper()
	var body io.Reader
	contentType := ""
	switch {
	case r.form != nil:
		body, contentType = strings.NewReader(r.form.Encode()), "application/x-www-form-urlencoded"
	case r.body != nil:
		b, err := json.Marshal(r.body)
		if err != nil {
			c.t.Fatal(err)
		}
		body, contentType = bytes.NewReader(b), "application/json"
	}
	req, err := http.NewRequest(method, c.in.url+r.path, body)
	if err != nil {
		c.t.Fatal(err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	if r.token != "" {
		req.Header.Set("Authorization", "Bearer "+r.token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	if r.stream && resp.StatusCode == http.StatusOK {
		return resp.StatusCode, nil // the reply goes on being generated; the instance waits for it at cleanup
	}
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b
}

// mxRow is one route (or one variant of a route's request) for every caller.
type mxRow struct {
	method, path string // path as the OpenAPI document spells it
	// op is the route's operationId in the OpenAPI document; "" for the routes
	// served outside the API description (the docs page, the document itself).
	op      string
	variant string // what sets this row apart from the route's main row; "" for the main row
	req     func(c *mxCell) mxRequest
	// want is the status of each cell, in mxCaller order:
	// anonymous, customer, other customer, agent, admin, deactivated.
	want [mxCallers]int
}

func (r mxRow) name() string {
	n := r.method + " " + r.path
	if r.variant != "" {
		n += " (" + r.variant + ")"
	}
	return n
}

const (
	s200 = http.StatusOK
	s201 = http.StatusCreated
	s204 = http.StatusNoContent
	s401 = http.StatusUnauthorized
	s403 = http.StatusForbidden
	s404 = http.StatusNotFound
)

// mxRows is the matrix. Columns: anonymous, customer (owner), other customer,
// agent, admin, deactivated.
func mxRows() []mxRow {
	ticketPath := func(id, sub string) string {
		if sub == "" {
			return "/tickets/" + id
		}
		return "/tickets/" + id + "/" + sub
	}
	return append([]mxRow{
		// Public routes: the same answer for everyone; a token, even a dead one, is ignored.
		{method: "POST", path: "/auth/signup", op: "signup", want: [mxCallers]int{s201, s201, s201, s201, s201, s201},
			req: func(c *mxCell) mxRequest {
				return c.as("/auth/signup", map[string]string{"email": mxEmail(), "password": mxPassword})
			}},
		{method: "POST", path: "/auth/login", op: "login", want: [mxCallers]int{s200, s200, s200, s200, s200, s200},
			req: func(c *mxCell) mxRequest {
				return c.as("/auth/login", map[string]string{"username": c.w.callers[mxCustomer].Email, "password": mxPassword})
			}},
		{method: "POST", path: "/auth/login", op: "login", variant: "OAuth2 form", want: [mxCallers]int{s200, s200, s200, s200, s200, s200},
			req: func(c *mxCell) mxRequest {
				return mxRequest{path: "/auth/login", token: c.token(),
					form: url.Values{"username": {c.w.callers[mxCustomer].Email}, "password": {mxPassword}, "grant_type": {"password"}}}
			}},
		// A refresh token is spent by its use: each cell refreshes one of its own.
		{method: "POST", path: "/auth/refresh", op: "refresh", want: [mxCallers]int{s200, s200, s200, s200, s200, s200},
			req: func(c *mxCell) mxRequest {
				rt := c.in.loginPair(c.w.callers[mxCustomer].Email, mxPassword).RefreshToken
				return c.as("/auth/refresh", map[string]string{"refresh_token": rt})
			}},
		{method: "GET", path: "/healthz", op: "healthz", want: [mxCallers]int{s200, s200, s200, s200, s200, s200},
			req: func(c *mxCell) mxRequest { return c.as("/healthz", nil) }},
		{method: "GET", path: "/readyz", op: "readyz", want: [mxCallers]int{s200, s200, s200, s200, s200, s200},
			req: func(c *mxCell) mxRequest { return c.as("/readyz", nil) }},
		{method: "GET", path: "/docs", want: [mxCallers]int{s200, s200, s200, s200, s200, s200},
			req: func(c *mxCell) mxRequest { return c.as("/docs", nil) }},
		{method: "GET", path: "/docs/", variant: "an asset", want: [mxCallers]int{s200, s200, s200, s200, s200, s200},
			req: func(c *mxCell) mxRequest { return c.as("/docs/init.js", nil) }},
		{method: "GET", path: "/openapi.json", want: [mxCallers]int{s200, s200, s200, s200, s200, s200},
			req: func(c *mxCell) mxRequest { return c.as("/openapi.json", nil) }},
		{method: "GET", path: "/openapi.yaml", want: [mxCallers]int{s200, s200, s200, s200, s200, s200},
			req: func(c *mxCell) mxRequest { return c.as("/openapi.yaml", nil) }},

		// The caller's own account: every signed-in user, whatever the role.
		{method: "GET", path: "/auth/me", op: "get-me", want: [mxCallers]int{s401, s200, s200, s200, s200, s401},
			req: func(c *mxCell) mxRequest { return c.as("/auth/me", nil) }},
		{method: "PATCH", path: "/auth/me", op: "update-me", want: [mxCallers]int{s401, s200, s200, s200, s200, s401},
			req: func(c *mxCell) mxRequest { return c.as("/auth/me", map[string]string{"name": "Matrix Name"}) }},
		{method: "GET", path: "/auth/me/export", op: "export-me", want: [mxCallers]int{s401, s200, s200, s200, s200, s401},
			req: func(c *mxCell) mxRequest { return c.as("/auth/me/export", nil) }},
		// Logging out and deleting oneself end the caller's account or session: a fresh caller per cell.
		{method: "POST", path: "/auth/logout", op: "logout", want: [mxCallers]int{s401, s204, s204, s204, s204, s401},
			req: func(c *mxCell) mxRequest { return mxRequest{path: "/auth/logout", token: c.freshCaller().Token} }},
		// An admin may delete itself while another active admin remains (the fixture admin does).
		{method: "DELETE", path: "/auth/me", op: "delete-me", want: [mxCallers]int{s401, s204, s204, s204, s204, s401},
			req: func(c *mxCell) mxRequest {
				return mxRequest{path: "/auth/me", token: c.freshCaller().Token, body: map[string]string{"password": mxPassword}}
			}},

		// Account management: admins only; everyone else signed in is 403.
		{method: "GET", path: "/admin/users", op: "list-accounts", want: [mxCallers]int{s401, s403, s403, s403, s200, s401},
			req: func(c *mxCell) mxRequest { return c.as("/admin/users", nil) }},
		{method: "POST", path: "/admin/users", op: "create-account", want: [mxCallers]int{s401, s403, s403, s403, s201, s401},
			req: func(c *mxCell) mxRequest {
				return c.as("/admin/users", map[string]string{"email": mxEmail(), "password": "a long agent passphrase", "role": "agent"})
			}},
		// 403, not 404, even for the customer's own account: the function is the admins'.
		{method: "GET", path: "/admin/users/{id}", op: "get-account", want: [mxCallers]int{s401, s403, s403, s403, s200, s401},
			req: func(c *mxCell) mxRequest { return c.as("/admin/users/"+c.w.callers[mxCustomer].ID, nil) }},
		{method: "PATCH", path: "/admin/users/{id}", op: "change-account", want: [mxCallers]int{s401, s403, s403, s403, s200, s401},
			req: func(c *mxCell) mxRequest {
				return c.as("/admin/users/"+c.in.newUser().ID, map[string]string{"name": "Renamed by the matrix"})
			}},
		{method: "PATCH", path: "/admin/users/{id}", op: "change-account", variant: "own account, role",
			want: [mxCallers]int{s401, s403, s403, s403, s200, s401},
			req: func(c *mxCell) mxRequest { // a customer cannot promote itself; an admin "changing" to admin is a no-op
				role := map[mxCaller]string{mxAgent: "agent", mxAdmin: "admin"}[c.who]
				if role == "" {
					role = "admin"
				}
				id := c.w.callers[c.who].ID
				if id == "" { // anonymous: an existing account, the customer's
					id = c.w.callers[mxCustomer].ID
				}
				return c.as("/admin/users/"+id, map[string]string{"role": role})
			}},
		// Ending another account's sessions: admins only.
		{method: "DELETE", path: "/admin/users/{id}/sessions", op: "end-sessions", want: [mxCallers]int{s401, s403, s403, s403, s204, s401},
			req: func(c *mxCell) mxRequest { return c.as("/admin/users/"+c.in.newUser().ID+"/sessions", nil) }},
		// Ending one's own sessions is everyone's right (policy.go canEndSessions): a fresh caller per cell.
		{method: "DELETE", path: "/admin/users/{id}/sessions", op: "end-sessions", variant: "own account",
			want: [mxCallers]int{s401, s204, s204, s204, s204, s401},
			req: func(c *mxCell) mxRequest {
				u := c.freshCaller()
				id := u.ID
				if id == "" { // anonymous: an existing account, the customer's
					id = c.w.callers[mxCustomer].ID
				}
				return mxRequest{path: "/admin/users/" + id + "/sessions", token: u.Token}
			}},
		{method: "GET", path: "/admin/audit", op: "list-audit", want: [mxCallers]int{s401, s403, s403, s403, s200, s401},
			req: func(c *mxCell) mxRequest { return c.as("/admin/audit", nil) }},

		// Webhook endpoints: admins only, 403 for everyone else signed in before any
		// endpoint is looked at. Each cell that changes one has its own.
		{method: "GET", path: "/admin/webhooks", op: "list-webhooks", want: [mxCallers]int{s401, s403, s403, s403, s200, s401},
			req: func(c *mxCell) mxRequest { return c.as("/admin/webhooks", nil) }},
		{method: "POST", path: "/admin/webhooks", op: "create-webhook", want: [mxCallers]int{s401, s403, s403, s403, s201, s401},
			req: func(c *mxCell) mxRequest {
				return c.as("/admin/webhooks", map[string]any{"url": "https://hooks.example.com/matrix", "event_types": []string{"message"}})
			}},
		{method: "GET", path: "/admin/webhooks/{id}", op: "get-webhook", want: [mxCallers]int{s401, s403, s403, s403, s200, s401},
			req: func(c *mxCell) mxRequest { return c.as("/admin/webhooks/"+c.w.webhook, nil) }},
		{method: "GET", path: "/admin/webhooks/{id}", op: "get-webhook", variant: "no such endpoint",
			want: [mxCallers]int{s401, s403, s403, s403, s404, s401},
			req:  func(c *mxCell) mxRequest { return c.as("/admin/webhooks/"+uuid.NewString(), nil) }},
		{method: "PATCH", path: "/admin/webhooks/{id}", op: "update-webhook", want: [mxCallers]int{s401, s403, s403, s403, s200, s401},
			req: func(c *mxCell) mxRequest {
				return c.as("/admin/webhooks/"+c.freshWebhook(), map[string]any{"internal": true, "description": "Changed by the matrix"})
			}},
		{method: "DELETE", path: "/admin/webhooks/{id}", op: "delete-webhook", want: [mxCallers]int{s401, s403, s403, s403, s204, s401},
			req: func(c *mxCell) mxRequest { return c.as("/admin/webhooks/"+c.freshWebhook(), nil) }},
		{method: "POST", path: "/admin/webhooks/{id}/rotate-secret", op: "rotate-webhook-secret",
			want: [mxCallers]int{s401, s403, s403, s403, s200, s401},
			req: func(c *mxCell) mxRequest {
				return c.as("/admin/webhooks/"+c.freshWebhook()+"/rotate-secret", map[string]any{"grace_seconds": 60})
			}},
		{method: "GET", path: "/admin/webhooks/{id}/attempts", op: "list-webhook-attempts",
			want: [mxCallers]int{s401, s403, s403, s403, s200, s401},
			req:  func(c *mxCell) mxRequest { return c.as("/admin/webhooks/"+c.w.webhook+"/attempts", nil) }},
		{method: "POST", path: "/admin/webhooks/{id}/redeliver", op: "redeliver-webhook-event",
			want: [mxCallers]int{s401, s403, s403, s403, http.StatusAccepted, s401},
			req: func(c *mxCell) mxRequest {
				return c.as("/admin/webhooks/"+c.w.webhook+"/redeliver", map[string]any{"event_id": 1})
			}},
		{method: "POST", path: "/admin/webhooks/{id}/replay", op: "replay-webhook-events",
			want: [mxCallers]int{s401, s403, s403, s403, http.StatusAccepted, s401},
			req: func(c *mxCell) mxRequest {
				return c.as("/admin/webhooks/"+c.w.webhook+"/replay", map[string]any{"since": "2000-01-01T00:00:00Z"})
			}},

		// Tickets. Customers list and open their own; staff see every ticket. A ticket the
		// caller may not see is 404, exactly as a missing one.
		{method: "GET", path: "/tickets", op: "list-tickets", want: [mxCallers]int{s401, s200, s200, s200, s200, s401},
			req: func(c *mxCell) mxRequest { return c.as("/tickets", nil) }},
		// The queue's staff filters: customers may filter their own tickets by status
		// and text only.
		{method: "GET", path: "/tickets", op: "list-tickets", want: [mxCallers]int{s401, s403, s403, s200, s200, s401},
			req: func(c *mxCell) mxRequest { return c.as("/tickets?priority=high", nil) }},
		{method: "GET", path: "/tickets", op: "list-tickets", want: [mxCallers]int{s401, s200, s200, s200, s200, s401},
			req: func(c *mxCell) mxRequest { return c.as("/tickets?status=open&q=matrix", nil) }},
		// Anyone signed in may open a ticket of their own, staff included.
		{method: "POST", path: "/tickets", op: "create-ticket", want: [mxCallers]int{s401, s201, s201, s201, s201, s401},
			req: func(c *mxCell) mxRequest {
				return c.as("/tickets", map[string]string{"title": "Matrix ticket", "description": "Opened by the matrix"})
			}},
		{method: "GET", path: "/tickets/{id}", op: "get-ticket", want: [mxCallers]int{s401, s200, s404, s200, s200, s401},
			req: func(c *mxCell) mxRequest { return c.as(ticketPath(c.w.ticket, ""), nil) }},
		{method: "GET", path: "/attachments/{id}", op: "download-attachment", want: [mxCallers]int{s401, s200, s404, s200, s200, s401},
			req: func(c *mxCell) mxRequest { return c.as("/attachments/"+c.w.file, nil) }},
		{method: "GET", path: "/tickets/{id}/messages", op: "list-messages", want: [mxCallers]int{s401, s200, s404, s200, s200, s401},
			req: func(c *mxCell) mxRequest { return c.as(ticketPath(c.w.ticket, "messages"), nil) }},
		// Staff write on any ticket (as sender "agent").
		{method: "POST", path: "/tickets/{id}/messages", op: "add-message", want: [mxCallers]int{s401, s201, s404, s201, s201, s401},
			req: func(c *mxCell) mxRequest {
				return c.as(ticketPath(c.freshTicket(), "messages"), map[string]string{"content": "A message from the matrix"})
			}},
		// The customer may close their own ticket (open -> closed); staff may too.
		{method: "PATCH", path: "/tickets/{id}", op: "update-ticket", want: [mxCallers]int{s401, s200, s404, s200, s200, s401},
			req: func(c *mxCell) mxRequest {
				return c.as(ticketPath(c.freshTicket(), ""), map[string]string{"status": "closed"})
			}},
		// Priority, assignee and tags are staff's: the owner gets 403, the other customer still 404.
		{method: "PATCH", path: "/tickets/{id}", op: "update-ticket", variant: "staff-only field",
			want: [mxCallers]int{s401, s403, s404, s200, s200, s401},
			req: func(c *mxCell) mxRequest {
				return c.as(ticketPath(c.freshTicket(), ""), map[string]string{"priority": "high"})
			}},
		// Customers see the non-internal events of their own tickets.
		{method: "GET", path: "/tickets/{id}/events", op: "list-ticket-events", want: [mxCallers]int{s401, s200, s404, s200, s200, s401},
			req: func(c *mxCell) mxRequest { return c.as(ticketPath(c.w.ticket, "events"), nil) }},
		// Notes are a function customers lack: 403 for every customer before any ticket
		// is looked at, so the answer is the same for their own ticket, another's (here)
		// and one that does not exist (the next rows): it reveals nothing.
		{method: "POST", path: "/tickets/{id}/notes", op: "add-note", want: [mxCallers]int{s401, s403, s403, s201, s201, s401},
			req: func(c *mxCell) mxRequest {
				return c.as(ticketPath(c.freshTicket(), "notes"), map[string]string{"content": "Internal: check billing"})
			}},
		{method: "GET", path: "/tickets/{id}/notes", op: "list-notes", want: [mxCallers]int{s401, s403, s403, s200, s200, s401},
			req: func(c *mxCell) mxRequest { return c.as(ticketPath(c.w.ticket, "notes"), nil) }},
		{method: "POST", path: "/tickets/{id}/notes", op: "add-note", variant: "no such ticket",
			want: [mxCallers]int{s401, s403, s403, s404, s404, s401},
			req: func(c *mxCell) mxRequest {
				return c.as(ticketPath(uuid.NewString(), "notes"), map[string]string{"content": "Internal"})
			}},
		{method: "GET", path: "/tickets/{id}/notes", op: "list-notes", variant: "no such ticket",
			want: [mxCallers]int{s401, s403, s403, s404, s404, s401},
			req:  func(c *mxCell) mxRequest { return c.as(ticketPath(uuid.NewString(), "notes"), nil) }},
		// The reply stream: the owner and staff may ask the assistant; it stores a reply,
		// so each cell has a fresh ticket.
		{method: "GET", path: "/tickets/{id}/ai-response", op: "ai-response", want: [mxCallers]int{s401, s200, s404, s200, s200, s401},
			req: func(c *mxCell) mxRequest {
				r := c.as(ticketPath(c.freshTicket(), "ai-response"), nil)
				r.stream = true
				return r
			}},
		{method: "POST", path: "/tickets/{id}/ai-response/token", op: "ai-stream-token", want: [mxCallers]int{s401, s201, s404, s201, s201, s401},
			req: func(c *mxCell) mxRequest { return c.as(ticketPath(c.freshTicket(), "ai-response/token"), nil) }},

		// Live notifications: every signed-in user; each sees only what they may.
		{method: "POST", path: "/events/token", op: "live-token", want: [mxCallers]int{s401, s201, s201, s201, s201, s401},
			req: func(c *mxCell) mxRequest { return c.as("/events/token", nil) }},
		{method: "GET", path: "/events", op: "live-events", want: [mxCallers]int{s401, s200, s200, s200, s200, s401},
			req: func(c *mxCell) mxRequest {
				r := c.as("/events", nil)
				r.stream = true
				return r
			}},
		// A plain GET, not an upgrade: authenticated callers learn they must upgrade.
		{method: "GET", path: "/ws", op: "live-socket", want: [mxCallers]int{s401, 426, 426, 426, 426, s401},
			req: func(c *mxCell) mxRequest { return c.as("/ws", nil) }},

		// Knowledge base: every signed-in user reads; staff write.
		{method: "GET", path: "/kb/articles", op: "list-articles", want: [mxCallers]int{s401, s200, s200, s200, s200, s401},
			req: func(c *mxCell) mxRequest { return c.as("/kb/articles", nil) }},
		{method: "POST", path: "/kb/articles", op: "create-article", want: [mxCallers]int{s401, s403, s403, s201, s201, s401},
			req: func(c *mxCell) mxRequest { return c.as("/kb/articles", mxArticleBody()) }},
		{method: "GET", path: "/kb/articles/{id}", op: "get-article", want: [mxCallers]int{s401, s200, s200, s200, s200, s401},
			req: func(c *mxCell) mxRequest { return c.as("/kb/articles/"+c.w.article, nil) }},
		{method: "PUT", path: "/kb/articles/{id}", op: "update-article", want: [mxCallers]int{s401, s403, s403, s200, s200, s401},
			req: func(c *mxCell) mxRequest {
				return c.as("/kb/articles/"+c.freshArticle(), map[string]any{"title": "Rewritten", "body": "## New\nText."})
			}},
		{method: "DELETE", path: "/kb/articles/{id}", op: "delete-article", want: [mxCallers]int{s401, s403, s403, s204, s204, s401},
			req: func(c *mxCell) mxRequest { return c.as("/kb/articles/"+c.freshArticle(), nil) }},
	}, mxFeedbackRows()...)
}

// mxOperation is an operation of the OpenAPI document.
type mxOperation struct {
	OperationID string                     `json:"operationId"`
	Responses   map[string]json.RawMessage `json:"responses"`
}

// mxDocument reads GET /openapi.json: its operations by "METHOD path".
func mxDocument(t *testing.T, in *instance) map[string]mxOperation {
	t.Helper()
	r := in.call(http.MethodGet, "/openapi.json", "", nil)
	expect(t, r, http.StatusOK)
	var doc struct {
		Paths map[string]map[string]json.RawMessage `json:"paths"`
	}
	r.json(t, &doc)
	ops := map[string]mxOperation{}
	for path, item := range doc.Paths {
		for method, raw := range item {
			switch method {
			case "get", "put", "post", "delete", "options", "head", "patch", "trace":
			default:
				continue // parameters, summary, ...
			}
			var op mxOperation
			if err := json.Unmarshal(raw, &op); err != nil {
				t.Fatalf("%s %s: %v", method, path, err)
			}
			ops[strings.ToUpper(method)+" "+path] = op
		}
	}
	return ops
}

// Every route has its row, and every row names a route the document describes
// (or one served beside it) with statuses the document lists.
func checkMatrixCoversTheDocument(t *testing.T, ops map[string]mxOperation, rows []mxRow) {
	t.Helper()
	covered := map[string]bool{}
	for _, r := range rows {
		key := r.method + " " + r.path
		op, documented := ops[key]
		switch {
		case r.op == "" && documented:
			t.Errorf("row %s: the document describes it as %q; name the operation", r.name(), op.OperationID)
		case r.op == "":
			continue // served outside the API description: the docs page and the document itself
		case !documented:
			t.Errorf("row %s: no such operation in /openapi.json (removed or renamed?)", r.name())
			continue
		case op.OperationID != r.op:
			t.Errorf("row %s: operationId %q, row says %q", r.name(), op.OperationID, r.op)
		}
		covered[key] = true
		for who, status := range r.want {
			if _, ok := op.Responses[strconv.Itoa(status)]; !ok {
				t.Errorf("row %s: the %s's %d is not among the documented responses %v", r.name(), mxCallerNames[who], status,
					slices.Sorted(maps.Keys(op.Responses)))
			}
		}
	}
	for _, key := range slices.Sorted(maps.Keys(ops)) {
		if !covered[key] {
			t.Errorf("%s (%s) has no row in the role-by-endpoint matrix: add one to mxRows", key, ops[key].OperationID)
		}
	}
}

// mxSetUp makes the callers and the read-only fixtures.
func mxSetUp(t *testing.T, in *instance) *mxWorld {
	t.Helper()
	w := &mxWorld{}
	w.callers[mxCustomer] = in.newUser()
	w.callers[mxOther] = in.newUser()
	w.callers[mxAgent] = in.newStaff(support.RoleAgent)
	w.callers[mxAdmin] = in.newStaff(support.RoleAdmin)
	w.callers[mxDeactivated] = in.newUser()
	dead := w.callers[mxDeactivated]
	in.createTicket(dead.Token, "Before deactivation", "The account had a ticket")
	expect(t, in.call(http.MethodPatch, "/admin/users/"+dead.ID, w.callers[mxAdmin].Token, map[string]any{"active": false}), http.StatusOK)

	customer := w.callers[mxCustomer]
	w.ticket = in.createTicket(customer.Token, "The customer's ticket", "Read-only fixture of the matrix").ID
	expect(t, in.call(http.MethodPost, "/tickets/"+w.ticket+"/messages", customer.Token, map[string]string{"content": "Any news?"}),
		http.StatusCreated)
	expect(t, in.call(http.MethodPost, "/tickets/"+w.ticket+"/notes", w.callers[mxAgent].Token,
		map[string]string{"content": "Internal: a note on the fixture"}), http.StatusCreated)
	w.article = mxCreateArticle(t, in, w.callers[mxAgent].Token)
	w.webhook = mxCreateWebhook(t, in, w.callers[mxAdmin].Token)
	r := in.postFiles(customer.Token, w.ticket, "A screenshot", formFile{"shot.png", testPNG})
	expect(t, r, http.StatusCreated)
	var m messageWithFilesJSON
	r.json(t, &m)
	w.file = m.Attachments[0].ID
	return w
}

func TestMatrixRoleByEndpoint(t *testing.T) {
	rows := mxRows()
	forEachEngine(t, func(t *testing.T, in *instance) {
		checkMatrixCoversTheDocument(t, mxDocument(t, in), rows)
		w := mxSetUp(t, in)
		got := make([][mxCallers]int, len(rows))
		for i, row := range rows {
			t.Run(row.name(), func(t *testing.T) {
				view := *in // the same instance, failing this subtest
				view.t = t
				for who := range mxCallers {
					c := &mxCell{t: t, w: w, in: &view, who: who}
					req := row.req(c)
					status, body := c.send(row.method, req)
					got[i][who] = status
					if status != row.want[who] {
						t.Errorf("%s as %s: %s %s answered %d, want %d; body %.300s", row.name(), mxCallerNames[who],
							row.method, req.path, status, row.want[who], body)
					}
					// The deactivated caller's 401 is for the deactivation, not a token it never had.
					if who == mxDeactivated && status == http.StatusUnauthorized && !bytes.Contains(body, []byte("deactivated")) {
						t.Errorf("%s as %s: 401 without saying why; body %.300s", row.name(), mxCallerNames[who], body)
					}
				}
			})
		}
		// The fixtures are unchanged: the cells changed only their own objects.
		expect(t, in.call(http.MethodGet, "/tickets/"+w.ticket, w.callers[mxCustomer].Token, nil), http.StatusOK)
		if testing.Verbose() {
			t.Log("\n" + mxTable(rows, got))
		}
	})
}

// mxTable renders the statuses as a Markdown table.
func mxTable(rows []mxRow, got [][mxCallers]int) string {
	var b strings.Builder
	fmt.Fprintf(&b, "| route | %s |\n|---|%s\n", strings.Join(mxCallerNames[:], " | "), strings.Repeat("---|", int(mxCallers)))
	for i, r := range rows {
		cells := make([]string, mxCallers)
		for who := range mxCallers {
			cells[who] = strconv.Itoa(got[i][who])
		}
		fmt.Fprintf(&b, "| %s | %s |\n", r.name(), strings.Join(cells, " | "))
	}
	return b.String()
}
