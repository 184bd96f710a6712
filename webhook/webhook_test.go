package webhook_test

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/ccaas/ccaas"
	"github.com/ccaas/ccaas/event"
	"github.com/ccaas/ccaas/webhook"
	"github.com/ccaas/ccaas/wrapup"
)

func TestSignAndVerify(t *testing.T) {
	secret := []byte("whsec-0123456789abcdef")
	body := []byte(`{"id":"evt_1","type":"test"}`)
	at := time.Unix(1_790_000_000, 0)
	sig := webhook.Sign(secret, at, body)
	// the header a receiver gets, computed here by hand: HMAC-SHA256 of "<t>.<body>"
	m := hmac.New(sha256.New, secret)
	m.Write([]byte("1790000000." + string(body)))
	if want := "t=1790000000,v1=" + hex.EncodeToString(m.Sum(nil)); sig != want {
		t.Fatalf("Sign = %s, want %s", sig, want)
	}
	for _, tc := range []struct {
		name   string
		header string
		secret []byte
		body   []byte
		now    time.Time
		want   error
	}{
		{"valid", sig, secret, body, at.Add(time.Minute), nil},
		{"valid among several signatures (a secret being rotated)", "t=1790000000,v1=00ff," + sig[strings.Index(sig, "v1="):], secret, body, at, nil},
		{"another secret", sig, []byte("another-secret-0123"), body, at, webhook.ErrBadSignature},
		{"a changed body", sig, secret, []byte(`{"id":"evt_2","type":"test"}`), at, webhook.ErrBadSignature},
		{"a changed timestamp", strings.Replace(sig, "t=1790000000", "t=1790000001", 1), secret, body, at, webhook.ErrBadSignature},
		{"replayed later", sig, secret, body, at.Add(6 * time.Minute), webhook.ErrTooOld},
		{"from the future", sig, secret, body, at.Add(-6 * time.Minute), webhook.ErrTooOld},
		{"no timestamp", sig[strings.Index(sig, "v1="):], secret, body, at, webhook.ErrNoSignature},
		{"no signature", "t=1790000000", secret, body, at, webhook.ErrNoSignature},
		{"garbage", "v1=zz,t=abc", secret, body, at, webhook.ErrNoSignature},
		{"empty", "", secret, body, at, webhook.ErrNoSignature},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if err := webhook.Verify(tc.header, tc.secret, tc.body, tc.now, 5*time.Minute); !errors.Is(err, tc.want) {
				t.Fatalf("Verify = %v, want %v", err, tc.want)
			}
		})
	}
}

func TestRetry(t *testing.T) {
	want := []time.Duration{5 * time.Second, 10 * time.Second, 20 * time.Second, 40 * time.Second, 80 * time.Second, 160 * time.Second,
		320 * time.Second, 640 * time.Second, 1280 * time.Second, 2560 * time.Second, time.Hour, time.Hour}
	for i, w := range want {
		if got := webhook.Retry(i + 1); got != w {
			t.Errorf("Retry(%d) = %s, want %s", i+1, got, w)
		}
	}
	if webhook.Retry(1000) != time.Hour || webhook.Retry(0) != 5*time.Second {
		t.Fatal("Retry out of range")
	}
	// attempts within the 24 hours
	n, at := 1, time.Duration(0)
	for at+webhook.Retry(n) < webhook.GiveUpAfter {
		at += webhook.Retry(n)
		n++
	}
	if n != 33 { // at 0 s, 5 s, 15 s … 5115 s (85 min), then 22 more an hour apart
		t.Fatalf("%d attempts in 24 hours, want 33", n)
	}
}

func TestCheckURL(t *testing.T) {
	for _, tc := range []struct {
		url, want string // want "" for accepted
	}{
		{"https://hooks.example.com/ccaas?x=1", ""},
		{"https://[2001:db8::1]:8443/h", ""}, // its address is judged when it is dialled
		{"http://127.0.0.1:9000/hook", ""},
		{"http://localhost/hook", ""},
		{"http://[::1]:9000/", ""},
		{"http://hooks.example.com/ccaas", "https only"},
		{"http://127.0.0.1.nip.io/", "https only"},
		{"ftp://hooks.example.com/", "https only"},
		{"gopher://127.0.0.1:25/", "https only"},
		{"file:///etc/passwd", "with a host"},
		{"hooks.example.com/ccaas", "with a host"},
		{"https://user:pw@hooks.example.com/", "no user name or password"},
		{"https://hooks.example.com/#frag", "no #fragment"},
		{"https://hooks.example.com/a b", "no spaces"},
		{"https://hooks.example.com/\r\nX-Injected: 1", "no spaces"},
		{"", "an https:// address"},
		{"https://" + strings.Repeat("a", 2000) + ".example/", "at most 2000"},
	} {
		err := webhook.CheckURL(tc.url)
		if tc.want == "" && err != nil || tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)) {
			t.Errorf("CheckURL(%q) = %v, want %q", tc.url, err, tc.want)
		}
	}
}

func TestBlocked(t *testing.T) {
	allow, err := webhook.ParseAllow("10.1.0.0/16, 127.0.0.1 ::1")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		ip    string
		allow []netip.Prefix
		want  string // "" for allowed
	}{
		{"93.184.216.34", nil, ""},
		{"2606:2800:220:1:248:1893:25c8:1946", nil, ""},
		{"10.0.0.5", nil, "a private address"},
		{"172.16.3.4", nil, "a private address"},
		{"172.32.0.1", nil, ""},
		{"192.168.1.1", nil, "a private address"},
		{"127.0.0.1", nil, "a loopback address (this machine)"},
		{"127.9.9.9", nil, "a loopback address (this machine)"},
		{"169.254.169.254", nil, "a link-local address"}, // a cloud's metadata service
		{"100.100.100.200", nil, "a shared (carrier-grade NAT) address"},
		{"0.0.0.0", nil, `a "this network" address`},
		{"255.255.255.255", nil, "a reserved address"},
		{"224.0.0.1", nil, "a multicast address"},
		{"198.18.0.1", nil, "a benchmarking address"},
		{"::1", nil, "a loopback address (this machine)"},
		{"::", nil, "the unspecified address"},
		{"fe80::1", nil, "a link-local address"},
		{"fd00::1", nil, "a private (unique local) address"},
		{"ff02::1", nil, "a multicast address"},
		{"::ffff:10.0.0.1", nil, "a private address"},           // IPv4-mapped
		{"::ffff:169.254.169.254", nil, "a link-local address"}, // IPv4-mapped
		{"64:ff9b::a00:1", nil, "a private address (through NAT64)"},
		{"2002:a9fe:a9fe::1", nil, "a link-local address (through 6to4)"},
		{"2002:5db8:d822::1", nil, ""}, // 6to4 of a public address
		{"fe80::1%eth0", nil, "a link-local address"},
		{"10.1.2.3", allow, ""}, // the operator allows this range
		{"10.2.0.1", allow, "a private address"},
		{"127.0.0.1", allow, ""},
		{"127.0.0.2", allow, "a loopback address (this machine)"},
		{"::1", allow, ""},
		{"::ffff:10.1.0.9", allow, ""},
	} {
		ip := netip.MustParseAddr(tc.ip)
		if got := webhook.Blocked(ip, tc.allow); got != tc.want {
			t.Errorf("Blocked(%s) = %q, want %q", tc.ip, got, tc.want)
		}
	}
	if _, err := webhook.ParseAllow("10.0.0.0/33"); err == nil {
		t.Fatal("ParseAllow accepted a broken range")
	}
	if got, err := webhook.ParseAllow(" 10.1.2.3/8 ,"); err != nil || len(got) != 1 || got[0].String() != "10.0.0.0/8" {
		t.Fatalf("ParseAllow = %v %v", got, err)
	}
}

func TestCheckSecret(t *testing.T) {
	for s, ok := range map[string]bool{"0123456789abcdef": true, "short": false, "with a space in it!!": false, strings.Repeat("x", 201): false, "ünïcode-is-not-ascii": false} {
		if err := webhook.CheckSecret(s); (err == nil) != ok {
			t.Errorf("CheckSecret(%q) = %v", s, err)
		}
	}
}

// TestOf: each tenant event a webhook reports, with its key (a call's
// events share one, so they are delivered in order) and its JSON.
func TestOf(t *testing.T) {
	at := time.Date(2026, 11, 24, 13, 5, 6, 500e6, time.UTC)
	callback := func(state string, attempts int) ccaas.Callback {
		return ccaas.Callback{ID: "cb1-a", Tenant: 1, Queue: 1, QueueName: "Support", Call: "c1-a", Number: "+4930123", Name: "Jane <b>",
			Requested: at.Add(-time.Minute), State: state, Attempts: attempts}
	}
	voicemail := func(state string, agent ccaas.AgentID) ccaas.Voicemail {
		return ccaas.Voicemail{ID: "vm1-a", Tenant: 1, Queue: 1, QueueName: "Support", Call: "c1-a", Number: "+4930123",
			Left: at.Add(-time.Minute), Seconds: 14, State: state, Agent: agent}
	}
	names := func(id ccaas.AgentID) string { return map[ccaas.AgentID]string{12: "alice", 13: "bob"}[id] }
	alice := event.Agent{ID: 12, Username: "alice", Part: ccaas.PartAnswer, ByQueue: true}
	for _, tc := range []struct {
		ev         event.Event
		typ, key   string
		wantJSON   string
		notAnEvent bool
	}{
		{ev: event.CallQueued{At: at, Call: "c1-a", Queue: 1, QueueName: "Support", Number: "+4930123", Name: "Jane <b>", Position: 2, Entered: at},
			typ: "call.queued", key: "call:c1-a",
			wantJSON: `{"call":"c1-a","queue":{"id":1,"name":"Support"},"caller":{"number":"+4930123","name":"Jane <b>"},"position":2,"entered":"2026-11-24T13:05:06.5Z"}`},
		{ev: event.CallOffered{At: at, Call: "c1-a", Agent: alice}, typ: "call.offered", key: "call:c1-a",
			wantJSON: `{"call":"c1-a","agent":{"id":12,"username":"alice"},"part":"answer"}`},
		{ev: event.CallConnected{At: at, Call: "c1-a", Agent: alice}, typ: "call.answered", key: "call:c1-a",
			wantJSON: `{"call":"c1-a","agent":{"id":12,"username":"alice"},"part":"answer"}`},
		{ev: event.CallEnded{At: at, Call: "c1-a", Record: ccaas.CallRecord{ID: "c1-a", Direction: "inbound", Queue: 1, QueueName: "Support", Number: "+4930123",
			DID: "5550001", Arrived: at.Add(-time.Minute), Answered: at.Add(-50 * time.Second), Ended: at, Wait: 10 * time.Second, Talk: 45 * time.Second,
			Hold: 5 * time.Second, EndReason: "caller_hangup", Agents: []ccaas.CallAgent{{Agent: 12, Role: "answer", Offered: at.Add(-55 * time.Second),
				Joined: at.Add(-50 * time.Second), Left: at, Hold: 5 * time.Second, Outcome: "caller_hangup"}, {Agent: 13, Role: "conference", Offered: at, Left: at, Outcome: "withdrawn"}}}},
			typ: "call.ended", key: "call:c1-a",
			wantJSON: `{"call":"c1-a","direction":"inbound","queue":{"id":1,"name":"Support"},"caller":{"number":"+4930123","name":""},"did":"5550001",` +
				`"arrived":"2026-11-24T13:04:06.5Z","answered":"2026-11-24T13:04:16.5Z","ended":"2026-11-24T13:05:06.5Z","waitMs":10000,"talkMs":45000,"holdMs":5000,` +
				`"transfers":0,"joins":0,"endReason":"caller_hangup","agents":[{"id":12,"username":"alice","part":"answer","offered":"2026-11-24T13:04:11.5Z",` +
				`"joined":"2026-11-24T13:04:16.5Z","left":"2026-11-24T13:05:06.5Z","holdMs":5000,"outcome":"caller_hangup"},{"id":13,"username":"bob","part":"conference",` +
				`"offered":"2026-11-24T13:05:06.5Z","joined":null,"left":"2026-11-24T13:05:06.5Z","holdMs":0,"outcome":"withdrawn"}]}`},
		{ev: event.CallEnded{At: at, Call: "c1-b", Record: ccaas.CallRecord{ID: "c1-b", Direction: "outbound", Number: "+4930999", Arrived: at, Ended: at, EndReason: "busy"}},
			typ: "call.ended", key: "call:c1-b",
			wantJSON: `{"call":"c1-b","direction":"outbound","queue":null,"caller":{"number":"+4930999","name":""},"did":"","arrived":"2026-11-24T13:05:06.5Z",` +
				`"answered":null,"ended":"2026-11-24T13:05:06.5Z","waitMs":0,"talkMs":0,"holdMs":0,"transfers":0,"joins":0,"endReason":"busy","agents":[]}`},
		{ev: event.AgentChanged{Agent: 12, Username: "alice", Transition: wrapup.Transition{From: wrapup.Talking, To: wrapup.Wrapup, At: at, Pending: "lunch"}, Call: "c1-a", By: "Carol"},
			typ: "agent.state_changed", key: "agent:12",
			wantJSON: `{"agent":{"id":12,"username":"alice"},"from":"talking","to":"wrapup","reason":"","pending":"lunch","by":"Carol","call":"c1-a"}`},
		{ev: event.AgentChanged{Agent: 13, Username: "bob", Transition: wrapup.Transition{From: wrapup.Ready, To: wrapup.NotReady, Reason: "break", At: at}},
			typ: "agent.state_changed", key: "agent:13",
			wantJSON: `{"agent":{"id":13,"username":"bob"},"from":"ready","to":"not_ready","reason":"break"}`},
		{ev: event.CallbackQueued{At: at, Callback: callback(ccaas.CallbackWaiting, 0)}, typ: "callback.queued", key: "callback:cb1-a",
			wantJSON: `{"callback":"cb1-a","call":"c1-a","queue":{"id":1,"name":"Support"},"caller":{"number":"+4930123","name":"Jane <b>"},` +
				`"requested":"2026-11-24T13:04:06.5Z","state":"waiting","attempts":0,"retry":null}`},
		// an attempt that failed: dialled again at Retry
		{ev: event.CallbackEnded{At: at, Callback: callback(ccaas.CallbackWaiting, 1), Retry: at.Add(5 * time.Minute)}, typ: "callback.ended", key: "callback:cb1-a",
			wantJSON: `{"callback":"cb1-a","call":"c1-a","queue":{"id":1,"name":"Support"},"caller":{"number":"+4930123","name":"Jane <b>"},` +
				`"requested":"2026-11-24T13:04:06.5Z","state":"waiting","attempts":1,"retry":"2026-11-24T13:10:06.5Z"}`},
		{ev: event.CallbackEnded{At: at, Callback: callback(ccaas.CallbackReached, 2)}, typ: "callback.ended", key: "callback:cb1-a",
			wantJSON: `{"callback":"cb1-a","call":"c1-a","queue":{"id":1,"name":"Support"},"caller":{"number":"+4930123","name":"Jane <b>"},` +
				`"requested":"2026-11-24T13:04:06.5Z","state":"reached","attempts":2,"retry":null}`},
		{ev: event.VoicemailLeft{At: at, Voicemail: voicemail(ccaas.VoicemailNew, 0)}, typ: "voicemail.left", key: "voicemail:vm1-a",
			wantJSON: `{"voicemail":"vm1-a","call":"c1-a","queue":{"id":1,"name":"Support"},"caller":{"number":"+4930123","name":""},` +
				`"left":"2026-11-24T13:04:06.5Z","seconds":14,"state":"new","agent":null}`},
		{ev: event.VoicemailClosed{At: at, Voicemail: voicemail(ccaas.VoicemailCalledBack, 13)}, typ: "voicemail.closed", key: "voicemail:vm1-a",
			wantJSON: `{"voicemail":"vm1-a","call":"c1-a","queue":{"id":1,"name":"Support"},"caller":{"number":"+4930123","name":""},` +
				`"left":"2026-11-24T13:04:06.5Z","seconds":14,"state":"called_back","agent":{"id":13,"username":"bob"}}`},
		{ev: event.VoicemailFailed{At: at, Call: "c1-a", Queue: 1, Cause: "disk"}, notAnEvent: true},
		{ev: event.CallHeld{At: at, Call: "c1-a"}, notAnEvent: true},
		{ev: event.LineChanged{At: at, Agent: 12, State: "up"}, notAnEvent: true},
	} {
		h, ok := webhook.Of(tc.ev, names)
		if ok == tc.notAnEvent {
			t.Fatalf("Of(%T) ok = %v", tc.ev, ok)
		}
		if !ok {
			continue
		}
		if h.Type != tc.typ || h.Key != tc.key || !h.At.Equal(at) {
			t.Errorf("Of(%T) = %s %s %s, want %s %s", tc.ev, h.Type, h.Key, h.At, tc.typ, tc.key)
		}
		got, err := webhook.Encode(h.Data)
		if err != nil {
			t.Fatal(err)
		}
		if string(got) != tc.wantJSON {
			t.Errorf("Of(%T) data\n got %s\nwant %s", tc.ev, got, tc.wantJSON)
		}
	}
}

// FuzzVerify: whatever header comes, Verify never panics, and it accepts
// only a signature made with the secret over that timestamp and body.
func FuzzVerify(f *testing.F) {
	secret := []byte("whsec-0123456789abcdef")
	at := time.Unix(1_790_000_000, 0)
	f.Add(webhook.Sign(secret, at, []byte("{}")), []byte("{}"))
	f.Add("t=1790000000,v1=,v1=00", []byte("x"))
	f.Add(",,,=,t==1", []byte(""))
	f.Fuzz(func(t *testing.T, header string, body []byte) {
		if webhook.Verify(header, secret, body, at, 5*time.Minute) == nil && !strings.Contains(header, webhook.Sign(secret, at, body)[14:]) {
			// a match needs the v1 of this body at some t within the tolerance
			ok := false
			for d := -300; d <= 300 && !ok; d++ {
				ok = strings.Contains(header, webhook.Sign(secret, at.Add(time.Duration(d)*time.Second), body)[14:])
			}
			if !ok {
				t.Fatalf("Verify accepted %q for %q", header, body)
			}
		}
	})
}
