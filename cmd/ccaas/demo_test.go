package main

import (
	"context"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ccaas/ccaas/sqlite"
)

// TestDemoKeepsItsFilesOutOfTheWorkingDirectory: `ccaas demo` without --db
// writes its database and queue_log into a folder of its own in the user's
// cache, never into the directory it runs in (a source checkout).
func TestDemoKeepsItsFilesOutOfTheWorkingDirectory(t *testing.T) {
	cache, work := t.TempDir(), t.TempDir()
	t.Setenv("XDG_CACHE_HOME", cache)
	t.Setenv("CCAAS_DB", "")
	t.Chdir(work)
	startDemoOn(t, "")
	for _, name := range []string{"ccaas.db", "ccaas.queue_log"} {
		if _, err := os.Stat(filepath.Join(cache, "ccaas-demo", name)); err != nil {
			t.Errorf("the demo's %s: %v", name, err)
		}
	}
	if left, _ := os.ReadDir(work); len(left) > 0 {
		t.Errorf("the demo wrote into its working directory: %v", left)
	}
}

func TestResolveDB(t *testing.T) {
	cache := t.TempDir()
	inCache := func() (string, error) { return cache, nil }
	noCache := func() (string, error) { return "", errors.New("no home") }
	tests := []struct {
		name, command, db string
		cacheDir          func() (string, error)
		want              func(string) bool
	}{
		{name: "serve", command: "serve", want: func(p string) bool { return p == "ccaas.db" }},
		{name: "named", command: "demo", db: "x.db", cacheDir: inCache, want: func(p string) bool { return p == "x.db" }},
		{name: "demo", command: "demo", cacheDir: inCache, want: func(p string) bool { return p == filepath.Join(cache, "ccaas-demo", "ccaas.db") }},
		{name: "demo without a cache", command: "demo", cacheDir: noCache, want: func(p string) bool {
			return strings.HasPrefix(p, os.TempDir()) && strings.Contains(p, "ccaas-demo-") && filepath.Base(p) == "ccaas.db"
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := config{DB: tt.db}
			if err := c.resolveDB(tt.command, tt.cacheDir); err != nil || !tt.want(c.DB) {
				t.Fatalf("DB %q, %v", c.DB, err)
			}
			if strings.Contains(c.DB, "ccaas-demo-") {
				os.RemoveAll(filepath.Dir(c.DB))
			}
		})
	}
}

// TestLogoutRefusedInWrapup: HTTP logout, like the CTI logout, is refused in
// wrapup (409, saying why), and allowed once the wrapup is over
// (docs/cti-protocol.md, Sessions). Alice has 10 s of wrapup in the demo.
func TestLogoutRefusedInWrapup(t *testing.T) {
	b, ws := demoAgent(t, startDemo(t), "alice")
	ws.send(`{"id":"1","cmd":"ready"}`)
	ws.next("ready", isState("ready"))
	if code, body := b.post("/api/demo/calls", `{"from":"+4930111333"}`); code != http.StatusCreated {
		t.Fatalf("demo call: %d %s", code, body)
	}
	id := ws.next("offer", func(m msg) bool { return m["type"] == "offer" }).sub("call")["id"].(string)
	ws.send(`{"id":"2","cmd":"answer","call":"` + id + `"}`)
	ws.next("connected", isCall("connected"))
	if code, body := b.post("/api/demo/hangup", ""); code != http.StatusNoContent {
		t.Fatalf("demo hangup: %d %s", code, body)
	}
	ws.next("wrapup", isState("wrapup"))
	if code, body := b.post("/api/logout", ""); code != http.StatusConflict || !strings.Contains(body, "wrapup") {
		t.Fatalf("logout in wrapup: %d %s, want 409 saying why", code, body)
	}
	ws.send(`{"id":"3","cmd":"logout"}`)
	if m := ws.next("the CTI logout's reply", func(m msg) bool { return m["type"] == "reply" }); m["ok"] != false {
		t.Fatalf("CTI logout in wrapup: %v", m)
	}
}

// TestDemoTenantAsDocumented: the demo tenant's settings are those the
// README gives: the queue rings 20 s, has no maximum wait and a 20 s
// service-level target and wrapup codes it does not require, a second queue
// (bob's) takes transfers, agent-to-agent calls reach Ready agents only, and
// agents may end wrapup early.
func TestDemoTenantAsDocumented(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "demo.db")
	if err := seedDemo(ctx, path); err != nil {
		t.Fatal(err)
	}
	db, err := sqlite.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ten, err := db.TenantByDomain(ctx, demoDomain)
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := db.TenantConfig(ctx, ten.ID)
	if err != nil {
		t.Fatal(err)
	}
	q := cfg.Queues[0]
	if len(cfg.Queues) != 2 || q.Name != "Support" || q.RingSeconds != 20 || q.MaxWaitSeconds != 0 || q.ServiceLevelSeconds != 20 || len(q.Members) != 2 ||
		strings.Join(q.WrapupCodes, ",") != "Question answered,Sale,Complaint,Wrong number" || q.CodeRequired {
		t.Errorf("demo queue %+v", q)
	}
	if b := cfg.Queues[1]; b.Name != "Billing" || len(b.DIDs) != 0 || len(b.Members) != 1 || b.Members[0].Agent != cfg.Agents[1].ID {
		t.Errorf("second demo queue %+v", b)
	}
	if cfg.Settings.AgentCallsNotReady || !cfg.Settings.NotifyIncoming || cfg.Settings.Trunk != "pstn" || !cfg.Settings.EndWrapupEarly {
		t.Errorf("demo settings %+v", cfg.Settings)
	}
}
