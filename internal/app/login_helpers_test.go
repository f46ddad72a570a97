package app_test

import (
	"bytes"
	"encoding/json"
	"maps"
	"net/http"
	"testing"
)

// startClocked is start with a settable clock and a log kept for the test.
// Every request reaches the server from 127.0.0.1, which is a trusted proxy here,
// so a test gives its clients distinct addresses with X-Forwarded-For (loginFrom).
func startClocked(t *testing.T, engine string, getenv map[string]string, clk *clock) (*instance, *logBuffer) {
	t.Helper()
	return startClockedPrefix(t, engine, getenv, clk, "")
}

// startClockedPrefix is startClocked with the Redis key prefix given: instances
// sharing counts share it.
func startClockedPrefix(t *testing.T, engine string, getenv map[string]string, clk *clock, prefix string) (*instance, *logBuffer) {
	t.Helper()
	env := map[string]string{"TRUSTED_PROXIES": "127.0.0.1/32"}
	maps.Copy(env, getenv)
	logs := &logBuffer{}
	return startApp(t, engine, env, appOptions{clock: clk, log: logs, prefix: prefix}), logs
}

// loginFrom posts a JSON login as a client at ip.
func (in *instance) loginFrom(ip, username, password string) response {
	in.t.Helper()
	b, _ := json.Marshal(map[string]string{"username": username, "password": password})
	req, err := http.NewRequest(http.MethodPost, in.url+"/auth/login", bytes.NewReader(b))
	if err != nil {
		in.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Forwarded-For", ip)
	return in.send(req)
}

func (in *instance) send(req *http.Request) response {
	in.t.Helper()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		in.t.Fatal(err)
	}
	defer resp.Body.Close()
	var buf bytes.Buffer
	buf.ReadFrom(resp.Body)
	return response{status: resp.StatusCode, header: resp.Header, body: buf.Bytes()}
}
