package app_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/supportd/supportd/internal/auth"
	"github.com/supportd/supportd/internal/support"
)

// A password on the shipped common-password list is refused wherever a new one is
// set (ASVS 5.0 6.2.4), and never at login: an account that already has one
// still logs in.
func TestCommonPassword(t *testing.T) {
	forEachEngine(t, func(t *testing.T, in *instance) {
		t.Run("signup refused", func(t *testing.T) {
			for _, pw := range []string{"password", "123456789", "Qwertyuiop", "iloveyou", "PASSWORD1"} {
				email := "common-" + strings.ToLower(pw) + "@example.com"
				r := in.call(http.MethodPost, "/auth/signup", "", map[string]string{"email": email, "password": pw})
				expect(t, r, http.StatusUnprocessableEntity)
				r.detail(t)
				var p struct {
					Errors []struct {
						Location string `json:"location"`
						Message  string `json:"message"`
						Value    any    `json:"value"`
					} `json:"errors"`
				}
				r.json(t, &p)
				if len(p.Errors) != 1 || p.Errors[0].Location != "body.password" ||
					!strings.Contains(p.Errors[0].Message, "too common") || p.Errors[0].Value != nil {
					t.Errorf("%q: errors %+v, want one on body.password saying it is too common, without the value", pw, p.Errors)
				}
				if strings.Contains(string(r.body), `"`+pw+`"`) { // as a JSON string: a value
					t.Errorf("%q: the 422 repeats the password: %s", pw, r.body)
				}
				// Nothing was created: the address is still free.
				in.signupLogin(email, "correct horse battery")
			}
		})
		t.Run("user create refused", func(t *testing.T) {
			_, err := in.app.Auth.CreateUser(context.Background(),
				support.Credentials{Email: "common-agent@example.com", Password: "letmein1"}, support.RoleAgent)
			if support.ErrorCode(err) != support.CodeInvalid {
				t.Fatalf("CreateUser with a common password: %v, want %s", err, support.CodeInvalid)
			}
		})
		t.Run("login of an existing account still works", func(t *testing.T) {
			const email, pw = "legacy@example.com", "password"
			hasher, err := auth.NewHasher(fastArgon, 1)
			if err != nil {
				t.Fatal(err)
			}
			hash, err := hasher.Hash(context.Background(), pw)
			if err != nil {
				t.Fatal(err)
			}
			// Straight into the store, as an account made before the list existed.
			u := &support.User{Email: email, EmailKey: email, PasswordHash: hash, Role: support.RoleCustomer}
			if err := in.app.DB.CreateUser(context.Background(), u); err != nil {
				t.Fatalf("CreateUser: %v", err)
			}
			tok := in.login(email, pw)
			expect(t, in.call(http.MethodGet, "/tickets", tok, nil), http.StatusOK)
		})
	})
}
