package support

import "testing"

func TestTicketPolicy(t *testing.T) {
	own := &Ticket{CustomerID: "c1"}
	for _, tt := range []struct {
		actor  Actor
		view   bool
		sender Sender
		scope  string
		staff  bool
	}{
		{Actor{UserID: "c1", Role: RoleCustomer}, true, SenderUser, "c1", false},
		{Actor{UserID: "c2", Role: RoleCustomer}, false, SenderUser, "c2", false},
		{Actor{UserID: "a1", Role: RoleAgent}, true, SenderAgent, "", true},
		{Actor{UserID: "x1", Role: RoleAdmin}, true, SenderAgent, "", true},
	} {
		if got := tt.actor.canViewTicket(own); got != tt.view {
			t.Errorf("%+v canViewTicket = %v", tt.actor, got)
		}
		if got := tt.actor.sender(); got != tt.sender {
			t.Errorf("%+v sender = %q", tt.actor, got)
		}
		if got := tt.actor.ticketScope(); got != tt.scope {
			t.Errorf("%+v ticketScope = %q", tt.actor, got)
		}
		if got := tt.actor.SeesAIAccounting(); got != tt.staff {
			t.Errorf("%+v SeesAIAccounting = %v", tt.actor, got)
		}
	}
	if signupRole != RoleCustomer {
		t.Errorf("signup creates %q accounts", signupRole)
	}
}

func TestKBPolicy(t *testing.T) {
	for _, tt := range []struct {
		actor      Actor
		read, edit Code
	}{
		{Actor{UserID: "u", Role: RoleCustomer}, "", CodeForbidden},
		{Actor{UserID: "u", Role: RoleAgent}, "", ""},
		{Actor{UserID: "u", Role: RoleAdmin}, "", ""},
		{Actor{}, CodeUnauthorized, CodeUnauthorized},
		{Actor{UserID: "u", Role: "root"}, CodeUnauthorized, CodeUnauthorized},
	} {
		if got := codeOf(canReadKB(tt.actor)); got != tt.read {
			t.Errorf("canReadKB(%+v) = %q, want %q", tt.actor, got, tt.read)
		}
		if got := codeOf(canEditKB(tt.actor)); got != tt.edit {
			t.Errorf("canEditKB(%+v) = %q, want %q", tt.actor, got, tt.edit)
		}
	}
}

func codeOf(err error) Code {
	if err == nil {
		return ""
	}
	return ErrorCode(err)
}
