package support

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
