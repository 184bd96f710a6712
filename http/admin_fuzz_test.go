package http

import (
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/ccaas/ccaas"
	"github.com/ccaas/ccaas/screenpop"
)

// The fuzzers feed the admin form parsers any urlencoded body. Whatever comes
// in, a parser never panics, and what it accepts obeys every rule, checked
// here independently of package validate, against this tenant:
var fuzzTenant = ccaas.TenantConfig{
	Tenant: ccaas.Tenant{ID: 1, Domain: "acme.example", Name: "Acme"},
	Agents: []ccaas.Agent{
		{ID: 1, TenantID: 1, Username: "ann", Name: "Ann", Extension: "1000", Role: ccaas.RoleAdmin},
		{ID: 2, TenantID: 1, Username: "sam", Name: "Sam", Extension: "1001", Role: ccaas.RoleAgent},
	},
	Queues: []ccaas.Queue{
		{ID: 10, TenantID: 1, Name: "Sales", RingSeconds: 20, DIDs: []string{"5550100"}, Members: []ccaas.Member{{Agent: 2, Skill: 3}}},
		{ID: 11, TenantID: 1, Name: "Support", RingSeconds: 20, DIDs: []string{"+4930555"}},
	},
	Reasons: append([]string{}, ccaas.DefaultReasons...),
	DIDs:    []string{"+4930123", "+4930555", "5550100", "5550300"},
}

var (
	fuzzUsername  = regexp.MustCompile(`^[a-zA-Z0-9][a-zA-Z0-9._-]{0,63}$`)
	fuzzExtension = regexp.MustCompile(`^[0-9]{2,10}$`)
	fuzzDID       = regexp.MustCompile(`^\+?[0-9]{1,20}$`)
	fuzzDomain    = regexp.MustCompile(`^[a-z0-9]([a-z0-9.-]{0,251}[a-z0-9])?$`)
	fuzzReason    = regexp.MustCompile(`^[a-z][a-z0-9_]{0,31}$`)
	fuzzTrunk     = regexp.MustCompile(`^[A-Za-z0-9_.-]{1,64}$`)
	fuzzVariable  = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]{0,63}$`)
	fuzzMOH       = regexp.MustCompile(`^[A-Za-z0-9_-]{1,64}$`)
)

// plainText: valid UTF-8 on one line without control characters or
// surrounding spaces, between lo and hi characters.
func plainText(s string, lo, hi int) bool {
	n := utf8.RuneCountInString(s)
	if !utf8.ValidString(s) || n < lo || n > hi || s != strings.TrimSpace(s) {
		return false
	}
	for _, r := range s {
		if unicode.IsControl(r) || r == '\u2028' || r == '\u2029' {
			return false
		}
	}
	return true
}

func between(n, lo, hi int) bool { return n >= lo && n <= hi }

// passwordOK: as long as the role's rule asks, valid UTF-8 on one line.
func passwordOK(p, role string) bool {
	least := 8
	if role == ccaas.RoleAdmin {
		least = 12
	}
	return between(len(p), least, 72) && utf8.ValidString(p) && !strings.ContainsAny(p, "\x00\r\n")
}

func fuzzValues(body string) url.Values {
	v, _ := url.ParseQuery(body) // what a broken body still yields is parsed too
	return v
}

// accepted reports whether a parser accepted the form. A refusal (errs not
// nil) is checked for its shape: messages, and nothing half-parsed.
func accepted(t *testing.T, got any, errs FormErrors) bool {
	t.Helper()
	if errs == nil {
		return true
	}
	if len(errs) == 0 {
		t.Fatal("a refusal without errors")
	}
	for field, msg := range errs {
		if msg == "" {
			t.Fatalf("empty message for field %q", field)
		}
	}
	zero := false
	switch g := got.(type) {
	case ccaas.Queue:
		zero = g.Name == "" && g.DIDs == nil && g.Members == nil && g.OverflowTarget == ""
	case AgentForm:
		zero = g.Agent == (ccaas.Agent{}) && g.Password == "" && g.Queues == nil
	case TenantForm:
		zero = g.Tenant == (ccaas.Tenant{}) && g.Admin == nil && g.AdminPassword == ""
	case []ccaas.CallVariable:
		zero = g == nil
	case []string:
		zero = g == nil
	case string:
		zero = g == ""
	case ccaas.Settings:
		zero = g == (ccaas.Settings{})
	}
	if !zero {
		t.Fatalf("a refused form returned %+v", got)
	}
	return false
}

// seed adds the fuzzers' first bodies.
func seed(f *testing.F, bodies ...string) {
	for _, s := range bodies {
		f.Add(s)
	}
}

func FuzzParseQueueForm(f *testing.F) {
	seed(f,
		"name=Billing&did=5550300&did=%2B4930123&ring=20&priority=5&strategy=round_robin&moh=default&announce=30&max_wait=120&overflow=queue&overflow_target=Sales&member=1&member=2&skill_a1=7",
		"name=Sales&ring=20&strategy=longest_idle&moh=default&overflow=hangup",
		"name=X&ring=1&strategy=fewest_calls&moh=a&max_wait=1&overflow=extension&overflow_target=1001",
		"name=X&ring=600&strategy=longest_idle&moh=a&overflow=queue&overflow_target=X&max_wait=5",
		"name=%3Cb%3E&ring=20&strategy=longest_idle&moh=default&overflow=hangup&member=3",
		"name=X&ring=-1&strategy=x&moh=..%2F&overflow=voicemail&member=01&member=1&member=1&skill_a1=999999999999",
		"name=A&name=B&did=5550100&did=5550100&ring=20",
		"name=X&did=5550200&did=1%3BDial&ring=20&strategy=longest_idle&moh=default&overflow=hangup",
		"name=X&ring=20&strategy=longest_idle&moh=default&overflow=hangup&wrapup_codes=Sale%0AComplaint%0D%0A%3Cb%3E&code_required=on",
		"name=X&ring=20&strategy=longest_idle&moh=default&overflow=hangup&wrapup_codes=A%09B%0AA&code_required=yes",
	)
	f.Fuzz(func(t *testing.T, body string) {
		for _, self := range []ccaas.QueueID{0, 10} {
			q, errs := ParseQueueForm(fuzzValues(body), fuzzTenant, self)
			if !accepted(t, q, errs) {
				continue
			}
			checkQueue(t, q, self)
		}
	})
}

func checkQueue(t *testing.T, q ccaas.Queue, self ccaas.QueueID) {
	t.Helper()
	if !plainText(q.Name, 1, 100) {
		t.Fatalf("accepted name %q", q.Name)
	}
	for _, o := range fuzzTenant.Queues {
		if o.ID != self && o.Name == q.Name {
			t.Fatalf("accepted the name of queue %d", o.ID)
		}
		for _, d := range o.DIDs {
			if o.ID != self && slices.Contains(q.DIDs, d) {
				t.Fatalf("accepted DID %s of queue %d", d, o.ID)
			}
		}
	}
	if len(q.DIDs) > 100 {
		t.Fatalf("accepted %d DIDs", len(q.DIDs))
	}
	if len(q.WrapupCodes) > ccaas.MaxWrapupCodes || q.CodeRequired && len(q.WrapupCodes) == 0 {
		t.Fatalf("accepted %d wrapup codes, required %v", len(q.WrapupCodes), q.CodeRequired)
	}
	for i, code := range q.WrapupCodes {
		if !plainText(code, 1, 64) || slices.Contains(q.WrapupCodes[:i], code) {
			t.Fatalf("accepted wrapup code %q", code)
		}
	}
	for i, d := range q.DIDs {
		if !fuzzDID.MatchString(d) || slices.Contains(q.DIDs[:i], d) || !slices.Contains(fuzzTenant.DIDs, d) {
			t.Fatalf("accepted DIDs %q", q.DIDs)
		}
	}
	if !between(q.RingSeconds, 1, 600) || !between(q.Priority, -100, 100) || !between(q.MaxWaitSeconds, 0, 86400) || !between(q.AnnounceSeconds, 0, 3600) {
		t.Fatalf("accepted numbers %+v", q)
	}
	if !slices.Contains([]string{"longest_idle", "round_robin", "fewest_calls"}, q.Strategy) || !fuzzMOH.MatchString(q.MOHClass) {
		t.Fatalf("accepted strategy %q moh %q", q.Strategy, q.MOHClass)
	}
	switch q.Overflow {
	case ccaas.OverflowHangup:
		if q.OverflowTarget != "" {
			t.Fatalf("hangup with target %q", q.OverflowTarget)
		}
	case ccaas.OverflowQueue:
		id, err := strconv.ParseInt(q.OverflowTarget, 10, 64)
		if err != nil || queueByID(fuzzTenant, ccaas.QueueID(id)) == nil || ccaas.QueueID(id) == self || q.MaxWaitSeconds == 0 {
			t.Fatalf("accepted overflow to queue %q (self %d, max wait %d)", q.OverflowTarget, self, q.MaxWaitSeconds)
		}
	case ccaas.OverflowExtension:
		if agentByExtension(fuzzTenant, q.OverflowTarget) == nil || q.MaxWaitSeconds == 0 {
			t.Fatalf("accepted overflow to extension %q", q.OverflowTarget)
		}
	default:
		t.Fatalf("accepted overflow %q", q.Overflow)
	}
	for i, m := range q.Members {
		if agentByID(fuzzTenant, m.Agent) == nil || !between(m.Skill, 1, 100) || slices.ContainsFunc(q.Members[:i], func(o ccaas.Member) bool { return o.Agent == m.Agent }) {
			t.Fatalf("accepted members %+v", q.Members)
		}
	}
	if q.ID != 0 || q.TenantID != 0 {
		t.Fatalf("the form chose ids: %+v", q)
	}
}

func FuzzParseAgentForm(f *testing.F) {
	seed(f,
		"username=eve&name=Eve&extension=1009&role=supervisor&team=North&wrapup=30&password=a-long-password&password2=a-long-password&queue=10&skill_q10=7",
		"name=Eve&extension=1009&role=agent",
		"username=SAM&name=S&extension=1001&role=admin&password=12345678&password2=12345678",
		"username=x&name=%3Cb%3E&extension=12ab&role=root&wrapup=-5&queue=99&queue=010&password=short",
		"username=x%00y&name=%E2%80%A8&extension=10&role=agent&team=a%0Ab&wrapup=99999999999999999999",
		"name=A&name=B&queue=10&queue=10&skill_q10=0",
	)
	f.Fuzz(func(t *testing.T, body string) {
		for _, self := range []ccaas.AgentID{0, 2} {
			af, errs := ParseAgentForm(fuzzValues(body), fuzzTenant, self)
			if !accepted(t, af, errs) {
				continue
			}
			a := af.Agent
			if self == 0 {
				if !fuzzUsername.MatchString(a.Username) || slices.ContainsFunc(fuzzTenant.Agents, func(o ccaas.Agent) bool { return strings.EqualFold(o.Username, a.Username) }) {
					t.Fatalf("accepted username %q", a.Username)
				}
				if !passwordOK(af.Password, a.Role) {
					t.Fatalf("accepted password %q", af.Password)
				}
			} else if a.Username != "" || af.Password != "" {
				t.Fatalf("an edit took username %q / a password", a.Username)
			}
			if !plainText(a.Name, 1, 100) || (a.Team != "" && !plainText(a.Team, 0, 64)) {
				t.Fatalf("accepted name %q team %q", a.Name, a.Team)
			}
			if o := agentByExtension(fuzzTenant, a.Extension); !fuzzExtension.MatchString(a.Extension) || o != nil && o.ID != self {
				t.Fatalf("accepted extension %q", a.Extension)
			}
			if !slices.Contains([]string{"agent", "supervisor", "admin"}, a.Role) || !between(a.WrapupSeconds, 0, 3600) {
				t.Fatalf("accepted role %q wrapup %d", a.Role, a.WrapupSeconds)
			}
			for q, skill := range af.Queues {
				if queueByID(fuzzTenant, q) == nil || !between(skill, 1, 100) {
					t.Fatalf("accepted queues %v", af.Queues)
				}
			}
			if a.ID != 0 || a.TenantID != 0 || a.PasswordHash != "" {
				t.Fatalf("the form chose ids or a hash: %+v", a)
			}
		}
	})
}

func FuzzParseTenantForm(f *testing.F) {
	seed(f,
		"domain=New.Example&name=New+Co&trunk=itsp-2&caller_id=%22New%22+%3C5551234%3E&admin_username=boss&admin_name=Boss&admin_extension=100&admin_password=boss-password&admin_password2=boss-password",
		"domain=a.b&name=N",
		"domain=-bad-&name=&trunk=x%2Fsip%3Aevil&caller_id=a%0Ab&admin_username=boss",
		"domain=a..b&name=%3Cb%3E&admin_password=x",
	)
	f.Fuzz(func(t *testing.T, body string) {
		for _, creating := range []bool{true, false} {
			tf, errs := ParseTenantForm(fuzzValues(body), creating)
			if !accepted(t, tf, errs) {
				continue
			}
			if creating != (tf.Tenant.Domain != "") || creating && (!fuzzDomain.MatchString(tf.Tenant.Domain) || strings.Contains(tf.Tenant.Domain, "..")) {
				t.Fatalf("accepted domain %q (creating %v)", tf.Tenant.Domain, creating)
			}
			if !plainText(tf.Tenant.Name, 1, 100) || tf.Trunk != "" && !fuzzTrunk.MatchString(tf.Trunk) || tf.CallerID != "" && !plainText(tf.CallerID, 0, 80) {
				t.Fatalf("accepted %+v", tf)
			}
			if a := tf.Admin; a != nil {
				if !creating || !fuzzUsername.MatchString(a.Username) || !plainText(a.Name, 1, 100) || !fuzzExtension.MatchString(a.Extension) ||
					a.Role != ccaas.RoleAdmin || !between(len(tf.AdminPassword), 12, 72) || strings.ContainsAny(tf.AdminPassword, "\x00\r\n") {
					t.Fatalf("accepted admin %+v", a)
				}
			}
		}
	})
}

func FuzzParseVariablesForm(f *testing.F) {
	seed(f,
		"key=Customer&variable=CUST_ID&key=&variable=&key=Order&variable=ORDER_NO",
		"key=%3Cb%3Ex%3C%2Fb%3E&variable=X",
		"key=A&variable=X&key=B&variable=X",
		"key=A&key=B&variable=X",
		"key=a&variable=A&key=a&variable=B&key=a&variable=C&key=a&variable=D&key=a&variable=E&key=a&variable=F&key=a&variable=G&key=a&variable=H&key=a&variable=I&key=a&variable=J&key=a&variable=K",
		"key=a%0Ab&variable=1X",
	)
	f.Fuzz(func(t *testing.T, body string) {
		vars, errs := ParseVariablesForm(fuzzValues(body))
		if !accepted(t, vars, errs) {
			return
		}
		if len(vars) > ccaas.MaxCallVariables {
			t.Fatalf("accepted %d call variables", len(vars))
		}
		for i, v := range vars {
			if !plainText(v.Key, 1, 64) || !fuzzVariable.MatchString(v.Variable) ||
				slices.ContainsFunc(vars[:i], func(o ccaas.CallVariable) bool { return o.Variable == v.Variable }) {
				t.Fatalf("accepted %+v", vars)
			}
		}
	})
}

func FuzzParseReasonsForm(f *testing.F) {
	seed(f, "reasons=coaching%0D%0Aback_office%0A", "reasons=lunch", "reasons=a%0Aa", "reasons=Coffee+Break%21", "reasons=x&reasons=y")
	f.Fuzz(func(t *testing.T, body string) {
		reasons, errs := ParseReasonsForm(fuzzValues(body))
		if !accepted(t, reasons, errs) {
			return
		}
		if len(reasons) > 50 {
			t.Fatalf("accepted %d reasons", len(reasons))
		}
		for i, r := range reasons {
			if !fuzzReason.MatchString(r) || slices.Contains(ccaas.DefaultReasons, r) || r == "missed_call" || slices.Contains(reasons[:i], r) {
				t.Fatalf("accepted %q", reasons)
			}
		}
	})
}

func FuzzParseSettingsForm(f *testing.F) {
	seed(f, "notify_incoming=on", "agent_calls_not_ready=on&notify_incoming=on", "notify_incoming=maybe", "notify_incoming=on&notify_incoming=on", "",
		"screen_pop_url=https%3A%2F%2Fcrm.example%2F%3Fa%3D%7BAccount+number%7D&screen_pop_on=offer", "screen_pop_url=http%3A%2F%2Fcrm.example%2F%7Bcaller%7D",
		"screen_pop_url=https%3A%2F%2F%7Bcaller%7D%2F&screen_pop_on=later")
	f.Fuzz(func(t *testing.T, body string) {
		v := fuzzValues(body)
		old := ccaas.Settings{NotifyIncoming: true, Trunk: "itsp", CallerID: "Acme"}
		s, errs := ParseSettingsForm(v, old, []string{"Account number"})
		if !accepted(t, s, errs) {
			return
		}
		on := func(k string) bool { return len(v[k]) == 1 && v[k][0] == "on" }
		for _, k := range []string{"notify_incoming", "agent_calls_not_ready"} {
			if len(v[k]) > 1 || len(v[k]) == 1 && v[k][0] != "on" && v[k][0] != "" {
				t.Fatalf("accepted %s=%q", k, v[k])
			}
		}
		if s.NotifyIncoming != on("notify_incoming") || s.AgentCallsNotReady != on("agent_calls_not_ready") || s.Trunk != old.Trunk || s.CallerID != old.CallerID {
			t.Fatalf("settings %+v from %v", s, v)
		}
		if s.ScreenPopOn != ccaas.ScreenPopOnAnswer && s.ScreenPopOn != ccaas.ScreenPopOnOffer {
			t.Fatalf("accepted screen_pop_on=%q", s.ScreenPopOn)
		}
		if tpl, err := screenpop.Parse(s.ScreenPopURL, []string{"Account number"}); err != nil || (tpl == nil) != (s.ScreenPopURL == "") {
			t.Fatalf("accepted screen_pop_url=%q: %v", s.ScreenPopURL, err)
		}
	})
}

func FuzzParsePasswordForm(f *testing.F) {
	seed(f, "password=new-password-1&password2=new-password-1", "password=short&password2=short", "password=a-long-password&password2=other", "password=%00%00%00%00%00%00%00%00&password2=%00%00%00%00%00%00%00%00")
	f.Fuzz(func(t *testing.T, body string) {
		v := fuzzValues(body)
		for _, role := range []string{ccaas.RoleAgent, ccaas.RoleAdmin} {
			p, errs := ParsePasswordForm(v, role)
			if !accepted(t, p, errs) {
				continue
			}
			if !passwordOK(p, role) || v.Get("password2") != p {
				t.Fatalf("accepted %q for %s", p, role)
			}
		}
	})
}

func FuzzParseID(f *testing.F) {
	seed(f, "1", "01", "-1", "+1", " 1", "9223372036854775807", "9223372036854775808", "1e3", "0x10", "１")
	f.Fuzz(func(t *testing.T, s string) {
		n, ok := parseID(s)
		if !ok {
			return
		}
		if n <= 0 || strconv.FormatInt(n, 10) != s {
			t.Fatalf("parseID(%q) = %d", s, n)
		}
	})
}
