package httpapi

import (
	"context"
	"net/http"
	"strings"

	"github.com/danielgtaylor/huma/v2"

	"github.com/supportd/supportd/internal/logging"
	"github.com/supportd/supportd/internal/support"
)

type signupInput struct {
	IdempotencyKey string `header:"Idempotency-Key" doc:"Makes a retry safe: a key you generate per request (1 to 255 printable ASCII characters, e.g. a UUID; bare or as a quoted string). The first answer is kept 24 hours and replayed to a retry with the same key and the same request, with Idempotent-Replayed: true. Keys are per client IP address." example:"8e03978e-40d5-43e8-bc93-6894a57f9324"`
	Body           struct {
		Email    string `json:"email" doc:"A valid address, at most 254 characters; unique regardless of case" example:"ada@example.com"`
		Password string `json:"password" doc:"8 to 128 characters, used exactly as given" example:"correct horse battery"`
	}
}

type userOutput struct{ Body UserOut }

func (s *Server) signup(ctx context.Context, in *signupInput) (*userOutput, error) {
	u, err := s.deps.Auth.Signup(ctx, support.Credentials{Email: in.Body.Email, Password: in.Body.Password,
		ClientIP: clientIP(ctx)})
	if err != nil {
		return nil, s.apiError(ctx, err)
	}
	return &userOutput{Body: toUserOut(u)}, nil
}

type loginInput struct {
	Body struct {
		Username string `json:"username" doc:"The account's email" example:"ada@example.com"`
		Password string `json:"password" example:"correct horse battery"`
		// OAuth2 password-flow clients send grant_type, scope, client_id and client_secret too.
		GrantType string   `json:"grant_type,omitempty" enum:"password"`
		_         struct{} `additionalProperties:"true"`
	}
}

type tokenOutput struct {
	CacheControl string `header:"Cache-Control"`
	Body         TokenOut
}

func (s *Server) login(ctx context.Context, in *loginInput) (*tokenOutput, error) {
	pair, err := s.deps.Auth.Login(ctx, support.Credentials{Email: in.Body.Username, Password: in.Body.Password,
		ClientIP: clientIP(ctx)})
	if err != nil {
		return nil, s.apiError(ctx, err)
	}
	return s.tokenResponse(pair), nil
}

// tokenResponse is the OAuth2 token response for a login or a refresh.
func (s *Server) tokenResponse(p *support.TokenPair) *tokenOutput {
	return &tokenOutput{CacheControl: "no-store", Body: TokenOut{AccessToken: p.AccessToken, TokenType: "bearer",
		ExpiresIn: int(s.deps.TokenTTL.Seconds()), RefreshToken: p.RefreshToken}}
}

// clientIP is the request's client address as the client-IP middleware found it
// (the peer, or the client a trusted proxy forwarded for); "" if unknown.
func clientIP(ctx context.Context) string {
	if f := logging.FieldsFrom(ctx); f != nil {
		return f.ClientIP
	}
	return ""
}

type (
	actorKey  struct{}
	callerKey struct{}
)

// authenticate runs before every operation that declares security: it resolves the bearer
// token to an Actor that handlers pass to the services, which do the authorization. The
// reply stream gets a Caller instead: its service confirms the user while reading the
// ticket, one database round trip fewer before the first token.
func (s *Server) authenticate(ctx huma.Context, next func(huma.Context)) {
	if len(ctx.Operation().Security) == 0 {
		next(ctx)
		return
	}
	if id := ctx.Operation().OperationID; id == opLiveEvents || id == opLiveSocket {
		a, err := s.liveActor(ctx)
		s.proceed(ctx, next, actorKey{}, a, a.UserID, err)
		return
	}
	if ctx.Operation().OperationID == opAIResponse {
		c, err := s.caller(ctx)
		s.proceed(ctx, next, callerKey{}, c, c.UserID, err)
		return
	}
	a, err := s.authenticateBearer(ctx.Context(), bearerToken(ctx.Header("Authorization")))
	s.proceed(ctx, next, actorKey{}, a, a.UserID, err)
}

// proceed answers err, or runs next with who (an Actor or a Caller) under key.
func (s *Server) proceed(ctx huma.Context, next func(huma.Context), key, who any, userID string, err error) {
	if err != nil {
		s.writeProblem(ctx, err)
		return
	}
	if info := infoFrom(ctx.Context()); info != nil {
		info.SetUserID(userID)
	}
	next(huma.WithValue(ctx, key, who))
}

func actorFrom(ctx context.Context) support.Actor {
	a, _ := ctx.Value(actorKey{}).(support.Actor)
	return a
}

func callerFrom(ctx context.Context) support.Caller {
	c, _ := ctx.Value(callerKey{}).(support.Caller)
	return c
}

func bearerToken(header string) string {
	scheme, token, ok := strings.Cut(header, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return ""
	}
	return strings.TrimSpace(token)
}

// caller identifies the reply stream's bearer token or, when there is none, its
// stream token.
func (s *Server) caller(ctx huma.Context) (support.Caller, error) {
	bearer := bearerToken(ctx.Header("Authorization"))
	if tok := ctx.Query("stream_token"); bearer == "" && tok != "" {
		return s.deps.Assistant.RedeemStreamToken(ctx.Context(), tok, ctx.Param("id"))
	}
	return s.identify(ctx.Context(), bearer)
}

// identity is a bearer token verified once per request: the rate limiter keys the
// request by its user, and authentication then reuses the verification (a JWT
// check costs ~9 us, docs/benchmarks.md).
type identity struct {
	token  string
	caller support.Caller
	err    error
}

type identityKey struct{}

// withIdentity verifies token and keeps the outcome in the request's context.
func (s *Server) withIdentity(r *http.Request, token string) (*http.Request, support.Caller, error) {
	c, err := s.deps.Auth.Identify(token)
	return r.WithContext(context.WithValue(r.Context(), identityKey{}, &identity{token, c, err})), c, err
}

// identify verifies token, unless the rate limiter already did.
func (s *Server) identify(ctx context.Context, token string) (support.Caller, error) {
	if id, ok := ctx.Value(identityKey{}).(*identity); ok && id.token == token {
		return id.caller, id.err
	}
	return s.deps.Auth.Identify(token)
}

// authenticateBearer is AuthService.Authenticate with the request's verification.
func (s *Server) authenticateBearer(ctx context.Context, token string) (support.Actor, error) {
	c, err := s.identify(ctx, token)
	if err != nil {
		return support.Actor{}, err
	}
	return s.deps.Auth.Confirm(ctx, c)
}
