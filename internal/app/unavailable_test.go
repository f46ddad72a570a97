package app_test

import (
	"io"
	"net"
	"net/http"
	"net/url"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/supportd/supportd/internal/store/storetest"
)

// tcpProxy forwards a local port to a target, and can be cut and restored like a
// database that goes away and comes back.
type tcpProxy struct {
	t      *testing.T
	addr   string
	target string
	mu     sync.Mutex
	ln     net.Listener
	conns  []net.Conn
}

func newTCPProxy(t *testing.T, target string) *tcpProxy {
	p := &tcpProxy{t: t, target: target, addr: "127.0.0.1:0"}
	p.up()
	p.addr = p.ln.Addr().String()
	t.Cleanup(p.down)
	return p
}

func (p *tcpProxy) up() {
	ln, err := net.Listen("tcp", p.addr)
	if err != nil {
		p.t.Fatal(err)
	}
	p.mu.Lock()
	p.ln = ln
	p.mu.Unlock()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go p.forward(c)
		}
	}()
}

func (p *tcpProxy) forward(c net.Conn) {
	u, err := net.Dial("tcp", p.target)
	if err != nil {
		c.Close()
		return
	}
	p.mu.Lock()
	p.conns = append(p.conns, c, u)
	p.mu.Unlock()
	go func() { io.Copy(u, c); u.Close() }()
	io.Copy(c, u)
	c.Close()
}

// down closes the listener and every forwarded connection.
func (p *tcpProxy) down() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.ln.Close()
	for _, c := range p.conns {
		c.Close()
	}
	p.conns = nil
}

func TestDatabaseOutageGives503AndRecovers(t *testing.T) {
	if !slices.Contains(engines(t), "postgres") {
		return // engines(t) has logged why PostgreSQL is skipped (and fails under CI)
	}
	u, err := url.Parse(storetest.NewURL(t, "postgres"))
	if err != nil {
		t.Fatal(err)
	}
	proxy := newTCPProxy(t, u.Host)
	u.Host = proxy.addr
	in := start(t, "postgres", map[string]string{"DATABASE_URL": u.String()})
	usr := in.newUser()
	expect(t, in.call(http.MethodGet, "/tickets", usr.Token, nil), 200)

	proxy.down()
	began := time.Now()
	r := in.call(http.MethodGet, "/tickets", usr.Token, nil)
	expect(t, r, http.StatusServiceUnavailable)
	r.detail(t)
	if r.header.Get("Retry-After") == "" {
		t.Error("503 without Retry-After")
	}
	if d := time.Since(began); d > 5*time.Second {
		t.Errorf("failing took %v; it must be fast", d)
	}
	expect(t, in.call(http.MethodGet, "/readyz", "", nil), http.StatusServiceUnavailable)
	expect(t, in.call(http.MethodGet, "/healthz", "", nil), http.StatusOK)

	proxy.up()
	deadline := time.Now().Add(10 * time.Second)
	for in.call(http.MethodGet, "/tickets", usr.Token, nil).status != 200 {
		if time.Now().After(deadline) {
			t.Fatal("did not recover after the database came back")
		}
		time.Sleep(100 * time.Millisecond)
	}
	expect(t, in.call(http.MethodGet, "/readyz", "", nil), 200)
}

func TestClosedSQLiteGives503(t *testing.T) {
	in := start(t, "sqlite", nil)
	usr := in.newUser()
	in.app.DB.SQL().Close()
	r := in.call(http.MethodGet, "/tickets", usr.Token, nil)
	expect(t, r, http.StatusServiceUnavailable)
	r.detail(t)
}
