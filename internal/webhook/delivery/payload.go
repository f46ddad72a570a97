package delivery

import (
	"encoding/json"
	"strconv"
	"time"

	"github.com/supportd/supportd/internal/support"
)

// Payload is the body of a delivery, in the Standard Webhooks shape: a type,
// a timestamp and the data. The data is the event as the live streams and the
// ticket history show it (the same ids everywhere), plus its sequence number
// in the ticket's history so receivers can order what they get.
type Payload struct {
	Type      string    `json:"type"`
	Timestamp time.Time `json:"timestamp"`
	Data      EventData `json:"data"`
}

// EventData is the event of a Payload.
type EventData struct {
	ID        int64           `json:"id"`
	TicketID  string          `json:"ticket_id"`
	ActorID   *string         `json:"actor_id"`
	Type      string          `json:"type"`
	Old       json.RawMessage `json:"old"`
	New       json.RawMessage `json:"new"`
	Internal  bool            `json:"internal"`
	CreatedAt time.Time       `json:"created_at"`
	// Sequence numbers the ticket's events the endpoint may receive: 1, 2, 3...
	// without gaps, in the order they happened.
	Sequence int64 `json:"sequence"`
}

// EventTypePrefix namespaces event types in payloads ("ticket.message").
const EventTypePrefix = "ticket."

// MessageID is the webhook-id of every delivery of the event: the same on each
// retry, redelivery and replay, so receivers can drop duplicates.
func MessageID(eventID int64) string { return "evt_" + strconv.FormatInt(eventID, 10) }

// NewPayload is the body ev is delivered with to endpoint.
func NewPayload(ev *support.WebhookEvent, endpoint *support.WebhookEndpoint) ([]byte, error) {
	data := EventData{ID: ev.ID, TicketID: ev.TicketID, Type: string(ev.Type), Old: jsonOrNull(ev.Old),
		New: jsonOrNull(ev.New), Internal: ev.Internal, CreatedAt: ev.CreatedAt.UTC(), Sequence: ev.SequenceFor(endpoint)}
	if ev.ActorID != "" {
		data.ActorID = &ev.ActorID
	}
	return json.Marshal(Payload{Type: EventTypePrefix + string(ev.Type), Timestamp: ev.CreatedAt.UTC(), Data: data})
}

func jsonOrNull(v json.RawMessage) json.RawMessage {
	if v == nil {
		return json.RawMessage("null")
	}
	return v
}
