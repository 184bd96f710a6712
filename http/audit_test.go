package http

import (
	"log/slog"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/ccaas/ccaas/internal/syncbuf"
)

// TestAuditLog: each admin action and each failed login writes one audit
// line: what, who, from where, to what; never a password.
func TestAuditLog(t *testing.T) {
	f := newAdminFixture(t)
	var logs syncbuf.Buffer
	f.srv.Close()
	f.srv = httptest.NewServer(New(Config{Store: f.db, Reloader: f.reload, Agents: &countingAgents{}, Logger: slog.New(slog.NewTextHandler(&logs, nil))}))
	ann, op := f.adminOfA(), f.operator()
	logs.Take()
	const secret = "a-secret-password-9"
	var sam string
	steps := []struct {
		name string
		do   func()
		want []string // in the one audit line
	}{
		{"failed agent login", func() {
			status(f.browser().c.Post(f.srv.URL+"/api/login", "application/json", strings.NewReader(`{"username":"sam","password":"`+secret+`","domain":"acme.example"}`)))
		}, []string{"action=login_failed", "actor=sam@acme.example", "addr=127.0.0.1"}},
		{"failed admin login", func() { f.browser().login(kindTenantAdmin, "acme.example", "ann", secret) },
			[]string{"action=admin_login_failed", "actor=ann@acme.example", "addr=127.0.0.1"}},
		{"admin created", func() {
			ann.post("/admin/agents", url.Values{"username": {"eve"}, "name": {"Eve"}, "extension": {"1009"}, "role": {"admin"}, "password": {secret}, "password2": {secret}})
		}, []string{"action=agent_created", "actor=ann@acme.example", "role=admin", "target=eve", "addr=127.0.0.1"}},
		{"password reset", func() {
			sam = id(f.agentA.ID)
			ann.post("/admin/agents/"+sam+"/password", url.Values{"password": {secret}, "password2": {secret}})
		}, []string{"action=password_reset", "actor=ann@acme.example", "target=sam"}},
		{"role changed", func() {
			ann.post("/admin/agents/"+sam, url.Values{"name": {"Sam"}, "extension": {"1001"}, "role": {"supervisor"}})
		}, []string{"action=role_changed", "target=sam", "from=agent", "to=supervisor"}},
		{"agent deleted", func() { ann.post("/admin/agents/"+sam+"/delete", url.Values{"confirm": {"yes"}}) },
			[]string{"action=agent_deleted", "target=sam"}},
		{"tenant created", func() { op.post("/operator/tenants", url.Values{"domain": {"new.example"}, "name": {"New"}}) },
			[]string{"action=tenant_created", "actor=root", "role=operator", "target=new.example"}},
		{"DIDs assigned", func() {
			op.post("/operator/tenants/"+id(f.tB.ID), url.Values{"name": {"Beta"}, "dids": {"5550200\n5550222"}})
		}, []string{"action=dids_assigned", "actor=root", "target=beta.example", "added=[5550222]"}},
		{"sessions ended", func() {
			f.adminOfA()
			logs.Take()
			ann.post("/admin/sessions/end", url.Values{"session": {"others"}})
		}, []string{"action=sessions_ended", "actor=ann@acme.example", "count=1"}},
	}
	for _, st := range steps {
		t.Run(st.name, func(t *testing.T) {
			st.do()
			got := logs.Take()
			if strings.Contains(got, secret) {
				t.Fatalf("a password in the log:\n%s", got)
			}
			var line string
			for _, l := range strings.Split(got, "\n") {
				if strings.Contains(l, "msg=audit") && strings.Contains(l, st.want[0]) {
					line = l
				}
			}
			for _, w := range st.want {
				if !strings.Contains(line, w) {
					t.Fatalf("no audit line with %q; the log:\n%s", w, got)
				}
			}
		})
	}
}
