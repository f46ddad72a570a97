// Command seed fills a PostgreSQL database with users, tickets and messages for
// the load benchmark (see bench/README.md).
//
//	go run ./bench/seed -database-url postgres://postgres@127.0.0.1:5432/supportd_bench_big?sslmode=disable \
//	    -tickets 1000000 -messages-per-ticket 5 -users 1000 -out bench/results/target-big.env
//	go run ./bench/seed -database-url ... -small -out bench/results/target-empty.env
//
// It applies the real migrations first (store.Open + Migrate), then loads rows
// with COPY (pgx CopyFrom) in batches on two connections, and finally runs
// VACUUM ANALYZE so the planner sees the real table sizes.
//
// User 0 is the benchmark customer (bench@example.com). Tickets are spread
// uniformly over the customers, so with -tickets 1000000 -users 1000 the
// benchmark user owns about 1,000 of them and GET /tickets runs the real
// keyset query against the big table. One of its tickets (the "target") has
// exactly 10 messages; every other ticket has -messages-per-ticket. The
// benchmark credentials and the target ticket id are printed and, with -out,
// written as a shell-sourceable file.
//
// Tickets carry the workflow of issue 11: a status (older tickets mostly
// closed), a priority, an assignee (one of the agents, or none), 0-3 tags from
// a small vocabulary (ticket_tags) and a version. The first agent
// (agent00000@example.com, same password) is the agent queue's benchmark user.
// The workers COPY with session_replication_role = replica (superuser: the
// rows are consistent by construction, so foreign-key and other triggers are
// skipped), then fill each batch's full-text column (tickets.search, migration
// 00009) in one UPDATE instead of one trigger call per message.
//
// Every user has the same real argon2id hash (auth.DefaultArgon2) of the
// benchmark password, computed once. Ids are UUIDv7 built from the row's own
// created_at, so id order agrees with time order as it does for rows the
// server creates; times are UTC with microsecond precision.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	mrand "math/rand/v2"
	"os"
	"os/signal"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/supportd/supportd/internal/auth"
	"github.com/supportd/supportd/internal/store"
)

const (
	benchEmail     = "bench@example.com"
	benchPassword  = "bench-password-123"
	targetMessages = 10
	batchTickets   = 20_000 // tickets per COPY batch (messages follow in their own COPY)
	workers        = 2      // COPY connections; the machine has 2 cores
)

type options struct {
	databaseURL string
	tickets     int
	perTicket   int
	users       int
	agents      int
	span        time.Duration
	seed        uint64
	reset       bool
	out         string
}

func main() {
	var o options
	var small bool
	flag.StringVar(&o.databaseURL, "database-url", os.Getenv("DATABASE_URL"), "postgres://... URL (default $DATABASE_URL)")
	flag.IntVar(&o.tickets, "tickets", 1_000_000, "tickets to create")
	flag.IntVar(&o.perTicket, "messages-per-ticket", 5, "messages on every ticket except the target (which has exactly 10)")
	flag.IntVar(&o.users, "users", 1000, "customers to create; the first is the benchmark user")
	flag.IntVar(&o.agents, "agents", 0, "agents who write the agent messages (default users/50, at least 1)")
	flag.DurationVar(&o.span, "span", 2*365*24*time.Hour, "tickets are spread over this much time before now")
	flag.Uint64Var(&o.seed, "seed", 1, "random seed (same seed, same data except ids' random bits)")
	flag.BoolVar(&o.reset, "reset", false, "delete existing users, tickets and messages first (otherwise a non-empty database is refused)")
	flag.StringVar(&o.out, "out", "", "also write BENCH_EMAIL, BENCH_PASSWORD and BENCH_TICKET_ID to this file")
	flag.BoolVar(&small, "small", false, "the \"empty\" dataset: 1 user, 25 tickets, the target with 10 messages (overrides -tickets, -users, -messages-per-ticket)")
	flag.Parse()
	if small {
		o.tickets, o.users, o.perTicket = 25, 1, 2
	}
	if o.agents == 0 {
		o.agents = max(1, o.users/50)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, o); err != nil {
		fmt.Fprintln(os.Stderr, "seed:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, o options) error {
	switch {
	case o.databaseURL == "":
		return errors.New("-database-url (or DATABASE_URL) is required")
	case !strings.HasPrefix(o.databaseURL, "postgres://") && !strings.HasPrefix(o.databaseURL, "postgresql://"):
		return errors.New("-database-url must be a postgres:// URL (COPY is PostgreSQL only)")
	case o.users < 1 || o.tickets < 1 || o.perTicket < 0:
		return errors.New("-users and -tickets must be at least 1, -messages-per-ticket at least 0")
	}
	start := time.Now()

	// The real schema, exactly as the server would create it.
	db, err := store.Open(ctx, o.databaseURL)
	if err != nil {
		return err
	}
	if err := db.Migrate(ctx); err != nil {
		db.Close()
		return err
	}
	db.Close()
	fmt.Printf("migrations applied (%s)\n", time.Since(start).Round(time.Millisecond))

	conn, err := connect(ctx, o.databaseURL)
	if err != nil {
		return err
	}
	defer conn.Close(context.WithoutCancel(ctx))
	if err := prepare(ctx, conn, o.reset); err != nil {
		return err
	}

	t0 := time.Now()
	hash, err := passwordHash(ctx)
	if err != nil {
		return err
	}
	fmt.Printf("argon2id hash computed once (%s)\n", time.Since(t0).Round(time.Millisecond))

	d := plan(o, time.Now().UTC().Truncate(time.Microsecond))

	t0 = time.Now()
	n, err := conn.CopyFrom(ctx, pgx.Identifier{"users"},
		[]string{"id", "email", "email_key", "password_hash", "role", "created_at", "updated_at"},
		pgx.CopyFromSlice(len(d.users), func(i int) ([]any, error) {
			u := d.users[i]
			return []any{u.id, u.email, u.email, hash, u.role, u.at, u.at}, nil
		}))
	if err != nil {
		return fmt.Errorf("copy users: %w", err)
	}
	fmt.Printf("users: %d (%s)\n", n, time.Since(t0).Round(time.Millisecond))

	t0 = time.Now()
	tickets, messages, err := copyTickets(ctx, o, d)
	if err != nil {
		return err
	}
	el := time.Since(t0)
	fmt.Printf("tickets: %d, messages: %d (%s, %.0f rows/s)\n", tickets, messages, el.Round(time.Millisecond),
		float64(tickets+messages)/el.Seconds())

	t0 = time.Now()
	for _, table := range []string{"users", "tickets", "messages", "ticket_tags"} {
		if _, err := conn.Exec(ctx, "VACUUM ANALYZE "+table); err != nil {
			return fmt.Errorf("vacuum analyze %s: %w", table, err)
		}
	}
	fmt.Printf("vacuum analyze (%s)\n", time.Since(t0).Round(time.Millisecond))

	var owned int
	if err := conn.QueryRow(ctx, "SELECT count(*) FROM tickets WHERE customer_id = $1", d.users[0].id).Scan(&owned); err != nil {
		return err
	}
	fmt.Printf("done in %s\n\n", time.Since(start).Round(time.Millisecond))

	target := fmt.Sprintf("BENCH_EMAIL=%s\nBENCH_PASSWORD=%s\nBENCH_TICKET_ID=%s\nBENCH_AGENT_EMAIL=%s\n",
		benchEmail, benchPassword, d.target, d.users[d.customers].email) + benchWords(d)
	fmt.Print(target)
	fmt.Printf("# the benchmark user owns %d tickets; the target ticket has %d messages\n", owned, targetMessages)
	if o.out != "" {
		if err := os.WriteFile(o.out, []byte(target), 0o644); err != nil {
			return err
		}
		fmt.Printf("# written to %s\n", o.out)
	}
	return nil
}

func connect(ctx context.Context, url string) (*pgx.Conn, error) {
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		return nil, fmt.Errorf("connect: %w", err)
	}
	// Seeding can be redone if the server crashes midway: don't wait for WAL flushes.
	// Replica mode skips triggers (foreign keys, full text): see the package comment.
	if _, err := conn.Exec(ctx, "SET synchronous_commit = off; SET session_replication_role = replica"); err != nil {
		conn.Close(ctx)
		return nil, err
	}
	return conn, nil
}

// prepare refuses a database that already has users unless reset is set, in
// which case it empties the three tables (and whatever references them).
func prepare(ctx context.Context, conn *pgx.Conn, reset bool) error {
	if reset {
		_, err := conn.Exec(ctx, "TRUNCATE users, tickets, messages, ticket_tags CASCADE")
		return err
	}
	var any bool
	if err := conn.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM users)").Scan(&any); err != nil {
		return err
	}
	if any {
		return errors.New("the database already has users: use a fresh database or pass -reset")
	}
	return nil
}

// passwordHash is a real argon2id hash of benchPassword with the server's parameters.
func passwordHash(ctx context.Context) (string, error) {
	h, err := auth.NewHasher(auth.DefaultArgon2, 1)
	if err != nil {
		return "", err
	}
	return h.Hash(ctx, benchPassword)
}

type user struct {
	id, email, role string
	at              time.Time
}

// dataset is what every worker needs to generate rows: who, when, and which ticket is the target.
type dataset struct {
	users     []user // customers first (users[0] is the benchmark user), then agents
	customers int
	times     []int64 // ticket created_at in Unix microseconds, ascending
	owner     []int32 // index into users of each ticket's customer
	targetIdx int
	target    string // id of the target ticket, set by the worker that writes it
}

func plan(o options, now time.Time) *dataset {
	rng := mrand.New(mrand.NewPCG(o.seed, 0x5eed))
	first := now.Add(-o.span)
	d := &dataset{customers: o.users}

	// Users sign up in the month before the first ticket.
	for i := range o.users + o.agents {
		at := first.Add(-time.Duration(rng.Int64N(int64(30 * 24 * time.Hour)))).Truncate(time.Microsecond)
		u := user{role: "customer", at: at}
		switch {
		case i == 0:
			u.email = benchEmail
		case i < o.users:
			u.email = fmt.Sprintf("customer%07d@example.com", i)
		default:
			u.email, u.role = fmt.Sprintf("agent%05d@example.com", i-o.users), "agent"
		}
		u.id = newV7(at, rng).String()
		d.users = append(d.users, u)
	}

	// Tickets spread uniformly over the span, owners uniformly over the customers.
	d.times = make([]int64, o.tickets)
	lo, width := first.UnixMicro(), o.span.Microseconds()
	for i := range d.times {
		d.times[i] = lo + rng.Int64N(width)
	}
	slices.Sort(d.times)
	d.owner = make([]int32, o.tickets)
	var bench []int
	for i := range d.owner {
		d.owner[i] = int32(rng.IntN(o.users))
		if d.owner[i] == 0 {
			bench = append(bench, i)
		}
	}
	if len(bench) == 0 { // tiny datasets: make sure the benchmark user has one
		d.owner[0], bench = 0, []int{0}
	}
	d.targetIdx = bench[len(bench)/2] // a ticket in the middle of the user's history
	return d
}

// copyTickets loads tickets and their messages in batches, workers batches at a time.
// Each batch COPYs its tickets, then their messages (whose foreign keys need the tickets).
func copyTickets(ctx context.Context, o options, d *dataset) (tickets, messages int64, err error) {
	type result struct{ t, m int64 }
	batches := make(chan int)
	results := make(chan result)
	errs := make(chan error, workers)
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			conn, err := connect(ctx, o.databaseURL)
			if err != nil {
				errs <- err
				cancel()
				return
			}
			defer conn.Close(context.WithoutCancel(ctx))
			g := newGenerator(o, d, uint64(w))
			for start := range batches {
				t, m, err := g.batch(ctx, conn, start, min(start+batchTickets, o.tickets))
				if err != nil {
					errs <- err
					cancel()
					return
				}
				results <- result{t, m}
			}
		}()
	}
	go func() {
		defer close(batches)
		for start := 0; start < o.tickets; start += batchTickets {
			select {
			case batches <- start:
			case <-ctx.Done():
				return
			}
		}
	}()
	go func() { wg.Wait(); close(results) }()
	last := time.Now()
	for r := range results {
		tickets += r.t
		messages += r.m
		if time.Since(last) > 10*time.Second {
			fmt.Printf("  ... %d tickets, %d messages\n", tickets, messages)
			last = time.Now()
		}
	}
	select {
	case err = <-errs:
	default:
		err = ctx.Err()
	}
	return tickets, messages, err
}

type generator struct {
	o    options
	d    *dataset
	rng  *mrand.Rand
	zipf *mrand.Zipf // ranks into vocabulary
	buf  strings.Builder
}

func newGenerator(o options, d *dataset, worker uint64) *generator {
	rng := mrand.New(mrand.NewPCG(o.seed, 1000+worker))
	return &generator{o: o, d: d, rng: rng, zipf: mrand.NewZipf(rng, zipfS, zipfV, uint64(len(vocabulary)-1))}
}

func (g *generator) batch(ctx context.Context, conn *pgx.Conn, from, to int) (int64, int64, error) {
	trows := make([][]any, 0, to-from)
	mrows := make([][]any, 0, (to-from)*g.o.perTicket)
	var tagRows [][]any
	ids := make([]string, 0, to-from)
	for i := from; i < to; i++ {
		created := time.UnixMicro(g.d.times[i]).UTC()
		customer := g.d.users[g.d.owner[i]]
		id := newV7(created, g.rng).String()
		if i == g.d.targetIdx {
			g.d.target = id // read by run after all workers are done
		}
		n := g.o.perTicket
		if i == g.d.targetIdx {
			n = targetMessages
		}
		// A thread: the customer opens it, then agents, the AI and the customer
		// answer, minutes to hours apart. The ticket's updated_at is the last message.
		at, updated := created, created
		for j := range n {
			if j > 0 {
				at = at.Add(time.Duration(1+g.rng.IntN(240)) * time.Minute).Add(time.Duration(g.rng.IntN(60_000_000)) * time.Microsecond)
			}
			sender, author := "user", any(customer.id)
			if j > 0 {
				switch r := g.rng.IntN(100); {
				case r < 40:
					sender, author = "agent", g.d.users[g.d.customers+g.rng.IntN(len(g.d.users)-g.d.customers)].id
				case r < 60:
					sender, author = "ai", nil
				}
			}
			mrows = append(mrows, []any{newV7(at, g.rng).String(), id, author, sender, g.text(40, 600), at})
			updated = at
		}
		var assignee any
		if g.rng.IntN(10) < 8 { // most tickets have been picked up by an agent
			assignee = g.d.users[g.d.customers+g.rng.IntN(len(g.d.users)-g.d.customers)].id
		}
		trows = append(trows, []any{id, customer.id, g.title(), g.description(i), status(g.rng, i, len(g.d.times)), created, updated,
			g.priority(), assignee, int64(1 + n + g.rng.IntN(3))})
		for _, tag := range g.tags() {
			tagRows = append(tagRows, []any{id, tag})
		}
		ids = append(ids, id)
	}
	t, err := conn.CopyFrom(ctx, pgx.Identifier{"tickets"},
		[]string{"id", "customer_id", "title", "description", "status", "created_at", "updated_at", "priority", "assignee_id", "version"},
		pgx.CopyFromRows(trows))
	if err != nil {
		return 0, 0, fmt.Errorf("copy tickets: %w", err)
	}
	m, err := conn.CopyFrom(ctx, pgx.Identifier{"messages"},
		[]string{"id", "ticket_id", "author_id", "sender", "content", "created_at"}, pgx.CopyFromRows(mrows))
	if err != nil {
		return 0, 0, fmt.Errorf("copy messages: %w", err)
	}
	if _, err := conn.CopyFrom(ctx, pgx.Identifier{"ticket_tags"}, []string{"ticket_id", "tag"}, pgx.CopyFromRows(tagRows)); err != nil {
		return 0, 0, fmt.Errorf("copy ticket_tags: %w", err)
	}
	// What the triggers of migration 00009 would have written, in one statement per batch.
	if _, err := conn.Exec(ctx, `UPDATE tickets SET search = to_tsvector('english', title || ' ' || description || ' ' ||
		coalesce((SELECT string_agg(content, ' ' ORDER BY created_at, id) FROM messages WHERE ticket_id = tickets.id), ''))
		WHERE id = ANY($1)`, ids); err != nil {
		return 0, 0, fmt.Errorf("full text: %w", err)
	}
	return t, m, nil
}

// status: older tickets are mostly closed, which is what a real table looks
// like; the newest 5% are still being worked on.
func status(rng *mrand.Rand, i, n int) string {
	r := rng.IntN(100)
	if i < n-n/20 { // old: 90% closed, the rest resolved or left open or pending
		switch {
		case r < 90:
			return "closed"
		case r < 96:
			return "resolved"
		case r < 98:
			return "pending"
		}
		return "open"
	}
	switch {
	case r < 40:
		return "open"
	case r < 60:
		return "pending"
	case r < 80:
		return "resolved"
	}
	return "closed"
}

// priority: mostly normal, a few urgent.
func (g *generator) priority() string {
	switch r := g.rng.IntN(100); {
	case r < 20:
		return "low"
	case r < 80:
		return "normal"
	case r < 95:
		return "high"
	}
	return "urgent"
}

// tagVocabulary is the desk's tags; each ticket has 0-3 of them.
var tagVocabulary = []string{"billing", "bug", "feature-request", "login", "mobile", "integration",
	"refund", "vip", "security", "onboarding", "performance", "export"}

func (g *generator) tags() []string {
	n := g.rng.IntN(4)
	perm := g.rng.Perm(len(tagVocabulary))
	out := make([]string, n)
	for i := range n {
		out[i] = tagVocabulary[perm[i]]
	}
	return out
}

var (
	titles = []string{
		"Cannot reset my password", "Invoice shows the wrong VAT", "Calendar sync stopped working",
		"CSV import fails on line 1", "App is slow since the update", "Refund for a double charge",
		"How do I change my email?", "Two-factor codes are rejected", "Webhook deliveries time out",
		"Export is missing attachments", "Slack integration posts twice", "Cannot add a team member",
	}
	words = strings.Fields(`the account page shows an error when I try to save my settings and nothing
		happens after I click the button again I have cleared the cache tried another browser and
		the mobile app but the problem is still there could you please look into it as soon as
		possible thanks for the quick reply we checked the logs and found a sync conflict on your
		workspace which we have now resolved please let us know if it happens again invoice
		payment card plan export import calendar webhook token password email team member`)

	// vocabulary is words, then 8,000 made-up three-syllable words, drawn with
	// Zipf's law as words of real text are: a few very common, a long tail of
	// rare ones. The full-text benchmark needs both (a uniform draw over a
	// hundred words made every word common and skewed the planner's statistics).
	vocabulary = append(words, madeUpWords()...)
)

// The Zipf parameters: with about 300 words a ticket, a word of rank 100 is in
// about a quarter of the tickets, rank 1,000 in a few percent, the last in 0.3%.
const (
	zipfS = 1.07
	zipfV = 2
)

var syllables = strings.Fields("ka lo mi ru ton vak zel dor pim gur bat nok fen hax jor quil wub tir sap dun")

func madeUpWords() []string {
	n := len(syllables)
	out := make([]string, 0, n*n*n)
	for i := range n * n * n {
		out = append(out, syllables[i%n]+syllables[i/n%n]+syllables[i/(n*n)])
	}
	return out
}

// benchWords are words of each frequency for the queue's full-text benchmark:
// common, a few percent, rare, in one ticket (the target's order number), in none.
func benchWords(d *dataset) string {
	return fmt.Sprintf("BENCH_WORD_COMMON=password\nBENCH_WORD_MID=%s\nBENCH_WORD_RARE=%s\nBENCH_WORD_SINGLE=%s\nBENCH_WORD_ABSENT=zzqxj\n",
		vocabulary[1000], vocabulary[len(vocabulary)-1], orderNumber(d.targetIdx))
}

func (g *generator) title() string { return titles[g.rng.IntN(len(titles))] }

// description is text; a third of them (and the target ticket's) quote an
// order number unique to the ticket, the kind of token agents search for.
func (g *generator) description(i int) string {
	text := g.text(60, 1200)
	if i%3 == 0 || i == g.d.targetIdx {
		text += " order " + orderNumber(i)
	}
	return text
}

func orderNumber(i int) string { return strconv.Itoa(10_000_000 + i) }

// text is between lo and hi bytes of words.
func (g *generator) text(lo, hi int) string {
	n := lo + g.rng.IntN(hi-lo)
	g.buf.Reset()
	for g.buf.Len() < n {
		if g.buf.Len() > 0 {
			g.buf.WriteByte(' ')
		}
		g.buf.WriteString(vocabulary[g.zipf.Uint64()])
	}
	return g.buf.String()
}

// newV7 is a UUIDv7 (RFC 9562) for time t: the 48-bit Unix millisecond, then the
// sub-millisecond fraction in the 12 rand_a bits (method 3, so ids of rows a
// microsecond apart still sort in time order), then random bits.
func newV7(t time.Time, rng *mrand.Rand) uuid.UUID {
	var u uuid.UUID
	us := t.UnixMicro()
	ms, frac := us/1000, us%1000
	subMs := uint16(frac * 4096 / 1000)
	u[0], u[1], u[2], u[3], u[4], u[5] = byte(ms>>40), byte(ms>>32), byte(ms>>24), byte(ms>>16), byte(ms>>8), byte(ms)
	u[6] = 0x70 | byte(subMs>>8)
	u[7] = byte(subMs)
	r := rng.Uint64()
	for i := 8; i < 16; i++ {
		u[i] = byte(r >> (8 * (i - 8)))
	}
	u[8] = u[8]&0x3f | 0x80 // variant 10
	return u
}
