package httpapi

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/supportd/supportd/internal/ratelimit"
	"github.com/supportd/supportd/internal/support"
)

// RateLimiter takes one request from a key's quota under a policy (ratelimit.Limiter).
type RateLimiter interface {
	Allow(ctx context.Context, key string, limit ratelimit.Limit) (ratelimit.Result, error)
}

// RateLimits are the request buckets. Every request draws from User (when it carries
// a valid bearer token, per user) or IP (otherwise, per client IP); signups, logins
// and writes (new tickets, messages and notes) also draw from a stricter bucket of
// their own. An off limit is skipped.
type RateLimits struct {
	User, IP, Signup, Login, Write ratelimit.Limit
}

// draw is one bucket a request takes from, and, once taken, the answer.
type draw struct {
	limit ratelimit.Limit
	key   string
	res   ratelimit.Result
}

// rateLimit applies the buckets to every request that reaches it (all routes, the
// docs, unmatched paths, CORS preflights), sets the RateLimit-Policy and RateLimit
// headers (draft-ietf-httpapi-ratelimit-headers-10) for the buckets taken from, and
// answers 429 when one is empty. The route's own bucket is taken from first, so a
// request it refuses leaves the general quota alone.
func (s *Server) rateLimit(next http.Handler) http.Handler {
	if s.deps.Limiter == nil {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r, draws, kind := s.buckets(r)
		var buf [2]draw
		taken := buf[:0]
		for _, d := range draws {
			if d.limit.Off() {
				continue
			}
			res, err := s.deps.Limiter.Allow(r.Context(), d.key, d.limit)
			if err != nil { // the client left; let the handler notice
				break
			}
			d.res = res
			taken = append(taken, d)
			if !res.Allowed {
				s.tooManyRequests(w, r, taken, kind)
				return
			}
		}
		setRateLimitHeaders(w.Header(), taken)
		next.ServeHTTP(w, r)
	})
}

// buckets returns the buckets r draws from, the route's own first, and whether the
// general one is per "user" or per "ip". A bearer token is only verified here
// (signature and expiry, no database) and the outcome kept for authentication,
// which comes later and confirms the user.
func (s *Server) buckets(r *http.Request) (*http.Request, []draw, string) {
	lim, kind := s.deps.RateLimits, "ip"
	ipk := ipKey(clientIP(r.Context()))
	general := draw{limit: lim.IP, key: ipk}
	if tok := bearerToken(r.Header.Get("Authorization")); tok != "" && s.deps.Auth != nil {
		var c support.Caller
		var err error
		if r, c, err = s.withIdentity(r, tok); err == nil {
			kind, general = "user", draw{limit: lim.User, key: c.UserID}
		}
	}
	if r.Method != http.MethodPost { // every stricter bucket is for a POST
		return r, []draw{general}, kind
	}
	var own draw
	switch _, pattern := s.mux.Handler(r); pattern {
	case "POST /auth/signup":
		own = draw{limit: lim.Signup, key: ipk}
	case "POST /auth/login":
		own = draw{limit: lim.Login, key: ipk}
	case "POST /tickets", "POST /tickets/{id}/messages", "POST /tickets/{id}/notes":
		if kind == "user" { // anonymous writes are refused anyway (401)
			own = draw{limit: lim.Write, key: general.key}
		}
	}
	if own.limit.Off() {
		return r, []draw{general}, kind
	}
	return r, []draw{own, general}, kind
}

// tooManyRequests answers 429 for the last bucket in taken, and logs it.
func (s *Server) tooManyRequests(w http.ResponseWriter, r *http.Request, taken []draw, kind string) {
	d := taken[len(taken)-1]
	retry := retrySeconds(d.res)
	h := w.Header()
	setRateLimitHeaders(h, taken)
	h.Set("Retry-After", strconv.Itoa(retry))
	h.Set("Cache-Control", "no-store")
	s.countRateLimited(d.limit.Name)
	s.log.WarnContext(r.Context(), "rate limited", "bucket", d.limit.Name, "key", kind, // the logger adds the client
		"method", r.Method, "path", r.URL.Path)
	writeJSONProblem(w, http.StatusTooManyRequests,
		fmt.Sprintf("rate limit %q exceeded: %s; retry in %d s", d.limit.Name, d.limit, retry))
}

// setRateLimitHeaders writes, for each bucket taken from,
//
//	RateLimit-Policy: "user";q=300;w=60
//	RateLimit: "user";r=299;t=1
//
// t being the seconds until the quota is whole again, or, for a bucket that
// refused the request, until it allows one (the Retry-After).
func setRateLimitHeaders(h http.Header, taken []draw) {
	if len(taken) == 0 {
		return
	}
	var policy, state []byte
	for i, d := range taken {
		if i > 0 {
			policy, state = append(policy, ", "...), append(state, ", "...)
		}
		policy = strconv.AppendQuote(policy, d.limit.Name)
		policy = append(policy, ";q="...)
		policy = strconv.AppendInt(policy, int64(d.limit.Count), 10)
		policy = append(policy, ";w="...)
		policy = strconv.AppendInt(policy, int64(d.limit.Period/time.Second), 10)
		t := ceilSeconds(d.res.ResetAfter)
		if !d.res.Allowed {
			t = retrySeconds(d.res)
		}
		state = strconv.AppendQuote(state, d.limit.Name)
		state = append(state, ";r="...)
		state = strconv.AppendInt(state, int64(d.res.Remaining), 10)
		state = append(state, ";t="...)
		state = strconv.AppendInt(state, int64(t), 10)
	}
	h.Set("RateLimit-Policy", string(policy))
	h.Set("RateLimit", string(state))
}

// retrySeconds is a refused request's Retry-After: whole seconds, at least 1.
func retrySeconds(res ratelimit.Result) int { return max(1, ceilSeconds(res.RetryAfter)) }

// ceilSeconds rounds up to whole seconds, forgiving a microsecond of float noise
// from Redis so 12.000000001s stays 12.
func ceilSeconds(d time.Duration) int {
	if d <= time.Microsecond {
		return 0
	}
	return int((d - time.Microsecond + time.Second - 1) / time.Second)
}
