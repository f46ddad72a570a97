package httpapi

import (
	"context"
	"time"

	"github.com/supportd/supportd/internal/support"
)

type healthOutput struct {
	Body struct {
		Status  string `json:"status" example:"ok"`
		Version string `json:"version,omitempty"`
	}
}

func (s *Server) healthz(ctx context.Context, _ *struct{}) (*healthOutput, error) {
	out := &healthOutput{}
	out.Body.Status, out.Body.Version = "ok", s.deps.Version
	return out, nil
}

func (s *Server) readyz(ctx context.Context, _ *struct{}) (*healthOutput, error) {
	pctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	if err := s.deps.DB.Ping(pctx); err != nil {
		return nil, s.apiError(ctx, &support.Error{Code: support.CodeUnavailable, Message: "database unavailable", Err: err})
	}
	out := &healthOutput{}
	out.Body.Status, out.Body.Version = "ready", s.deps.Version
	return out, nil
}
