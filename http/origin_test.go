package http

import (
	"context"
	"crypto/tls"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/gorilla/websocket"

	"github.com/ccaas/ccaas/app"
)

func TestOriginRule(t *testing.T) {
	tests := []struct {
		name    string
		public  string
		tls     bool
		host    string
		origin  string
		fetch   string // Sec-Fetch-Site
		allowed bool
	}{
		{name: "the page's own origin", host: "cc.example:8080", origin: "http://cc.example:8080", allowed: true},
		{name: "no Origin header (not a browser's cross-origin request)", host: "cc.example:8080", allowed: true},
		{name: "host in another case", host: "CC.example:8080", origin: "http://cc.EXAMPLE:8080", allowed: true},
		{name: "default port written out", host: "cc.example", origin: "http://cc.example:80", allowed: true},
		{name: "https page of a TLS server", tls: true, host: "cc.example", origin: "https://cc.example", allowed: true},
		{name: "https origin for an http page", host: "cc.example:8080", origin: "https://cc.example:8080"},
		{name: "http origin for an https page", tls: true, host: "cc.example:8443", origin: "http://cc.example:8443"},
		{name: "another port", host: "cc.example:8080", origin: "http://cc.example:9090"},
		{name: "another host", host: "cc.example:8080", origin: "http://evil.example:8080"},
		{name: "a sibling host", host: "cc.example", origin: "http://evil.cc.example"},
		{name: "null origin", host: "cc.example", origin: "null"},
		{name: "an origin with a path", host: "cc.example", origin: "http://cc.example/x"},
		{name: "same-site fetch", host: "cc.example:8080", origin: "http://cc.example:8080", fetch: "same-site"},
		{name: "cross-site fetch without Origin", host: "cc.example:8080", fetch: "cross-site"},
		{name: "same-origin fetch", host: "cc.example:8080", origin: "http://cc.example:8080", fetch: "same-origin", allowed: true},
		{name: "behind a TLS proxy: the public origin", public: "https://cc.example", host: "127.0.0.1:8080", origin: "https://cc.example", allowed: true},
		{name: "behind a TLS proxy: http is not the public origin", public: "https://cc.example", host: "cc.example", origin: "http://cc.example"},
		{name: "behind a TLS proxy: the backend's own address", public: "https://cc.example", host: "127.0.0.1:8080", origin: "http://127.0.0.1:8080"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o, err := newOrigins(tt.public)
			if err != nil {
				t.Fatal(err)
			}
			r := httptest.NewRequest(http.MethodPost, "/api/logout", nil)
			r.Host = tt.host
			if tt.tls {
				r.TLS = &tls.ConnectionState{}
			}
			if tt.origin != "" {
				r.Header.Set("Origin", tt.origin)
			}
			if tt.fetch != "" {
				r.Header.Set("Sec-Fetch-Site", tt.fetch)
			}
			if got := o.allowed(r); got != tt.allowed {
				t.Fatalf("allowed = %v, want %v", got, tt.allowed)
			}
		})
	}
	for _, bad := range []string{"cc.example", "ftp://cc.example", "https://cc.example/agents", "https://user@cc.example", "https://cc.example?x=1", "https://"} {
		if ValidatePublicURL(bad) == nil {
			t.Errorf("public URL %q accepted", bad)
		}
	}
}

// fakeDemo counts what the demo controls were asked to do.
type fakeDemo struct{ calls, hangups atomic.Int64 }

func (d *fakeDemo) PlaceCall(string, string, string) (string, error) {
	d.calls.Add(1)
	return "ch-1", nil
}
func (d *fakeDemo) HangupCustomer(context.Context, *app.Session) error {
	d.hangups.Add(1)
	return nil
}

// TestForeignOriginsAreRefused: every state-changing route and both sockets
// refuse a request from another origin (another scheme, port, host, a null
// origin, or a same-site page), and change nothing; the page's own origin
// gets through.
func TestForeignOriginsAreRefused(t *testing.T) {
	f := newAdminFixture(t)
	sess := &app.Session{ID: "sess-1"}
	demo := &fakeDemo{}
	srv := httptest.NewServer(New(Config{Agents: fakeAccounts{session: sess}, SIP: fakeAccounts{session: sess}, Demo: demo,
		Store: f.db, Reloader: f.reload, Logger: slog.New(slog.DiscardHandler)}))
	defer srv.Close()
	u, _ := url.Parse(srv.URL)
	own := srv.URL
	admin := f.adminOfA() // a valid admin session and token, on the fixture's server
	type request func(origin, fetch string) int
	post := func(path, contentType, body string) request {
		return func(origin, fetch string) int {
			req, _ := http.NewRequest(http.MethodPost, srv.URL+path, strings.NewReader(body))
			req.Header.Set("Content-Type", contentType)
			req.Header.Set("Cookie", SessionCookie+"=sess-1")
			setOrigin(req.Header, origin, fetch)
			return status(http.DefaultClient.Do(req))
		}
	}
	socket := func(path string) request {
		return func(origin, fetch string) int {
			h := http.Header{"Cookie": {SessionCookie + "=sess-1"}}
			setOrigin(h, origin, fetch)
			c, resp, err := websocket.DefaultDialer.Dial("ws://"+u.Host+path, h)
			if err == nil {
				c.Close()
				return http.StatusSwitchingProtocols
			}
			if resp == nil {
				return 0
			}
			return resp.StatusCode
		}
	}
	adminForm := func(path string, form url.Values) request {
		return func(origin, fetch string) int {
			v := cloneValues(form)
			v.Set("csrf", admin.csrf)
			req, _ := http.NewRequest(http.MethodPost, admin.base+path, strings.NewReader(v.Encode()))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			ownAdmin, _ := url.Parse(admin.base)
			setOrigin(req.Header, strings.Replace(origin, u.Host, ownAdmin.Host, 1), fetch)
			return admin.do(req).status
		}
	}
	routes := []struct {
		name string
		send request
	}{
		{"POST /api/login", post("/api/login", "application/json", `{"username":"ann","password":"x","domain":"acme.example"}`)},
		{"POST /api/logout", post("/api/logout", "text/plain", "")},
		{"POST /api/demo/calls", post("/api/demo/calls", "application/json", `{}`)},
		{"POST /api/demo/hangup", post("/api/demo/hangup", "text/plain", "")},
		{"GET /api/cti (socket)", socket("/api/cti")},
		{"POST /admin/reasons", adminForm("/admin/reasons", url.Values{"reasons": {"coaching"}})},
	}
	attacks := []struct{ name, origin, fetch string }{
		{"https for the http page", "https://" + u.Host, ""},
		{"another port", "http://" + u.Hostname() + ":1", ""},
		{"another site", "https://evil.example", ""},
		{"null origin", "null", ""},
		{"a same-site page", own, "same-site"},
	}
	for _, r := range routes {
		for _, at := range attacks {
			t.Run(r.name+" from "+at.name, func(t *testing.T) {
				if st := r.send(at.origin, at.fetch); st != http.StatusForbidden {
					t.Fatalf("status %d, want 403", st)
				}
			})
		}
	}
	if n, m := demo.calls.Load(), demo.hangups.Load(); n != 0 || m != 0 {
		t.Fatalf("refused requests reached the demo: %d calls, %d hangups", n, m)
	}
	if got := f.reload.take(); len(got) != 0 {
		t.Fatalf("refused forms reloaded tenants %v", got)
	}
	for _, r := range routes {
		t.Run(r.name+" from the page itself", func(t *testing.T) {
			if st := r.send(own, "same-origin"); st == http.StatusForbidden || st == 0 {
				t.Fatalf("status %d from the page's own origin", st)
			}
		})
	}
	t.Run("demo callers press only keys", func(t *testing.T) {
		before := demo.calls.Load()
		for _, body := range []string{`{"keys":"1;Dial(Local/x)"}`, `{"keys":"<b>2</b>"}`, `{"keys":"` + strings.Repeat("1", 25) + `"}`, `{"keys":2}`} {
			if st := post("/api/demo/calls", "application/json", body)(own, "same-origin"); st != http.StatusBadRequest {
				t.Errorf("%s: status %d, want 400", body, st)
			}
		}
		if st := post("/api/demo/calls", "application/json", `{"keys":"20#"}`)(own, "same-origin"); st != http.StatusCreated {
			t.Errorf("keys 20#: status %d, want 201", st)
		}
		if n := demo.calls.Load() - before; n != 1 {
			t.Errorf("%d calls placed, want the one with valid keys", n)
		}
	})
	t.Run("demo calls need a session", func(t *testing.T) {
		req, _ := http.NewRequest(http.MethodPost, srv.URL+"/api/demo/calls", strings.NewReader(`{}`))
		req.Header.Set("Content-Type", "application/json")
		if st := status(http.DefaultClient.Do(req)); st != http.StatusUnauthorized {
			t.Fatalf("status %d, want 401", st)
		}
	})
}

func setOrigin(h http.Header, origin, fetch string) {
	if origin != "" {
		h.Set("Origin", origin)
	}
	if fetch != "" {
		h.Set("Sec-Fetch-Site", fetch)
	}
}
