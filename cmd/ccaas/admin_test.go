package main

import (
	"context"
	"io"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/ccaas/ccaas"
	"github.com/ccaas/ccaas/sqlite"
)

func TestAdminCommands(t *testing.T) {
	db := filepath.Join(t.TempDir(), "admin.db")
	ctx := context.Background()
	steps := []struct {
		name    string
		args    []string
		stdin   string
		wantErr string
	}{
		{name: "tenant", args: []string{"tenant", "add", "--domain", "Acme.example", "--name", "Acme"}},
		{name: "duplicate tenant", args: []string{"tenant", "add", "--domain", "acme.example", "--name", "Again"}, wantErr: "UNIQUE"},
		{name: "agent", args: []string{"agent", "add", "--domain", "acme.example", "--username", "sam", "--name", "Sam", "--extension", "1001", "--wrapup", "15"}, stdin: "a-long-password\n"},
		{name: "short password", args: []string{"agent", "add", "--domain", "acme.example", "--username", "kim", "--name", "Kim", "--extension", "1002"}, stdin: "short\n", wantErr: "8 to 72"},
		{name: "common password", args: []string{"agent", "add", "--domain", "acme.example", "--username", "kim", "--name", "Kim", "--extension", "1002"}, stdin: "password1\n", wantErr: "most common"},
		{name: "admin with an agent's length", args: []string{"agent", "add", "--domain", "acme.example", "--username", "kim", "--name", "Kim", "--extension", "1002", "--role", "admin"}, stdin: "a-long-pass\n", wantErr: "an admin's password must be 12 to 72 characters"},
		{name: "hostile username", args: []string{"agent", "add", "--domain", "acme.example", "--username", "<b>x</b>", "--name", "X", "--extension", "1003"}, stdin: "a-long-password\n", wantErr: "--username"},
		{name: "supervisor", args: []string{"agent", "add", "--domain", "acme.example", "--username", "kim", "--name", "Kim", "--extension", "1050", "--role", "supervisor", "--team", "Sales North, Billing"}, stdin: "a-long-password\n"},
		{name: "two-line team", args: []string{"agent", "add", "--domain", "acme.example", "--username", "lee", "--name", "Lee", "--extension", "1051", "--team", "A\nB"}, stdin: "a-long-password\n", wantErr: "--team"},
		{name: "unknown tenant", args: []string{"agent", "add", "--domain", "other.example", "--username", "x", "--name", "X", "--extension", "1003"}, wantErr: "no such tenant"},
		{name: "queue on a number not assigned", args: []string{"queue", "add", "--domain", "acme.example", "--name", "Sales", "--did", "5550100"}, wantErr: "assign the numbers first"},
		{name: "numbers", args: []string{"tenant", "set", "--domain", "acme.example", "--did", "5550100", "--did", "5550101", "--did", "+4930555", "--did", "1", "--did", "2", "--did", "3", "--did", "5550999"}},
		{name: "injected number", args: []string{"tenant", "set", "--domain", "acme.example", "--did", "1;Dial(Local/x)"}, wantErr: "--did"},
		{name: "take a number away", args: []string{"tenant", "set", "--domain", "acme.example", "--remove-did", "5550999"}},
		{name: "queue", args: []string{"queue", "add", "--domain", "acme.example", "--name", "Sales", "--did", "5550100", "--member", "sam:7", "--strategy", "round_robin",
			"--wrapup-code", "Sale", "--wrapup-code", " No sale ", "--require-code"}},
		{name: "a wrapup code twice", args: []string{"queue", "add", "--domain", "acme.example", "--name", "Q4", "--wrapup-code", "A", "--wrapup-code", "A"}, wantErr: "given twice"},
		{name: "a wrapup code on two lines", args: []string{"queue", "add", "--domain", "acme.example", "--name", "Q4", "--wrapup-code", "A\nB"}, wantErr: "--wrapup-code"},
		{name: "a required code without codes", args: []string{"queue", "add", "--domain", "acme.example", "--name", "Q4", "--require-code"}, wantErr: "--require-code"},
		{name: "queue with overflow", args: []string{"queue", "add", "--domain", "acme.example", "--name", "Support", "--did", "5550101", "--did", "+4930555",
			"--member", "sam", "--priority", "5", "--max-wait", "120", "--overflow", "queue", "--overflow-target", "Sales", "--announce", "30"}},
		{name: "injected DID", args: []string{"queue", "add", "--domain", "acme.example", "--name", "Bad", "--did", "1;Dial(Local/x)"}, wantErr: "--did"},
		{name: "unknown overflow queue", args: []string{"queue", "add", "--domain", "acme.example", "--name", "Q", "--did", "1", "--max-wait", "9", "--overflow", "queue", "--overflow-target", "Nope"}, wantErr: "no such queue"},
		{name: "unknown member", args: []string{"queue", "add", "--domain", "acme.example", "--name", "Q2", "--did", "2", "--member", "ghost"}, wantErr: "no such agent"},
		{name: "bad strategy", args: []string{"queue", "add", "--domain", "acme.example", "--name", "Q3", "--did", "3", "--strategy", "random"}, wantErr: "strategy"},
		{name: "opening hours", args: []string{"queue", "set", "--domain", "acme.example", "--name", "Support", "--hours", "mon-fri 08:00-12:00 13:00-18:00; sat 09:00-13:00",
			"--hours-exceptions", "2026-12-25 closed", "--closed", "queue", "--closed-target", "Sales", "--announce-estimate", "on", "--callback-above", "300", "--voicemail-key", "on"}},
		{name: "hours that do not parse", args: []string{"queue", "set", "--domain", "acme.example", "--name", "Support", "--hours", "mon-fri 08:00-12:00; someday 25:00"}, wantErr: `--hours: opening hours: weekly schedule, line 2 ("someday 25:00")`},
		{name: "closed to an injected extension", args: []string{"queue", "set", "--domain", "acme.example", "--name", "Support", "--closed", "extension", "--closed-target", "1;Dial(Local/x)"}, wantErr: "--closed-target: the agent's extension"},
		{name: "closed into itself", args: []string{"queue", "set", "--domain", "acme.example", "--name", "Support", "--closed", "queue", "--closed-target", "Support"}, wantErr: "itself"},
		{name: "set a queue of nobody", args: []string{"queue", "set", "--domain", "acme.example", "--name", "Ghost", "--voicemail-key", "on"}, wantErr: "no such queue"},
		{name: "too many attempts", args: []string{"queue", "set", "--domain", "acme.example", "--name", "Support", "--callback-attempts", "11"}, wantErr: "--callback-attempts: 1 to 10"},
		{name: "bad estimate switch", args: []string{"queue", "set", "--domain", "acme.example", "--name", "Support", "--announce-estimate", "yes"}, wantErr: "on or off"},
		{name: "time zone", args: []string{"tenant", "set", "--domain", "acme.example", "--time-zone", "Europe/Berlin"}},
		{name: "time zone a path", args: []string{"tenant", "set", "--domain", "acme.example", "--time-zone", "../../etc/passwd"}, wantErr: "--time-zone"},
		{name: "reason", args: []string{"reason", "add", "--domain", "acme.example", "--reason", "coaching"}},
		{name: "bad reason", args: []string{"reason", "add", "--domain", "acme.example", "--reason", "Coffee Break!"}, wantErr: "--reason"},
		{name: "operator", args: []string{"operator", "add", "--username", "root"}, stdin: "operator-password\n"},
		{name: "operator with a short password", args: []string{"operator", "add", "--username", "op2"}, stdin: "op2-passwd\n", wantErr: "12 to 72"},
		{name: "operator with a common password", args: []string{"operator", "add", "--username", "op2"}, stdin: "Password2024!\n", wantErr: "most common"},
		{name: "operator twice", args: []string{"operator", "add", "--username", "ROOT"}, stdin: "operator-password\n", wantErr: "UNIQUE"},
		{name: "settings", args: []string{"tenant", "set", "--domain", "acme.example", "--notify", "off", "--agent-calls-not-ready", "on", "--end-wrapup-early", "on",
			"--trunk", "itsp-1", "--caller-id", `"Acme" <5550000>`}},
		{name: "bad end wrapup switch", args: []string{"tenant", "set", "--domain", "acme.example", "--end-wrapup-early", "yes"}, wantErr: "--end-wrapup-early: on or off"},
		{name: "injected trunk", args: []string{"tenant", "set", "--domain", "acme.example", "--trunk", "x/sip:evil"}, wantErr: "--trunk"},
		{name: "bad switch", args: []string{"tenant", "set", "--domain", "acme.example", "--notify", "maybe"}, wantErr: "on or off"},
		{name: "retention", args: []string{"tenant", "set", "--domain", "acme.example", "--retention-days", "90"}},
		{name: "bad retention", args: []string{"tenant", "set", "--domain", "acme.example", "--retention-days", "4000"}, wantErr: "--retention-days: 1 to 3650 days"},
		{name: "variable", args: []string{"variable", "add", "--domain", "acme.example", "--key", "Customer <b>name</b>", "--variable", "CCAAS_FirstName"}},
		{name: "bad variable", args: []string{"variable", "add", "--domain", "acme.example", "--key", "X", "--variable", "A(B)"}, wantErr: "--variable"},
		{name: "duplicate variable", args: []string{"variable", "add", "--domain", "acme.example", "--key", "Y", "--variable", "CCAAS_FirstName"}, wantErr: "UNIQUE"},
		{name: "screen pop of an unknown key", args: []string{"tenant", "set", "--domain", "acme.example", "--screen-pop", "https://crm.example/?a={Account}"}, wantErr: "--screen-pop: unknown name {Account}"},
		{name: "screen pop over http", args: []string{"tenant", "set", "--domain", "acme.example", "--screen-pop", "http://crm.example/{caller}"}, wantErr: "https only"},
		{name: "screen pop at an unknown moment", args: []string{"tenant", "set", "--domain", "acme.example", "--screen-pop-on", "later"}, wantErr: "--screen-pop-on"},
		{name: "screen pop", args: []string{"tenant", "set", "--domain", "acme.example", "--screen-pop", "https://crm.example/?n={Customer <b>name</b>}&p={caller}", "--screen-pop-on", "offer"}},
	}
	for _, st := range steps {
		args := append(st.args, "--db", db)
		err := run(ctx, args, strings.NewReader(st.stdin), io.Discard, io.Discard)
		if st.wantErr == "" && err != nil {
			t.Fatalf("%s: %v", st.name, err)
		}
		if st.wantErr != "" && (err == nil || !strings.Contains(err.Error(), st.wantErr)) {
			t.Fatalf("%s: err = %v, want it to mention %q", st.name, err, st.wantErr)
		}
	}
	d, err := sqlite.Open(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	ten, _ := d.TenantByDomain(ctx, "acme.example")
	cfg, err := d.TenantConfig(ctx, ten.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(cfg.Agents) != 2 || cfg.Agents[0].WrapupSeconds != 15 || len(cfg.Queues) != 2 ||
		cfg.Agents[1].Role != "supervisor" || cfg.Agents[1].Team != "Sales North, Billing" {
		t.Fatalf("config = %+v", cfg)
	}
	sales, support := cfg.Queues[0], cfg.Queues[1]
	if sales.Strategy != "round_robin" || sales.Members[0].Skill != 7 || !slices.Equal(sales.WrapupCodes, []string{"Sale", "No sale"}) || !sales.CodeRequired {
		t.Fatalf("sales = %+v", sales)
	}
	if support.Priority != 5 || support.MaxWaitSeconds != 120 || support.Overflow != "queue" || support.OverflowTarget != "1" || support.AnnounceSeconds != 30 || len(support.DIDs) != 2 {
		t.Fatalf("support = %+v", support)
	}
	// queue set changed only the rules it was given; the refused ones changed nothing
	if want := (ccaas.WaitingRules{Hours: "mon-fri 08:00-12:00 13:00-18:00\nsat 09:00-13:00", HoursExceptions: "2026-12-25 closed", ClosedAction: "queue", ClosedTarget: "1",
		AnnounceEstimate: true, CallbackAboveSeconds: 300, CallbackAttempts: 3, CallbackRetrySeconds: 300, VoicemailKey: true, VoicemailMaxSeconds: 120}); support.WaitingRules != want {
		t.Fatalf("support's waiting rules = %+v\nwant %+v", support.WaitingRules, want)
	}
	if sales.ClosedAction != "hangup" || sales.CallbackAttempts != 3 || sales.VoicemailMaxSeconds != 120 {
		t.Fatalf("sales' waiting rules = %+v", sales.WaitingRules)
	}
	if !slices.Equal(cfg.DIDs, []string{"+4930555", "1", "2", "3", "5550100", "5550101"}) {
		t.Fatalf("numbers = %v", cfg.DIDs)
	}
	if got := cfg.Reasons[len(cfg.Reasons)-1]; got != "coaching" {
		t.Fatalf("reasons = %v", cfg.Reasons)
	}
	if s := cfg.Settings; s.NotifyIncoming || !s.AgentCallsNotReady || !s.EndWrapupEarly || s.Trunk != "itsp-1" || s.CallerID != `"Acme" <5550000>` ||
		s.RecordingRetentionDays != 90 || s.TimeZone != "Europe/Berlin" {
		t.Fatalf("settings = %+v", s)
	}
	if len(cfg.Variables) != 1 || cfg.Variables[0].Key != "Customer <b>name</b>" {
		t.Fatalf("variables = %+v", cfg.Variables)
	}
	if s := cfg.Settings; s.ScreenPopURL != "https://crm.example/?n={Customer <b>name</b>}&p={caller}" || s.ScreenPopOn != "offer" || !s.AgentCallsNotReady {
		t.Fatalf("screen pop = %+v", s)
	}
	// webhooks: the rules of the admin page; a made secret is printed once
	for _, bad := range []struct {
		args []string
		want string
	}{
		{[]string{"--url", "http://crm.example/h"}, "--url: https only"},
		{[]string{"--url", "https://10.0.0.7/h"}, "--url: 10.0.0.7 is a private address"},
		{[]string{"--url", "https://crm.example/h", "--event", "call.exploded"}, `--event "call.exploded"`},
		{[]string{"--url", "https://crm.example/h", "--secret", "short"}, "--secret: 16 to 200"},
		{[]string{"--url", "https://10.0.0.7/h", "--allow", "10.0.0.0/33"}, "--allow"},
	} {
		err := run(ctx, append(append([]string{"webhook", "add", "--domain", "acme.example"}, bad.args...), "--db", db), strings.NewReader(""), io.Discard, io.Discard)
		if err == nil || !strings.Contains(err.Error(), bad.want) {
			t.Fatalf("webhook add %v: %v, want %q", bad.args, err, bad.want)
		}
	}
	var out strings.Builder
	if err := run(ctx, []string{"webhook", "add", "--domain", "acme.example", "--url", "https://10.0.0.7/h", "--allow", "10.0.0.0/8", "--event", "call.ended", "--db", db},
		strings.NewReader(""), &out, io.Discard); err != nil {
		t.Fatal(err)
	}
	secret := regexp.MustCompile(`secret .*: (whsec_[0-9a-f]{32})\n`).FindStringSubmatch(out.String())
	hooks, _ := d.Webhooks(ctx, ten.ID)
	if secret == nil || len(hooks) != 1 || hooks[0].Secret != secret[1] || strings.Join(hooks[0].Events, " ") != "call.ended" {
		t.Fatalf("webhook add printed %q; stored %+v", out.String(), hooks)
	}
	out.Reset()
	if err := run(ctx, []string{"webhook", "list", "--domain", "acme.example", "--db", db}, strings.NewReader(""), &out, io.Discard); err != nil ||
		out.String() != "1\ton\thttps://10.0.0.7/h\tcall.ended\n" {
		t.Fatalf("webhook list = %q, %v", out.String(), err)
	}
	if err := run(ctx, []string{"webhook", "remove", "--domain", "acme.example", "--id", "2", "--db", db}, strings.NewReader(""), io.Discard, io.Discard); err == nil ||
		!strings.Contains(err.Error(), "no such webhook") {
		t.Fatalf("remove of an unknown webhook: %v", err)
	}
	if err := run(ctx, []string{"webhook", "remove", "--domain", "acme.example", "--id", "1", "--db", db}, strings.NewReader(""), io.Discard, io.Discard); err != nil {
		t.Fatal(err)
	}
	if hooks, _ := d.Webhooks(ctx, ten.ID); len(hooks) != 0 {
		t.Fatalf("after remove %+v", hooks)
	}
	if err := run(ctx, []string{"tenant", "set", "--domain", "acme.example", "--screen-pop", "", "--db", db}, strings.NewReader(""), io.Discard, io.Discard); err != nil {
		t.Fatal(err)
	}
	if cfg, _ := d.TenantConfig(ctx, ten.ID); cfg.Settings.ScreenPopURL != "" || cfg.Settings.ScreenPopOn != "offer" {
		t.Fatalf("screen pop removed = %+v", cfg.Settings)
	}
}

// TestHelpListsEveryCommand: "ccaas -h" names every command, the admin
// commands of adminUsage included.
func TestHelpListsEveryCommand(t *testing.T) {
	var stdout, stderr strings.Builder
	if err := run(context.Background(), []string{"-h"}, strings.NewReader(""), &stdout, &stderr); err != nil {
		t.Fatal(err)
	}
	want := []string{"serve", "demo", "migrate"}
	for _, m := range regexp.MustCompile(`(?m)^  ccaas (\w+ \w+)`).FindAllStringSubmatch(adminUsage, -1) {
		want = append(want, m[1])
	}
	if len(want) < 10 {
		t.Fatalf("adminUsage names only %v", want)
	}
	for _, cmd := range want {
		if !regexp.MustCompile(`(^|[ |])` + cmd + `( |$)`).MatchString(strings.ReplaceAll(stdout.String(), "\n", " ")) {
			t.Errorf("ccaas -h does not list %q:\n%s", cmd, stdout.String())
		}
	}
}
