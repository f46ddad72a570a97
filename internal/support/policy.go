package support

// This file is the whole authorization policy: every rule about what an actor may
// see or do is here, and the services ask it. A new role or rule changes this
// file, not the services or the HTTP handlers.

// signupRole is the role of accounts created through the API: roles are never
// taken from a request. Agents and admins are created by an operator
// (supportd user create, AuthService.CreateUser).
const signupRole = RoleCustomer

// errKBStaffOnly is the answer to a customer trying to change the knowledge base.
var errKBStaffOnly = Errorf(CodeForbidden, "Only agents and admins can change the knowledge base")

// IsStaff reports whether r works tickets on behalf of the company.
func (r Role) IsStaff() bool { return r == RoleAgent || r == RoleAdmin }

// canViewTicket is the object-level rule: customers see only their own tickets,
// staff see every ticket. Anything a caller cannot view is reported as not found.
func (a Actor) canViewTicket(t *Ticket) bool {
	return a.Role.IsStaff() || t.CustomerID == a.UserID
}

// sender is how the actor's messages are labelled in a thread.
func (a Actor) sender() Sender {
	if a.Role.IsStaff() {
		return SenderAgent
	}
	return SenderUser
}

// ticketScope limits listings: customers list their own tickets, staff list all.
func (a Actor) ticketScope() string {
	if a.Role.IsStaff() {
		return ""
	}
	return a.UserID
}

// SeesAIAccounting reports whether the actor is shown the AI's accounting of a
// reply (provider, model, tokens, timings) in messages and in the reply's done
// event: staff are, customers are not.
func (a Actor) SeesAIAccounting() bool { return a.Role.IsStaff() }

// canReadKB lets every signed-in user read and search the help center.
func canReadKB(a Actor) error {
	if a.UserID == "" || !a.Role.Valid() {
		return ErrUnauthenticated // the API authenticates first; this guards other callers
	}
	return nil
}

// canEditKB lets only staff create, change and delete help-center articles.
// Importing (supportd kb import) is an operator's command, outside this policy.
func canEditKB(a Actor) error {
	if err := canReadKB(a); err != nil {
		return err
	}
	if !a.Role.IsStaff() {
		return errKBStaffOnly
	}
	return nil
}
