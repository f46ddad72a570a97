// Package support is supportd's domain: users and roles, tickets and their
// threads, the knowledge base and the AI assistant, with every business rule
// that applies to them. It imports no HTTP and no SQL.
//
// The services, each built by its constructor from the store interfaces it
// needs (store.go, kb.go, ai.go; implemented by internal/store):
//
//   - AuthService: signup, login (with LoginGuard's failure counts and
//     lockouts), access tokens, and turning a token into an Actor.
//   - TicketService: tickets and messages, their validation and thread caps.
//   - KBService: help-center articles (create, edit, import, search) and
//     retrieval of passages for the assistant.
//   - Assistant: the AI reply to a ticket, generated apart from the request
//     that asked for it, streamed to any number of clients (ReplyStream) and
//     relayed between instances (ReplyRelay), with its hourly and concurrent
//     limits, and the reaper that fails replies whose instance died.
//
// Authorization lives in one file, policy.go: which tickets an actor sees,
// how its messages are labelled, who sees the AI's accounting, who may change
// the knowledge base. Services check it on every object; anything a caller may
// not see is reported as missing.
//
// Errors leave the package as *Error values carrying a Code; the HTTP layer
// turns each Code into a status in one table (internal/httpapi/errors.go).
// Anything else is internal and reaches clients as a bare 500.
//
// Work that outlives its request (the reply generation, its prompt, relay
// publishing, stream-slot release) runs on context.WithoutCancel of the
// request's context, so its log lines keep the request's id.
package support
