package main

import (
	"bytes"
	"context"
	"encoding/xml"
	"io"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ccaas/ccaas/ari"
)

// TestCustomerScenario: the UAC scenario SIPp gets is well-formed XML and
// names every call by its run's prefix.
func TestCustomerScenario(t *testing.T) {
	var b strings.Builder
	if err := customerScenario.Execute(&b, map[string]any{"Prefix": "123", "TalkMS": 250, "GapMS": 100}); err != nil {
		t.Fatal(err)
	}
	d := xml.NewDecoder(strings.NewReader(b.String()))
	d.Strict = true
	d.CharsetReader = func(_ string, r io.Reader) (io.Reader, error) { return r, nil } // the scenario is ASCII
	for {
		if _, err := d.Token(); err != nil {
			if err == io.EOF {
				break
			}
			t.Fatalf("scenario is not well-formed XML: %v", err)
		}
	}
	for _, want := range []string{`<sip:123[call_number]@`, `<pause milliseconds="250"/>`, `<label id="refused"/>`, `log message="refused 123[call_number]"`} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("scenario lacks %q", want)
		}
	}
}

// TestReadSIPpFiles reads the INVITE times of a message trace (the first
// transmission of each call; responses and retransmissions ignored), the
// refusals of a log and the counts of a statistics file, as SIPp 3.6 writes
// them.
func TestReadSIPpFiles(t *testing.T) {
	dir := t.TempDir()
	trace := `----------------------------------------------- 2026-12-07 15:01:51.276913
UDP message sent (600 bytes):

INVITE sip:7000001@127.0.0.1:5060 SIP/2.0
Via: SIP/2.0/UDP 127.0.0.2:5099;branch=z9hG4bK-1
From: "bench" <sip:1011@127.0.0.2:5099>;tag=1T1
To: <sip:7000001@127.0.0.1:5060>

----------------------------------------------- 2026-12-07 15:01:51.278000
UDP message received [300] bytes :

SIP/2.0 100 Trying
From: "bench" <sip:1011@127.0.0.2:5099>;tag=1T1

----------------------------------------------- 2026-12-07 15:01:51.776913
UDP message sent (600 bytes):

INVITE sip:7000001@127.0.0.1:5060 SIP/2.0
From: "bench" <sip:1011@127.0.0.2:5099>;tag=1T1

----------------------------------------------- 2026-12-07 15:01:52.000001
UDP message sent (600 bytes):

INVITE sip:7000002@127.0.0.1:5060 SIP/2.0
From: "bench" <sip:1012@127.0.0.2:5099>;tag=1T2
`
	write := func(name, s string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	got, err := readInviteTimes(write("m.log", trace))
	if err != nil {
		t.Fatal(err)
	}
	want1, _ := time.ParseInLocation("2006-01-02 15:04:05.000000", "2026-12-07 15:01:51.276913", time.Local)
	if len(got) != 2 || !got["1011"].Equal(want1) || got["1012"].IsZero() {
		t.Errorf("INVITE times %v, want 1011 at %v and 1012", got, want1)
	}
	stat := "StartTime;LastResetTime;CurrentTime;SuccessfulCall(P);SuccessfulCall(C);FailedCall(P);FailedCall(C)\n" +
		"a;b;c;1;5;0;0\n" + "a;b;c;2;18;1;2\n"
	ok, failed, err := readSIPpStat(write("s.csv", stat))
	if err != nil || ok != 18 || failed != 2 {
		t.Errorf("stat: %d ok, %d failed, %v; want 18, 2", ok, failed, err)
	}
	u := &uacRun{Prefix: "105", Dir: dir}
	write("105-messages.log", trace)
	write("105-stat.csv", stat)
	write("105-logs.log", "2026-12-07\t15:01:52.1\t1796655711.1: refused 1012\n")
	res, err := u.read()
	if err != nil || !res.Refused["1012"] || res.Refused["1011"] {
		t.Errorf("refused %v, %v; want 1012 only", res.Refused, err)
	}
}

// TestObserverBridged: a customer counts as bridged the first time a bridge
// holds them and someone else, in either order of arrival; a line alone, or
// a customer alone, is not bridged.
func TestObserverBridged(t *testing.T) {
	o := &observer{customers: map[string]string{}, bridged: map[string]time.Time{}}
	cust := func(id, num string) *ari.Channel {
		return &ari.Channel{ID: id, Name: customerChannel + id, Caller: ari.CallerID{Number: num}}
	}
	line := &ari.Channel{ID: "ln1", Name: "PJSIP/ag1-00000001"}
	enter := func(ch *ari.Channel, bridge string, chans ...string) {
		o.Event(&ari.ChannelEnteredBridge{Channel: ch, Bridge: ari.Bridge{ID: bridge, Channels: chans}})
	}
	enter(line, "hb1", "ln1")              // a line at home
	enter(cust("c1", "1011"), "cb1", "c1") // the customer first, alone
	if len(o.bridged) != 0 {
		t.Fatalf("bridged too early: %v", o.bridged)
	}
	enter(line, "cb1", "c1", "ln1")                 // then the line: bridged
	enter(line, "cb2", "ln1")                       // the line alone elsewhere
	enter(cust("c2", "1012"), "cb2", "ln1", "c2")   // the customer second: bridged
	enter(cust("c1", "1011"), "cb3", "c1", "other") // again: the first time stays
	got, events := o.take()
	if len(got) != 2 || got["1011"].IsZero() || got["1012"].IsZero() || events != 6 {
		t.Errorf("bridged %v after %d events; want 1011 and 1012 after 6", got, events)
	}
	if again, _ := o.take(); len(again) != 0 {
		t.Errorf("take did not forget: %v", again)
	}
}

// TestListenerPIDAndProc finds this test's own process by a port it
// listens on and reads its counters from /proc.
func TestListenerPIDAndProc(t *testing.T) {
	if _, err := os.Stat("/proc/self/stat"); err != nil {
		t.Skip("no /proc on this system")
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	pid, err := listenerPID("http://" + ln.Addr().String() + "/ari")
	if err != nil || pid != os.Getpid() {
		t.Fatalf("listenerPID = %d, %v; want %d", pid, err, os.Getpid())
	}
	r, err := readProc(pid)
	if err != nil || r.Files < 3 || r.Threads < 1 || r.CPU <= 0 {
		t.Errorf("readProc = %+v, %v", r, err)
	}
	if fileLimit(pid) <= 0 {
		t.Error("no open-files limit read")
	}
	u, _ := url.Parse("http://" + ln.Addr().String())
	u.Host = "127.0.0.1:1" // nothing listens there
	if _, err := listenerPID(u.String()); err == nil {
		t.Error("found a listener on port 1")
	}
}

// TestRealAsteriskBench runs every target of a real-Asterisk run for a few
// calls one at a time (CCAAS_TEST_ARI_URL; the Asterisk needs
// cmd/ccaas-bench/asterisk's files and app_queue loaded, README): every call
// bridged, the figures there.
func TestRealAsteriskBench(t *testing.T) {
	url := os.Getenv("CCAAS_TEST_ARI_URL")
	if url == "" {
		t.Skip("CCAAS_TEST_ARI_URL is not set: no real Asterisk to test against")
	}
	o := defaultOptions()
	o.supervisors = false
	o.real = realOptions{ariURL: url, ariUser: envOr("CCAAS_TEST_ARI_USER", "ccaas"), ariPassword: envOr("CCAAS_TEST_ARI_PASSWORD", "ccaas"),
		targets: []string{"ccaas", "minimal", "appqueue"}, latency: 5, latencyTenants: 1, latencyAgents: 2, gap: 50 * time.Millisecond,
		sip: envOr("CCAAS_TEST_SIP_ADDR", "127.0.0.1:5060"), sipFrom: "127.0.0.2", sipp: envOr("CCAAS_TEST_SIPP", "sipp")}
	var out bytes.Buffer
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	err := realRun(ctx, o, &out)
	t.Log("\n" + out.String())
	if err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(out.String(), "5 calls, 5 bridged, 0 failed"); n != 3 {
		t.Errorf("%d of 3 targets bridged all 5 calls", n)
	}
	for _, want := range []string{"INVITE → bridged", "StasisStart → offer", "Asterisk per line"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("report lacks %q", want)
		}
	}
}

func envOr(key, def string) string {
	if v := os.Getenv(key); v != "" {
		return v
	}
	return def
}
