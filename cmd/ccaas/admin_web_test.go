package main

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

var csrfInput = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// adminForm is a browser on the admin pages: it keeps the page's CSRF token
// and follows redirects like a browser does.
type adminForm struct {
	*browser
	csrf string
}

func (b *adminForm) page(resp *http.Response, err error) (int, string, string) {
	b.t.Helper()
	if err != nil {
		b.t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	if m := csrfInput.FindSubmatch(data); m != nil {
		b.csrf = string(m[1])
	}
	return resp.StatusCode, resp.Request.URL.Path, string(data)
}

func (b *adminForm) get(path string) (int, string, string) {
	b.t.Helper()
	return b.page(b.http.Get(b.base + path))
}

// submit sends a form of the last page, with its token, and returns the page
// it leads to.
func (b *adminForm) submit(path string, v url.Values) (int, string, string) {
	b.t.Helper()
	v.Set("csrf", b.csrf)
	req, _ := http.NewRequest(http.MethodPost, b.base+path, strings.NewReader(v.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", b.base)
	return b.page(b.http.Do(req))
}

// TestAdminPagesChangeTheRunningSystem: on the real binary, an operator
// creates a tenant with its admin; the admin creates an agent and a queue;
// the agent logs in; the admin then makes the logged-in agent a member of the
// queue, and a call to the queue's new DID reaches the agent, all without a
// restart.
func TestAdminPagesChangeTheRunningSystem(t *testing.T) {
	db := filepath.Join(t.TempDir(), "demo.db")
	if err := run(context.Background(), []string{"operator", "add", "--username", "root", "--db", db}, strings.NewReader("operator-password\n"), io.Discard, io.Discard); err != nil {
		t.Fatal(err)
	}
	base := startDemoOn(t, db)

	op := &adminForm{browser: newBrowser(t, base)}
	op.get("/operator/login")
	if _, path, body := op.submit("/operator/login", url.Values{"username": {"root"}, "password": {"operator-password"}}); path != "/operator/tenants" {
		t.Fatalf("operator login ended on %s: %s", path, body)
	}
	op.get("/operator/tenants/new")
	_, path, body := op.submit("/operator/tenants", url.Values{"domain": {"e2e.example"}, "name": {"End to End"},
		"admin_username": {"boss"}, "admin_name": {"Boss"}, "admin_extension": {"100"}, "admin_password": {"boss-password"}, "admin_password2": {"boss-password"},
		"dids": {"5557777"}})
	if path != "/operator/tenants" || !strings.Contains(body, "Tenant e2e.example created") {
		t.Fatalf("create tenant ended on %s: %s", path, body)
	}

	admin := &adminForm{browser: newBrowser(t, base)}
	admin.get("/admin/login")
	if _, path, body := admin.submit("/admin/login", url.Values{"username": {"boss"}, "password": {"boss-password"}, "domain": {"e2e.example"}}); path != "/admin/agents" {
		t.Fatalf("admin login ended on %s: %s", path, body)
	}
	if _, path, body := admin.submit("/admin/agents", url.Values{"username": {"cara"}, "name": {"Cara"}, "extension": {"200"}, "role": {"agent"},
		"password": {"cara-password"}, "password2": {"cara-password"}}); path != "/admin/agents" || !strings.Contains(body, "Agent cara created") {
		t.Fatalf("create agent ended on %s: %s", path, body)
	}
	queue := url.Values{"name": {"Sales"}, "did": {"5557777"}, "ring": {"20"}, "strategy": {"longest_idle"}, "moh": {"default"}, "overflow": {"hangup"}}
	if _, path, body = admin.submit("/admin/queues", queue); path != "/admin/queues" || !strings.Contains(body, "Queue Sales created") {
		t.Fatalf("create queue ended on %s: %s", path, body)
	}
	m := regexp.MustCompile(`href="/admin/queues/([0-9]+)"`).FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no queue link: %s", body)
	}
	queueID := m[1]

	// the new agent of the new tenant logs in and goes Ready
	agent := newBrowser(t, base)
	if code, body := agent.post("/api/login", `{"username":"cara","password":"cara-password","domain":"e2e.example"}`); code != http.StatusOK {
		t.Fatalf("agent login: %d %s", code, body)
	}
	ws := agent.cti()
	snap := ws.next("snapshot", func(msg) bool { return true })
	if snap.sub("line")["state"] != "up" {
		ws.next("line up", func(m msg) bool { return m["type"] == "line" && m.sub("line")["state"] == "up" })
	}
	ws.send(`{"id":"1","cmd":"ready"}`)
	ws.next("ready", isState("ready"))

	// while she is logged in, the admin puts her into the queue
	pageCode, _, edit := admin.get("/admin/queues/" + queueID)
	ids := regexp.MustCompile(`name="member" value="([0-9]+)"[^>]*>\s*<label[^>]*>Cara `).FindStringSubmatch(edit)
	if pageCode != http.StatusOK || ids == nil {
		t.Fatalf("queue page %d: %s", pageCode, edit)
	}
	queue.Set("member", ids[1])
	queue.Set("skill_a"+ids[1], "5")
	if _, path, body := admin.submit("/admin/queues/"+queueID, queue); path != "/admin/queues" || !strings.Contains(body, "Queue Sales saved") {
		t.Fatalf("edit queue ended on %s: %s", path, body)
	}

	// a customer calls the new DID: the logged-in agent is offered the call
	if code, body := agent.post("/api/demo/calls", `{"did":"5557777","from":"+4930999"}`); code != http.StatusCreated {
		t.Fatalf("demo call: %d %s", code, body)
	}
	offer := ws.next("offer", func(m msg) bool { return m["type"] == "offer" })
	if call := offer.sub("call"); call.sub("queue")["name"] != "Sales" || call.sub("caller")["number"] != "+4930999" {
		t.Fatalf("offer = %v", call)
	}
}
