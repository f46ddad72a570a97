package app_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/supportd/supportd/internal/auth"
)

func TestSignup(t *testing.T) {
	forEachEngine(t, func(t *testing.T, in *instance) {
		r := in.call(http.MethodPost, "/auth/signup", "", map[string]string{"email": "  Ada@Example.com ", "password": "mellow otter 8"})
		expect(t, r, http.StatusCreated)
		var u map[string]any
		r.json(t, &u)
		if u["email"] != "Ada@example.com" || u["role"] != "customer" || u["id"] == "" || u["created_at"] == nil {
			t.Errorf("signup body %s", r.body)
		}
		for _, secret := range []string{"password", "hash", "mellow otter 8", "argon2"} {
			if strings.Contains(strings.ToLower(string(r.body)), secret) {
				t.Errorf("signup response leaks %q: %s", secret, r.body)
			}
		}

		t.Run("duplicate in other case", func(t *testing.T) {
			r := in.call(http.MethodPost, "/auth/signup", "", map[string]string{"email": "ada@EXAMPLE.com", "password": "another password"})
			expect(t, r, http.StatusConflict)
			r.detail(t)
		})
		cases := []struct {
			name string
			body map[string]any
		}{
			{"malformed email", map[string]any{"email": "not-an-email", "password": "mellow otter 8"}},
			{"email without domain dot", map[string]any{"email": "a@b", "password": "mellow otter 8"}},
			{"email with display name", map[string]any{"email": "Ada <ada2@example.com>", "password": "mellow otter 8"}},
			{"short password", map[string]any{"email": "short@example.com", "password": "1234567"}},
			{"over-long password", map[string]any{"email": "long@example.com", "password": strings.Repeat("p", 129)}},
			{"role field", map[string]any{"email": "role@example.com", "password": "mellow otter 8", "role": "admin"}},
			{"id field", map[string]any{"email": "id@example.com", "password": "mellow otter 8", "id": "x"}},
			{"missing password", map[string]any{"email": "nopass@example.com"}},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				r := in.call(http.MethodPost, "/auth/signup", "", c.body)
				expect(t, r, http.StatusUnprocessableEntity)
				r.detail(t)
			})
		}
		t.Run("128-char password accepted as given", func(t *testing.T) {
			pw := strings.Repeat("é", 128)
			in.signupLogin("maxpw@example.com", pw)
			r := in.call(http.MethodPost, "/auth/login", "", map[string]string{"username": "maxpw@example.com", "password": pw[:len(pw)-2]})
			expect(t, r, http.StatusUnauthorized)
		})
	})
}

func TestLogin(t *testing.T) {
	forEachEngine(t, func(t *testing.T, in *instance) {
		u := in.signupLogin("grace@example.com", "correct horse battery")
		t.Run("json", func(t *testing.T) {
			if tok := in.login("GRACE@example.com", "correct horse battery"); tok == "" {
				t.Fatal("no token")
			}
		})
		t.Run("form", func(t *testing.T) {
			r := in.form("/auth/login", url.Values{"username": {u.Email}, "password": {"correct horse battery"},
				"grant_type": {"password"}, "scope": {""}, "client_id": {"swagger"}})
			expect(t, r, http.StatusOK)
			if !strings.Contains(string(r.body), `"token_type":"bearer"`) {
				t.Errorf("form login body %s", r.body)
			}
		})
		wrong := in.call(http.MethodPost, "/auth/login", "", map[string]string{"username": u.Email, "password": "wrong password"})
		unknown := in.call(http.MethodPost, "/auth/login", "", map[string]string{"username": "nobody@example.com", "password": "wrong password"})
		expect(t, wrong, http.StatusUnauthorized)
		expect(t, unknown, http.StatusUnauthorized)
		if string(wrong.body) != string(unknown.body) {
			t.Errorf("wrong password and unknown user differ:\n%s\n%s", wrong.body, unknown.body)
		}
		if wrong.header.Get("WWW-Authenticate") != "Bearer" {
			t.Errorf("missing WWW-Authenticate on 401")
		}
		r := in.form("/auth/login", url.Values{"username": {u.Email}})
		expect(t, r, http.StatusUnprocessableEntity)
	})
}

func TestTokenAttacks(t *testing.T) {
	forEachEngine(t, func(t *testing.T, in *instance) {
		u := in.newUser()
		now := time.Now()
		claims := func(mut func(*jwt.RegisteredClaims)) jwt.RegisteredClaims {
			c := jwt.RegisteredClaims{Subject: u.ID, Issuer: "supportd", Audience: jwt.ClaimStrings{auth.Audience},
				IssuedAt: jwt.NewNumericDate(now), ExpiresAt: jwt.NewNumericDate(now.Add(time.Hour))}
			if mut != nil {
				mut(&c)
			}
			return c
		}
		sign := func(m jwt.SigningMethod, key any, c jwt.RegisteredClaims) string {
			tok := jwt.NewWithClaims(m, c)
			tok.Header["typ"] = "at+jwt"
			s, err := tok.SignedString(key)
			if err != nil {
				t.Fatal(err)
			}
			return s
		}
		key := []byte(testSecret)
		valid := sign(jwt.SigningMethodHS256, key, claims(nil))
		expect(t, in.call(http.MethodGet, "/tickets", valid, nil), http.StatusOK)

		parts := strings.Split(valid, ".")
		noneTok := sign(jwt.SigningMethodNone, jwt.UnsafeAllowNoneSignatureType, claims(nil))
		attacks := map[string]string{
			"missing":        "",
			"malformed":      "not.a.jwt",
			"garbage":        "abc",
			"alg none":       noneTok,
			"empty sig":      parts[0] + "." + parts[1] + ".",
			"HS512":          sign(jwt.SigningMethodHS512, key, claims(nil)),
			"wrong key":      sign(jwt.SigningMethodHS256, []byte("another-secret-key-that-is-long-enough!!"), claims(nil)),
			"expired":        sign(jwt.SigningMethodHS256, key, claims(func(c *jwt.RegisteredClaims) { c.ExpiresAt = jwt.NewNumericDate(now.Add(-2 * time.Minute)) })),
			"no exp":         sign(jwt.SigningMethodHS256, key, claims(func(c *jwt.RegisteredClaims) { c.ExpiresAt = nil })),
			"wrong audience": sign(jwt.SigningMethodHS256, key, claims(func(c *jwt.RegisteredClaims) { c.Audience = jwt.ClaimStrings{"other"} })),
			"wrong issuer":   sign(jwt.SigningMethodHS256, key, claims(func(c *jwt.RegisteredClaims) { c.Issuer = "evil" })),
			"not yet valid":  sign(jwt.SigningMethodHS256, key, claims(func(c *jwt.RegisteredClaims) { c.NotBefore = jwt.NewNumericDate(now.Add(10 * time.Minute)) })),
			"unknown user":   sign(jwt.SigningMethodHS256, key, claims(func(c *jwt.RegisteredClaims) { c.Subject = "0193a0b0-0000-7000-8000-000000000000" })),
		}
		for name, tok := range attacks {
			t.Run(name, func(t *testing.T) {
				r := in.call(http.MethodGet, "/tickets", tok, nil)
				expect(t, r, http.StatusUnauthorized)
				r.detail(t)
				if r.header.Get("WWW-Authenticate") != "Bearer" {
					t.Errorf("WWW-Authenticate = %q", r.header.Get("WWW-Authenticate"))
				}
			})
		}
		t.Run("deleted user", func(t *testing.T) {
			// Deleted directly in the database right after using the token: refused at once.
			v := in.newUser()
			expect(t, in.call(http.MethodGet, "/tickets", v.Token, nil), http.StatusOK)
			deleteUser(t, in, v.ID)
			r := in.call(http.MethodGet, "/tickets", v.Token, nil)
			expect(t, r, http.StatusUnauthorized)
			if r.header.Get("WWW-Authenticate") != "Bearer" {
				t.Errorf("WWW-Authenticate = %q", r.header.Get("WWW-Authenticate"))
			}
		})
	})
}

// curl -d sends JSON with a form content type: it is refused with 415, naming the
// right type, not guessed at; signup takes no form at all (inputs_test.go).
func TestJSONBodyWithFormContentType(t *testing.T) {
	in := start(t, "sqlite", nil)
	in.signupLogin("curl@example.com", "correct horse battery")
	r := in.do(http.MethodPost, "/auth/login", "", strings.NewReader(`{"username": "curl@example.com", "password": "correct horse battery"}`),
		"application/x-www-form-urlencoded")
	expect(t, r, http.StatusUnsupportedMediaType)
	if d := r.detail(t); !strings.Contains(d, "Content-Type: application/json") {
		t.Errorf("detail %q does not name the type to send", d)
	}
	if strings.Contains(string(r.body), "correct horse battery") {
		t.Errorf("415 repeats the password: %s", r.body)
	}
}

func deleteUser(t *testing.T, in *instance, id string) {
	t.Helper()
	if _, err := in.app.DB.SQL().Exec("DELETE FROM users WHERE id = $1", id); err != nil {
		t.Fatal(err)
	}
}

// With AUTH_CACHE_TTL set, a token's user lookup is trusted for that long: a user
// deleted behind supportd's back is refused within it, not at once.
func TestAuthCacheTTL(t *testing.T) {
	t.Run("1s: deleted user refused within the TTL", func(t *testing.T) {
		in := start(t, "sqlite", map[string]string{"AUTH_CACHE_TTL": "1s"})
		v := in.newUser()
		expect(t, in.call(http.MethodGet, "/tickets", v.Token, nil), http.StatusOK)
		deleteUser(t, in, v.ID)
		deadline := time.Now().Add(5 * time.Second)
		for {
			r := in.call(http.MethodGet, "/tickets", v.Token, nil)
			if r.status == http.StatusUnauthorized {
				break
			}
			expect(t, r, http.StatusOK)
			if time.Now().After(deadline) {
				t.Fatal("a deleted user's token is still accepted 5 s later with AUTH_CACHE_TTL=1s")
			}
			time.Sleep(50 * time.Millisecond)
		}
	})
	t.Run("1m: the cached user is trusted, a new token's user is looked up", func(t *testing.T) {
		in := start(t, "sqlite", map[string]string{"AUTH_CACHE_TTL": "1m"})
		v, w := in.newUser(), in.newUser()
		expect(t, in.call(http.MethodGet, "/tickets", v.Token, nil), http.StatusOK)
		deleteUser(t, in, v.ID)
		deleteUser(t, in, w.ID)
		expect(t, in.call(http.MethodGet, "/tickets", v.Token, nil), http.StatusOK)
		expect(t, in.call(http.MethodGet, "/tickets", w.Token, nil), http.StatusUnauthorized)
	})
}
