package main

import (
	"context"
	"encoding/json"
	"flag"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/ccaas/ccaas/ari/asterisksim"
	"github.com/ccaas/ccaas/internal/syncbuf"
)

var urlLine = regexp.MustCompile(`open (https?://[^\s]+)`)

// startDemo runs the real `ccaas demo` on port 0 with a temporary database
// and returns its base URL.
func startDemo(t *testing.T) string {
	t.Helper()
	return startDemoOn(t, filepath.Join(t.TempDir(), "demo.db"))
}

// startDemoOn is startDemo on the database file db ("": no --db).
func startDemoOn(t *testing.T, db string) string {
	t.Helper()
	args := []string{"demo", "--addr", "127.0.0.1:0", "--callers-every", "0", "--log-level", "warn"}
	if db != "" { // else the demo's own folder
		args = append(args, "--db", db)
	}
	c := runCommand(t, args...)
	base := c.baseURL(t)
	waitUntil(t, "/healthz answers 200", func() bool { return healthy(base) })
	// the banner is one write: the logins came with the URL line
	if out := c.stdout.String(); !strings.Contains(out, "alice") || !strings.Contains(out, "demo.local") {
		t.Fatalf("demo did not print its logins with its URL:\n%s", out)
	}
	return base
}

// command is ccaas running in the test's process, as from a shell.
type command struct {
	name           string
	stdout, stderr syncbuf.Buffer
	exited         chan struct{} // closed once run returned err
	err            error
}

// runCommand runs ccaas with args until the test ends; the test fails if it
// then ends with an error or does not stop within 10 s.
func runCommand(t *testing.T, args ...string) *command {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	c := &command{name: "ccaas " + args[0], exited: make(chan struct{})}
	go func() {
		c.err = run(ctx, args, strings.NewReader(""), &c.stdout, &c.stderr)
		close(c.exited)
	}()
	t.Cleanup(func() {
		cancel()
		select {
		case <-c.exited:
			if c.err != nil {
				t.Errorf("%s ended with %v\n%s", c.name, c.err, c.stderr.String())
			}
		case <-time.After(10 * time.Second):
			t.Errorf("%s did not stop within 10s of its context ending", c.name)
		}
	})
	return c
}

// baseURL waits for the line with the URL the command serves on.
func (c *command) baseURL(t *testing.T) string {
	t.Helper()
	var base string
	waitUntil(t, c.name+" prints its URL", func() bool {
		select {
		case <-c.exited:
			t.Fatalf("%s exited: %v\n%s", c.name, c.err, c.stderr.String())
		default:
		}
		m := urlLine.FindStringSubmatch(c.stdout.String())
		if m != nil {
			base = strings.TrimSuffix(m[1], "/")
		}
		return m != nil
	})
	return base
}

func healthy(base string) bool { return healthStatus(http.DefaultClient, base) == http.StatusOK }

// healthStatus is the status of GET /healthz, 0 when it is not answered.
func healthStatus(client *http.Client, base string) int {
	resp, err := client.Get(base + "/healthz")
	if err != nil {
		return 0
	}
	resp.Body.Close()
	return resp.StatusCode
}

type browser struct {
	t    *testing.T
	base string
	http *http.Client
}

func newBrowser(t *testing.T, base string) *browser {
	jar, _ := cookiejar.New(nil)
	return &browser{t: t, base: base, http: &http.Client{Jar: jar, Timeout: 10 * time.Second}}
}

func (b *browser) post(path, body string) (int, string) {
	b.t.Helper()
	req, _ := http.NewRequest(http.MethodPost, b.base+path, strings.NewReader(body))
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	return b.send(req)
}

// send sends req with the browser's cookies; it returns the status and body.
func (b *browser) send(req *http.Request) (int, string) {
	b.t.Helper()
	resp, err := b.http.Do(req)
	if err != nil {
		b.t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(data)
}

func (b *browser) get(path string) (int, string) {
	b.t.Helper()
	resp, err := b.http.Get(b.base + path)
	if err != nil {
		b.t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(data)
}

// cti opens the CTI socket as the page would: with its cookie and its origin.
func (b *browser) cti() *socket {
	b.t.Helper()
	u, _ := url.Parse(b.base)
	h := http.Header{"Origin": {b.base}}
	for _, c := range b.http.Jar.Cookies(u) {
		h.Add("Cookie", c.Name+"="+c.Value)
	}
	conn, resp, err := websocket.DefaultDialer.Dial("ws://"+u.Host+"/api/cti", h)
	if err != nil {
		b.t.Fatalf("dial CTI: %v (%v)", err, resp)
	}
	b.t.Cleanup(func() { conn.Close() })
	return &socket{t: b.t, conn: conn}
}

type socket struct {
	t    *testing.T
	conn *websocket.Conn
	seq  float64
}

type msg map[string]any

func (m msg) sub(k string) msg { v, _ := m[k].(map[string]any); return v }

// next reads until a message matches, checking that seq never skips.
func (s *socket) next(what string, match func(msg) bool) msg {
	s.t.Helper()
	s.conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	for {
		_, data, err := s.conn.ReadMessage()
		if err != nil {
			s.t.Fatalf("waiting for %s: %v", what, err)
		}
		var m msg
		if err := json.Unmarshal(data, &m); err != nil {
			s.t.Fatalf("not JSON: %s", data)
		}
		seq, _ := m["seq"].(float64)
		if seq != s.seq+1 {
			s.t.Fatalf("seq %v after %v: a message was skipped", seq, s.seq)
		}
		s.seq = seq
		if match(m) {
			return m
		}
	}
}

func (s *socket) send(cmd string) {
	s.t.Helper()
	if err := s.conn.WriteMessage(websocket.TextMessage, []byte(cmd)); err != nil {
		s.t.Fatal(err)
	}
}

func isState(want string) func(msg) bool {
	return func(m msg) bool { return m["type"] == "state" && m.sub("state")["state"] == want }
}

func isCall(want string) func(msg) bool {
	return func(m msg) bool {
		return (m["type"] == "call" || m["type"] == "offer") && m.sub("call")["state"] == want
	}
}

// TestDemoQueueCallEndToEnd runs the real binary's demo mode and takes a
// queue call the way the agent page does, over real HTTP and WebSocket.
func TestDemoQueueCallEndToEnd(t *testing.T) {
	base := startDemo(t)
	b := newBrowser(t, base)

	if code, body := b.post("/api/login", `{"username":"bob","password":"wrong","domain":"demo.local"}`); code != http.StatusUnauthorized || body != `{"error":"Wrong username, password or domain."}` {
		t.Fatalf("bad password: %d %s", code, body)
	}
	// the page asks /api/me only with a live session
	if code, body := b.get("/api/info"); code != http.StatusOK || !strings.Contains(body, `"loggedIn":false`) {
		t.Fatalf("info before login: %d %s", code, body)
	}
	// bob has no wrapup time: he is Ready again right after each call
	code, body := b.post("/api/login", `{"username":"bob","password":"bob-demo","domain":"demo.local"}`)
	if code != http.StatusOK || !strings.Contains(body, `"extension":"1002"`) {
		t.Fatalf("login: %d %s", code, body)
	}
	if code, body := b.get("/api/info"); code != http.StatusOK || !strings.Contains(body, `"loggedIn":true`) {
		t.Fatalf("info after login: %d %s", code, body)
	}
	ws := b.cti()
	snap := ws.next("snapshot", func(m msg) bool { return true })
	if snap["type"] != "snapshot" || snap.sub("state")["state"] != "not_ready" || snap.sub("agent")["name"] != "Bob Berger" {
		t.Fatalf("first message = %v", snap)
	}
	if snap.sub("line")["state"] != "up" {
		ws.next("line up", func(m msg) bool { return m["type"] == "line" && m.sub("line")["state"] == "up" })
	}
	ws.send(`{"id":"1","cmd":"ready"}`)
	ws.next("ready", isState("ready"))

	// a simulated customer calls the queue's DID
	if code, body := b.post("/api/demo/calls", `{"from":"+4930111222"}`); code != http.StatusCreated {
		t.Fatalf("demo call: %d %s", code, body)
	}
	offer := ws.next("offer", func(m msg) bool { return m["type"] == "offer" })
	call := offer.sub("call")
	if call.sub("caller")["number"] != "+4930111222" || call.sub("queue")["name"] != "Support" {
		t.Fatalf("offer = %v", call)
	}
	id := call["id"].(string)
	ws.send(`{"id":"2","cmd":"answer","call":"` + id + `"}`)
	ws.next("connecting", isCall("connecting"))
	ws.next("talking", isState("talking"))
	ws.next("connected", isCall("connected"))

	// the customer hangs up
	if code, body := b.post("/api/demo/hangup", ""); code != http.StatusNoContent {
		t.Fatalf("demo hangup: %d %s", code, body)
	}
	if m := ws.next("ended", isCall("ended")); m.sub("call")["endReason"] != "caller_hangup" {
		t.Fatalf("end = %v", m)
	}
	ws.next("ready again", isState("ready"))

	// a second call, which the agent hangs up
	b.post("/api/demo/calls", `{}`)
	offer = ws.next("second offer", func(m msg) bool { return m["type"] == "offer" })
	id = offer.sub("call")["id"].(string)
	ws.send(`{"id":"3","cmd":"answer","call":"` + id + `"}`)
	ws.next("connected", isCall("connected"))
	if code, _ := b.post("/api/logout", ""); code != http.StatusConflict {
		t.Fatalf("logout during a call: %d, want 409", code)
	}
	ws.send(`{"id":"4","cmd":"hangup","call":"` + id + `"}`)
	if m := ws.next("ended", isCall("ended")); m.sub("call")["endReason"] != "agent_hangup" {
		t.Fatalf("end = %v", m)
	}
	ws.next("ready again", isState("ready"))

	// both calls are in bob's own list, newest first
	var recent struct {
		Calls []struct {
			Number    string `json:"number"`
			Direction string `json:"direction"`
			Seconds   int    `json:"seconds"`
		} `json:"calls"`
	}
	waitUntil(t, "recent calls recorded", func() bool {
		resp, err := b.http.Get(base + "/api/calls/recent")
		if err != nil {
			return false
		}
		defer resp.Body.Close()
		json.NewDecoder(resp.Body).Decode(&recent)
		return len(recent.Calls) == 2
	})
	if recent.Calls[1].Number != "+4930111222" || recent.Calls[0].Direction != "inbound" {
		t.Fatalf("recent calls = %+v", recent.Calls)
	}

	ws.send(`{"id":"5","cmd":"logout"}`)
	if m := ws.next("bye", func(m msg) bool { return m["type"] == "bye" }); m["reason"] != "logout" {
		t.Fatalf("bye = %v", m)
	}
	if code, _ := b.post("/api/demo/hangup", ""); code != http.StatusUnauthorized {
		t.Fatalf("after logout the session still works: %d", code)
	}
}

func TestCTISocketRefusals(t *testing.T) {
	base := startDemo(t)
	u, _ := url.Parse(base)
	tests := []struct {
		name   string
		login  bool
		origin string
		want   int
	}{
		{name: "no session", origin: base, want: http.StatusUnauthorized},
		{name: "foreign origin", login: true, origin: "http://evil.example", want: http.StatusForbidden},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := newBrowser(t, base)
			h := http.Header{"Origin": {tt.origin}}
			if tt.login {
				if code, body := b.post("/api/login", `{"username":"alice","password":"alice-demo","domain":"demo.local"}`); code != http.StatusOK {
					t.Fatalf("login: %d %s", code, body)
				}
				for _, c := range b.http.Jar.Cookies(u) {
					h.Add("Cookie", c.Name+"="+c.Value)
				}
			}
			_, resp, err := websocket.DefaultDialer.Dial("ws://"+u.Host+"/api/cti", h)
			if err == nil || resp == nil || resp.StatusCode != tt.want {
				t.Fatalf("dial: err %v, resp %v; want status %d", err, resp, tt.want)
			}
		})
	}
}

func TestHostileRequests(t *testing.T) {
	base := startDemo(t)
	b := newBrowser(t, base)
	tests := []struct {
		name, path, body string
		want             int
	}{
		{name: "broken JSON login", path: "/api/login", body: `{"username":`, want: http.StatusBadRequest},
		{name: "missing domain", path: "/api/login", body: `{"username":"alice","password":"alice-demo"}`, want: http.StatusBadRequest},
		{name: "wrong domain", path: "/api/login", body: `{"username":"alice","password":"alice-demo","domain":"other.example"}`, want: http.StatusUnauthorized},
		{name: "demo call without session", path: "/api/demo/calls", body: `{}`, want: http.StatusUnauthorized},
		{name: "demo hangup without session", path: "/api/demo/hangup", want: http.StatusUnauthorized},
		{name: "logout without session", path: "/api/logout", want: http.StatusUnauthorized},
		{name: "login", path: "/api/login", body: `{"username":"alice","password":"alice-demo","domain":"demo.local"}`, want: http.StatusOK},
		{name: "injected caller number", path: "/api/demo/calls", body: `{"from":"123&Local/evil"}`, want: http.StatusBadRequest},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if code, body := b.post(tt.path, tt.body); code != tt.want || tt.want >= 400 && !strings.Contains(body, `"error"`) {
				t.Fatalf("%s: %d %s, want %d with an error message", tt.path, code, body, tt.want)
			}
		})
	}
	// a form post (what another site could send) is refused before parsing
	req, _ := http.NewRequest(http.MethodPost, base+"/api/login", strings.NewReader("username=alice"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if code, _ := newBrowser(t, base).send(req); code != http.StatusUnsupportedMediaType {
		t.Fatalf("form login: %d", code)
	}
}

func TestLoginAttemptsAreLimited(t *testing.T) {
	base := startDemo(t)
	b := newBrowser(t, base)
	for i := range 8 { // successful logins (page reloads) never count
		if code, _ := b.post("/api/login", `{"username":"alice","password":"alice-demo","domain":"demo.local"}`); code != http.StatusOK {
			t.Fatalf("successful login %d: %d", i+1, code)
		}
	}
	wrong := `{"username":"alice","password":"wrong-guess","domain":"demo.local"}`
	for i := range 5 {
		if code, _ := b.post("/api/login", wrong); code != http.StatusUnauthorized {
			t.Fatalf("attempt %d: %d", i+1, code)
		}
	}
	// a forged X-Forwarded-For does not buy new attempts
	req, _ := http.NewRequest(http.MethodPost, base+"/api/login", strings.NewReader(`{"username":"alice","password":"alice-demo","domain":"demo.local"}`))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Forwarded-For", "203.0.113.7")
	if code, body := newBrowser(t, base).send(req); code != http.StatusTooManyRequests || !strings.Contains(body, "try again in") {
		t.Fatalf("sixth attempt: %d %s", code, body)
	}
	// other users are not locked out by alice's attacker
	if code, body := b.post("/api/login", `{"username":"bob","password":"bob-demo","domain":"demo.local"}`); code != http.StatusOK {
		t.Fatalf("bob: %d %s", code, body)
	}
}

func TestConfigValidation(t *testing.T) {
	t.Setenv("CCAAS_ARI_PASSWORD", "")
	tests := []struct {
		name string
		args []string
		want string
	}{
		{name: "unknown command", args: []string{"launch"}, want: "unknown command"},
		{name: "bad addr", args: []string{"demo", "--addr", "nope"}, want: "--addr"},
		{name: "serve without ARI password", args: []string{"serve", "--db", "x.db"}, want: "ARI credentials"},
		{name: "bad ARI URL", args: []string{"serve", "--ari-url", "ftp://x", "--ari-password", "p"}, want: "--ari-url"},
		{name: "bad log level", args: []string{"demo", "--log-level", "loud"}, want: "--log-level"},
		{name: "idle limit too short", args: []string{"demo", "--session-idle", "1s"}, want: "--session-idle"},
		{name: "maximum age too long", args: []string{"demo", "--session-max-age", "1000h"}, want: "--session-max-age"},
		{name: "public URL with a path", args: []string{"demo", "--public-url", "https://cc.example/agents"}, want: "--public-url"},
		{name: "public URL without a scheme", args: []string{"demo", "--public-url", "cc.example"}, want: "--public-url"},
		{name: "negative call limit", args: []string{"demo", "--max-calls", "-3"}, want: "--max-calls"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := run(context.Background(), tt.args, strings.NewReader(""), io.Discard, io.Discard)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want it to mention %q", err, tt.want)
			}
		})
	}
}

// TestConfigCallLimits: the limits of concurrent calls come from the
// environment, flags override it, and a value that is no number is refused.
func TestConfigCallLimits(t *testing.T) {
	env := map[string]string{"CCAAS_MAX_CALLS": "1600", "CCAAS_MAX_CALLS_PER_TENANT": "200"}
	c := defaultConfig()
	c.fromEnv(func(k string) string { return env[k] })
	if c.MaxCalls != 1600 || c.MaxTenantCalls != 200 {
		t.Fatalf("from the environment: %d, %d", c.MaxCalls, c.MaxTenantCalls)
	}
	fs := flag.NewFlagSet("demo", flag.ContinueOnError)
	c.flags(fs, "demo")
	if err := fs.Parse([]string{"--max-calls", "900"}); err != nil || c.MaxCalls != 900 || c.MaxTenantCalls != 200 {
		t.Fatalf("after the flag: %d, %d (%v)", c.MaxCalls, c.MaxTenantCalls, err)
	}
	env["CCAAS_MAX_CALLS"] = "lots"
	c = defaultConfig()
	c.fromEnv(func(k string) string { return env[k] })
	if err := c.validate("demo"); err == nil || !strings.Contains(err.Error(), "--max-calls") {
		t.Fatalf("validate with CCAAS_MAX_CALLS=lots: %v", err)
	}
}

// TestServeHealthFollowsARI runs `ccaas serve` against a simulator on its own
// port: /healthz is 200 while the events socket is up and 503 once Asterisk
// is gone.
func TestServeHealthFollowsARI(t *testing.T) {
	sim := asterisksim.New(asterisksim.Config{Username: "ccaas", Password: "secret", Logger: slog.New(slog.DiscardHandler)})
	srv := httptest.NewServer(sim)
	t.Setenv("CCAAS_ARI_PASSWORD", "secret")
	c := runCommand(t, "serve", "--addr", "127.0.0.1:0", "--db", filepath.Join(t.TempDir(), "serve.db"), "--ari-url", srv.URL+"/ari", "--log-level", "error")
	base := c.baseURL(t)
	waitUntil(t, "/healthz 200 while connected", func() bool { return healthy(base) })
	sim.Close()
	srv.Close()
	waitUntil(t, "/healthz 503 once Asterisk is gone", func() bool {
		return healthStatus(http.DefaultClient, base) == http.StatusServiceUnavailable
	})
}

func waitUntil(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting until %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
