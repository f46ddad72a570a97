package httpapi

import (
	"context"
	"time"

	"github.com/supportd/supportd/internal/support"
)

// adminTag groups the account-management operations in the API description.
const adminTag = "admin"

// AccountOut is an account as an admin sees it.
type AccountOut struct {
	ID            string     `json:"id" format:"uuid"`
	Email         string     `json:"email" format:"email"`
	Name          string     `json:"name" doc:"Display name; may be empty"`
	Role          string     `json:"role" enum:"customer,agent,admin"`
	Active        bool       `json:"active" doc:"False once deactivated: the account can neither log in nor use its tokens"`
	DeactivatedAt *time.Time `json:"deactivated_at,omitempty" nullable:"false" doc:"When it was deactivated; absent while active"`
	DeletedAt     *time.Time `json:"deleted_at,omitempty" nullable:"false" doc:"When its owner deleted it (the email and name are gone); absent otherwise"`
	CreatedAt     time.Time  `json:"created_at"`
	UpdatedAt     time.Time  `json:"updated_at"`
}

func toAccountOut(u *support.User) AccountOut {
	out := AccountOut{ID: u.ID, Email: u.Email, Name: u.Name, Role: string(u.Role), Active: u.Active(),
		CreatedAt: u.CreatedAt, UpdatedAt: u.UpdatedAt}
	if !u.Active() {
		out.DeactivatedAt = &u.DeactivatedAt
	}
	if !u.DeletedAt.IsZero() {
		out.DeletedAt = &u.DeletedAt
	}
	return out
}

type accountOutput struct{ Body AccountOut }

type createAccountInput struct {
	Body struct {
		Email    string `json:"email" format:"email" maxLength:"254" example:"agent@example.com"`
		Password string `json:"password" minLength:"8" maxLength:"128" example:"a long passphrase"`
		Name     string `json:"name,omitempty" maxLength:"100" example:"Ada Agent"`
		Role     string `json:"role" enum:"customer,agent,admin" example:"agent"`
	}
}

func (s *Server) createAccount(ctx context.Context, in *createAccountInput) (*accountOutput, error) {
	u, err := s.deps.Auth.CreateAccount(ctx, actorFrom(ctx), support.NewAccount{Email: in.Body.Email,
		Password: in.Body.Password, Name: in.Body.Name, Role: support.Role(in.Body.Role)})
	if err != nil {
		return nil, s.apiError(ctx, err)
	}
	return &accountOutput{Body: toAccountOut(u)}, nil
}

type listAccountsInput struct {
	PageQuery
	Role   string `query:"role" enum:"customer,agent,admin" doc:"Only accounts with this role"`
	Status string `query:"status" enum:"active,deactivated" doc:"Only active or only deactivated accounts"`
	Query  string `query:"q" maxLength:"200" doc:"Text found anywhere in the email or the name, case-insensitively" example:"example.com"`
}

type listAccountsOutput struct {
	Link string `header:"Link" doc:"RFC 8288 link to the next page, present while more accounts remain"`
	Body []AccountOut
}

func (s *Server) listAccounts(ctx context.Context, in *listAccountsInput) (*listAccountsOutput, error) {
	f := support.UserFilter{Role: support.Role(in.Role), Status: support.UserStatus(in.Status), Query: in.Query, Limit: in.Limit}
	page, err := s.deps.Auth.ListUsers(ctx, actorFrom(ctx), f, in.Cursor)
	if err != nil {
		return nil, s.apiError(ctx, err)
	}
	out := &listAccountsOutput{Body: make([]AccountOut, len(page.Users))}
	for i := range page.Users {
		out.Body[i] = toAccountOut(&page.Users[i])
	}
	q := pageParams("cursor", page.NextCursor, in.Limit)
	for k, v := range map[string]string{"role": in.Role, "status": in.Status, "q": in.Query} {
		if v != "" {
			q.Set(k, v)
		}
	}
	if page.NextCursor != "" {
		out.Link = s.link("/admin/users", q, "next")
	}
	return out, nil
}

type accountIDInput struct {
	ID string `path:"id" doc:"Account id"`
}

func (s *Server) getAccount(ctx context.Context, in *accountIDInput) (*accountOutput, error) {
	u, err := s.deps.Auth.Account(ctx, actorFrom(ctx), in.ID)
	if err != nil {
		return nil, s.apiError(ctx, err)
	}
	return &accountOutput{Body: toAccountOut(u)}, nil
}

type changeAccountInput struct {
	ID   string `path:"id" doc:"Account id"`
	Body struct {
		Name   *string `json:"name,omitempty" maxLength:"100" doc:"New display name"`
		Role   *string `json:"role,omitempty" enum:"customer,agent,admin" doc:"New role: applies from the account's next request"`
		Active *bool   `json:"active,omitempty" doc:"false deactivates the account (its tokens stop working at once); true reactivates it"`
	}
}

func (s *Server) changeAccount(ctx context.Context, in *changeAccountInput) (*accountOutput, error) {
	ch := support.AccountChange{Name: in.Body.Name, Active: in.Body.Active}
	if in.Body.Role != nil {
		r := support.Role(*in.Body.Role)
		ch.Role = &r
	}
	u, err := s.deps.Auth.ChangeAccount(ctx, actorFrom(ctx), in.ID, ch)
	if err != nil {
		return nil, s.apiError(ctx, err)
	}
	return &accountOutput{Body: toAccountOut(u)}, nil
}

func (s *Server) endSessions(ctx context.Context, in *accountIDInput) (*struct{}, error) {
	if err := s.deps.Auth.EndSessions(ctx, actorFrom(ctx), in.ID); err != nil {
		return nil, s.apiError(ctx, err)
	}
	return nil, nil
}

// AuditOut is one entry of the audit log.
type AuditOut struct {
	ID         int64             `json:"id"`
	At         time.Time         `json:"at"`
	Action     string            `json:"action" example:"account.role_changed"`
	ActorID    string            `json:"actor_id" doc:"Who acted; empty for an anonymous action such as a failed login"`
	TargetType string            `json:"target_type" example:"user"`
	TargetID   string            `json:"target_id"`
	ClientIP   string            `json:"client_ip"`
	RequestID  string            `json:"request_id"`
	Detail     map[string]string `json:"detail" doc:"What changed, e.g. from and to of a role"`
}

type listAuditInput struct {
	Limit    int       `query:"limit" doc:"Page size: default 50, values above 100 are treated as 100" example:"20"`
	Cursor   string    `query:"cursor" doc:"Opaque cursor from the previous page's Link header"`
	Action   string    `query:"action" maxLength:"64" doc:"Only this action, e.g. auth.login_failed" example:"auth.login_failed"`
	ActorID  string    `query:"actor_id" maxLength:"64" doc:"Only actions by this account"`
	TargetID string    `query:"target_id" maxLength:"64" doc:"Only actions on this account, session or article"`
	Since    time.Time `query:"since" doc:"Only entries at or after this time (RFC 3339)"`
	Until    time.Time `query:"until" doc:"Only entries before this time (RFC 3339)"`
}

type listAuditOutput struct {
	Link string `header:"Link" doc:"RFC 8288 link to the next (older) page, present while more entries remain"`
	Body []AuditOut
}

func (s *Server) listAudit(ctx context.Context, in *listAuditInput) (*listAuditOutput, error) {
	f := support.AuditFilter{Action: in.Action, ActorID: in.ActorID, TargetID: in.TargetID, Since: in.Since,
		Until: in.Until, Limit: in.Limit}
	page, err := s.deps.Audit.ListAudit(ctx, actorFrom(ctx), f, in.Cursor)
	if err != nil {
		return nil, s.apiError(ctx, err)
	}
	out := &listAuditOutput{Body: make([]AuditOut, len(page.Entries))}
	for i := range page.Entries {
		out.Body[i] = toAuditOut(&page.Entries[i])
	}
	if page.NextCursor != "" {
		q := pageParams("cursor", page.NextCursor, in.Limit)
		for k, v := range map[string]string{"action": in.Action, "actor_id": in.ActorID, "target_id": in.TargetID} {
			if v != "" {
				q.Set(k, v)
			}
		}
		for k, v := range map[string]time.Time{"since": in.Since, "until": in.Until} {
			if !v.IsZero() {
				q.Set(k, v.Format(time.RFC3339Nano))
			}
		}
		out.Link = s.link("/admin/audit", q, "next")
	}
	return out, nil
}

func toAuditOut(e *support.AuditEntry) AuditOut {
	detail := e.Detail
	if detail == nil {
		detail = map[string]string{}
	}
	return AuditOut{ID: e.ID, At: e.At, Action: e.Action, ActorID: e.ActorID, TargetType: e.TargetType,
		TargetID: e.TargetID, ClientIP: e.ClientIP, RequestID: e.RequestID, Detail: detail}
}
