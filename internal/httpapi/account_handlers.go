package httpapi

import (
	"context"
	"time"

	"github.com/supportd/supportd/internal/support"
)

// MeOut is the caller's own account.
type MeOut struct {
	ID        string    `json:"id" format:"uuid"`
	Email     string    `json:"email" format:"email"`
	Name      string    `json:"name" doc:"Display name; may be empty"`
	Role      string    `json:"role" enum:"customer,agent,admin"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

func toMeOut(u *support.User) MeOut {
	return MeOut{ID: u.ID, Email: u.Email, Name: u.Name, Role: string(u.Role), CreatedAt: u.CreatedAt, UpdatedAt: u.UpdatedAt}
}

type meOutput struct{ Body MeOut }

func (s *Server) me(ctx context.Context, _ *struct{}) (*meOutput, error) {
	u, err := s.deps.Auth.Me(ctx, actorFrom(ctx))
	if err != nil {
		return nil, s.apiError(ctx, err)
	}
	return &meOutput{Body: toMeOut(u)}, nil
}

type updateMeInput struct {
	Body struct {
		Name            *string `json:"name,omitempty" maxLength:"100" doc:"New display name" example:"Ada Lovelace"`
		Password        *string `json:"password,omitempty" doc:"New password, 8 to 128 characters, not a commonly used one; ends your other sessions and every access token issued before (refresh yours)" example:"a new long passphrase"`
		CurrentPassword string  `json:"current_password,omitempty" doc:"Required with password" example:"correct horse battery"`
	}
}

func (s *Server) updateMe(ctx context.Context, in *updateMeInput) (*meOutput, error) {
	u, err := s.deps.Auth.UpdateMe(ctx, actorFrom(ctx), support.ProfileChange{Name: in.Body.Name,
		Password: in.Body.Password, CurrentPassword: in.Body.CurrentPassword})
	if err != nil {
		return nil, s.apiError(ctx, err)
	}
	return &meOutput{Body: toMeOut(u)}, nil
}

type refreshInput struct {
	Body struct {
		RefreshToken string `json:"refresh_token" maxLength:"200" doc:"The refresh token of the last login or refresh" example:"sdrt_..."`
	}
}

func (s *Server) refresh(ctx context.Context, in *refreshInput) (*tokenOutput, error) {
	pair, err := s.deps.Auth.Refresh(ctx, in.Body.RefreshToken, clientIP(ctx))
	if err != nil {
		return nil, s.apiError(ctx, err)
	}
	return s.tokenResponse(pair), nil
}

func (s *Server) logout(ctx context.Context, _ *struct{}) (*struct{}, error) {
	if err := s.deps.Auth.Logout(ctx, actorFrom(ctx)); err != nil {
		return nil, s.apiError(ctx, err)
	}
	return nil, nil
}

type deleteMeInput struct {
	Body struct {
		Password string `json:"password" maxLength:"128" doc:"The account's password, to confirm" example:"correct horse battery"`
	}
}

func (s *Server) deleteMe(ctx context.Context, in *deleteMeInput) (*struct{}, error) {
	if err := s.deps.Auth.DeleteMe(ctx, actorFrom(ctx), in.Body.Password); err != nil {
		return nil, s.apiError(ctx, err)
	}
	return nil, nil
}

// SessionOut is one login session.
type SessionOut struct {
	ID         string     `json:"id"`
	CreatedAt  time.Time  `json:"created_at"`
	LastUsedAt time.Time  `json:"last_used_at"`
	ExpiresAt  time.Time  `json:"expires_at"`
	RevokedAt  *time.Time `json:"revoked_at,omitempty" nullable:"false" doc:"When it ended; absent while it lives"`
	ClientIP   string     `json:"client_ip"`
}

// ExportTicketOut is one of the caller's tickets with its whole thread.
type ExportTicketOut struct {
	TicketOut
	Messages []MessageOut `json:"messages"`
}

// ExportOut is everything supportd holds about the caller.
type ExportOut struct {
	ExportedAt time.Time         `json:"exported_at"`
	Account    MeOut             `json:"account"`
	Sessions   []SessionOut      `json:"sessions"`
	Tickets    []ExportTicketOut `json:"tickets"`
	Audit      []AuditOut        `json:"audit" doc:"What you did, and what was done to your account"`
}

type exportOutput struct {
	CacheControl       string `header:"Cache-Control"`
	ContentDisposition string `header:"Content-Disposition"`
	Body               ExportOut
}

func (s *Server) exportMe(ctx context.Context, _ *struct{}) (*exportOutput, error) {
	actor := actorFrom(ctx)
	x, err := s.deps.Export.Export(ctx, actor)
	if err != nil {
		return nil, s.apiError(ctx, err)
	}
	staff := actor.SeesAIAccounting()
	out := ExportOut{ExportedAt: x.ExportedAt, Account: toMeOut(x.Account), Sessions: make([]SessionOut, len(x.Sessions)),
		Tickets: make([]ExportTicketOut, len(x.Tickets)), Audit: make([]AuditOut, len(x.Audit))}
	for i, se := range x.Sessions {
		out.Sessions[i] = SessionOut{ID: se.ID, CreatedAt: se.CreatedAt, LastUsedAt: se.LastUsedAt, ExpiresAt: se.ExpiresAt,
			ClientIP: se.ClientIP}
		if !se.RevokedAt.IsZero() {
			out.Sessions[i].RevokedAt = &x.Sessions[i].RevokedAt
		}
	}
	for i := range x.Tickets {
		out.Tickets[i] = ExportTicketOut{TicketOut: toTicketOut(&x.Tickets[i].Ticket),
			Messages: toMessagesOut(x.Tickets[i].Messages, staff)}
	}
	for i := range x.Audit {
		out.Audit[i] = toAuditOut(&x.Audit[i])
	}
	return &exportOutput{CacheControl: "no-store", ContentDisposition: `attachment; filename="supportd-export.json"`, Body: out}, nil
}
