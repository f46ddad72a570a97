package app_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/google/uuid"

	"github.com/supportd/supportd/internal/app"
	"github.com/supportd/supportd/internal/config"
	"github.com/supportd/supportd/internal/store/storetest"
)

// Addresses are normalised (NFKC, trimmed, domain lower-cased) before they are
// stored or compared, and invisible characters are refused, so an address that
// looks like a registered one cannot be registered again.
func TestEmailLookalikes(t *testing.T) {
	forEachEngine(t, func(t *testing.T, in *instance) {
		local := "ada" + strings.ReplaceAll(uuid.NewString(), "-", "")[:8]
		email := local + "@example.com"
		r := in.call(http.MethodPost, "/auth/signup", "", map[string]string{"email": local + "@EXAMPLE.com", "password": "correct horse battery"})
		expect(t, r, http.StatusCreated)
		var u map[string]any
		r.json(t, &u)
		if u["email"] != email {
			t.Errorf("stored email %v, want %s (domain lower-cased)", u["email"], email)
		}
		fullwidth := "ａ" + email[1:] // U+FF41 FULLWIDTH LATIN SMALL LETTER A
		duplicates := map[string]string{
			"fullwidth letter":  fullwidth,
			"fullwidth domain":  local + "@ｅｘａｍｐｌｅ.com",
			"ideographic space": "\u3000" + email,
		}
		for name, e := range duplicates {
			t.Run(name, func(t *testing.T) {
				r := in.call(http.MethodPost, "/auth/signup", "", map[string]string{"email": e, "password": "correct horse battery"})
				expect(t, r, http.StatusConflict)
			})
		}
		invisible := map[string]string{
			"zero-width space":       local[:2] + "\u200b" + local[2:] + "@example.com",
			"zero-width joiner":      local + "\u200d@example.com",
			"bidi override":          "\u202e" + email,
			"soft hyphen":            local[:1] + "\u00ad" + local[1:] + "@example.com",
			"variation selector":     local + "\ufe0f@example.com",
			"word joiner in domain":  local + "@exam\u2060ple.com",
			"control character":      local + "\u0007@example.com",
			"hangul filler":          local + "\u3164@example.com",
			"left-to-right mark end": email + "\u200e",
		}
		for name, e := range invisible {
			t.Run(name, func(t *testing.T) {
				r := in.call(http.MethodPost, "/auth/signup", "", map[string]string{"email": e, "password": "correct horse battery"})
				expect(t, r, http.StatusUnprocessableEntity)
				if !strings.Contains(string(r.body), "invisible") {
					t.Errorf("422 does not say why: %s", r.body)
				}
			})
		}
		t.Run("login normalises the same way", func(t *testing.T) {
			if in.login(fullwidth, "correct horse battery") == "" {
				t.Fatal("no token")
			}
		})
	})
}

// Form bodies are taken only by POST /auth/login, and only when they are form
// data: Swagger UI's Authorize and curl -d 'username=..&password=..' log in,
// everything else gets 415 naming the type to send.
func TestFormBodiesOnlyForLogin(t *testing.T) {
	in := start(t, "sqlite", nil)
	u := in.newUser()
	const form = "application/x-www-form-urlencoded"
	t.Run("login form, as curl -d sends it", func(t *testing.T) {
		body := "username=" + url.QueryEscape(u.Email) + "&password=correct horse battery"
		r := in.do(http.MethodPost, "/auth/login", "", strings.NewReader(body), form)
		expect(t, r, http.StatusOK)
	})
	t.Run("login form with charset", func(t *testing.T) {
		body := url.Values{"username": {u.Email}, "password": {"correct horse battery"}, "grant_type": {"password"}}.Encode()
		expect(t, in.do(http.MethodPost, "/auth/login", "", strings.NewReader(body), form+"; charset=UTF-8"), http.StatusOK)
	})
	refused := []struct {
		name, path, token, body string
	}{
		{"JSON body as login form", "/auth/login", "", `{"username": "` + u.Email + `", "password": "correct horse battery"}`},
		{"JSON array as login form", "/auth/login", "", ` [{"username": "x"}]`},
		{"signup form", "/auth/signup", "", "email=form%40example.com&password=correct+horse+battery"},
		{"signup JSON as form", "/auth/signup", "", `{"email": "form@example.com", "password": "correct horse battery"}`},
		{"ticket form", "/tickets", u.Token, "title=Hello&description=World"},
	}
	for _, c := range refused {
		t.Run(c.name, func(t *testing.T) {
			r := in.do(http.MethodPost, c.path, c.token, strings.NewReader(c.body), form)
			expect(t, r, http.StatusUnsupportedMediaType)
			if d := r.detail(t); !strings.Contains(d, "Content-Type: application/json") {
				t.Errorf("detail %q does not name the type to send", d)
			}
			if strings.Contains(string(r.body), "correct horse battery") || strings.Contains(string(r.body), "correct+horse") {
				t.Errorf("415 repeats the password: %s", r.body)
			}
		})
	}
	r := in.call(http.MethodGet, "/tickets", u.Token, nil)
	expect(t, r, http.StatusOK)
	if strings.Contains(string(r.body), "Hello") {
		t.Error("the refused form created a ticket")
	}
	var doc struct {
		Paths map[string]map[string]struct {
			RequestBody struct {
				Content map[string]any `json:"content"`
			} `json:"requestBody"`
		} `json:"paths"`
	}
	in.call(http.MethodGet, "/openapi.json", "", nil).json(t, &doc)
	if _, ok := doc.Paths["/auth/login"]["post"].RequestBody.Content[form]; !ok {
		t.Error("OpenAPI does not list the login form (Swagger UI's Authorize needs it)")
	}
	if _, ok := doc.Paths["/auth/signup"]["post"].RequestBody.Content[form]; ok {
		t.Error("OpenAPI lists a form body for signup")
	}
}

// The placeholder SECRET_KEY once shipped in .env.example is refused in
// development too, by the configuration and by app.New.
func TestPlaceholderSecretKeyRefused(t *testing.T) {
	env := map[string]string{"SECRET_KEY": config.ExampleSecretKey, "DATA_DIR": t.TempDir()}
	if _, err := config.Load(func(k string) string { return env[k] }); err == nil || !strings.Contains(err.Error(), "SECRET_KEY") {
		t.Fatalf("config.Load: %v, want the placeholder refused", err)
	}
	delete(env, "SECRET_KEY")
	env["DATABASE_URL"] = storetest.NewURL(t, "sqlite")
	cfg, err := config.Load(func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	cfg.SecretKey = config.ExampleSecretKey
	a, err := app.New(context.Background(), cfg, slog.New(slog.NewTextHandler(io.Discard, nil)), app.Options{Argon2: &fastArgon})
	if err == nil {
		a.Close()
		t.Fatal("app.New accepted the placeholder key")
	}
	if !strings.Contains(err.Error(), "SECRET_KEY") {
		t.Fatalf("app.New: %v", err)
	}
}
