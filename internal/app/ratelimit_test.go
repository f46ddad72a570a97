package app_test

import (
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/supportd/supportd/internal/ratelimit/ratelimittest"
	"github.com/supportd/supportd/internal/relay/relaytest"
	"github.com/supportd/supportd/internal/store/storetest"
	"github.com/supportd/supportd/internal/support"
)

// bucketEnv gives each bucket a small hourly quota (emission intervals: ip 600 s,
// signup 1800 s, login 1200 s, user 450 s, write 1200 s). 127.0.0.1 is a trusted
// proxy, so each part of a test is a client of its own through X-Forwarded-For.
var bucketEnv = map[string]string{"TRUSTED_PROXIES": "127.0.0.1/32", "RATE_LIMIT_IP": "6/1h", "RATE_LIMIT_SIGNUP": "2/1h",
	"RATE_LIMIT_LOGIN": "3/1h", "RATE_LIMIT_USER": "8/1h", "RATE_LIMIT_WRITE": "3/1h"}

func signupBody() map[string]string {
	return map[string]string{"email": "u-" + uuid.NewString() + "@example.com", "password": "correct horse battery"}
}

func TestSignupBucket(t *testing.T) {
	forEachLimiter(t, bucketEnv, func(t *testing.T, in *limited) {
		const ip = "198.51.100.1"
		first := signupBody()
		r := in.from(ip, "POST", "/auth/signup", "", first)
		expect(t, r, http.StatusCreated)
		in.expectQuotas(r, quota{"signup", 1, 1800}, quota{"ip", 5, 600})
		if p := r.header.Get("RateLimit-Policy"); p != `"signup";q=2;w=3600, "ip";q=6;w=3600` {
			t.Fatalf("RateLimit-Policy %q", p)
		}
		r = in.from(ip, "POST", "/auth/signup", "", signupBody())
		expect(t, r, http.StatusCreated)
		in.expectQuotas(r, quota{"signup", 0, 3600}, quota{"ip", 4, 1200})
		for range 2 {
			in.expectLimited(in.from(ip, "POST", "/auth/signup", "", signupBody()), "signup", `"signup";q=2;w=3600`,
				"2 requests per hour", 1800)
		}
		// Refused signups took nothing from the general quota, nor from login's.
		r = in.from(ip, "GET", "/healthz", "", nil)
		expect(t, r, http.StatusOK)
		in.expectQuotas(r, quota{"ip", 3, 1800})
		r = in.from(ip, "POST", "/auth/login", "", map[string]string{"username": first["email"], "password": first["password"]})
		expect(t, r, http.StatusOK)
		in.expectQuotas(r, quota{"login", 2, 1200}, quota{"ip", 2, 2400})
		if n := len(in.logs.Lines(`"msg":"rate limited"`, `"bucket":"signup"`, `"key":"ip"`, `"client":"`+ip+`"`)); n != 2 {
			t.Fatalf("%d log lines for two refused signups, want 2", n)
		}
	})
}

func TestLoginBucket(t *testing.T) {
	forEachLimiter(t, bucketEnv, func(t *testing.T, in *limited) {
		const ip = "198.51.100.2"
		alice := in.newUser() // from 127.0.0.1
		for i := range 3 {
			r := in.from(ip, "POST", "/auth/login", "", map[string]string{"username": alice.Email, "password": "correct horse battery"})
			expect(t, r, http.StatusOK)
			in.expectQuotas(r, quota{"login", 2 - i, 1200 * (i + 1)}, quota{"ip", 5 - i, 600 * (i + 1)})
		}
		in.expectLimited(in.from(ip, "POST", "/auth/login", "", map[string]string{"username": alice.Email, "password": "correct horse battery"}),
			"login", `"login";q=3;w=3600`, "3 requests per hour", 1200)
		// Another client logs in; this one may still sign up.
		expect(t, in.from("198.51.100.22", "POST", "/auth/login", "", map[string]string{"username": alice.Email, "password": "correct horse battery"}), http.StatusOK)
		r := in.from(ip, "POST", "/auth/signup", "", signupBody())
		expect(t, r, http.StatusCreated)
		in.expectQuotas(r, quota{"signup", 1, 1800}, quota{"ip", 2, 2400})
	})
}

func TestIPBucketCoversEveryPath(t *testing.T) {
	forEachLimiter(t, bucketEnv, func(t *testing.T, in *limited) {
		const ip = "198.51.100.3"
		paths := []struct {
			path   string
			status int
		}{{"/healthz", 200}, {"/openapi.json", 200}, {"/docs", 200}, {"/no/such/route", 404}, {"/readyz", 200}, {"/tickets", 401}}
		for i, p := range paths {
			r := in.from(ip, "GET", p.path, "", nil)
			expect(t, r, p.status)
			in.expectQuotas(r, quota{"ip", 5 - i, 600 * (i + 1)})
			if pol := r.header.Get("RateLimit-Policy"); pol != `"ip";q=6;w=3600` {
				t.Fatalf("%s: RateLimit-Policy %q", p.path, pol)
			}
		}
		for _, p := range paths {
			in.expectLimited(in.from(ip, "GET", p.path, "", nil), "ip", `"ip";q=6;w=3600`, "6 requests per hour", 600)
		}
		// A token that does not verify is anonymous: it draws from the IP's quota.
		in.expectLimited(in.from(ip, "GET", "/tickets", "not-a-token", nil), "ip", `"ip";q=6;w=3600`, "6 requests per hour", 600)
		// Other clients are not affected.
		expect(t, in.from("198.51.100.33", "GET", "/healthz", "", nil), http.StatusOK)
	})
}

func TestUserBucket(t *testing.T) {
	forEachLimiter(t, bucketEnv, func(t *testing.T, in *limited) {
		const ip = "198.51.100.4"
		alice := in.newUser()
		for i := range 8 {
			r := in.from(ip, "GET", "/tickets", alice.Token, nil)
			expect(t, r, http.StatusOK)
			in.expectQuotas(r, quota{"user", 7 - i, 450 * (i + 1)})
		}
		in.expectLimited(in.from(ip, "GET", "/tickets", alice.Token, nil), "user", `"user";q=8;w=3600`, "8 requests per hour", 450)
		// The same user from anywhere else is the same quota; anonymous requests from
		// this client are not.
		in.expectLimited(in.from("198.51.100.44", "GET", "/healthz", alice.Token, nil), "user", `"user";q=8;w=3600`, "8 requests per hour", 450)
		r := in.from(ip, "GET", "/healthz", "", nil)
		expect(t, r, http.StatusOK)
		in.expectQuotas(r, quota{"ip", 5, 600})
		bob := in.newUser()
		expect(t, in.from(ip, "GET", "/tickets", bob.Token, nil), http.StatusOK)
		// A write takes from the write quota first; the user quota then refuses it:
		// both are reported.
		r = in.from(ip, "POST", "/tickets", alice.Token, map[string]string{"title": "Hello"})
		expect(t, r, http.StatusTooManyRequests)
		in.expectQuotas(r, quota{"write", 2, 1200}, quota{"user", 0, 450})
		if !strings.Contains(r.detail(t), `rate limit "user" exceeded`) || r.header.Get("Retry-After") == "" {
			t.Fatalf("write refused by the user quota: %s %v", r.body, r.header)
		}
	})
}

func TestWriteBucket(t *testing.T) {
	forEachLimiter(t, bucketEnv, func(t *testing.T, in *limited) {
		const ip = "198.51.100.5"
		bob := in.newUser()
		var ticketID string
		for i := range 3 {
			r := in.from(ip, "POST", "/tickets", bob.Token, map[string]string{"title": "Ticket " + strconv.Itoa(i)})
			expect(t, r, http.StatusCreated)
			in.expectQuotas(r, quota{"write", 2 - i, 1200 * (i + 1)}, quota{"user", 7 - i, 450 * (i + 1)})
			var tk ticketJSON
			r.json(t, &tk)
			ticketID = tk.ID
		}
		in.expectLimited(in.from(ip, "POST", "/tickets", bob.Token, map[string]string{"title": "One more"}),
			"write", `"write";q=3;w=3600`, "3 requests per hour", 1200)
		in.expectLimited(in.from(ip, "POST", "/tickets/"+ticketID+"/messages", bob.Token, map[string]string{"content": "Hi"}),
			"write", `"write";q=3;w=3600`, "3 requests per hour", 1200)
		// Reads go on: the refused writes took nothing from the user quota.
		r := in.from(ip, "GET", "/tickets/"+ticketID, bob.Token, nil)
		expect(t, r, http.StatusOK)
		in.expectQuotas(r, quota{"user", 4, 1800})
		// Staff notes are writes too.
		agent := in.newStaff(support.RoleAgent)
		for i := range 3 {
			r := in.from(ip, "POST", "/tickets/"+ticketID+"/notes", agent.Token, map[string]string{"content": "Note " + strconv.Itoa(i)})
			expect(t, r, http.StatusCreated)
			in.expectQuotas(r, quota{"write", 2 - i, 1200 * (i + 1)}, quota{"user", 7 - i, 450 * (i + 1)})
		}
		in.expectLimited(in.from(ip, "POST", "/tickets/"+ticketID+"/notes", agent.Token, map[string]string{"content": "One more"}),
			"write", `"write";q=3;w=3600`, "3 requests per hour", 1200)
		// Another user writes freely.
		carol := in.newUser()
		r = in.from(ip, "POST", "/tickets", carol.Token, map[string]string{"title": "Mine"})
		expect(t, r, http.StatusCreated)
		in.expectQuotas(r, quota{"write", 2, 1200}, quota{"user", 7, 450})
	})
}

func TestRateLimitWindowRefillsWithTheClock(t *testing.T) {
	for _, engine := range engines(t) {
		t.Run(engine, func(t *testing.T) {
			t.Parallel()
			in := startLimited(t, engine, map[string]string{"RATE_LIMIT_IP": "3/1m"}, limitedOpts{})
			for i := range 3 {
				in.expectQuotas(in.from("", "GET", "/healthz", "", nil), quota{"ip", 2 - i, 20 * (i + 1)})
			}
			in.expectLimited(in.from("", "GET", "/healthz", "", nil), "ip", `"ip";q=3;w=60`, "3 requests per minute", 20)
			in.clock.Advance(19 * time.Second)
			in.expectLimited(in.from("", "GET", "/healthz", "", nil), "ip", `"ip";q=3;w=60`, "3 requests per minute", 1)
			in.clock.Advance(time.Second)
			r := in.from("", "GET", "/healthz", "", nil)
			expect(t, r, http.StatusOK)
			in.expectQuotas(r, quota{"ip", 0, 60})
			in.expectLimited(in.from("", "GET", "/healthz", "", nil), "ip", `"ip";q=3;w=60`, "3 requests per minute", 20)
			in.clock.Advance(time.Hour) // idle: the quota is whole, not more
			for range 3 {
				expect(t, in.from("", "GET", "/healthz", "", nil), http.StatusOK)
			}
			in.expectLimited(in.from("", "GET", "/healthz", "", nil), "ip", `"ip";q=3;w=60`, "3 requests per minute", 20)
		})
	}
}

func TestLimitsOffSendNoHeaders(t *testing.T) {
	in := startLimited(t, "sqlite", map[string]string{"RATE_LIMIT_IP": "off", "RATE_LIMIT_USER": "off"}, limitedOpts{})
	u := in.newUser()
	for range 5 {
		r := in.from("", "GET", "/tickets", u.Token, nil)
		expect(t, r, http.StatusOK)
		if r.header.Get("RateLimit") != "" {
			t.Fatalf("limits off, yet RateLimit %q", r.header.Get("RateLimit"))
		}
	}
}

func TestTwoInstancesShareRedisLimits(t *testing.T) {
	redisURL, prefix := relaytest.URL(t), rlPrefix()
	env := map[string]string{"DATABASE_URL": storetest.NewURL(t, "postgres"), "TRUSTED_PROXIES": "127.0.0.1/32",
		"RATE_LIMIT_IP": "4/1h", "RATE_LIMIT_USER": "5/1h"}
	a := startLimited(t, "postgres", env, limitedOpts{redisURL: redisURL, prefix: prefix})
	b := startLimited(t, "postgres", env, limitedOpts{redisURL: redisURL, prefix: prefix})
	both := []*limited{a, b}
	admitted := 0
	for i := range 10 {
		if r := both[i%2].from("198.51.100.6", "GET", "/healthz", "", nil); r.status == http.StatusOK {
			admitted++
		}
	}
	if admitted != 4 {
		t.Fatalf("two instances admitted %d anonymous requests, want 4 in total", admitted)
	}
	u := a.newUser()
	var remaining []int
	for i := range 10 {
		r := both[i%2].from("198.51.100.7", "GET", "/tickets", u.Token, nil)
		if r.status == http.StatusOK {
			remaining = append(remaining, parseRateLimit(t, r.header.Get("RateLimit"))[0].r)
		}
	}
	if len(remaining) != 5 || remaining[0] != 4 || remaining[4] != 0 {
		t.Fatalf("user quota across two instances: remaining %v, want 4 3 2 1 0", remaining)
	}
	if a.app.Limiter.Fallbacks()+b.app.Limiter.Fallbacks() != 0 {
		t.Fatal("fallbacks with Redis up")
	}
}

func TestRedisCutFallsBackToLocalLimits(t *testing.T) {
	redisURL := relaytest.URL(t)
	for _, engine := range engines(t) {
		t.Run(engine, func(t *testing.T) {
			t.Parallel()
			proxy := ratelimittest.NewProxy(t, redisURL)
			in := startLimited(t, engine, map[string]string{"RATE_LIMIT_IP": "4/1h"},
				limitedOpts{redisURL: proxy.URL(redisURL), prefix: rlPrefix()})
			for i := range 2 {
				r := in.from("", "GET", "/healthz", "", nil)
				expect(t, r, http.StatusOK)
				in.expectQuotas(r, quota{"ip", 3 - i, 900 * (i + 1)})
			}
			proxy.Cut()
			// Redis is gone: the instance's own limiter answers, from a whole quota.
			for i := range 4 {
				r := in.from("", "GET", "/healthz", "", nil)
				expect(t, r, http.StatusOK)
				if q := parseRateLimit(t, r.header.Get("RateLimit")); q[0].r != 3-i {
					t.Fatalf("request %d after the cut: RateLimit %q", i+1, r.header.Get("RateLimit"))
				}
			}
			r := in.from("", "GET", "/healthz", "", nil)
			expect(t, r, http.StatusTooManyRequests)
			if r.header.Get("Retry-After") != "900" {
				t.Fatalf("local 429: Retry-After %q", r.header.Get("Retry-After"))
			}
			if n := in.app.Limiter.Fallbacks(); n != 5 {
				t.Fatalf("fallbacks %d, want 5", n)
			}
			if n := len(in.logs.Lines(`"level":"WARN"`, "rate limiter: Redis fails")); n != 1 {
				t.Fatalf("outage logged %d times, want once", n)
			}
		})
	}
}

func TestForwardedForIsTrustedOnlyFromTrustedProxies(t *testing.T) {
	for _, engine := range engines(t) {
		t.Run(engine, func(t *testing.T) {
			t.Parallel()
			direct := startLimited(t, engine, map[string]string{"RATE_LIMIT_IP": "2/1h"}, limitedOpts{})
			expect(t, direct.from("198.51.100.8", "GET", "/healthz", "", nil), http.StatusOK)
			expect(t, direct.from("198.51.100.9", "GET", "/healthz", "", nil), http.StatusOK)
			// Spoofed addresses are ignored: every request was 127.0.0.1's.
			direct.expectLimited(direct.from("198.51.100.10", "GET", "/healthz", "", nil), "ip", `"ip";q=2;w=3600`, "2 requests per hour", 1800)
			if len(direct.logs.Lines(`"msg":"request"`, `"client":"198.51.100.`)) != 0 || len(direct.logs.Lines(`"msg":"request"`, `"client":"127.0.0.1"`)) != 3 {
				t.Fatal("the request log took its client from an untrusted X-Forwarded-For")
			}

			proxied := startLimited(t, engine, map[string]string{"RATE_LIMIT_IP": "2/1h", "TRUSTED_PROXIES": "127.0.0.1/32"}, limitedOpts{})
			expect(t, proxied.from("198.51.100.8", "GET", "/healthz", "", nil), http.StatusOK)
			expect(t, proxied.from("198.51.100.8", "GET", "/healthz", "", nil), http.StatusOK)
			// The client cannot escape by prepending an address of its choice.
			proxied.expectLimited(proxied.from("203.0.113.1, 198.51.100.8", "GET", "/healthz", "", nil), "ip", `"ip";q=2;w=3600`, "2 requests per hour", 1800)
			expect(t, proxied.from("198.51.100.9", "GET", "/healthz", "", nil), http.StatusOK)
			r := proxied.from("", "GET", "/healthz", "", nil, "Forwarded", `for="[2001:db8::1]:4711";proto=https`)
			expect(t, r, http.StatusOK)
			proxied.expectQuotas(r, quota{"ip", 1, 1800})
			// IPv6 clients share their /64.
			r = proxied.from("2001:db8::2", "GET", "/healthz", "", nil)
			proxied.expectQuotas(r, quota{"ip", 0, 3600})
			if n := len(proxied.logs.Lines(`"msg":"request"`, `"client":"198.51.100.8"`)); n != 3 {
				t.Fatalf("%d request lines name the forwarded client, want 3", n)
			}
			if n := len(proxied.logs.Lines(`"msg":"rate limited"`, `"client":"198.51.100.8"`)); n != 1 {
				t.Fatalf("%d rate-limited lines for the forwarded client, want 1", n)
			}
		})
	}
}
