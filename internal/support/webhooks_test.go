package support

import "testing"

// An endpoint receives the types it subscribed to (all when none), and
// staff-only types only when it is internal.
func TestWebhookEndpointReceives(t *testing.T) {
	all := &WebhookEndpoint{}
	some := &WebhookEndpoint{EventTypes: []EventType{EventMessage, EventNote}, Internal: true}
	external := &WebhookEndpoint{EventTypes: []EventType{EventMessage, EventNote}}
	for _, c := range []struct {
		e    *WebhookEndpoint
		t    EventType
		want bool
	}{
		{all, EventMessage, true}, {all, EventAIReplyFailed, true}, {all, EventNote, false},
		{some, EventNote, true}, {some, EventMessage, true}, {some, EventStatus, false},
		{external, EventMessage, true}, {external, EventNote, false},
		{&WebhookEndpoint{Internal: true}, EventNote, true},
	} {
		if got := c.e.Receives(c.t); got != c.want {
			t.Errorf("%+v receives %s: %v, want %v", c.e, c.t, got, c.want)
		}
	}
}
