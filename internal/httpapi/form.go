package httpapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"

	"github.com/danielgtaylor/huma/v2"
)

// formFormat decodes application/x-www-form-urlencoded bodies into the same structs and
// validation as JSON, so OAuth2 password-flow clients (Swagger UI's Authorize) can log in.
// Every value decodes as a string, which is all the login form has.
var formFormat = huma.Format{
	Marshal: func(io.Writer, any) error { return errors.New("form responses are not supported") },
	Unmarshal: func(data []byte, v any) error {
		if trimmed := bytes.TrimSpace(data); len(trimmed) > 0 && trimmed[0] == '{' {
			// A JSON body sent with curl -d's default form type: read it as JSON.
			return json.Unmarshal(trimmed, v)
		}
		vals, err := url.ParseQuery(string(data))
		if err != nil {
			return err
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

// documentFormLogin lists the form media type for the login body in the OpenAPI document.
func documentFormLogin(api huma.API) {
	op := api.OpenAPI().Paths["/auth/login"].Post
	op.RequestBody.Content["application/x-www-form-urlencoded"] = &huma.MediaType{
		Schema: op.RequestBody.Content["application/json"].Schema,
	}
}

func loginOperation() huma.Operation {
	o := op("login", http.MethodPost, "/auth/login", "Log in and get a bearer token", "auth", 0, nil, 401, 422)
	o.Description = "Takes JSON `{\"username\", \"password\"}` or an OAuth2 password-flow form. `username` is the email."
	return o
}
