package main

import (
	"flag"
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"
	"time"
)

// TestOptions: every option is read from its environment key and is a flag
// of the commands of its scope only, and the README names both.
func TestOptions(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	commands := map[string][]string{ // the flags each command takes
		"migrate": {"db"},
		"demo": {"db", "addr", "log-level", "log-format", "tls-cert", "tls-key", "queue-log", "metrics-token",
			"session-idle", "session-max-age", "public-url", "max-calls", "max-calls-per-tenant", "callers-every", "webhook-allow"},
		"serve": {"db", "addr", "log-level", "log-format", "tls-cert", "tls-key", "queue-log", "metrics-token",
			"session-idle", "session-max-age", "public-url", "max-calls", "max-calls-per-tenant", "ari-url", "ari-user", "ari-password", "ari-app", "sip-ws-url", "webhook-allow"},
	}
	for command, want := range commands {
		c := defaultConfig()
		fs := flag.NewFlagSet(command, flag.ContinueOnError)
		c.flags(fs, command)
		var got []string
		fs.VisitAll(func(f *flag.Flag) { got = append(got, f.Name) })
		slices.Sort(got)
		want = slices.Sorted(slices.Values(want))
		if !slices.Equal(got, want) {
			t.Errorf("flags of %s = %v, want %v", command, got, want)
		}
	}
	c := defaultConfig()
	env := map[string]string{}
	for i, o := range c.options() {
		switch {
		case o.text != nil:
			env[o.env] = fmt.Sprintf("text-%d", i)
		case o.count != nil:
			env[o.env] = fmt.Sprint(i)
		default:
			env[o.env] = fmt.Sprintf("%ds", i+1)
		}
		if !strings.Contains(string(readme), "`"+o.env+"`") || !strings.Contains(string(readme), "`--"+o.flag+"`") {
			t.Errorf("the README does not name %s and --%s", o.env, o.flag)
		}
	}
	c.fromEnv(func(key string) string { return env[key] })
	for i, o := range c.options() {
		if o.text != nil && *o.text != fmt.Sprintf("text-%d", i) || o.count != nil && *o.count != i ||
			o.dur != nil && *o.dur != time.Duration(i+1)*time.Second {
			t.Errorf("%s was not read from the environment", o.env)
		}
	}
	c.fromEnv(func(key string) string {
		return map[string]string{"CCAAS_SESSION_IDLE": "soon", "CCAAS_MAX_CALLS": "many"}[key]
	})
	if c.SessionIdle != -1 || c.MaxCalls != -1 {
		t.Errorf("an unparseable CCAAS_SESSION_IDLE or CCAAS_MAX_CALLS gave %v, %v, want -1 for validate to refuse", c.SessionIdle, c.MaxCalls)
	}
}
