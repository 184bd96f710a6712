package http

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/ccaas/ccaas"
	"github.com/ccaas/ccaas/sqlite"
)

// reloads records which tenants the admin pages asked to reload.
type reloads struct {
	mu  sync.Mutex
	got []ccaas.TenantID
	err error
}

func (r *reloads) Reload(_ context.Context, t ccaas.TenantID) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.got = append(r.got, t)
	return r.err
}

func (r *reloads) take() []ccaas.TenantID {
	r.mu.Lock()
	defer r.mu.Unlock()
	got := r.got
	r.got = nil
	return got
}

const testPassword = "correct-horse-battery"

// adminFixture is a real server on a real sqlite file with two tenants, A and
// B, each with an admin, an agent and a queue, and one operator.
type adminFixture struct {
	t              *testing.T
	db             *sqlite.DB
	srv            *httptest.Server
	reload         *reloads
	tA, tB         ccaas.Tenant
	adminA, adminB ccaas.Agent
	agentA, agentB ccaas.Agent
	queueA, queueB ccaas.Queue
}

func newAdminFixture(t *testing.T) *adminFixture {
	t.Helper()
	adminBcryptCost = bcrypt.MinCost
	ctx := context.Background()
	db, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "admin.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	hash, _ := bcrypt.GenerateFromPassword([]byte(testPassword), bcrypt.MinCost)
	f := &adminFixture{t: t, db: db, reload: &reloads{}}
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	f.tA, err = db.CreateTenant(ctx, ccaas.Tenant{Domain: "acme.example", Name: "Acme"})
	must(err)
	f.tB, err = db.CreateTenant(ctx, ccaas.Tenant{Domain: "beta.example", Name: "Beta"})
	must(err)
	mk := func(t ccaas.Tenant, user, ext, role string) ccaas.Agent {
		a, err := db.CreateAgent(ctx, ccaas.Agent{TenantID: t.ID, Username: user, Name: strings.ToUpper(user[:1]) + user[1:], Extension: ext, PasswordHash: string(hash), Role: role})
		must(err)
		return a
	}
	f.adminA = mk(f.tA, "ann", "1000", ccaas.RoleAdmin)
	f.agentA = mk(f.tA, "sam", "1001", ccaas.RoleAgent)
	f.adminB = mk(f.tB, "bob", "1000", ccaas.RoleAdmin)
	f.agentB = mk(f.tB, "kim", "1001", ccaas.RoleAgent)
	must(db.AssignDIDs(ctx, f.tA.ID, "5550100", "5550101", "5550300", "+4930123"))
	must(db.AssignDIDs(ctx, f.tB.ID, "5550200"))
	f.queueA, err = db.CreateQueue(ctx, ccaas.Queue{TenantID: f.tA.ID, Name: "Sales", RingSeconds: 20, DIDs: []string{"5550100"}, Members: []ccaas.Member{{Agent: f.agentA.ID, Skill: 3}}})
	must(err)
	f.queueB, err = db.CreateQueue(ctx, ccaas.Queue{TenantID: f.tB.ID, Name: "Support", RingSeconds: 20, DIDs: []string{"5550200"}, Members: []ccaas.Member{{Agent: f.agentB.ID, Skill: 2}}})
	must(err)
	_, err = db.CreateOperator(ctx, ccaas.Operator{Username: "root", PasswordHash: string(hash)})
	must(err)
	f.srv = httptest.NewServer(New(Config{Store: db, Reloader: f.reload, Logger: slog.New(slog.DiscardHandler), Recordings: storedAudio{db}}))
	t.Cleanup(f.srv.Close)
	return f
}

// config reads a tenant's whole configuration (to prove nothing changed).
func (f *adminFixture) config(id ccaas.TenantID) ccaas.TenantConfig {
	f.t.Helper()
	cfg, err := f.db.TenantConfig(context.Background(), id)
	if err != nil {
		f.t.Fatal(err)
	}
	return cfg
}

// browser is one user's browser: its own cookies, no automatic redirects.
type browser struct {
	t    *testing.T
	base string
	c    *http.Client
	csrf string // the session's token, read from the last page
}

func (f *adminFixture) browser() *browser {
	jar, _ := cookiejar.New(nil)
	return &browser{t: f.t, base: f.srv.URL, c: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse
	}}}
}

type reply struct {
	status   int
	body     string
	location string
	header   http.Header
}

var csrfField = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

func (b *browser) do(req *http.Request) reply {
	b.t.Helper()
	resp, err := b.c.Do(req)
	if err != nil {
		b.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if m := csrfField.FindSubmatch(body); m != nil {
		b.csrf = string(m[1])
	}
	return reply{status: resp.StatusCode, body: string(body), location: resp.Header.Get("Location"), header: resp.Header}
}

func (b *browser) get(path string) reply {
	b.t.Helper()
	req, _ := http.NewRequest(http.MethodGet, b.base+path, nil)
	return b.do(req)
}

// postRaw sends a form as is (the caller adds any csrf field).
func (b *browser) postRaw(path string, v url.Values, origin string) reply {
	b.t.Helper()
	req, _ := http.NewRequest(http.MethodPost, b.base+path, strings.NewReader(v.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if origin != "" {
		req.Header.Set("Origin", origin)
	}
	return b.do(req)
}

// post sends a form with the session's token, from this site, as a browser does.
func (b *browser) post(path string, v url.Values) reply {
	b.t.Helper()
	v = cloneValues(v)
	v.Set("csrf", b.csrf)
	return b.postRaw(path, v, b.base)
}

func cloneValues(v url.Values) url.Values {
	out := url.Values{}
	for k, vals := range v {
		out[k] = slices.Clone(vals)
	}
	return out
}

func (b *browser) login(kind adminKind, domain, user, password string) reply {
	b.t.Helper()
	path := loginPath(kind)
	if r := b.get(path); r.status != http.StatusOK {
		b.t.Fatalf("GET %s = %d", path, r.status)
	}
	r := b.post(path, url.Values{"username": {user}, "password": {password}, "domain": {domain}})
	if r.status == http.StatusSeeOther {
		b.get(r.location) // reads the session's token
	}
	return r
}

// loggedIn is a new browser logged in as user; the login must succeed.
func (f *adminFixture) loggedIn(kind adminKind, domain, user, password string) *browser {
	f.t.Helper()
	b := f.browser()
	if r := b.login(kind, domain, user, password); r.status != http.StatusSeeOther {
		f.t.Fatalf("login of %s = %d: %s", user, r.status, r.body)
	}
	return b
}

// demoteAdminA gives A's admin role for the rest of the test t.
func (f *adminFixture) demoteAdminA(t *testing.T, role string) {
	t.Helper()
	demoted := f.adminA
	demoted.Role = role
	if err := f.db.UpdateAgent(context.Background(), demoted); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.db.UpdateAgent(context.Background(), f.adminA) })
}

func (f *adminFixture) adminOfA() *browser {
	f.t.Helper()
	return f.loggedIn(kindTenantAdmin, "acme.example", "ann", testPassword)
}

func (f *adminFixture) operator() *browser {
	f.t.Helper()
	return f.loggedIn(kindOperator, "", "root", testPassword)
}

func id[T ~int64](v T) string { return strconv.FormatInt(int64(v), 10) }

func TestAdminLogin(t *testing.T) {
	f := newAdminFixture(t)
	tests := []struct {
		name                     string
		kind                     adminKind
		domain, user, password   string
		wantStatus               int
		wantLocation, wantInBody string
	}{
		{name: "tenant admin", kind: kindTenantAdmin, domain: "acme.example", user: "ann", password: testPassword, wantStatus: 303, wantLocation: "/admin/agents"},
		{name: "domain and username in any case", kind: kindTenantAdmin, domain: "ACME.example", user: "ANN", password: testPassword, wantStatus: 303, wantLocation: "/admin/agents"},
		{name: "wrong password", kind: kindTenantAdmin, domain: "acme.example", user: "ann", password: "wrong-password", wantStatus: 401, wantInBody: "Wrong username, password or domain."},
		{name: "admin of another tenant", kind: kindTenantAdmin, domain: "acme.example", user: "bob", password: testPassword, wantStatus: 401, wantInBody: "Wrong username"},
		{name: "unknown domain", kind: kindTenantAdmin, domain: "nope.example", user: "ann", password: testPassword, wantStatus: 401, wantInBody: "Wrong username"},
		{name: "agent role", kind: kindTenantAdmin, domain: "acme.example", user: "sam", password: testPassword, wantStatus: 403, wantInBody: "not a tenant admin"},
		{name: "missing domain", kind: kindTenantAdmin, user: "ann", password: testPassword, wantStatus: 400, wantInBody: "Enter your username, password and domain"},
		{name: "huge password", kind: kindTenantAdmin, domain: "acme.example", user: "ann", password: strings.Repeat("x", 1000), wantStatus: 401},
		{name: "operator", kind: kindOperator, user: "root", password: testPassword, wantStatus: 303, wantLocation: "/operator/tenants"},
		{name: "operator wrong password", kind: kindOperator, user: "root", password: "not-it-at-all", wantStatus: 401, wantInBody: "Wrong username"},
		{name: "tenant admin on the operator login", kind: kindOperator, user: "ann", password: testPassword, wantStatus: 401},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := f.browser()
			r := b.login(tt.kind, tt.domain, tt.user, tt.password)
			if r.status != tt.wantStatus || r.location != tt.wantLocation || !strings.Contains(r.body, tt.wantInBody) {
				t.Fatalf("login = %d %q %q, want %d %q containing %q", r.status, r.location, r.body, tt.wantStatus, tt.wantLocation, tt.wantInBody)
			}
			if r.status != 303 {
				if got := b.get(home(tt.kind)); got.status != 303 || !strings.HasSuffix(got.location, "/login") {
					t.Fatalf("after a refused login %s = %d %q", home(tt.kind), got.status, got.location)
				}
				return
			}
			ck := cookieNamed(r.header, AdminCookie)
			if ck == nil || !ck.HttpOnly || ck.SameSite != http.SameSiteStrictMode || ck.Path != "/" || ck.Secure || len(ck.Value) < 40 {
				t.Fatalf("session cookie = %+v", ck)
			}
			if got := b.get(home(tt.kind)); got.status != 200 {
				t.Fatalf("home after login = %d", got.status)
			}
			logout := b.post(strings.TrimSuffix(loginPath(tt.kind), "login")+"logout", nil)
			if logout.status != 303 || logout.location != loginPath(tt.kind) {
				t.Fatalf("logout = %d %q", logout.status, logout.location)
			}
			if got := b.get(home(tt.kind)); got.status != 303 || got.location != loginPath(tt.kind) {
				t.Fatalf("home after logout = %d %q", got.status, got.location)
			}
		})
	}
	t.Run("stolen cookie after logout", func(t *testing.T) {
		b := f.adminOfA()
		ck := b.c.Jar.Cookies(mustURL(t, f.srv.URL))
		b.post("/admin/logout", nil)
		thief := f.browser()
		thief.c.Jar.SetCookies(mustURL(t, f.srv.URL), ck)
		if r := thief.get("/admin/agents"); r.status != 303 {
			t.Fatalf("old session id still works: %d", r.status)
		}
	})
	t.Run("login form without its token", func(t *testing.T) {
		b := f.browser()
		r := b.postRaw("/admin/login", url.Values{"username": {"ann"}, "password": {testPassword}, "domain": {"acme.example"}}, "")
		if r.status != 403 || cookieNamed(r.header, AdminCookie) != nil {
			t.Fatalf("login without token = %d", r.status)
		}
	})
	t.Run("login from another site", func(t *testing.T) {
		b := f.browser()
		b.get("/admin/login")
		r := b.postRaw("/admin/login", url.Values{"csrf": {b.csrf}, "username": {"ann"}, "password": {testPassword}, "domain": {"acme.example"}}, "https://evil.example")
		if r.status != 403 || cookieNamed(r.header, AdminCookie) != nil {
			t.Fatalf("cross-site login = %d", r.status)
		}
	})
	t.Run("an admin whose password is weaker than the rule is told so", func(t *testing.T) {
		hash, _ := bcrypt.GenerateFromPassword([]byte("old-pass9"), bcrypt.MinCost)
		if _, err := f.db.CreateAgent(context.Background(), ccaas.Agent{TenantID: f.tA.ID, Username: "old", Name: "Old", Extension: "1090", PasswordHash: string(hash), Role: ccaas.RoleAdmin}); err != nil {
			t.Fatal(err)
		}
		b := f.browser()
		b.get("/admin/login")
		r := b.post("/admin/login", url.Values{"username": {"old"}, "password": {"old-pass9"}, "domain": {"acme.example"}})
		if r.status != 303 {
			t.Fatalf("login = %d", r.status)
		}
		if page := b.get(r.location).body; !strings.Contains(page, `class="warn"`) || !strings.Contains(page, "weaker than an admin") {
			t.Fatalf("no warning: %s", page)
		}
		if page := f.adminOfA().get("/admin/agents").body; strings.Contains(page, "weaker than") {
			t.Fatal("a strong password was warned about")
		}
	})
	t.Run("demoted admin loses the session", func(t *testing.T) {
		b := f.adminOfA()
		f.demoteAdminA(t, ccaas.RoleAgent)
		if r := b.get("/admin/agents"); r.status != 303 || r.location != "/admin/login" {
			t.Fatalf("demoted admin = %d %q", r.status, r.location)
		}
	})
}

func mustURL(t *testing.T, s string) *url.URL {
	u, err := url.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

func cookieNamed(h http.Header, name string) *http.Cookie {
	for _, ck := range (&http.Response{Header: h}).Cookies() {
		if ck.Name == name {
			return ck
		}
	}
	return nil
}

func TestAdminSessionLifetime(t *testing.T) {
	now := time.Date(2025, 1, 1, 8, 0, 0, 0, time.UTC)
	s := newAdminSessions(func() time.Time { return now })
	tests := []struct {
		name  string
		steps []time.Duration // time passing before each use
		alive bool
	}{
		{name: "used within the idle time", steps: []time.Duration{29 * time.Minute}, alive: true},
		{name: "idle too long", steps: []time.Duration{31 * time.Minute}},
		{name: "kept busy for 11 hours", steps: slices.Repeat([]time.Duration{20 * time.Minute}, 33), alive: true},
		{name: "kept busy past 12 hours", steps: slices.Repeat([]time.Duration{20 * time.Minute}, 37)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := s.create(adminSession{Kind: kindOperator, User: "root"})
			if a.ID == a.CSRF || len(a.ID) != 43 || len(a.CSRF) != 43 {
				t.Fatalf("id %q token %q", a.ID, a.CSRF)
			}
			alive := true
			for _, d := range tt.steps {
				now = now.Add(d)
				_, alive = s.get(a.ID)
			}
			if alive != tt.alive {
				t.Fatalf("alive = %v, want %v", alive, tt.alive)
			}
		})
	}
}

// TestAdminTenantIsolation: the admin of tenant A guesses tenant B's ids in
// every route and in hidden fields, and tries the operator pages.
func TestAdminTenantIsolation(t *testing.T) {
	f := newAdminFixture(t)
	b := f.adminOfA()
	beforeB := f.config(f.tB.ID)
	beforeA := f.config(f.tA.ID)
	agentForm := url.Values{"name": {"Evil"}, "extension": {"6666"}, "role": {"admin"}, "wrapup": {"0"}}
	queueForm := url.Values{"name": {"Stolen"}, "ring": {"5"}, "strategy": {"longest_idle"}, "moh": {"default"}, "overflow": {"hangup"}}
	pw := url.Values{"password": {"new-password-1"}, "password2": {"new-password-1"}}
	confirm := url.Values{"confirm": {"yes"}}
	tests := []struct {
		name       string
		method     string
		path       string
		form       url.Values
		wantStatus int
	}{
		{"read B's agent", "GET", "/admin/agents/" + id(f.agentB.ID), nil, 404},
		{"read B's admin", "GET", "/admin/agents/" + id(f.adminB.ID), nil, 404},
		{"edit B's agent", "POST", "/admin/agents/" + id(f.agentB.ID), agentForm, 404},
		{"reset B's password", "POST", "/admin/agents/" + id(f.adminB.ID) + "/password", pw, 404},
		{"delete B's agent", "POST", "/admin/agents/" + id(f.agentB.ID) + "/delete", confirm, 404},
		{"read B's queue", "GET", "/admin/queues/" + id(f.queueB.ID), nil, 404},
		{"edit B's queue", "POST", "/admin/queues/" + id(f.queueB.ID), queueForm, 404},
		{"delete B's queue", "POST", "/admin/queues/" + id(f.queueB.ID) + "/delete", confirm, 404},
		{"missing agent", "GET", "/admin/agents/999999", nil, 404},
		{"leading zero", "GET", "/admin/agents/0" + id(f.agentA.ID), nil, 404},
		{"negative id", "GET", "/admin/agents/-" + id(f.agentA.ID), nil, 404},
		{"huge id", "GET", "/admin/agents/99999999999999999999999", nil, 404},
		{"id with a space", "GET", "/admin/queues/" + id(f.queueA.ID) + "%20", nil, 404},
		{"id plus text", "POST", "/admin/agents/" + id(f.agentA.ID) + "abc", agentForm, 404},
		{"B's agent as a member of a new queue", "POST", "/admin/queues", withValues(queueForm, "member", id(f.agentB.ID)), 422},
		{"B's agent as a member of A's queue", "POST", "/admin/queues/" + id(f.queueA.ID), withValues(queueForm, "member", id(f.agentB.ID)), 422},
		{"B's queue for a new agent", "POST", "/admin/agents", withValues(withValues(agentForm, "username", "evil"), "queue", id(f.queueB.ID)), 422},
		{"B's queue for A's agent", "POST", "/admin/agents/" + id(f.agentA.ID), withValues(agentForm, "queue", id(f.queueB.ID)), 422},
		{"B's queue as overflow target", "POST", "/admin/queues", withValues(withValues(withValues(queueForm, "overflow", "queue"), "overflow_target", "Support"), "max_wait", "30"), 422},
		{"B's DID", "POST", "/admin/queues", withValues(queueForm, "did", "5550200"), 422},
		{"an unassigned DID", "POST", "/admin/queues", withValues(queueForm, "did", "5559999"), 422},
		{"B's DID on A's queue", "POST", "/admin/queues/" + id(f.queueA.ID), withValues(withValues(queueForm, "name", "Sales"), "did", "5550200"), 422},
		{"operator tenant list", "GET", "/operator/tenants", nil, 403},
		{"operator reads B", "GET", "/operator/tenants/" + id(f.tB.ID), nil, 403},
		{"operator edits B", "POST", "/operator/tenants/" + id(f.tB.ID), url.Values{"name": {"Owned"}}, 403},
		{"operator creates a tenant", "POST", "/operator/tenants", url.Values{"domain": {"evil.example"}, "name": {"Evil"}}, 403},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var r reply
			if tt.method == "GET" {
				r = b.get(tt.path)
			} else {
				r = b.post(tt.path, tt.form)
			}
			if r.status != tt.wantStatus {
				t.Fatalf("%s %s = %d, want %d: %s", tt.method, tt.path, r.status, tt.wantStatus, r.body)
			}
			for _, secret := range []string{"Kim", "kim", "Bob", "Support", "5550200", "beta.example", "Beta"} {
				if tt.wantStatus == 404 && strings.Contains(r.body, secret) {
					t.Fatalf("the page shows %q of tenant B", secret)
				}
			}
			if strings.Contains(tt.name, "DID") {
				// a number of B's and one of nobody's are refused alike, naming no tenant
				if !strings.Contains(r.body, "is not one of your numbers") || strings.Contains(r.body, "another tenant") || strings.Contains(r.body, "beta") {
					t.Fatalf("the refusal of a DID: %s", r.body)
				}
			}
		})
	}
	if got := f.config(f.tB.ID); !reflect.DeepEqual(got, beforeB) {
		t.Fatalf("tenant B changed:\n%+v\n%+v", beforeB, got)
	}
	if got := f.config(f.tA.ID); !reflect.DeepEqual(got, beforeA) {
		t.Fatalf("tenant A changed by refused requests:\n%+v\n%+v", beforeA, got)
	}
	if got := f.reload.take(); len(got) != 0 {
		t.Fatalf("reloads after refused requests: %v", got)
	}

	t.Run("a tenant field in the form is ignored", func(t *testing.T) {
		r := b.post("/admin/agents", url.Values{"tenant_id": {id(f.tB.ID)}, "tenant": {id(f.tB.ID)}, "username": {"new"}, "name": {"New"}, "extension": {"1002"},
			"role": {"agent"}, "password": {"a-long-password"}, "password2": {"a-long-password"}})
		if r.status != 303 {
			t.Fatalf("create = %d: %s", r.status, r.body)
		}
		if _, err := f.db.AgentByUsername(context.Background(), f.tA.ID, "new"); err != nil {
			t.Fatalf("agent not in A: %v", err)
		}
		if got := f.reload.take(); !slices.Equal(got, []ccaas.TenantID{f.tA.ID}) {
			t.Fatalf("reloads = %v", got)
		}
		if got := f.config(f.tB.ID); !reflect.DeepEqual(got, beforeB) {
			t.Fatal("tenant B changed")
		}
	})
	t.Run("settings change only A", func(t *testing.T) {
		if r := b.post("/admin/settings", url.Values{"agent_calls_not_ready": {"on"}, "tenant_id": {id(f.tB.ID)}}); r.status != 303 {
			t.Fatalf("settings = %d", r.status)
		}
		if s := f.config(f.tA.ID).Settings; s.NotifyIncoming || !s.AgentCallsNotReady {
			t.Fatalf("A's settings = %+v", s)
		}
		if got := f.config(f.tB.ID); !reflect.DeepEqual(got, beforeB) {
			t.Fatal("tenant B changed")
		}
	})
}

func withValues(v url.Values, key, value string) url.Values {
	v = cloneValues(v)
	v.Set(key, value)
	return v
}

// TestAdminCSRF: every state-changing form refuses a missing, wrong or
// foreign token and a foreign origin, and changes nothing.
func TestAdminCSRF(t *testing.T) {
	f := newAdminFixture(t)
	a := f.adminOfA()
	op := f.operator()
	other := f.loggedIn(kindTenantAdmin, "beta.example", "bob", testPassword) // B's admin: a valid token, of another session
	valid := map[string]url.Values{
		"/admin/agents":                                  {"username": {"eve"}, "name": {"Eve"}, "extension": {"1009"}, "role": {"agent"}, "password": {"a-long-password"}, "password2": {"a-long-password"}},
		"/admin/agents/" + id(f.agentA.ID):               {"name": {"Changed"}, "extension": {"1001"}, "role": {"admin"}},
		"/admin/agents/" + id(f.agentA.ID) + "/password": {"password": {"new-password-1"}, "password2": {"new-password-1"}},
		"/admin/agents/" + id(f.agentA.ID) + "/delete":   {"confirm": {"yes"}},
		"/admin/queues":                                  {"name": {"New"}, "ring": {"5"}, "strategy": {"longest_idle"}, "moh": {"default"}, "overflow": {"hangup"}},
		"/admin/queues/" + id(f.queueA.ID):               {"name": {"Renamed"}, "ring": {"5"}, "strategy": {"longest_idle"}, "moh": {"default"}, "overflow": {"hangup"}},
		"/admin/queues/" + id(f.queueA.ID) + "/delete":   {"confirm": {"yes"}},
		"/admin/variables":                               {"key": {"Name"}, "variable": {"NAME"}},
		"/admin/reasons":                                 {"reasons": {"coaching"}},
		"/admin/settings":                                {"agent_calls_not_ready": {"on"}},
		"/admin/webhooks":                                {"url": {"https://hooks.example.com/x"}, "secret": {"whsec-0123456789abcdef"}, "event": {"call.ended"}, "active": {"on"}},
		"/admin/logout":                                  {},
		"/operator/tenants":                              {"domain": {"new.example"}, "name": {"New"}},
		"/operator/tenants/" + id(f.tA.ID):               {"name": {"Renamed"}},
		"/operator/logout":                               {},
		"/admin/sessions/end":                            {"session": {"others"}},
		"/operator/sessions/end":                         {"session": {"others"}},
	}
	attacks := []struct {
		name   string
		token  func(own string) []string
		origin string
	}{
		{name: "no token", token: func(string) []string { return nil }},
		{name: "empty token", token: func(string) []string { return []string{""} }},
		{name: "wrong token", token: func(own string) []string { return []string{strings.Repeat("A", len(own))} }},
		{name: "token of another session", token: func(string) []string { return []string{other.csrf} }},
		{name: "token twice", token: func(own string) []string { return []string{"x", own} }},
		{name: "right token from another site", token: func(own string) []string { return []string{own} }, origin: "https://evil.example"},
		{name: "right token from a null origin", token: func(own string) []string { return []string{own} }, origin: "null"},
	}
	before := []ccaas.TenantConfig{f.config(f.tA.ID), f.config(f.tB.ID)}
	tenantsBefore, _ := f.db.Tenants(context.Background())
	for path, form := range valid {
		for _, at := range attacks {
			t.Run(path+" "+at.name, func(t *testing.T) {
				b := a
				if strings.HasPrefix(path, "/operator") {
					b = op
				}
				v := cloneValues(form)
				if tok := at.token(b.csrf); tok != nil {
					v["csrf"] = tok
				}
				origin := at.origin
				if origin == "" {
					origin = b.base
				}
				r := b.postRaw(path, v, origin)
				if r.status != http.StatusForbidden || !strings.Contains(r.body, "Refused") {
					t.Fatalf("status %d, want 403 with a clear page: %s", r.status, r.body)
				}
			})
		}
	}
	after := []ccaas.TenantConfig{f.config(f.tA.ID), f.config(f.tB.ID)}
	tenantsAfter, _ := f.db.Tenants(context.Background())
	if !reflect.DeepEqual(before, after) || !reflect.DeepEqual(tenantsBefore, tenantsAfter) {
		t.Fatal("a refused request changed the configuration")
	}
	if got := f.reload.take(); len(got) != 0 {
		t.Fatalf("reloads = %v", got)
	}
	if r := a.get("/admin/agents"); r.status != 200 {
		t.Fatalf("still logged in? %d", r.status)
	}
	// the same forms with the right token work (so the refusals were the token's doing)
	if r := a.post("/admin/reasons", valid["/admin/reasons"]); r.status != 303 {
		t.Fatalf("with the token: %d", r.status)
	}
	if r := a.postRaw("/admin/reasons", withValues(valid["/admin/reasons"], "csrf", a.csrf), ""); r.status != 303 {
		t.Fatalf("with the token and no Origin header: %d", r.status)
	}
}

// TestAdminEscapesEverything: names, keys, teams and tenant names with HTML
// are shown as text.
func TestAdminEscapesEverything(t *testing.T) {
	f := newAdminFixture(t)
	a := f.adminOfA()
	const evil = `<b>x</b>"><script>alert(1)</script>`
	steps := []struct {
		name string
		path string
		form url.Values
		page string // where the value shows
	}{
		{"agent name and team", "/admin/agents", url.Values{"username": {"eve"}, "name": {evil}, "team": {evil}, "extension": {"1009"}, "role": {"agent"}, "password": {"a-long-password"}, "password2": {"a-long-password"}}, "/admin/agents"},
		{"queue name", "/admin/queues", url.Values{"name": {evil}, "ring": {"5"}, "strategy": {"longest_idle"}, "moh": {"default"}, "overflow": {"hangup"}, "member": {id(f.agentA.ID)}}, "/admin/queues"},
		{"variable key", "/admin/variables", url.Values{"key": {evil}, "variable": {"CUSTOMER"}}, "/admin/variables"},
	}
	for _, st := range steps {
		t.Run(st.name, func(t *testing.T) {
			if r := a.post(st.path, st.form); r.status != 303 {
				t.Fatalf("save = %d: %s", r.status, r.body)
			}
			assertEscaped(t, a.get(st.page).body)
		})
	}
	t.Run("agent edit page and queue choices", func(t *testing.T) {
		ag, _ := f.db.AgentByUsername(context.Background(), f.tA.ID, "eve")
		assertEscaped(t, a.get("/admin/agents/"+id(ag.ID)).body)
		assertEscaped(t, a.get("/admin/queues/"+id(f.queueA.ID)).body)
	})
	t.Run("a refused reason shown back", func(t *testing.T) {
		r := a.post("/admin/reasons", url.Values{"reasons": {evil}})
		if r.status != 422 || !strings.Contains(r.body, "lowercase letters") {
			t.Fatalf("reason = %d", r.status)
		}
		assertEscaped(t, r.body)
	})
	t.Run("tenant name", func(t *testing.T) {
		op := f.operator()
		if r := op.post("/operator/tenants/"+id(f.tA.ID), url.Values{"name": {evil}, "caller_id": {`"<b>x</b>" <5550000>`}}); r.status != 303 {
			t.Fatalf("rename = %d: %s", r.status, r.body)
		}
		assertEscaped(t, op.get("/operator/tenants").body)
		assertEscaped(t, op.get("/operator/tenants/"+id(f.tA.ID)).body)
		assertEscaped(t, a.get("/admin/settings").body)
	})
	t.Run("flash message", func(t *testing.T) {
		q := cloneValues(steps[1].form)
		q.Set("name", "<b>flash</b>")
		r := a.post("/admin/queues", q)
		if r.status != 303 {
			t.Fatalf("save = %d", r.status)
		}
		page := a.get(r.location).body
		if !strings.Contains(page, "Queue &lt;b&gt;flash&lt;/b&gt; created.") {
			t.Fatalf("flash: %s", page)
		}
		assertEscaped(t, page)
	})
}

func assertEscaped(t *testing.T, body string) {
	t.Helper()
	if strings.Contains(body, "<b>") || strings.Contains(body, "<script>") {
		t.Fatalf("raw HTML in the page:\n%s", body)
	}
	if !strings.Contains(body, "&lt;b&gt;") {
		t.Fatalf("the escaped value is not in the page:\n%s", body)
	}
}

// TestAdminChanges: creating, editing and deleting agents and queues, and the
// tenant's lists and settings, work and reload the right tenant.
func TestAdminChanges(t *testing.T) {
	f := newAdminFixture(t)
	a := f.adminOfA()
	ctx := context.Background()
	tenantA := []ccaas.TenantID{f.tA.ID}
	expectReload := func(t *testing.T, want []ccaas.TenantID) {
		t.Helper()
		if got := f.reload.take(); !slices.Equal(got, want) {
			t.Fatalf("reloads = %v, want %v", got, want)
		}
	}
	saved := func(t *testing.T, r reply, to string) {
		t.Helper()
		if r.status != 303 || r.location != to {
			t.Fatalf("= %d %q, want 303 to %s: %s", r.status, r.location, to, r.body)
		}
		page := a.get(to)
		if !strings.Contains(page.body, `class="flash"`) {
			t.Fatalf("no flash message on %s", to)
		}
	}

	var eve ccaas.Agent
	t.Run("create agent with a queue", func(t *testing.T) {
		saved(t, a.post("/admin/agents", url.Values{"username": {"eve"}, "name": {"Eve"}, "extension": {"1009"}, "role": {"supervisor"},
			"team": {"North"}, "wrapup": {"30"}, "password": {"a-long-password"}, "password2": {"a-long-password"},
			"queue": {id(f.queueA.ID)}, "skill_q" + id(f.queueA.ID): {"7"}}), "/admin/agents")
		expectReload(t, tenantA)
		var err error
		if eve, err = f.db.AgentByUsername(ctx, f.tA.ID, "eve"); err != nil {
			t.Fatal(err)
		}
		if eve.Role != "supervisor" || eve.Team != "North" || eve.WrapupSeconds != 30 || bcrypt.CompareHashAndPassword([]byte(eve.PasswordHash), []byte("a-long-password")) != nil {
			t.Fatalf("eve = %+v", eve)
		}
		if m := f.config(f.tA.ID).Queues[0].Members; len(m) != 2 || m[1] != (ccaas.Member{Agent: eve.ID, Skill: 7}) {
			t.Fatalf("members = %+v", m)
		}
	})
	t.Run("edit agent", func(t *testing.T) {
		page := a.get("/admin/agents/" + id(eve.ID))
		if !strings.Contains(page.body, `value="North"`) || !strings.Contains(page.body, `value="7"`) {
			t.Fatalf("edit page lacks the values: %s", page.body)
		}
		saved(t, a.post("/admin/agents/"+id(eve.ID), url.Values{"name": {"Eve Two"}, "extension": {"1010"}, "role": {"agent"}, "team": {""}, "wrapup": {"0"}}), "/admin/agents")
		expectReload(t, tenantA)
		got, _ := f.db.Agent(ctx, f.tA.ID, eve.ID)
		if got.Name != "Eve Two" || got.Extension != "1010" || got.Role != "agent" || got.Team != "" || got.Username != "eve" || got.PasswordHash != eve.PasswordHash {
			t.Fatalf("eve = %+v", got)
		}
		if m := f.config(f.tA.ID).Queues[0].Members; len(m) != 1 {
			t.Fatalf("eve still in the queue: %+v", m)
		}
	})
	t.Run("reset password", func(t *testing.T) {
		saved(t, a.post("/admin/agents/"+id(eve.ID)+"/password", url.Values{"password": {"brand-new-pass"}, "password2": {"brand-new-pass"}}), "/admin/agents")
		expectReload(t, tenantA)
		got, _ := f.db.Agent(ctx, f.tA.ID, eve.ID)
		if bcrypt.CompareHashAndPassword([]byte(got.PasswordHash), []byte("brand-new-pass")) != nil {
			t.Fatal("password not changed")
		}
	})
	var support ccaas.Queue
	t.Run("create queue", func(t *testing.T) {
		saved(t, a.post("/admin/queues", url.Values{"name": {"Support"}, "did": {"5550300", "+4930123"}, "ring": {"15"}, "priority": {"5"},
			"strategy": {"round_robin"}, "moh": {"jazz"}, "announce": {"30"}, "max_wait": {"120"}, "overflow": {"queue"}, "overflow_target": {"Sales"},
			"service_level": {"30"}, "record": {"always"}, "member": {id(eve.ID), id(f.agentA.ID)}, "skill_a" + id(eve.ID): {"4"},
			"hours": {"mon-fri 08:00-18:00\r\nsat closed"}, "hours_exceptions": {"2026-12-25 closed"}, "closed_action": {"queue"}, "closed_target": {"Sales"},
			"announce_estimate": {"on"}, "callback_after": {"60"}, "callback_attempts": {"2"}, "callback_retry": {"120"}, "voicemail_key": {"on"}, "voicemail_max": {"90"}}), "/admin/queues")
		expectReload(t, tenantA)
		qs := f.config(f.tA.ID).Queues
		support = qs[len(qs)-1]
		want := ccaas.Queue{ID: support.ID, TenantID: f.tA.ID, Name: "Support", RingSeconds: 15, MOHClass: "jazz", Priority: 5, Strategy: "round_robin",
			MaxWaitSeconds: 120, Overflow: "queue", OverflowTarget: id(f.queueA.ID), AnnounceSeconds: 30, ServiceLevelSeconds: 30, Record: ccaas.RecordAlways, DIDs: []string{"+4930123", "5550300"},
			Members: []ccaas.Member{{Agent: f.agentA.ID, Skill: 1}, {Agent: eve.ID, Skill: 4}},
			WaitingRules: ccaas.WaitingRules{Hours: "mon-fri 08:00-18:00\nsat closed", HoursExceptions: "2026-12-25 closed", ClosedAction: "queue", ClosedTarget: id(f.queueA.ID),
				AnnounceEstimate: true, CallbackAfterSeconds: 60, CallbackAttempts: 2, CallbackRetrySeconds: 120, VoicemailKey: true, VoicemailMaxSeconds: 90}}
		if !reflect.DeepEqual(support, want) {
			t.Fatalf("queue =\n%+v\nwant\n%+v", support, want)
		}
		if page := a.get("/admin/queues/" + id(support.ID)).body; !strings.Contains(page, `value="Sales"`) {
			t.Fatalf("the overflow target is not shown by name: %s", page)
		} else if !strings.Contains(page, "mon-fri 08:00-18:00\nsat closed</textarea>") || !strings.Contains(page, `id="closed_target" name="closed_target" value="Sales"`) ||
			!strings.Contains(page, `id="voicemail_key" name="voicemail_key" checked`) {
			t.Fatalf("the edit page lacks the waiting rules: %s", page)
		}
		if list := a.get("/admin/queues").body; !strings.Contains(list, "<td>opening hours set; while closed, callers go to queue Sales</td>") ||
			!strings.Contains(list, "<td>open all week</td>") {
			t.Fatalf("the list does not sum up the opening hours: %s", list)
		}
		for _, path := range []string{"/admin/queues", "/admin/queues/" + id(support.ID)} {
			if page := a.get(path).body; strings.Contains(page, "Nobody can answer the calls of queue Support") {
				t.Fatalf("%s warns about a queue with members", path)
			}
		}
		if page := a.get("/admin/queues/new").body; !strings.Contains(page, "Nobody can answer the calls of this queue: it has no members.") {
			t.Fatalf("the new queue's form does not say it needs members: %s", page)
		}
	})
	t.Run("wrapup codes of a queue", func(t *testing.T) {
		form := url.Values{"name": {"Support"}, "did": {"5550300"}, "ring": {"15"}, "strategy": {"round_robin"}, "moh": {"jazz"}, "overflow": {"hangup"},
			"member": {id(eve.ID)}, "wrapup_codes": {"Sale\r\n  Complaint  \n\n<b>Wrong</b> number\n"}, "code_required": {"on"}}
		saved(t, a.post("/admin/queues/"+id(support.ID), form), "/admin/queues")
		expectReload(t, tenantA)
		q := f.config(f.tA.ID).Queues[1]
		if !slices.Equal(q.WrapupCodes, []string{"Sale", "Complaint", "<b>Wrong</b> number"}) || !q.CodeRequired {
			t.Fatalf("codes %q required %v", q.WrapupCodes, q.CodeRequired)
		}
		page := a.get("/admin/queues/" + id(support.ID)).body
		if !strings.Contains(page, "Sale\nComplaint\n&lt;b&gt;Wrong&lt;/b&gt; number</textarea>") || !strings.Contains(page, `id="code_required" name="code_required" aria-describedby="code_required-help" checked`) {
			t.Fatalf("the form does not show the codes: %s", page)
		}
	})
	t.Run("edit queue", func(t *testing.T) {
		saved(t, a.post("/admin/queues/"+id(support.ID), url.Values{"name": {"Support"}, "did": {"5550300"}, "ring": {"25"}, "strategy": {"fewest_calls"},
			"moh": {"default"}, "max_wait": {"60"}, "overflow": {"extension"}, "overflow_target": {"1001"}}), "/admin/queues")
		expectReload(t, tenantA)
		q := f.config(f.tA.ID).Queues[1]
		if q.RingSeconds != 25 || q.Strategy != "fewest_calls" || q.Overflow != "extension" || q.OverflowTarget != "1001" || len(q.DIDs) != 1 || len(q.Members) != 0 ||
			len(q.WrapupCodes) != 0 || q.CodeRequired {
			t.Fatalf("queue = %+v", q)
		}
		// without members nobody can answer it: the list and the form say so
		want := "Nobody can answer the calls of queue Support: it has no members. Its callers wait 60 s (its maximum wait), then ring extension 1001."
		for _, path := range []string{"/admin/queues", "/admin/queues/" + id(support.ID)} {
			if page := a.get(path).body; !strings.Contains(page, want) {
				t.Fatalf("%s does not warn %q:\n%s", path, want, page)
			}
		}
	})
	t.Run("an agent that a queue overflows to stays", func(t *testing.T) {
		r := a.post("/admin/agents/"+id(f.agentA.ID)+"/delete", url.Values{"confirm": {"yes"}})
		if r.status != 422 || !strings.Contains(r.body, "overflows to this agent") {
			t.Fatalf("delete = %d", r.status)
		}
	})
	t.Run("delete queue", func(t *testing.T) {
		saved(t, a.post("/admin/queues/"+id(support.ID)+"/delete", url.Values{"confirm": {"yes"}}), "/admin/queues")
		expectReload(t, tenantA)
		if qs := f.config(f.tA.ID).Queues; len(qs) != 1 {
			t.Fatalf("queues = %+v", qs)
		}
	})
	t.Run("delete needs the confirmation", func(t *testing.T) {
		r := a.post("/admin/agents/"+id(eve.ID)+"/delete", nil)
		if r.status != 422 || !strings.Contains(r.body, "Tick the box") {
			t.Fatalf("delete = %d", r.status)
		}
		expectReload(t, nil)
	})
	t.Run("delete agent", func(t *testing.T) {
		saved(t, a.post("/admin/agents/"+id(eve.ID)+"/delete", url.Values{"confirm": {"yes"}}), "/admin/agents")
		expectReload(t, tenantA)
		if _, err := f.db.Agent(ctx, f.tA.ID, eve.ID); !errors.Is(err, ccaas.ErrNotFound) {
			t.Fatalf("eve still there: %v", err)
		}
		// she is in no list and no form any more; her history keeps her name
		if page := a.get("/admin/agents"); strings.Contains(page.body, "Eve Two") {
			t.Fatal("the agents list shows the deleted eve")
		}
		if page := a.get("/admin/queues/new"); strings.Contains(page.body, "Eve Two") {
			t.Fatal("the queue form offers the deleted eve as a member")
		}
		if r := a.get("/admin/agents/" + id(eve.ID)); r.status != http.StatusNotFound {
			t.Fatalf("the deleted eve's page: %d", r.status)
		}
		if cfg := f.config(f.tA.ID); len(cfg.Deleted) != 1 || cfg.Deleted[0].Name != "Eve Two" {
			t.Fatalf("deleted agents: %+v", cfg.Deleted)
		}
		// her username and extension are free again
		saved(t, a.post("/admin/agents", url.Values{"username": {"eve"}, "name": {"Eve Three"}, "extension": {"1010"}, "role": {"agent"},
			"password": {"a-long-password"}, "password2": {"a-long-password"}}), "/admin/agents")
		expectReload(t, tenantA)
		if again, err := f.db.AgentByUsername(ctx, f.tA.ID, "eve"); err != nil || again.ID == eve.ID || again.Name != "Eve Three" {
			t.Fatalf("the new eve: %+v, %v", again, err)
		}
		eve, _ = f.db.AgentByUsername(ctx, f.tA.ID, "eve")
	})
	t.Run("an admin cannot lock themselves out", func(t *testing.T) {
		r := a.post("/admin/agents/"+id(f.adminA.ID), url.Values{"name": {"Ann"}, "extension": {"1000"}, "role": {"agent"}})
		if r.status != 422 || !strings.Contains(r.body, "your own admin role") {
			t.Fatalf("self demotion = %d", r.status)
		}
		r = a.post("/admin/agents/"+id(f.adminA.ID)+"/delete", url.Values{"confirm": {"yes"}})
		if r.status != 422 || !strings.Contains(r.body, "your own account") {
			t.Fatalf("self deletion = %d", r.status)
		}
		expectReload(t, nil)
	})
	t.Run("variables, reasons and settings", func(t *testing.T) {
		saved(t, a.post("/admin/variables", url.Values{"key": {"Customer", "", "Order"}, "variable": {"CUST_ID", "", "ORDER_NO"}}), "/admin/variables")
		saved(t, a.post("/admin/reasons", url.Values{"reasons": {"coaching\r\nback_office\n"}}), "/admin/reasons")
		saved(t, a.post("/admin/settings", url.Values{"notify_incoming": {"on"}, "end_wrapup_early": {"on"}}), "/admin/settings")
		expectReload(t, []ccaas.TenantID{f.tA.ID, f.tA.ID, f.tA.ID})
		cfg := f.config(f.tA.ID)
		if !reflect.DeepEqual(cfg.Variables, []ccaas.CallVariable{{Key: "Customer", Variable: "CUST_ID"}, {Key: "Order", Variable: "ORDER_NO"}}) {
			t.Fatalf("variables = %+v", cfg.Variables)
		}
		if !reflect.DeepEqual(cfg.Reasons, []string{"break", "lunch", "training", "back_office", "coaching"}) {
			t.Fatalf("reasons = %+v", cfg.Reasons)
		}
		if !cfg.Settings.NotifyIncoming || cfg.Settings.AgentCallsNotReady || !cfg.Settings.EndWrapupEarly ||
			cfg.Settings.RecordingRetentionDays != ccaas.DefaultRecordingRetentionDays {
			t.Fatalf("settings = %+v", cfg.Settings)
		}
		// recordings are kept for 1 to 3650 days
		saved(t, a.post("/admin/settings", url.Values{"notify_incoming": {"on"}, "retention_days": {"7"}, "time_zone": {"Europe/Berlin"}}), "/admin/settings")
		expectReload(t, []ccaas.TenantID{f.tA.ID})
		if cfg := f.config(f.tA.ID); cfg.Settings.RecordingRetentionDays != 7 || cfg.Settings.TimeZone != "Europe/Berlin" {
			t.Fatalf("retention = %d, want 7; zone %q", cfg.Settings.RecordingRetentionDays, cfg.Settings.TimeZone)
		}
		for _, bad := range []string{"0", "3651", "-1", "7 days", "<b>9</b>"} {
			r := a.post("/admin/settings", url.Values{"notify_incoming": {"on"}, "retention_days": {bad}})
			if r.status != 422 || !strings.Contains(r.body, `id="retention_days-error"`) || strings.Contains(r.body, "<b>9</b>") {
				t.Errorf("retention %q: %d", bad, r.status)
			}
		}
		expectReload(t, nil)
		if cfg := f.config(f.tA.ID); cfg.Settings.RecordingRetentionDays != 7 {
			t.Fatalf("a refused retention changed it to %d", cfg.Settings.RecordingRetentionDays)
		}
	})
	t.Run("a screen pop names the attached data; a key it names stays", func(t *testing.T) {
		const pop = "https://crm.example/search?phone={caller}&order={Order}"
		saved(t, a.post("/admin/settings", url.Values{"screen_pop_url": {"  " + pop + " "}, "screen_pop_on": {"offer"}}), "/admin/settings")
		expectReload(t, []ccaas.TenantID{f.tA.ID})
		if s := f.config(f.tA.ID).Settings; s.ScreenPopURL != pop || s.ScreenPopOn != ccaas.ScreenPopOnOffer || s.NotifyIncoming {
			t.Fatalf("settings = %+v", s)
		}
		page := a.get("/admin/settings").body
		for _, want := range []string{strings.ReplaceAll(pop, "&", "&amp;"), `<option value="offer" selected>`, "<code>{Order}</code>", "<code>{caller}</code>"} {
			if !strings.Contains(page, want) {
				t.Fatalf("the settings page lacks %q", want)
			}
		}
		r := a.post("/admin/variables", url.Values{"key": {"Customer"}, "variable": {"CUST_ID"}})
		if r.status != 422 || !strings.Contains(r.body, "names a key this would remove") || !strings.Contains(r.body, "{Order}") {
			t.Fatalf("removing the key the screen pop names = %d", r.status)
		}
		if got := f.config(f.tA.ID).Variables; len(got) != 2 {
			t.Fatalf("variables = %+v", got)
		}
		saved(t, a.post("/admin/settings", url.Values{"screen_pop_url": {""}}), "/admin/settings")
		saved(t, a.post("/admin/variables", url.Values{"key": {"Customer"}, "variable": {"CUST_ID"}}), "/admin/variables")
		expectReload(t, []ccaas.TenantID{f.tA.ID, f.tA.ID})
		if s := f.config(f.tA.ID).Settings; s.ScreenPopURL != "" || s.ScreenPopOn != ccaas.ScreenPopOnAnswer {
			t.Fatalf("settings = %+v", s)
		}
	})
	t.Run("a failed reload is told", func(t *testing.T) {
		f.reload.mu.Lock()
		f.reload.err = errors.New("loop gone")
		f.reload.mu.Unlock()
		defer func() { f.reload.mu.Lock(); f.reload.err = nil; f.reload.mu.Unlock() }()
		r := a.post("/admin/reasons", url.Values{"reasons": {"coaching"}})
		if r.status != 303 {
			t.Fatalf("= %d", r.status)
		}
		if page := a.get(r.location).body; !strings.Contains(page, `class="warn"`) || !strings.Contains(page, "could not apply it yet") {
			t.Fatalf("no warning: %s", page)
		}
		f.reload.take()
	})
	t.Run("operator creates a tenant with its first admin", func(t *testing.T) {
		op := f.operator()
		r := op.post("/operator/tenants", url.Values{"domain": {"New.Example"}, "name": {"New Co"}, "trunk": {"itsp-2"}, "caller_id": {`"New" <5551234>`},
			"admin_username": {"boss"}, "admin_name": {"Boss"}, "admin_extension": {"100"}, "admin_password": {"boss-password"}, "admin_password2": {"boss-password"}})
		if r.status != 303 || r.location != "/operator/tenants" {
			t.Fatalf("create tenant = %d: %s", r.status, r.body)
		}
		ten, err := f.db.TenantByDomain(ctx, "new.example")
		if err != nil || ten.Domain != "new.example" || ten.Name != "New Co" {
			t.Fatalf("tenant = %+v %v", ten, err)
		}
		expectReload(t, []ccaas.TenantID{ten.ID})
		if s := f.config(ten.ID).Settings; s.Trunk != "itsp-2" || s.CallerID != `"New" <5551234>` || !s.NotifyIncoming {
			t.Fatalf("settings = %+v", s)
		}
		boss := f.loggedIn(kindTenantAdmin, "new.example", "boss", "boss-password") // the new tenant's admin
		if page := boss.get("/admin/agents").body; !strings.Contains(page, "Boss") || strings.Contains(page, "Sam") {
			t.Fatalf("new tenant's agents: %s", page)
		}
		r = op.post("/operator/tenants/"+id(ten.ID), url.Values{"name": {"New Company"}, "trunk": {""}, "caller_id": {""}})
		if r.status != 303 {
			t.Fatalf("edit tenant = %d: %s", r.status, r.body)
		}
		expectReload(t, []ccaas.TenantID{ten.ID})
		if cfg := f.config(ten.ID); cfg.Tenant.Name != "New Company" || cfg.Settings.Trunk != "" || cfg.Tenant.Domain != "new.example" {
			t.Fatalf("tenant = %+v %+v", cfg.Tenant, cfg.Settings)
		}
		if r := op.post("/operator/tenants", url.Values{"domain": {"new.example"}, "name": {"Again"}}); r.status != 422 || !strings.Contains(r.body, "Another tenant has this domain") {
			t.Fatalf("duplicate domain = %d", r.status)
		}
		if r := op.get("/operator/tenants/999999"); r.status != 404 {
			t.Fatalf("missing tenant = %d", r.status)
		}
	})
}

func fiftyOneCodes() string {
	var b strings.Builder
	for i := range 51 {
		fmt.Fprintf(&b, "Code %d\n", i)
	}
	return b.String()
}

// TestAdminRefusesBadValues: broken or hostile values are refused with the
// user's input kept and an error next to the field, and change nothing.
func TestAdminRefusesBadValues(t *testing.T) {
	f := newAdminFixture(t)
	a := f.adminOfA()
	eleven := url.Values{}
	for i := range 11 {
		eleven.Add("key", fmt.Sprintf("Key %d", i))
		eleven.Add("variable", fmt.Sprintf("VAR_%d", i))
	}
	queue := url.Values{"name": {"Q"}, "ring": {"5"}, "strategy": {"longest_idle"}, "moh": {"default"}, "overflow": {"hangup"}}
	twice := cloneValues(queue)
	twice["name"] = []string{"A", "B"}
	agent := url.Values{"username": {"kim"}, "name": {"Kim Lee"}, "extension": {"1002"}, "role": {"agent"}, "password": {"a-long-password"}, "password2": {"a-long-password"}}
	tests := []struct {
		name     string
		path     string
		form     url.Values
		wantText []string // the error and the kept input
	}{
		{"eleventh call variable", "/admin/variables", eleven, []string{"at most 10 call variables", `value="Key 10"`, `value="VAR_10"`}},
		{"bad channel variable", "/admin/variables", url.Values{"key": {"Name"}, "variable": {"A(B)"}}, []string{"Channel variable: a channel variable name", `value="A(B)"`}},
		{"variable twice", "/admin/variables", url.Values{"key": {"A", "B"}, "variable": {"X", "X"}}, []string{"listed twice"}},
		{"mismatched rows", "/admin/variables", url.Values{"key": {"A", "B"}, "variable": {"X"}}, []string{"Every row needs"}},
		{"broken extension", "/admin/agents", withValues(agent, "extension", "12ab"), []string{"2 to 10 digits", `value="12ab"`, `value="Kim Lee"`, `value="kim"`}},
		{"extension taken", "/admin/agents", withValues(agent, "extension", "1001"), []string{"Extension 1001 belongs to sam", `value="Kim Lee"`}},
		{"username taken", "/admin/agents", withValues(agent, "username", "SAM"), []string{"Another agent has this username"}},
		{"short password", "/admin/agents", withValues(withValues(agent, "password", "short"), "password2", "short"), []string{"8 to 72"}},
		{"passwords differ", "/admin/agents", withValues(agent, "password2", "another-password"), []string{"The two passwords differ"}},
		{"an admin with an agent's password length", "/admin/agents", withValues(withValues(withValues(agent, "role", "admin"), "password", "a-long-pass"), "password2", "a-long-pass"),
			[]string{"n admin's password must be 12 to 72 characters", `value="Kim Lee"`}},
		{"a common password", "/admin/agents", withValues(withValues(agent, "password", "Sunshine2024"), "password2", "Sunshine2024"), []string{"one of the most common"}},
		{"an admin's password reset to an agent's length", "/admin/agents/" + id(f.adminA.ID) + "/password", url.Values{"password": {"a-long-pass"}, "password2": {"a-long-pass"}},
			[]string{"n admin's password must be 12 to 72 characters"}},
		{"a common password reset", "/admin/agents/" + id(f.agentA.ID) + "/password", url.Values{"password": {"password1"}, "password2": {"password1"}}, []string{"one of the most common"}},
		{"huge wrapup", "/admin/agents", withValues(agent, "wrapup", "99999999999999999999"), []string{"A whole number", `value="99999999999999999999"`}},
		{"wrapup out of range", "/admin/agents", withValues(agent, "wrapup", "3601"), []string{"0 to 3600 seconds"}},
		{"unknown role", "/admin/agents", withValues(agent, "role", "root"), []string{"Agent, supervisor or admin"}},
		{"SQL in a username", "/admin/agents", withValues(agent, "username", "x'; DROP TABLE agents; --"), []string{"Letters, digits"}},
		{"skill out of range", "/admin/agents", withValues(withValues(agent, "queue", id(f.queueA.ID)), "skill_q"+id(f.queueA.ID), "101"), []string{"Skill: 1 to 100", `value="101"`}},
		{"ring out of range", "/admin/queues", withValues(queue, "ring", "601"), []string{"1 to 600 seconds", `value="601"`}},
		{"injected DID", "/admin/queues", withValues(queue, "did", "1;Dial(Local/x)"), []string{"digits with an optional leading +", "1;Dial(Local/x)"}},
		{"DID of another queue", "/admin/queues", withValues(queue, "did", "5550100"), []string{"5550100 already rings queue Sales"}},
		{"queue name taken", "/admin/queues", withValues(queue, "name", "Sales"), []string{"Another queue has this name"}},
		{"unknown strategy", "/admin/queues", withValues(queue, "strategy", "random"), []string{"Strategy: longest_idle, round_robin or fewest_calls"}},
		{"overflow without maximum wait", "/admin/queues", withValues(withValues(queue, "overflow", "queue"), "overflow_target", "Sales"), []string{"Set a maximum wait"}},
		{"overflow to nowhere", "/admin/queues", withValues(withValues(withValues(queue, "overflow", "extension"), "overflow_target", "4444"), "max_wait", "30"), []string{"No agent has extension 4444"}},
		{"unknown overflow", "/admin/queues", withValues(queue, "overflow", "menu"), []string{"Hangup, queue, extension or voicemail"}},
		{"hours that do not parse", "/admin/queues", withValues(queue, "hours", "mon-fri 08:00-12:00\nsomeday 25:00-26:00"), []string{`id="hours-error"`, "line 2"}},
		{"HTML in the hours", "/admin/queues", withValues(queue, "hours", "<script>alert(1)</script>"), []string{`id="hours-error"`, "&lt;script&gt;"}},
		{"exception on no date", "/admin/queues", withValues(queue, "hours_exceptions", "2026-02-30 closed"), []string{`id="hours_exceptions-error"`}},
		{"closed to nowhere", "/admin/queues", withValues(withValues(queue, "closed_action", "extension"), "closed_target", "1;Dial(Local/x)"), []string{`id="closed_target-error"`, "The agent&#39;s extension"}},
		{"closed action unknown", "/admin/queues", withValues(queue, "closed_action", "open"), []string{`id="closed_action-error"`}},
		{"no callback attempts", "/admin/queues", withValues(queue, "callback_attempts", "0"), []string{`id="callback_attempts-error"`, "1 to 10"}},
		{"endless message", "/admin/queues", withValues(queue, "voicemail_max", "100000"), []string{`id="voicemail_max-error"`, "5 to 600 seconds"}},
		{"time zone a path", "/admin/settings", url.Values{"retention_days": {"30"}, "time_zone": {"../../etc/passwd"}}, []string{`id="time_zone-error"`, "A time zone name like Europe/Berlin"}},
		{"bad MOH class", "/admin/queues", withValues(queue, "moh", "../../etc"), []string{"A music on hold class"}},
		{"name sent twice", "/admin/queues", twice, []string{"Sent more than once"}},
		{"default reason", "/admin/reasons", url.Values{"reasons": {"lunch"}}, []string{"there already for every tenant"}},
		{"bad reason", "/admin/reasons", url.Values{"reasons": {"Coffee Break!"}}, []string{"lowercase letters", "Coffee Break!"}},
		{"settings switch not a checkbox", "/admin/settings", url.Values{"notify_incoming": {"maybe"}}, []string{"On or off"}},
		{"end wrapup early not a checkbox", "/admin/settings", url.Values{"end_wrapup_early": {"yes"}}, []string{"On or off"}},
		{"a wrapup code on two lines", "/admin/queues", withValues(queue, "wrapup_codes", "Sale\nSale"), []string{"Sale is listed twice"}},
		{"a wrapup code too long", "/admin/queues", withValues(queue, "wrapup_codes", strings.Repeat("c", 65)), []string{"1 to 64 characters on one line"}},
		{"a wrapup code with a tab", "/admin/queues", withValues(queue, "wrapup_codes", "Sale\tnow"), []string{"1 to 64 characters on one line"}},
		{"51 wrapup codes", "/admin/queues", withValues(queue, "wrapup_codes", fiftyOneCodes()), []string{"At most 50 wrapup codes"}},
		{"a required code without codes", "/admin/queues", withValues(queue, "code_required", "on"), []string{"A queue without wrapup codes cannot require one"}},
		{"screen pop naming an unknown key", "/admin/settings", url.Values{"screen_pop_url": {"https://crm.example/?a={Account number}"}},
			[]string{"Unknown name {Account number}: use {caller}", `value="https://crm.example/?a={Account number}"`}},
		{"screen pop over http", "/admin/settings", url.Values{"screen_pop_url": {"http://crm.example/?p={caller}"}}, []string{"Https only (http only for this machine"}},
		{"screen pop choosing the host", "/admin/settings", url.Values{"screen_pop_url": {"https://{caller}.example/"}}, []string{"Start with https://"}},
		{"screen pop script", "/admin/settings", url.Values{"screen_pop_url": {"javascript:alert(1)//{caller}"}}, []string{"Start with https://"}},
		{"screen pop at an unknown moment", "/admin/settings", url.Values{"screen_pop_on": {"hangup"}}, []string{"Answer or offer"}},
		{"queue recording at an unknown moment", "/admin/queues", url.Values{"name": {"Rec"}, "ring": {"5"}, "strategy": {"longest_idle"}, "moh": {"default"},
			"overflow": {"hangup"}, "record": {"sometimes<b>"}}, []string{"Never, always or demand"}},
	}
	before := f.config(f.tA.ID)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := a.post(tt.path, tt.form)
			if r.status != http.StatusUnprocessableEntity {
				t.Fatalf("= %d, want 422: %s", r.status, r.body)
			}
			for _, want := range tt.wantText {
				if !strings.Contains(r.body, want) && !strings.Contains(r.body, escaped(want)) {
					t.Errorf("the page lacks %q:\n%s", want, r.body[strings.Index(r.body, "<main>"):])
				}
			}
			if strings.Contains(r.body, "a-long-password") {
				t.Error("the page shows a password back")
			}
			assertErrorsLinked(t, r.body)
		})
	}
	if got := f.config(f.tA.ID); !reflect.DeepEqual(got, before) {
		t.Fatalf("a refused form changed the configuration")
	}
	if got := f.reload.take(); len(got) != 0 {
		t.Fatalf("reloads = %v", got)
	}
	t.Run("huge values", func(t *testing.T) {
		r := a.post("/admin/queues", withValues(queue, "name", strings.Repeat("n", 5000)))
		if r.status != 422 || !strings.Contains(r.body, "Far too long") {
			t.Fatalf("5000 character name = %d", r.status)
		}
		r = a.post("/admin/queues", withValues(queue, "did", strings.Repeat("5", 100<<10)))
		if r.status != http.StatusRequestEntityTooLarge || !strings.Contains(r.body, "too large") {
			t.Fatalf("100 KB body = %d", r.status)
		}
		if got := f.config(f.tA.ID); !reflect.DeepEqual(got, before) {
			t.Fatalf("a refused form changed the configuration")
		}
	})
	t.Run("operator tenant form", func(t *testing.T) {
		op := f.operator()
		r := op.post("/operator/tenants", url.Values{"domain": {"bad domain"}, "name": {""}, "trunk": {"x/sip:evil"}, "caller_id": {"a\nb"},
			"admin_username": {"boss"}, "admin_password": {"boss-password"}})
		for _, want := range []string{"A domain name", "1 to 100 characters", "A PJSIP endpoint", "on one line", "2 to 10 digits", `value="boss"`, `value="bad domain"`} {
			if !strings.Contains(r.body, want) && !strings.Contains(r.body, escaped(want)) {
				t.Errorf("the page lacks %q", want)
			}
		}
		assertErrorsLinked(t, r.body)
		if !strings.Contains(r.body, "The two passwords differ.") {
			t.Error("the first admin's password was not asked twice")
		}
		if r.status != 422 || strings.Contains(r.body, "boss-password") {
			t.Fatalf("= %d", r.status)
		}
		r = op.post("/operator/tenants", url.Values{"domain": {"new.example"}, "name": {"New"}, "admin_username": {"boss"}, "admin_name": {"Boss"},
			"admin_extension": {"100"}, "admin_password": {"boss-pass1"}})
		if r.status != 422 || !strings.Contains(r.body, escaped("An admin's password must be 12 to 72 characters")) {
			t.Fatalf("a first admin with 10 characters = %d: %s", r.status, r.body)
		}
		if ts, _ := f.db.Tenants(context.Background()); len(ts) != 2 {
			t.Fatalf("tenants = %+v", ts)
		}
	})
}

// escaped is how html/template writes a text in a page.
var (
	describedRE = regexp.MustCompile(`aria-describedby="([^"]*)"`)
	invalidRE   = regexp.MustCompile(`<(?:input|select|textarea) [^>]*aria-invalid="true"[^>]*>`)
	fieldErrRE  = regexp.MustCompile(`<span class="field-error" id="([^"]+)">`)
)

// assertErrorsLinked checks a refused form the way a screen reader meets it:
// every field error belongs to a field marked aria-invalid whose
// aria-describedby names it, every name there is on the page, and the first
// field in error, only it, has autofocus.
func assertErrorsLinked(t *testing.T, body string) {
	t.Helper()
	for _, m := range describedRE.FindAllStringSubmatch(body, -1) {
		for _, id := range strings.Fields(m[1]) {
			if !strings.Contains(body, `id="`+id+`"`) {
				t.Errorf("aria-describedby names %q, which is not on the page", id)
			}
		}
	}
	invalid := invalidRE.FindAllString(body, -1)
	errs := fieldErrRE.FindAllStringSubmatch(body, -1)
	if n := strings.Count(body, `class="field-error"`); n != len(errs) {
		t.Errorf("%d field errors, %d of them with an id a field can name", n, len(errs))
	}
	for _, m := range errs {
		linked := strings.Contains(body, `aria-describedby="`+m[1]) || strings.Contains(body, " "+m[1]+`"`)
		if !linked {
			t.Errorf("field error %s is named by no field", m[1])
		}
	}
	if len(invalid) == 0 {
		return
	}
	if !strings.Contains(invalid[0], " autofocus") || strings.Count(body, " autofocus") != 1 {
		t.Errorf("the first field in error, and only it, should have autofocus: %s; %d in the page", invalid[0], strings.Count(body, " autofocus"))
	}
}

func escaped(s string) string {
	return strings.NewReplacer(`"`, "&#34;", "'", "&#39;", "<", "&lt;", ">", "&gt;", "+", "&#43;").Replace(s)
}

func TestAdminDuplicateErrorsAreReadable(t *testing.T) {
	f := newAdminFixture(t)
	ctx := context.Background()
	_, err := f.db.CreateAgent(ctx, ccaas.Agent{TenantID: f.tA.ID, Username: "other", Name: "O", Extension: "1001", PasswordHash: "x"})
	errs := FormErrors{}
	if !duplicate(err, errs) || errs["extension"] != "another agent has this extension" {
		t.Fatalf("duplicate(%v) = %v", err, errs)
	}
	_, err = f.db.CreateQueue(ctx, ccaas.Queue{TenantID: f.tA.ID, Name: "X", RingSeconds: 5, DIDs: []string{"5550100"}})
	errs = FormErrors{}
	if !duplicate(err, errs) || errs["dids"] != "one of these numbers already rings another of your queues" {
		t.Fatalf("duplicate(%v) = %v", err, errs)
	}
	if duplicate(errors.New("disk full"), FormErrors{}) {
		t.Fatal("a plain error taken for a duplicate")
	}
}

func TestAdminPagesWithoutLogin(t *testing.T) {
	f := newAdminFixture(t)
	b := f.browser()
	for _, path := range []string{"/admin", "/admin/agents", "/admin/agents/" + id(f.agentA.ID), "/admin/queues/new", "/admin/variables", "/admin/settings", "/operator/tenants", "/operator/tenants/" + id(f.tA.ID)} {
		r := b.get(path)
		if r.status != 303 || !strings.HasSuffix(r.location, "/login") && r.location != "/admin/agents" && r.location != "/operator/tenants" {
			t.Errorf("GET %s = %d %q", path, r.status, r.location)
		}
	}
	for _, path := range []string{"/admin/agents", "/admin/settings", "/admin/logout", "/operator/tenants", "/operator/logout"} {
		want := "/admin/login"
		if strings.HasPrefix(path, "/operator") {
			want = "/operator/login"
		}
		if r := b.postRaw(path, url.Values{"name": {"x"}}, ""); r.status != 303 || r.location != want {
			t.Errorf("POST %s = %d %q, want 303 to %s", path, r.status, r.location, want)
		}
	}
	r := b.get("/admin/login")
	if r.header.Get("Content-Security-Policy") == "" || r.header.Get("X-Frame-Options") != "DENY" || r.header.Get("Cache-Control") != "no-store" {
		t.Fatalf("headers = %v", r.header)
	}
	if css := b.get("/admin/style.css"); css.status != 200 || !strings.Contains(css.body, "body") {
		t.Fatalf("stylesheet = %d", css.status)
	}
	// the icon every page names is there (a missing one is a 404 in the console)
	if icon := b.get("/favicon.svg"); icon.status != 200 || !strings.HasPrefix(icon.header.Get("Content-Type"), "image/svg+xml") {
		t.Fatalf("favicon = %d %s", icon.status, icon.header.Get("Content-Type"))
	}
	// a mistyped address is a page of the admin pages, not a line of plain text
	for _, path := range []string{"/admin/no-such-page", "/operator/x/y"} {
		r := b.get(path)
		if r.status != 404 || !strings.Contains(r.body, "<title>Not found") || r.header.Get("Content-Security-Policy") == "" {
			t.Errorf("GET %s = %d %s", path, r.status, r.body)
		}
	}
}

func TestAdminLoginAttemptsAreLimited(t *testing.T) {
	f := newAdminFixture(t)
	tests := []struct {
		name                string
		kind                adminKind
		domain, user, wrong string
		right, otherDomain  string
	}{
		{name: "tenant admin", kind: kindTenantAdmin, domain: "acme.example", user: "ann", wrong: "wrong-password", right: testPassword},
		{name: "operator, whatever domain is sent", kind: kindOperator, user: "root", wrong: "wrong-password", right: testPassword, otherDomain: "x.example"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := f.browser()
			for i := range 5 {
				domain := tt.domain
				if tt.otherDomain != "" {
					domain = tt.otherDomain + strconv.Itoa(i)
				}
				if r := b.login(tt.kind, domain, tt.user, tt.wrong); r.status != http.StatusUnauthorized {
					t.Fatalf("attempt %d = %d", i+1, r.status)
				}
			}
			r := b.login(tt.kind, tt.domain, tt.user, tt.right)
			if r.status != http.StatusTooManyRequests || !strings.Contains(r.body, "Too many failed logins") || cookieNamed(r.header, AdminCookie) != nil {
				t.Fatalf("sixth attempt = %d: %s", r.status, r.body)
			}
		})
	}
}

// TestAdminSessionsEndWithTheirPerson: a password reset, a role change or a
// delete ends every admin session of that person (both old sessions of an
// admin whose password another admin reset answered 200, and one of them
// created a new admin); one's own new password ends one's other sessions
// only.
func TestAdminSessionsEndWithTheirPerson(t *testing.T) {
	f := newAdminFixture(t)
	ctx := context.Background()
	hash, _ := bcrypt.GenerateFromPassword([]byte(testPassword), bcrypt.MinCost)
	zed, err := f.db.CreateAgent(ctx, ccaas.Agent{TenantID: f.tA.ID, Username: "zed", Name: "Zed", Extension: "1009", PasswordHash: string(hash), Role: ccaas.RoleAdmin})
	if err != nil {
		t.Fatal(err)
	}
	loginAs := func(user, password string) *browser {
		return f.loggedIn(kindTenantAdmin, "acme.example", user, password)
	}
	ended := func(t *testing.T, who string, b *browser) {
		t.Helper()
		r := b.post("/admin/agents", url.Values{"username": {"evil"}, "name": {"Evil"}, "extension": {"6666"}, "role": {"admin"},
			"password": {"evil-password-1"}, "password2": {"evil-password-1"}})
		if r.status != http.StatusSeeOther || r.location != "/admin/login" {
			t.Fatalf("%s's old session = %d %q, want a redirect to the login", who, r.status, r.location)
		}
		if _, err := f.db.AgentByUsername(ctx, f.tA.ID, "evil"); !errors.Is(err, ccaas.ErrNotFound) {
			t.Fatal("an ended session created an admin")
		}
	}
	password := testPassword
	t.Run("another admin resets the password", func(t *testing.T) {
		ann1, ann2, z := loginAs("ann", password), loginAs("ann", password), loginAs("zed", testPassword)
		password = "ann-new-password-1"
		if r := z.post("/admin/agents/"+id(f.adminA.ID)+"/password", url.Values{"password": {password}, "password2": {password}}); r.status != 303 {
			t.Fatalf("reset = %d: %s", r.status, r.body)
		}
		ended(t, "ann", ann1)
		ended(t, "ann", ann2)
		if r := z.get("/admin/agents"); r.status != 200 {
			t.Fatalf("zed's own session = %d", r.status)
		}
	})
	t.Run("one's own new password ends one's other sessions only", func(t *testing.T) {
		here, there := loginAs("ann", password), loginAs("ann", password)
		password = "ann-newer-password-2"
		if r := here.post("/admin/agents/"+id(f.adminA.ID)+"/password", url.Values{"password": {password}, "password2": {password}}); r.status != 303 {
			t.Fatalf("reset = %d: %s", r.status, r.body)
		}
		if r := here.get("/admin/agents"); r.status != 200 {
			t.Fatalf("this session after one's own reset = %d", r.status)
		}
		ended(t, "ann elsewhere", there)
	})
	t.Run("a role change", func(t *testing.T) {
		z := loginAs("zed", testPassword)
		ann := loginAs("ann", password)
		if r := ann.post("/admin/agents/"+id(zed.ID), url.Values{"name": {"Zed"}, "extension": {"1009"}, "role": {"supervisor"}}); r.status != 303 {
			t.Fatalf("role change = %d: %s", r.status, r.body)
		}
		ended(t, "zed", z)
	})
	t.Run("a delete", func(t *testing.T) {
		ann := loginAs("ann", password)
		if r := ann.post("/admin/agents/"+id(zed.ID), url.Values{"name": {"Zed"}, "extension": {"1009"}, "role": {"admin"}}); r.status != 303 {
			t.Fatalf("role back = %d", r.status)
		}
		z := loginAs("zed", testPassword)
		if r := ann.post("/admin/agents/"+id(zed.ID)+"/delete", url.Values{"confirm": {"yes"}}); r.status != 303 {
			t.Fatalf("delete = %d: %s", r.status, r.body)
		}
		ended(t, "zed", z)
	})
}

// TestAdminSeesAndEndsOwnSessions: the sessions page lists one's own
// sessions (where from, since when, last seen) and ends another of them;
// another person's session cannot be ended from it.
func TestAdminSeesAndEndsOwnSessions(t *testing.T) {
	f := newAdminFixture(t)
	here, there := f.adminOfA(), f.adminOfA()
	other := f.loggedIn(kindTenantAdmin, "beta.example", "bob", testPassword)
	page := here.get("/admin/sessions")
	if page.status != 200 || strings.Count(page.body, "<tr>") != 3 || !strings.Contains(page.body, "this session") || !strings.Contains(page.body, "127.0.0.1") {
		t.Fatalf("sessions page = %d: %s", page.status, page.body)
	}
	refs := regexp.MustCompile(`name="session" value="([^"]+)"`).FindAllStringSubmatch(page.body, -1)
	if len(refs) != 2 || refs[0][1] == "others" {
		t.Fatalf("end buttons %v", refs)
	}
	// bob (tenant B) sends ann's session's name: nothing ends
	bobsPage := other.get("/admin/sessions")
	if strings.Contains(bobsPage.body, refs[0][1]) {
		t.Fatal("bob sees ann's sessions")
	}
	if r := other.post("/admin/sessions/end", url.Values{"session": {refs[0][1]}}); r.status != 303 {
		t.Fatalf("bob's end = %d", r.status)
	}
	if r := there.get("/admin/agents"); r.status != 200 {
		t.Fatalf("bob ended ann's session: %d", r.status)
	}
	// ann ends her other session
	if r := here.post("/admin/sessions/end", url.Values{"session": {refs[0][1]}}); r.status != 303 || r.location != "/admin/sessions" {
		t.Fatalf("end = %d %q", r.status, r.location)
	}
	if r := there.get("/admin/agents"); r.status != 303 || r.location != "/admin/login" {
		t.Fatalf("the ended session = %d %q", r.status, r.location)
	}
	if page := here.get("/admin/sessions"); strings.Count(page.body, "<tr>") != 2 || !strings.Contains(page.body, "has ended") {
		t.Fatalf("after the end: %s", page.body)
	}
	t.Run("all others, for an operator too", func(t *testing.T) {
		op1, op2, op3 := f.operator(), f.operator(), f.operator()
		if r := op1.post("/operator/sessions/end", url.Values{"session": {"others"}}); r.status != 303 {
			t.Fatalf("end others = %d", r.status)
		}
		for _, b := range []*browser{op2, op3} {
			if r := b.get("/operator/tenants"); r.status != 303 {
				t.Fatalf("another operator session survived: %d", r.status)
			}
		}
		if r := op1.get("/operator/tenants"); r.status != 200 {
			t.Fatalf("this session = %d", r.status)
		}
	})
}

// TestOperatorAssignsDIDs: the operator assigns numbers to tenants (one
// tenant each); a tenant admin picks among the tenant's own for a queue; a
// number taken away stops ringing its queue.
func TestOperatorAssignsDIDs(t *testing.T) {
	f := newAdminFixture(t)
	op, a := f.operator(), f.adminOfA()
	tenantA := "/operator/tenants/" + id(f.tA.ID)
	form := func(dids string) url.Values {
		return url.Values{"name": {"Acme"}, "trunk": {""}, "caller_id": {""}, "dids": {dids}}
	}
	if page := op.get(tenantA).body; !strings.Contains(page, "5550100\n5550101") {
		t.Fatalf("the tenant's numbers are not on its page: %s", page)
	}
	if r := op.post(tenantA, form("5550100\n5550101\n5550300\n+4930123\n5550400")); r.status != 303 {
		t.Fatalf("assign = %d: %s", r.status, r.body)
	}
	if page := a.get("/admin/queues/new").body; !strings.Contains(page, `value="5550400"`) || strings.Contains(page, "5550200") {
		t.Fatalf("the queue form's numbers: %s", page)
	}
	if page := a.get("/admin/queues/new").body; !strings.Contains(page, "5550100 (rings queue Sales)") {
		t.Fatal("a number on another queue is not marked")
	}
	q := url.Values{"name": {"Hotline"}, "did": {"5550400"}, "ring": {"20"}, "strategy": {"longest_idle"}, "moh": {"default"}, "overflow": {"hangup"}}
	if r := a.post("/admin/queues", q); r.status != 303 {
		t.Fatalf("a queue on the new number = %d: %s", r.status, r.body)
	}
	r := op.post(tenantA, form("5550100\n5550200"))
	if r.status != 422 || !strings.Contains(r.body, "5550200 is assigned to tenant beta.example") {
		t.Fatalf("B's number for A = %d: %s", r.status, r.body)
	}
	r = op.post(tenantA, form("5550101"))
	if r.status != 303 {
		t.Fatalf("take numbers away = %d: %s", r.status, r.body)
	}
	if page := op.get(r.location).body; !strings.Contains(page, "Taken away: &#43;4930123, 5550100, 5550300, 5550400 (no longer ringing queue Hotline, Sales).") {
		t.Fatalf("the message: %s", page)
	}
	cfg := f.config(f.tA.ID)
	if !slices.Equal(cfg.DIDs, []string{"5550101"}) || len(cfg.Queues[0].DIDs) != 0 {
		t.Fatalf("after: %v, Sales rings %v", cfg.DIDs, cfg.Queues[0].DIDs)
	}
	t.Run("a new tenant with its numbers", func(t *testing.T) {
		r := op.post("/operator/tenants", url.Values{"domain": {"new.example"}, "name": {"New"}, "dids": {"5551000\n+4940555"}})
		if r.status != 303 {
			t.Fatalf("create = %d: %s", r.status, r.body)
		}
		ten, _ := f.db.TenantByDomain(context.Background(), "new.example")
		if got := f.config(ten.ID).DIDs; !slices.Equal(got, []string{"+4940555", "5551000"}) {
			t.Fatalf("numbers = %v", got)
		}
		r = op.post("/operator/tenants", url.Values{"domain": {"newer.example"}, "name": {"Newer"}, "dids": {"5550200"}})
		if r.status != 422 || !strings.Contains(r.body, "assigned to tenant beta.example") {
			t.Fatalf("B's number for a new tenant = %d", r.status)
		}
	})
}

// TestAdminWords: the pages name stored values in words, and say who is
// signed in without repeating it ("root · operator").
func TestAdminWords(t *testing.T) {
	f := newAdminFixture(t)
	a := f.adminOfA()
	if r := a.post("/admin/queues", url.Values{"name": {"Billing"}, "ring": {"5"}, "strategy": {"round_robin"}, "moh": {"default"}, "overflow": {"hangup"}}); r.status != http.StatusSeeOther {
		t.Fatalf("create queue = %d", r.status)
	}
	for path, wants := range map[string][]string{
		"/admin/queues":     {"<td>Round robin</td>"},
		"/admin/queues/new": {`<option value="longest_idle" selected>Longest idle</option>`, `<option value="fewest_calls">Fewest calls</option>`},
		"/admin/agents":     {"<td>Admin</td>", "<td>Agent</td>"},
		"/admin/agents/new": {`<option value="supervisor">Supervisor</option>`},
	} {
		body := a.get(path).body
		for _, want := range wants {
			if !strings.Contains(body, want) {
				t.Errorf("%s lacks %s", path, want)
			}
		}
		if strings.Contains(body, ">round_robin<") || strings.Contains(body, ">longest_idle<") {
			t.Errorf("%s shows a raw strategy", path)
		}
		if !strings.Contains(body, "Signed in as ann (acme.example)") {
			t.Errorf("%s does not say who is signed in", path)
		}
	}
	body := f.operator().get("/operator/tenants").body
	if !strings.Contains(body, "Signed in as root<") || !strings.Contains(body, "Contact center operator") || strings.Contains(body, "· operator") {
		t.Errorf("operator header: %s", body)
	}
}
