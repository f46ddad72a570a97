package httpapi

import (
	"context"
	"strings"

	"github.com/danielgtaylor/huma/v2"

	"github.com/supportd/supportd/internal/support"
)

type signupInput struct {
	Body struct {
		Email    string `json:"email" doc:"A valid address, at most 254 characters; unique regardless of case" example:"ada@example.com"`
		Password string `json:"password" doc:"8 to 128 characters, used exactly as given" example:"correct horse battery"`
	}
}

type userOutput struct{ Body UserOut }

func (s *Server) signup(ctx context.Context, in *signupInput) (*userOutput, error) {
	u, err := s.deps.Auth.Signup(ctx, support.Credentials{Email: in.Body.Email, Password: in.Body.Password})
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
	token, err := s.deps.Auth.Login(ctx, support.Credentials{Email: in.Body.Username, Password: in.Body.Password})
	if err != nil {
		return nil, s.apiError(ctx, err)
	}
	return &tokenOutput{CacheControl: "no-store", Body: TokenOut{AccessToken: token, TokenType: "bearer",
		ExpiresIn: int(s.deps.TokenTTL.Seconds())}}, nil
}

type actorKey struct{}

// authenticate runs before every operation that declares security: it resolves the bearer
// token to an Actor that handlers pass to the services, which do the authorization.
func (s *Server) authenticate(ctx huma.Context, next func(huma.Context)) {
	if len(ctx.Operation().Security) == 0 {
		next(ctx)
		return
	}
	actor, err := s.actor(ctx)
	if err != nil {
		s.writeProblem(ctx, err)
		return
	}
	if info := infoFrom(ctx.Context()); info != nil {
		info.SetUserID(actor.UserID)
	}
	next(huma.WithValue(ctx, actorKey{}, actor))
}

func actorFrom(ctx context.Context) support.Actor {
	a, _ := ctx.Value(actorKey{}).(support.Actor)
	return a
}

func bearerToken(header string) string {
	scheme, token, ok := strings.Cut(header, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return ""
	}
	return strings.TrimSpace(token)
}

// actor authenticates the bearer token or, on the reply stream only, a stream token.
func (s *Server) actor(ctx huma.Context) (support.Actor, error) {
	bearer := bearerToken(ctx.Header("Authorization"))
	if tok := ctx.Query("stream_token"); bearer == "" && tok != "" && ctx.Operation().OperationID == "ai-response" {
		return s.deps.Assistant.RedeemStreamToken(ctx.Context(), tok, ctx.Param("id"))
	}
	return s.deps.Auth.Authenticate(ctx.Context(), bearer)
}
