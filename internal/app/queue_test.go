package app_test

import (
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/supportd/supportd/internal/support"
)

// The agent queue: GET /tickets with filters, full text and orders (issue 11 item 3).

// queueTicketJSON is a listed ticket with the fields the queue sorts and filters by.
type queueTicketJSON struct {
	ID         string    `json:"id"`
	UserID     string    `json:"user_id"`
	Status     string    `json:"status"`
	Priority   string    `json:"priority"`
	AssigneeID *string   `json:"assignee_id"`
	Tags       []string  `json:"tags"`
	CreatedAt  time.Time `json:"created_at"`
	UpdatedAt  time.Time `json:"updated_at"`
}

var queueNextLink = regexp.MustCompile(`^<([^>]*)>; rel="next"$`)

// queue lists GET /tickets?query as token, wanting 200; it returns the page and
// the path of the next page ("" on the last).
func (in *instance) queue(token, query string) ([]queueTicketJSON, string) {
	in.t.Helper()
	r := in.call(http.MethodGet, "/tickets?"+query, token, nil)
	expect(in.t, r, http.StatusOK)
	var page []queueTicketJSON
	r.json(in.t, &page)
	next := ""
	if l := r.header.Get("Link"); l != "" {
		m := queueNextLink.FindStringSubmatch(l)
		if m == nil {
			in.t.Fatalf("Link %q", l)
		}
		next = m[1]
	}
	return page, next
}

// queueIDs is the ids of the first page of GET /tickets?query (at most 100).
func (in *instance) queueIDs(token, query string) []string {
	in.t.Helper()
	page, _ := in.queue(token, query+"&limit=100")
	out := make([]string, len(page))
	for i, tk := range page {
		out[i] = tk.ID
	}
	return out
}

// walk follows the Link headers from GET /tickets?query and returns every ticket.
func (in *instance) walk(token, query string) []queueTicketJSON {
	in.t.Helper()
	var all []queueTicketJSON
	page, next := in.queue(token, query)
	all = append(all, page...)
	for next != "" {
		u, err := url.Parse(next)
		if err != nil {
			in.t.Fatal(err)
		}
		page, next = in.queue(token, u.RawQuery)
		all = append(all, page...)
		if len(all) > 1000 {
			in.t.Fatal("pagination does not end")
		}
	}
	return all
}

// queueDesk is a small desk: two customers, two agents, five tickets worked on.
type queueDesk struct {
	c1, c2, a1, a2 user
	// t[0..4], oldest first: c1 "Printer on fire", c1 "Invoice wrong", c2 "Login fails", c2 "Refund", c1 "Mobile app".
	t []ticketJSON
}

func newQueueDesk(t *testing.T, in *instance) *queueDesk {
	d := &queueDesk{c1: in.newUser(), c2: in.newUser(), a1: in.newStaff(support.RoleAgent), a2: in.newStaff(support.RoleAdmin)}
	for _, tk := range []struct {
		owner              user
		title, description string
	}{
		{d.c1, "Printer on fire", "Smoke everywhere in the office"},
		{d.c1, "Invoice wrong", "VAT charged twice this month"},
		{d.c2, "Login fails", "Cannot sign in since Monday"},
		{d.c2, "Refund request", "Please refund my order"},
		{d.c1, "Mobile app", "It crashes on start"},
	} {
		d.t = append(d.t, in.createTicket(tk.owner.Token, tk.title, tk.description))
	}
	in.mustPatch(d.t[0].ID, d.a1.Token, map[string]any{"status": "pending", "priority": "urgent", "assignee_id": d.a1.ID, "tags": []string{"billing", "vip"}})
	in.mustPatch(d.t[1].ID, d.a1.Token, map[string]any{"priority": "high", "assignee_id": d.a2.ID, "tags": []string{"billing"}})
	in.mustPatch(d.t[2].ID, d.a1.Token, map[string]any{"status": "resolved", "priority": "low", "assignee_id": d.a1.ID})
	in.mustPatch(d.t[3].ID, d.a1.Token, map[string]any{"status": "closed", "tags": []string{"refund"}})
	expect(t, in.call(http.MethodPost, "/tickets/"+d.t[2].ID+"/messages", d.c2.Token,
		map[string]string{"content": "The gateway timeout keeps happening"}), http.StatusCreated)
	expect(t, in.call(http.MethodPost, "/tickets/"+d.t[3].ID+"/notes", d.a1.Token,
		map[string]string{"content": "secret zebra remark"}), http.StatusCreated)
	return d
}

// ids picks tickets of the desk by index, in the order given.
func (d *queueDesk) ids(idx ...int) []string {
	out := make([]string, len(idx))
	for i, n := range idx {
		out[i] = d.t[n].ID
	}
	return out
}

func TestQueueFilters(t *testing.T) {
	forEachEngine(t, func(t *testing.T, in *instance) {
		d := newQueueDesk(t, in)
		// The customer's message reopened t[2] (resolved -> open).
		mid := d.t[2].CreatedAt.Format(time.RFC3339Nano)
		future := time.Now().Add(time.Hour).UTC().Format(time.RFC3339)
		tests := []struct {
			query string
			want  []int // newest first
		}{
			{"", []int{4, 3, 2, 1, 0}},
			{"status=open", []int{4, 2, 1}},
			{"status=pending,closed", []int{3, 0}},
			{"status=pending&status=closed", []int{3, 0}},
			{"priority=urgent,high", []int{1, 0}},
			{"priority=low", []int{2}},
			{"assignee=me", []int{2, 0}},
			{"assignee=none", []int{4, 3}},
			{"assignee=" + d.a2.ID, []int{1}},
			{"tag=billing", []int{1, 0}},
			{"tag=BILLING", []int{1, 0}},
			{"tag=none-such", nil},
			{"customer=" + d.c2.ID, []int{3, 2}},
			{"customer=" + d.c1.ID, []int{4, 1, 0}},
			{"created_after=" + url.QueryEscape(mid), []int{4, 3, 2}},
			{"created_before=" + url.QueryEscape(mid), []int{1, 0}},
			{"updated_after=" + future, nil},
			{"updated_before=" + future, []int{4, 3, 2, 1, 0}},
			// Combined.
			{"status=open&assignee=me", []int{2}},
			{"tag=billing&priority=urgent", []int{0}},
			{"customer=" + d.c1.ID + "&status=open", []int{4, 1}},
			{"assignee=me&status=open,pending&tag=vip", []int{0}},
			{"q=refund&status=closed", []int{3}},
			{"q=refund&status=open", nil},
			{"created_after=" + url.QueryEscape(mid) + "&assignee=none", []int{4, 3}},
		}
		for _, tt := range tests {
			got := in.queueIDs(d.a1.Token, tt.query)
			if want := d.ids(tt.want...); !slices.Equal(got, want) {
				t.Errorf("GET /tickets?%s = %v, want %v", tt.query, got, want)
			}
		}

		// updated_after: only the ticket changed after the mark.
		time.Sleep(2 * time.Millisecond)
		mark := time.Now().UTC().Format(time.RFC3339Nano)
		time.Sleep(2 * time.Millisecond)
		in.mustPatch(d.t[4].ID, d.a2.Token, map[string]any{"priority": "high"})
		if got := in.queueIDs(d.a1.Token, "updated_after="+url.QueryEscape(mark)); !slices.Equal(got, d.ids(4)) {
			t.Errorf("updated_after = %v, want %v", got, d.ids(4))
		}
		if got := in.queueIDs(d.a1.Token, "updated_before="+url.QueryEscape(mark)); !slices.Equal(got, d.ids(3, 2, 1, 0)) {
			t.Errorf("updated_before = %v, want %v", got, d.ids(3, 2, 1, 0))
		}
	})
}

func TestQueueFullText(t *testing.T) {
	forEachEngine(t, func(t *testing.T, in *instance) {
		d := newQueueDesk(t, in)
		tests := []struct {
			q    string
			want []int
		}{
			{"fire", []int{0}},                 // title
			{"smoke", []int{0}},                // description
			{"gateway", []int{2}},              // a message
			{"GATEWAY timeout", []int{2}},      // every word, any case
			{"crashing", []int{4}},             // stemmed: crashes
			{"charges", []int{1}},              // stemmed: charged
			{"refund", []int{3}},               // title and description of one ticket, listed once
			{"zebra", nil},                     // a note: never
			{"secret", nil},                    // a note: never
			{"gateway zebra", nil},             // all words must match
			{"nothing-like-this-here", nil},    // no match
			{`"; DROP TABLE tickets; --`, nil}, // only ever a bound value
		}
		for _, tt := range tests {
			got := in.queueIDs(d.a1.Token, "q="+url.QueryEscape(tt.q))
			if want := d.ids(tt.want...); !slices.Equal(got, want) {
				t.Errorf("q=%q: %v, want %v", tt.q, got, want)
			}
		}
		// A new message is searchable at once, and the ticket is listed once.
		expect(t, in.call(http.MethodPost, "/tickets/"+d.t[4].ID+"/messages", d.a1.Token,
			map[string]string{"content": "Please reinstall the application; the gateway is fine"}), http.StatusCreated)
		if got := in.queueIDs(d.a1.Token, "q=reinstall"); !slices.Equal(got, d.ids(4)) {
			t.Errorf("q=reinstall: %v", got)
		}
		if got := in.queueIDs(d.a1.Token, "q=gateway"); !slices.Equal(got, d.ids(4, 2)) {
			t.Errorf("q=gateway: %v, want %v", got, d.ids(4, 2))
		}

		// Customers search only their own tickets.
		if got := in.queueIDs(d.c1.Token, "q=gateway"); !slices.Equal(got, d.ids(4)) {
			t.Errorf("c1 q=gateway: %v, want only their own %v", got, d.ids(4))
		}
		if got := in.queueIDs(d.c2.Token, "q=gateway"); !slices.Equal(got, d.ids(2)) {
			t.Errorf("c2 q=gateway: %v, want %v", got, d.ids(2))
		}
		if got := in.queueIDs(d.c1.Token, "q=refund"); len(got) != 0 {
			t.Errorf("c1 q=refund found another customer's ticket: %v", got)
		}
	})
}

func TestQueueCustomers(t *testing.T) {
	forEachEngine(t, func(t *testing.T, in *instance) {
		d := newQueueDesk(t, in)
		// Unfiltered: unchanged, own tickets newest first.
		if got := in.queueIDs(d.c1.Token, ""); !slices.Equal(got, d.ids(4, 1, 0)) {
			t.Errorf("c1 list %v", got)
		}
		if got := in.queueIDs(d.c1.Token, "status=pending"); !slices.Equal(got, d.ids(0)) {
			t.Errorf("c1 status=pending %v", got)
		}
		if got := in.queueIDs(d.c2.Token, "status=open,pending"); !slices.Equal(got, d.ids(2)) {
			t.Errorf("c2 status=open,pending %v", got)
		}
		if got := in.queueIDs(d.c1.Token, "sort=updated&status=open"); !slices.Equal(got, d.ids(1, 4)) {
			t.Errorf("c1 sort=updated&status=open %v, want %v", got, d.ids(1, 4))
		}
		for _, q := range []string{"priority=high", "assignee=me", "assignee=none", "tag=billing", "customer=" + d.c1.ID,
			"created_after=2026-01-01T00:00:00Z", "created_before=2026-01-01T00:00:00Z",
			"updated_after=2026-01-01T00:00:00Z", "updated_before=2026-01-01T00:00:00Z", "status=open&tag=vip"} {
			r := in.call(http.MethodGet, "/tickets?"+q, d.c1.Token, nil)
			expect(t, r, http.StatusForbidden)
			if detail := r.detail(t); !strings.Contains(detail, "customers may filter") {
				t.Errorf("%s: detail %q", q, detail)
			}
		}
		// Staff get every filter, admins included.
		if got := in.queueIDs(d.a2.Token, "assignee=me"); !slices.Equal(got, d.ids(1)) {
			t.Errorf("admin assignee=me %v", got)
		}
	})
}

func TestQueueInvalid(t *testing.T) {
	forEachEngine(t, func(t *testing.T, in *instance) {
		agent, customer := in.newStaff(support.RoleAgent), in.newUser()
		for _, q := range []string{"status=bogus", "status=open,nope", "priority=critical", "assignee=someone",
			"tag=" + url.QueryEscape("not a tag!"), "customer=42", "created_after=yesterday",
			"created_before=2026-13-01T00:00:00Z", "updated_after=1700000000", "updated_before=2026-01-01",
			"sort=oldest", "q=" + strings.Repeat("x", 201), "q=%20%20"} {
			r := in.call(http.MethodGet, "/tickets?"+q, agent.Token, nil)
			expect(t, r, http.StatusUnprocessableEntity)
			var p struct {
				Detail string `json:"detail"`
				Errors []struct {
					Location string `json:"location"`
				} `json:"errors"`
			}
			r.json(t, &p)
			if p.Detail == "" || len(p.Errors) == 0 {
				t.Errorf("%s: %s", q, r.body)
			}
		}
		// A customer's bad status is 422 too (the filter is theirs to use).
		expect(t, in.call(http.MethodGet, "/tickets?status=bogus", customer.Token, nil), http.StatusUnprocessableEntity)
	})
}

func TestQueuePagination(t *testing.T) {
	forEachEngine(t, func(t *testing.T, in *instance) {
		customer, agent := in.newUser(), in.newStaff(support.RoleAgent)
		priorities := []string{"low", "urgent", "normal", "high", "urgent", "low", "normal", "high", "urgent", "normal", "high"}
		var all []string
		for i, p := range priorities {
			tk := in.createTicket(customer.Token, "Ticket "+p, "")
			all = append(all, tk.ID)
			if i%3 != 2 { // some keep the default (normal): ties in priority
				in.mustPatch(tk.ID, agent.Token, map[string]any{"priority": p})
			}
		}
		// Update in a shuffled order, so updated differs from created.
		for _, i := range []int{3, 0, 7, 10, 5} {
			in.mustPatch(all[i], agent.Token, map[string]any{"tags": []string{"touched"}})
		}
		rank := map[string]int{"low": 1, "normal": 2, "high": 3, "urgent": 4}
		inOrder := map[string]func(a, b queueTicketJSON) bool{ // a strictly before b
			"created": func(a, b queueTicketJSON) bool {
				return a.CreatedAt.After(b.CreatedAt) || a.CreatedAt.Equal(b.CreatedAt) && a.ID > b.ID
			},
			"updated": func(a, b queueTicketJSON) bool {
				return a.UpdatedAt.After(b.UpdatedAt) || a.UpdatedAt.Equal(b.UpdatedAt) && a.ID > b.ID
			},
			"priority": func(a, b queueTicketJSON) bool {
				ra, rb := rank[a.Priority], rank[b.Priority]
				return ra > rb || ra == rb && (a.CreatedAt.After(b.CreatedAt) || a.CreatedAt.Equal(b.CreatedAt) && a.ID > b.ID)
			},
		}
		for sort, before := range inOrder {
			for _, extra := range []string{"", "&status=open", "&priority=urgent,high,low"} {
				for _, limit := range []int{1, 2, 3} {
					got := in.walk(agent.Token, "sort="+sort+"&limit="+strconv.Itoa(limit)+extra)
					seen := map[string]bool{}
					for i, tk := range got {
						if seen[tk.ID] {
							t.Fatalf("sort=%s limit=%d%s: %s listed twice", sort, limit, extra, tk.ID)
						}
						seen[tk.ID] = true
						if i > 0 && !before(got[i-1], tk) {
							t.Errorf("sort=%s limit=%d%s: %s before %s breaks the order", sort, limit, extra, got[i-1].ID, tk.ID)
						}
					}
					full, next := in.queue(agent.Token, "sort="+sort+"&limit=100"+extra)
					if next != "" || len(full) != len(got) {
						t.Errorf("sort=%s limit=%d%s: walked %d, one page has %d", sort, limit, extra, len(got), len(full))
					}
					for i := range full {
						if i < len(got) && full[i].ID != got[i].ID {
							t.Errorf("sort=%s limit=%d%s: position %d is %s walking, %s in one page", sort, limit, extra, i, got[i].ID, full[i].ID)
						}
					}
				}
			}
		}

		// The Link repeats the filters and the sort.
		_, next := in.queue(agent.Token, "sort=priority&status=open&limit=2")
		u, err := url.Parse(next)
		if err != nil {
			t.Fatal(err)
		}
		if q := u.Query(); q.Get("sort") != "priority" || q.Get("status") != "open" || q.Get("limit") != "2" || q.Get("cursor") == "" {
			t.Errorf("next link %q", next)
		}
		// A cursor belongs to its sort.
		cursor := u.Query().Get("cursor")
		for _, q := range []string{"sort=updated", "sort=created", ""} {
			r := in.call(http.MethodGet, "/tickets?"+q+"&cursor="+cursor, agent.Token, nil)
			expect(t, r, http.StatusBadRequest)
			if d := r.detail(t); !strings.Contains(d, "sort=priority") {
				t.Errorf("%s with a priority cursor: detail %q", q, d)
			}
		}
		_, next = in.queue(agent.Token, "limit=2")
		u, _ = url.Parse(next)
		r := in.call(http.MethodGet, "/tickets?sort=updated&cursor="+u.Query().Get("cursor"), agent.Token, nil)
		expect(t, r, http.StatusBadRequest)
		// The created cursor keeps working without sort and with sort=created.
		in.queue(agent.Token, "limit=2&cursor="+u.Query().Get("cursor"))
		in.queue(agent.Token, "sort=created&limit=2&cursor="+u.Query().Get("cursor"))
		expect(t, in.call(http.MethodGet, "/tickets?cursor=garbage", agent.Token, nil), http.StatusBadRequest)
	})
}
