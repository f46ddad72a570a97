package support

import "slices"

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

// customerTicketFilters are the listing filters a customer may use on their own
// tickets; every other filter (priority, assignee, tag, customer, date ranges)
// belongs to the agent queue.
var customerTicketFilters = []string{"status", "q"}

// canFilterTickets lets staff use every filter of the ticket listing and a
// customer only customerTicketFilters (and any sort).
func (a Actor) canFilterTickets(filters []string) error {
	if a.Role.IsStaff() {
		return nil
	}
	for _, f := range filters {
		if !slices.Contains(customerTicketFilters, f) {
			return Errorf(CodeForbidden, "Only agents and admins can filter tickets by %s; customers may filter their own by status and q", f)
		}
	}
	return nil
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

// The ticket workflow (issue 11): who may move a ticket from one status to
// another. Staff move any ticket along staffTransitions; a customer moves only
// their own ticket (they see no other) along customerTransitions. Anything not
// listed is refused with a conflict naming both statuses; setting the current
// status again is no move at all.
var (
	staffTransitions = map[Status][]Status{
		StatusOpen:     {StatusPending, StatusResolved, StatusClosed},
		StatusPending:  {StatusOpen, StatusResolved, StatusClosed},
		StatusResolved: {StatusOpen, StatusClosed},
		StatusClosed:   {StatusOpen},
	}
	customerTransitions = map[Status][]Status{
		StatusOpen:     {StatusClosed},
		StatusPending:  {StatusClosed},
		StatusResolved: {StatusClosed, StatusOpen},
		StatusClosed:   {StatusOpen},
	}
)

// Transitions returns the statuses role may move a ticket to from from.
func Transitions(role Role, from Status) []Status {
	if role.IsStaff() {
		return staffTransitions[from]
	}
	return customerTransitions[from]
}

// canMoveTicket applies the transition table to a ticket the actor may see.
func (a Actor) canMoveTicket(t *Ticket, to Status) error {
	if slices.Contains(Transitions(a.Role, t.Status), to) {
		return nil
	}
	return Errorf(CodeConflict, "A ticket cannot move from %s to %s", t.Status, to)
}

// canChangeTicketFields lets staff change every field of a ticket and a
// customer only its status (within customerTransitions).
func (a Actor) canChangeTicketFields(c TicketChanges) error {
	if a.Role.IsStaff() || (c.Priority == nil && c.AssigneeID == nil && c.Tags == nil) {
		return nil
	}
	return Errorf(CodeForbidden, "Customers can only change a ticket's status")
}

// canBeAssigned: tickets are assigned to active agents and admins only.
func canBeAssigned(u *User) bool { return u.Role.IsStaff() && u.Active() }

// reopensOnMessage: a customer writing on a ticket that waits on them or was
// resolved reopens it.
func (a Actor) reopensOnMessage(t *Ticket) bool {
	return !a.Role.IsStaff() && (t.Status == StatusPending || t.Status == StatusResolved)
}

// acceptsMessages: a closed ticket takes no new messages (nor AI replies) from
// anyone until it is reopened.
func acceptsMessages(t *Ticket) error {
	if t.Status == StatusClosed {
		return errTicketClosed
	}
	return nil
}

var errTicketClosed = Errorf(CodeConflict, "The ticket is closed. Reopen the ticket to continue")

// canUseNotes: internal notes are for staff only; customers never see one.
func canUseNotes(a Actor) error {
	if !a.Role.IsStaff() {
		return errNotesStaffOnly
	}
	return nil
}

var errNotesStaffOnly = Errorf(CodeForbidden, "Only agents and admins can read and write internal notes")

// seesInternalEvents: staff read a ticket's whole history; customers only the
// events that are not internal (notes are).
func (a Actor) seesInternalEvents() bool { return a.Role.IsStaff() }

// errAdminsOnly is the answer to anyone but an admin managing accounts.
var errAdminsOnly = Errorf(CodeForbidden, "Only admins can manage accounts")

// canManageUsers lets only admins create, list, change and deactivate accounts.
func canManageUsers(a Actor) error {
	if a.Role != RoleAdmin {
		return errAdminsOnly
	}
	return nil
}

// canEndSessions lets admins end anyone's sessions, and everyone their own.
func canEndSessions(a Actor, userID string) error {
	if a.UserID == userID {
		return nil
	}
	return canManageUsers(a)
}

// canReadAudit lets only admins read the audit log.
func canReadAudit(a Actor) error {
	if a.Role != RoleAdmin {
		return Errorf(CodeForbidden, "Only admins can read the audit log")
	}
	return nil
}

// canManageWebhooks lets only admins register, read, change, rotate and delete
// webhook endpoints (and so mark one internal, to receive staff-only events).
func canManageWebhooks(a Actor) error {
	if a.Role != RoleAdmin {
		return Errorf(CodeForbidden, "Only admins can manage webhooks")
	}
	return nil
}
