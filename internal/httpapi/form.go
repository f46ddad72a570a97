package httpapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"

	"github.com/danielgtaylor/huma/v2"
)

// formFormat decodes application/x-www-form-urlencoded bodies into the same structs and
// validation as JSON, so OAuth2 password-flow clients (Swagger UI's Authorize, curl -d)
// can log in. Every value decodes as a string, which is all the login form has. Only
// the login operation takes it (formsOnlyForLogin), and only real form data: a JSON
// body sent with a form type (curl -d's default) is refused with 415, naming the
// right type, rather than guessed at.
var formFormat = huma.Format{
	Marshal: func(io.Writer, any) error { return errors.New("form responses are not supported") },
	Unmarshal: func(data []byte, v any) error {
		if trimmed := bytes.TrimSpace(data); len(trimmed) > 0 && (trimmed[0] == '{' || trimmed[0] == '[') {
			return fmt.Errorf("%w: the body is JSON, sent as form data", huma.ErrUnknownContentType)
		}
		vals, err := url.ParseQuery(string(data))
		if err != nil {
			return errors.New("malformed form data")
		}
		m := make(map[string]any, len(vals))
		for k, vs := range vals {
			m[k] = vs[0]
		}
		b, err := json.Marshal(m)
		if err != nil {
			return err
		}
		return json.Unmarshal(b, v)
	},
}

// opLogin is the one operation that takes form bodies.
const opLogin = "login"

// formsOnlyForLogin answers 415 to a form body sent to any operation but login.
func (s *Server) formsOnlyForLogin(ctx huma.Context, next func(huma.Context)) {
	if ctx.Operation().RequestBody != nil && ctx.Operation().OperationID != opLogin && isForm(ctx.Header("Content-Type")) {
		_ = huma.WriteErr(s.api, ctx, http.StatusUnsupportedMediaType, unsupportedMediaType)
		return
	}
	next(ctx)
}

func isForm(contentType string) bool {
	mt, _, err := mime.ParseMediaType(contentType)
	return err == nil && mt == "application/x-www-form-urlencoded"
}

// unsupportedMediaType is the detail of every 415.
const unsupportedMediaType = "unsupported Content-Type: send the body as JSON with Content-Type: application/json " +
	"(POST /auth/login also takes real form data, application/x-www-form-urlencoded)"

// documentFormLogin lists the form media type for the login body in the OpenAPI document.
func documentFormLogin(api huma.API) {
	op := api.OpenAPI().Paths["/auth/login"].Post
	op.RequestBody.Content["application/x-www-form-urlencoded"] = &huma.MediaType{
		Schema: op.RequestBody.Content["application/json"].Schema,
	}
}

func loginOperation() huma.Operation {
	o := op(opLogin, http.MethodPost, "/auth/login", "Log in and get a bearer token", "auth", 0, nil, 401, 415, 422, 429, 503)
	o.Description = "Takes JSON `{\"username\", \"password\"}` or an OAuth2 password-flow form " +
		"(application/x-www-form-urlencoded, form data only). `username` is the email. After repeated failures " +
		"on one account or from one client, attempts are refused with 429 and Retry-After for a growing delay; " +
		"503 with Retry-After when too many passwords are being checked at once."
	return o
}
