package app_test

import (
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/ccaas/ccaas"
	"github.com/ccaas/ccaas/ari/asterisksim"
	"github.com/ccaas/ccaas/cti"
	"github.com/ccaas/ccaas/internal/memnet"
	"github.com/ccaas/ccaas/outbox"
	"github.com/ccaas/ccaas/webhook"
)

// hookReceiver is a tenant's webhook endpoint: it keeps each delivery with
// whether its signature verifies.
type hookReceiver struct {
	mu     sync.Mutex
	got    []webhook.Envelope
	raw    []string
	sigErr []error
}

func (h *hookReceiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	var env webhook.Envelope
	err := json.Unmarshal(body, &env)
	if err == nil {
		err = webhook.Verify(r.Header.Get(webhook.SignatureHeader), []byte(hookSecret), body, time.Now(), 5*time.Minute)
	}
	h.mu.Lock()
	h.got, h.raw, h.sigErr = append(h.got, env), append(h.raw, string(body)), append(h.sigErr, err)
	h.mu.Unlock()
}

const hookSecret = "whsec-app-test-0123456789"

// TestWebhooksReportACall: a tenant's webhook gets a queue call's events in
// the order they happened (queued, offered, answered, ended with its
// record) and the agent's state changes, each signed; the tenant loop only
// wrote them to the outbox with the facts, and the sender, woken by the
// recorder, posted them. Caller data with HTML goes as it is, in JSON.
func TestWebhooksReportACall(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var sender atomic.Pointer[outbox.Sender]
		w := newWorld(t, worldOpts{outboxWritten: func() {
			if s := sender.Load(); s != nil {
				s.Wake()
			}
		}})
		ctx, stop := context.WithCancel(context.Background())
		defer stop()
		if _, err := w.db.CreateWebhook(ctx, ccaas.Webhook{Tenant: w.tenant.ID, URL: "http://crm.example/hooks", Secret: hookSecret,
			Events: webhook.Types, Active: true}); err != nil {
			t.Fatal(err)
		}
		if err := w.app.Reload(ctx, w.tenant.ID); err != nil {
			t.Fatal(err)
		}
		rc := &hookReceiver{}
		l := memnet.Listen("crm.example:443")
		srv := &http.Server{Handler: rc}
		go srv.Serve(l)
		defer srv.Close()
		client := &http.Client{Transport: &http.Transport{DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) { return l.Dial(ctx) }}}
		s := outbox.New(outbox.Config{Store: w.db, Client: client, Poll: time.Hour}) // only the recorder's wake-up sends
		sender.Store(s)
		done := make(chan struct{})
		go func() { defer close(done); s.Run(ctx) }()
		defer func() { stop(); <-done }()

		sa, ka := w.login("alice")
		w.ready(sa, ka)
		cust, _ := w.sim.PlaceCall(asterisksim.CallSpec{From: "+4930123456", Name: "José <b>&</b>", DID: testDID})
		offer := ka.next(t, "offer", func(m cti.Message) bool { return m.Type == cti.MsgOffer })
		ok(t, w, sa, ka, cti.Command{Cmd: cti.CmdAnswer, Call: offer.Call.ID})
		ka.call(t, "connected")
		time.Sleep(30 * time.Second)
		w.sim.Hangup(cust)
		ka.call(t, "ended")
		ka.state(t, "ready")
		time.Sleep(time.Second)
		synctest.Wait()

		rc.mu.Lock()
		defer rc.mu.Unlock()
		var callEvents []string
		var ended webhook.Envelope
		agentTo := []string{}
		for i, env := range rc.got {
			if rc.sigErr[i] != nil {
				t.Errorf("delivery %s: %v", env.ID, rc.sigErr[i])
			}
			data, _ := env.Data.(map[string]any)
			switch env.Type {
			case webhook.AgentStateChanged:
				agentTo = append(agentTo, data["to"].(string))
			default:
				if data["call"] != string(offer.Call.ID) {
					t.Errorf("%s of call %v", env.Type, data["call"])
				}
				callEvents = append(callEvents, env.Type)
				if env.Type == webhook.CallEnded {
					ended = env
				}
			}
			if env.Tenant != testDomain {
				t.Errorf("tenant %q", env.Tenant)
			}
		}
		want := []string{webhook.CallQueued, webhook.CallOffered, webhook.CallAnswered, webhook.CallEnded}
		if len(callEvents) != len(want) {
			t.Fatalf("call events %v, want %v", callEvents, want)
		}
		for i := range want {
			if callEvents[i] != want[i] {
				t.Fatalf("call events %v, want %v", callEvents, want)
			}
		}
		rec := ended.Data.(map[string]any)
		caller := rec["caller"].(map[string]any)
		if caller["number"] != "+4930123456" || caller["name"] != "José <b>&</b>" || rec["talkMs"].(float64) < 30000 ||
			rec["endReason"] != ccaas.EndCallerHangup || len(rec["agents"].([]any)) != 1 {
			t.Fatalf("call.ended data %+v", rec)
		}
		if a := rec["agents"].([]any)[0].(map[string]any); a["username"] != "alice" || a["part"] != ccaas.PartAnswer {
			t.Fatalf("call.ended agent %+v", a)
		}
		// logged in, Ready, the call (no wrapup for alice here), Ready again
		if strings.Join(agentTo, " ") != "not_ready ready offered connecting talking ready" {
			t.Fatalf("alice's states %v", agentTo)
		}
		for _, raw := range rc.raw {
			if json.Valid([]byte(raw)) && (strings.Contains(raw, `\u003c`) || strings.Contains(raw, `\u0026`)) {
				t.Fatalf("HTML escaped in %s", raw)
			}
		}
	})
}
