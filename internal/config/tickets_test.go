package config

import (
	"strings"
	"testing"
)

func TestTicketThreadBounds(t *testing.T) {
	c, err := Load(env(nil))
	if err != nil || c.Tickets.MaxMessages != 1000 || c.Tickets.RecentMessages != 100 {
		t.Fatalf("defaults: %+v, %v; want 1000 messages per ticket, 100 inline", c.Tickets, err)
	}
	c, err = Load(env(map[string]string{"TICKET_MAX_MESSAGES": "5", "TICKET_RECENT_MESSAGES": "1000"}))
	if err != nil || c.Tickets.MaxMessages != 5 || c.Tickets.RecentMessages != 1000 {
		t.Fatalf("set: %+v, %v", c.Tickets, err)
	}
	for name, bad := range map[string][]string{
		"TICKET_MAX_MESSAGES":    {"0", "-1", "many", "1000001"},
		"TICKET_RECENT_MESSAGES": {"0", "1001", "1.5"},
	} {
		for _, v := range bad {
			_, err := Load(env(map[string]string{name: v}))
			if err == nil || !strings.Contains(err.Error(), name) || strings.Contains(err.Error(), "\n") {
				t.Errorf("%s=%s: error %v, want one line naming the variable", name, v, err)
			}
		}
	}
}
