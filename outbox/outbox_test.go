package outbox_test

import (
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/ccaas/ccaas"
	"github.com/ccaas/ccaas/internal/memnet"
	"github.com/ccaas/ccaas/outbox"
	"github.com/ccaas/ccaas/sqlite"
	"github.com/ccaas/ccaas/webhook"
)

const secret = "whsec-test-0123456789"

// received is one request the receiver took.
type received struct {
	id, typ, key string
	attempt      int
	at           time.Time
	sigErr       error
	body         webhook.Envelope
}

// receiver is a webhook endpoint: an HTTP server that checks each
// delivery's signature as a receiver's code would, and answers what answer
// says (200 by default).
type receiver struct {
	mu     sync.Mutex
	got    []received
	answer func(r received, n int) int // n: how many requests so far, this one included
	hang   chan struct{}               // if set, a request answered 599 waits for it (a hung endpoint)
}

func (rc *receiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	var env webhook.Envelope
	json.Unmarshal(body, &env)
	att, _ := strconv.Atoi(r.Header.Get(webhook.AttemptHeader))
	got := received{id: r.Header.Get(webhook.EventIDHeader), typ: r.Header.Get(webhook.EventTypeHeader), attempt: att, at: time.Now(), body: env,
		sigErr: webhook.Verify(r.Header.Get(webhook.SignatureHeader), []byte(secret), body, time.Now(), 5*time.Minute)}
	if d, ok := env.Data.(map[string]any); ok {
		got.key, _ = d["key"].(string)
	}
	rc.mu.Lock()
	rc.got = append(rc.got, got)
	n := len(rc.got)
	answer := rc.answer
	rc.mu.Unlock()
	code := http.StatusOK
	if answer != nil {
		code = answer(got, n)
	}
	if code == 599 {
		select {
		case <-rc.hang:
		case <-r.Context().Done():
		}
		return
	}
	w.WriteHeader(code)
	io.WriteString(w, "answer <"+strconv.Itoa(code)+">")
}

func (rc *receiver) requests() []received {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return append([]received(nil), rc.got...)
}

// world is a database with a tenant and a webhook, a receiver served over
// memnet (so the sender's waits run on the bubble's clock) and a sender.
type world struct {
	db      *sqlite.DB
	tenant  ccaas.Tenant
	hook    ccaas.Webhook
	rc      *receiver
	client  *http.Client
	sender  *outbox.Sender
	stopped chan struct{}
	stop    context.CancelFunc
}

func newWorld(t *testing.T) *world {
	t.Helper()
	ctx := context.Background()
	db, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "outbox.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	ten, err := db.CreateTenant(ctx, ccaas.Tenant{Domain: "hooks.example", Name: "Hooks"})
	if err != nil {
		t.Fatal(err)
	}
	hook, err := db.CreateWebhook(ctx, ccaas.Webhook{Tenant: ten.ID, URL: "http://crm.example/hooks", Secret: secret,
		Events: []string{webhook.CallQueued, webhook.CallEnded}, Active: true})
	if err != nil {
		t.Fatal(err)
	}
	rc := &receiver{hang: make(chan struct{})}
	l := memnet.Listen("crm.example:443")
	srv := &http.Server{Handler: rc}
	go srv.Serve(l)
	t.Cleanup(func() { close(rc.hang); srv.Close() })
	// every connection reaches the receiver (the address check is
	// TestPrivateTargetsRefused's, over real TCP)
	client := &http.Client{Transport: &http.Transport{DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) { return l.Dial(ctx) }}}
	return &world{db: db, tenant: ten, hook: hook, rc: rc, client: client}
}

func (w *world) start(t *testing.T) {
	ctx, stop := context.WithCancel(context.Background())
	w.sender = outbox.New(outbox.Config{Store: w.db, Client: w.client, Timeout: 10 * time.Second})
	w.stop, w.stopped = stop, make(chan struct{})
	go func() { defer close(w.stopped); w.sender.Run(ctx) }()
	t.Cleanup(w.halt)
}

func (w *world) halt() {
	if w.stop != nil {
		w.stop()
		<-w.stopped
		w.stop = nil
	}
}

// event appends an event of key (its data names the key, so the receiver
// sees it) for the webhook, as the recorder does.
func (w *world) event(t *testing.T, typ, key string) string {
	t.Helper()
	o, err := webhook.Outbox(w.tenant, webhook.Happening{Type: typ, Key: key, At: time.Now(), Data: map[string]string{"key": key}}, []ccaas.WebhookID{w.hook.ID})
	if err != nil {
		t.Fatal(err)
	}
	if err := w.db.AppendRecords(context.Background(), ccaas.Records{Outbox: []ccaas.OutboxEvent{o}}); err != nil {
		t.Fatal(err)
	}
	return o.ID
}

func (w *world) deliveries(t *testing.T) map[string]ccaas.Delivery {
	t.Helper()
	ds, err := w.db.RecentDeliveries(context.Background(), w.tenant.ID, w.hook.ID, 1000)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]ccaas.Delivery{}
	for _, d := range ds {
		out[d.EventID] = d
	}
	return out
}

// TestDeliveriesSignedRetriedInOrder: every delivery is signed; one the
// endpoint answers 500 is tried again after 5 s, then 10 s; the next event of
// its call waits for it, another call's does not; each attempt says its
// number, and the delivery log keeps the outcome.
func TestDeliveriesSignedRetriedInOrder(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		w := newWorld(t)
		w.rc.answer = func(r received, n int) int {
			if r.key == "call:a" && r.typ == webhook.CallQueued && r.attempt < 3 {
				return http.StatusInternalServerError
			}
			return http.StatusOK
		}
		start := time.Now()
		a1 := w.event(t, webhook.CallQueued, "call:a")
		a2 := w.event(t, webhook.CallEnded, "call:a")
		b1 := w.event(t, webhook.CallQueued, "call:b")
		w.start(t)
		time.Sleep(time.Minute)
		synctest.Wait()
		w.halt()

		got := w.rc.requests()
		var order []string
		for _, r := range got {
			if r.sigErr != nil {
				t.Errorf("delivery %s: signature: %v", r.id, r.sigErr)
			}
			order = append(order, r.id+"#"+strconv.Itoa(r.attempt)+"@"+r.at.Sub(start).Round(time.Second).String())
		}
		// a1 at 0 s (500), 5 s (500), 15 s (200); a2 right after; b1 at once
		want := map[string]bool{a1 + "#1@0s": true, a1 + "#2@5s": true, a1 + "#3@15s": true, a2 + "#1@15s": true, b1 + "#1@0s": true}
		if len(got) != len(want) {
			t.Fatalf("requests %v", order)
		}
		for _, o := range order {
			if !want[o] {
				t.Fatalf("unexpected request %s among %v", o, order)
			}
		}
		ds := w.deliveries(t)
		if d := ds[a1]; d.State != ccaas.DeliveryDelivered || d.Attempts != 3 || d.Status != 200 || d.Error != "" {
			t.Fatalf("a1 in the log: %+v", d)
		}
		if d := ds[a2]; d.State != ccaas.DeliveryDelivered || d.Attempts != 1 {
			t.Fatalf("a2 in the log: %+v", d)
		}
		if got[0].body.Tenant != "hooks.example" || got[0].body.ID != got[0].id {
			t.Fatalf("envelope %+v", got[0].body)
		}
	})
}

// TestTimeoutAndGiveUp: an endpoint that does not answer is given up on
// after the timeout and tried again; one that keeps failing is given up for
// good 24 hours after the event, and the log says why.
func TestTimeoutAndGiveUp(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		w := newWorld(t)
		w.rc.answer = func(r received, n int) int {
			if n == 1 {
				return 599 // hangs
			}
			return http.StatusServiceUnavailable
		}
		id := w.event(t, webhook.CallQueued, "call:a")
		w.start(t)
		time.Sleep(11 * time.Second)
		synctest.Wait()
		if d := w.deliveries(t)[id]; d.State != ccaas.DeliveryPending || d.Attempts != 1 || !strings.Contains(d.Error, "no answer within 10s") {
			t.Fatalf("after a hung attempt: %+v", d)
		}
		time.Sleep(25 * time.Hour)
		synctest.Wait()
		w.halt()
		d := w.deliveries(t)[id]
		if d.State != ccaas.DeliveryFailed || d.Status != 503 || !strings.Contains(d.Error, `HTTP 503 "answer <503>"`) {
			t.Fatalf("after 25 hours: %+v", d)
		}
		if n := len(w.rc.requests()); n != d.Attempts || n < 30 || n > 34 {
			t.Fatalf("%d requests, %d attempts counted", n, d.Attempts)
		}
	})
}

// TestRestartLosesNothing: the sender stops in the middle of a backlog
// (while a call's event is being retried) and a new one takes over from
// the database: every event arrives, each call's in order, and an event
// delivered twice has the same id both times.
func TestRestartLosesNothing(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		w := newWorld(t)
		w.rc.answer = func(r received, n int) int {
			if n%7 == 3 {
				return http.StatusBadGateway
			}
			return http.StatusOK
		}
		var sent []string
		keyOf := map[string]string{}
		for i := range 60 {
			key := "call:" + strconv.Itoa(i%5)
			id := w.event(t, []string{webhook.CallQueued, webhook.CallEnded}[i%2], key)
			sent = append(sent, id)
			keyOf[id] = key
		}
		w.start(t)
		time.Sleep(3 * time.Second) // a part delivered, some waiting for a retry
		synctest.Wait()
		w.halt()
		if n := len(w.rc.requests()); n == 0 || n >= 60 {
			t.Fatalf("%d requests before the restart: want a part of the backlog", n)
		}
		w.start(t)
		time.Sleep(10 * time.Minute)
		synctest.Wait()
		w.halt()

		seen := map[string]bool{}
		last := map[string]int{} // key → index in sent of its last delivered event
		for _, r := range w.rc.requests() {
			idx := -1
			for i, id := range sent {
				if id == r.id {
					idx = i
				}
			}
			if idx < 0 {
				t.Fatalf("unknown event %s", r.id)
			}
			if l, ok := last[keyOf[r.id]]; ok && idx < l {
				t.Fatalf("event %s of %s arrived after a later one", r.id, keyOf[r.id])
			}
			last[keyOf[r.id]] = idx
			seen[r.id] = true
		}
		if len(seen) != len(sent) {
			t.Fatalf("%d of %d events arrived", len(seen), len(sent))
		}
		for id, d := range w.deliveries(t) {
			if d.State != ccaas.DeliveryDelivered {
				t.Fatalf("delivery %s: %+v", id, d)
			}
		}
	})
}

// TestPrivateTargetsRefused: over real TCP, the sender's client refuses a
// loopback endpoint unless the operator allowed its range, says so in the
// log, and follows no redirect.
func TestPrivateTargetsRefused(t *testing.T) {
	rc := &receiver{}
	srv := httptest.NewServer(rc)
	defer srv.Close()
	redirect := httptest.NewServer(http.RedirectHandler(srv.URL, http.StatusTemporaryRedirect))
	defer redirect.Close()
	ctx := context.Background()
	for _, tc := range []struct {
		name  string
		url   string
		allow string
		state string
		err   string
	}{
		{"loopback refused", srv.URL, "", ccaas.DeliveryPending, "refused: 127.0.0.1 is a loopback address (this machine); the operator may allow its range"},
		{"allowed by the operator", srv.URL, "127.0.0.0/8", ccaas.DeliveryDelivered, ""},
		{"another range allowed", srv.URL, "10.0.0.0/8", ccaas.DeliveryPending, "refused: 127.0.0.1"},
		{"a redirect is not followed", redirect.URL, "127.0.0.1", ccaas.DeliveryPending, "HTTP 307: redirects are not followed"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			db, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "o.db"))
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			ten, _ := db.CreateTenant(ctx, ccaas.Tenant{Domain: "t.example", Name: "T"})
			hook, err := db.CreateWebhook(ctx, ccaas.Webhook{Tenant: ten.ID, URL: tc.url, Secret: secret, Events: []string{webhook.Test}, Active: true})
			if err != nil {
				t.Fatal(err)
			}
			o, _ := webhook.Outbox(ten, webhook.TestHappening(time.Now(), "x"), []ccaas.WebhookID{hook.ID})
			if err := db.AppendRecords(ctx, ccaas.Records{Outbox: []ccaas.OutboxEvent{o}}); err != nil {
				t.Fatal(err)
			}
			allow, err := webhook.ParseAllow(tc.allow)
			if err != nil {
				t.Fatal(err)
			}
			before := len(rc.requests())
			if n, err := outbox.New(outbox.Config{Store: db, Client: outbox.NewClient(allow)}).SendDue(ctx); n != 1 || err != nil {
				t.Fatalf("SendDue = %d, %v", n, err)
			}
			ds, _ := db.RecentDeliveries(ctx, ten.ID, hook.ID, 1)
			if d := ds[0]; d.State != tc.state || !strings.HasPrefix(d.Error, tc.err) {
				t.Fatalf("delivery %+v, want %s %q", d, tc.state, tc.err)
			}
			reached := len(rc.requests()) > before
			if reached != (tc.state == ccaas.DeliveryDelivered) {
				t.Fatalf("receiver reached: %v", reached)
			}
		})
	}
	// the check is on the address connected to: a name that resolves to
	// loopback is refused the same
	if why := webhook.Blocked(netip.MustParseAddr("::ffff:127.0.0.1"), nil); why == "" {
		t.Fatal("a mapped loopback address is allowed")
	}
}

// TestConnectionsReused: a batch's deliveries to one endpoint go over
// connections the next batch reuses (a TLS handshake per delivery would
// cost the calls' cores), not over new ones beyond the first batch's.
func TestConnectionsReused(t *testing.T) {
	const n = 16
	var mu sync.Mutex
	arrived, gate := 0, make(chan struct{})
	conns := 0
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		mu.Lock()
		g := gate
		if arrived++; arrived%n == 0 { // the batch is all in flight at once
			close(gate)
			gate = make(chan struct{})
		}
		mu.Unlock()
		<-g
	}))
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			mu.Lock()
			conns++
			mu.Unlock()
		}
	}
	srv.Start()
	defer srv.Close()
	ctx := context.Background()
	db, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "o.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ten, _ := db.CreateTenant(ctx, ccaas.Tenant{Domain: "t.example", Name: "T"})
	hook, err := db.CreateWebhook(ctx, ccaas.Webhook{Tenant: ten.ID, URL: srv.URL, Secret: secret, Events: []string{webhook.Test}, Active: true})
	if err != nil {
		t.Fatal(err)
	}
	sender := outbox.New(outbox.Config{Store: db, Client: outbox.NewClient([]netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")})})
	for round := range 2 {
		var rows []ccaas.OutboxEvent
		for i := range n {
			o, _ := webhook.Outbox(ten, webhook.TestHappening(time.Now(), strconv.Itoa(round*n+i)), []ccaas.WebhookID{hook.ID})
			rows = append(rows, o)
		}
		if err := db.AppendRecords(ctx, ccaas.Records{Outbox: rows}); err != nil {
			t.Fatal(err)
		}
		if got, err := sender.SendDue(ctx); got != n || err != nil {
			t.Fatalf("round %d: SendDue = %d, %v", round, got, err)
		}
	}
	mu.Lock()
	defer mu.Unlock()
	if conns != n {
		t.Fatalf("%d connections for two batches of %d deliveries, want %d", conns, n, n)
	}
}
