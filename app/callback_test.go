package app_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/ccaas/ccaas"
	"github.com/ccaas/ccaas/app"
	"github.com/ccaas/ccaas/ari/asterisksim"
	"github.com/ccaas/ccaas/cti"
	"github.com/ccaas/ccaas/sqlite"
)

// callbackQueue offers a callback after 30 s of waiting, and dials a
// customer twice at most, a minute apart.
var callbackQueue = ccaas.Queue{WaitingRules: ccaas.WaitingRules{CallbackAfterSeconds: 30, CallbackAttempts: 2, CallbackRetrySeconds: 60}}

// askCallback makes a waiting caller take the callback offered: 1, then 1
// to confirm their own number. It returns once they heard it was taken.
func askCallback(t *testing.T, w *world, ear *ear, cust, number string) {
	t.Helper()
	ear.waitFor(cust, "sound:ccaas/callback-offer")
	w.sim.SendDTMF(cust, "1")
	if h := ear.waitFor(cust, "sound:ccaas/callback-number"); h.next != "digits:"+strings.TrimPrefix(number, "+") {
		t.Fatalf("the number read back: %+v", h)
	}
	w.sim.SendDTMF(cust, "1")
	ear.waitFor(cust, "sound:ccaas/callback-thanks")
}

func (w *world) openCallbacks() []ccaas.Callback { return openInStore(w, w.db.OpenCallbacks) }

// openInStore is what the store keeps open for the world's tenant: its
// callbacks or its voicemails.
func openInStore[T any](w *world, open func(context.Context, ccaas.TenantID) ([]T, error)) []T {
	w.t.Helper()
	items, err := open(context.Background(), w.tenant.ID)
	if err != nil {
		w.t.Fatal(err)
	}
	return items
}

// TestCallbackKeepsItsPlace: a caller who waited 30 s is offered a
// callback, takes it (the row is written before they hear so) and is hung
// up. The callback keeps their place: the next Ready agent is offered it
// before a caller who arrived later ("Callback to …", the attached data);
// on Answer the app dials the customer through the trunk while the agent
// hears ringing, and bridges them in when they answer.
func TestCallbackKeepsItsPlace(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		w, ql := roomWorld(t, callbackQueue)
		ear := w.ear()
		first := w.caller("+4930501")
		time.Sleep(time.Millisecond)
		second := w.caller("+4930502")
		askCallback(t, w, ear, first, "+4930501")
		cbs := w.openCallbacks()
		if len(cbs) != 1 || cbs[0].Number != "+4930501" || cbs[0].State != ccaas.CallbackWaiting || cbs[0].QueueName != "Support" {
			t.Fatalf("callbacks stored when the caller heard thanks: %+v", cbs)
		}
		waitUntil(t, "the first caller hung up", gone(w, first))
		if lines := ql.of("EXITWITHKEY"); len(lines) != 1 || lines[0] != "EXITWITHKEY|1|1|1|30" {
			t.Errorf("queue_log %v, want EXITWITHKEY|1|position 1|entered at 1|30 s", lines)
		}
		if r := w.recordOf("+4930501", ccaas.DirInbound); r.EndReason != ccaas.EndCallback {
			t.Errorf("the caller's call ended %q, want callback", r.EndReason)
		}
		waitUntil(t, "the second caller waiting", waiting(w, second))

		s, k := w.login("alice")
		w.ready(s, k)
		offer := offerOf(t, k)
		c := offer.Call
		if c.Direction != ccaas.DirCallback || c.Caller.Number != "+4930501" || c.Queue == nil || c.Queue.Name != "Support" ||
			c.Callback == nil || c.Callback.Attempt != 1 || c.Callback.Attempts != 2 || !c.ArrivedAt.Equal(cbs[0].Arrived) {
			t.Fatalf("offer %+v (callback %+v), want the callback first, keeping the caller's arrival", c, c.Callback)
		}
		ok(t, w, s, k, cti.Command{Cmd: cti.CmdAnswer, Call: c.ID})
		ear.waitForTarget("bridge:"+waitBridge(w), "tone:ring")
		connected := k.call(t, "connected")
		line := w.lineOf()
		var cust string
		for _, ch := range w.sim.Channels() {
			if strings.HasPrefix(ch.ID, "cu") {
				cust = ch.ID
			}
		}
		if cust == "" || w.sim.BridgeOf(cust) == "" || w.sim.BridgeOf(cust) != w.sim.BridgeOf(line.ID) || w.sim.Playing(line.ID) {
			t.Fatalf("customer %q in %q, line in %q, ringing still %v", cust, w.sim.BridgeOf(cust), w.sim.BridgeOf(line.ID), w.sim.Playing(line.ID))
		}
		time.Sleep(20 * time.Second)
		ok(t, w, s, k, cti.Command{Cmd: cti.CmdHangup, Call: connected.Call.ID})
		k.state(t, "ready")
		if next := offerOf(t, k); next.Call.Caller.Number != "+4930502" {
			t.Fatalf("then offered %+v, want the second caller", next.Call.Caller)
		}
		rec := w.record(c.ID)
		if rec.Direction != ccaas.DirCallback || rec.Answered.IsZero() || rec.Talk < 20*time.Second || rec.Number != "+4930501" {
			t.Errorf("the callback's record %+v", rec)
		}
		waitUntil(t, "the callback reached", func() bool {
			all, _ := w.db.Callbacks(context.Background(), w.tenant.ID, time.Time{}, time.Now().Add(time.Hour))
			return len(all) == 1 && all[0].State == ccaas.CallbackReached && all[0].Attempts == 1 && !all[0].Ended.IsZero() &&
				all[0].FirstDialled.Sub(all[0].Requested) > 0
		})
		if len(w.openCallbacks()) != 0 {
			t.Error("the callback still waits")
		}
	})
}

// waitBridge returns the id of the one call bridge.
func waitBridge(w *world) string {
	w.t.Helper()
	var id string
	waitUntil(w.t, "a call bridge", func() bool {
		for _, b := range w.sim.Bridges() {
			if strings.HasPrefix(b.ID, "cb") {
				id = b.ID
				return true
			}
		}
		return false
	})
	return id
}

// TestCallbackRetriedThenFailed: a customer who is busy is dialled again
// after the queue's retry time (not offered before), by the agent free
// then; after the last attempt the callback ends as failed. The agent's
// call ends "busy", without wrapup.
func TestCallbackRetriedThenFailed(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		w, _ := roomWorld(t, callbackQueue)
		ear := w.ear()
		cust := w.caller("+4930511")
		askCallback(t, w, ear, cust, "+4930511")
		w.sim.SetBehaviour("PJSIP/pstn", asterisksim.BehaviourBusy)
		s, k := w.login("alice")
		w.ready(s, k)
		offer := offerOf(t, k)
		for attempt := 1; attempt <= 2; attempt++ {
			if offer.Call.Callback == nil || offer.Call.Callback.Attempt != attempt {
				t.Fatalf("offer %d: %+v", attempt, offer.Call.Callback)
			}
			ok(t, w, s, k, cti.Command{Cmd: cti.CmdAnswer, Call: offer.Call.ID})
			if m := k.call(t, "ended"); m.Call.EndReason != ccaas.EndBusy {
				t.Fatalf("attempt %d ended %q", attempt, m.Call.EndReason)
			}
			k.state(t, "ready")
			if attempt == 1 {
				time.Sleep(59 * time.Second)
				synctest.Wait()
				if _, early := k.pending(func(m cti.Message) bool { return m.Type == cti.MsgOffer }); early {
					t.Fatal("offered again before the retry time of a minute")
				}
				time.Sleep(time.Second)
				offer = offerOf(t, k)
			}
		}
		waitUntil(t, "the callback failed", func() bool {
			all, _ := w.db.Callbacks(context.Background(), w.tenant.ID, time.Time{}, time.Now().Add(time.Hour))
			return len(all) == 1 && all[0].State == ccaas.CallbackFailed && all[0].Attempts == 2 && !all[0].Ended.IsZero()
		})
		if _, offered := k.pending(func(m cti.Message) bool { return m.Type == cti.MsgOffer }); offered {
			t.Error("a failed callback was offered again")
		}
	})
}

// TestCallbackNumberKeyedIn: a caller without a number that can be dialled
// keys one in; one that is not a valid dial string is refused by voice and
// asked again, twice at most; then the caller keeps their place, without a
// callback. A valid one is stored.
func TestCallbackNumberKeyedIn(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		w, _ := roomWorld(t, callbackQueue)
		ear := w.ear()
		keys := func(cust, digits string) {
			for _, d := range digits {
				w.sim.SendDTMF(cust, string(d))
			}
		}
		refused, err := w.sim.PlaceCall(asterisksim.CallSpec{From: "anonymous", DID: testDID})
		if err != nil {
			t.Fatal(err)
		}
		ear.waitFor(refused, "sound:ccaas/callback-offer")
		keys(refused, "1")
		ear.waitFor(refused, "sound:ccaas/callback-enter") // no number to confirm
		for i, bad := range []string{"5#", "#", "123456789012345678901#"} {
			keys(refused, bad)
			h := ear.waitFor(refused, "sound:ccaas/callback-invalid")
			if want := map[bool]string{true: "sound:ccaas/callback-sorry", false: "sound:ccaas/callback-enter"}[i == 2]; h.next != want {
				t.Fatalf("after %q: %+v, want %s next", bad, h, want)
			}
		}
		waitUntil(t, "the caller back to music, in the queue", waiting(w, refused))
		if cbs := w.openCallbacks(); len(cbs) != 0 {
			t.Fatalf("a refused number was stored: %+v", cbs)
		}

		other := w.caller("+4930521")
		ear.waitFor(other, "sound:ccaas/callback-offer")
		keys(other, "1")
		ear.waitFor(other, "sound:ccaas/callback-number")
		keys(other, "2")
		ear.waitFor(other, "sound:ccaas/callback-enter")
		keys(other, "0301234567#")
		ear.waitFor(other, "sound:ccaas/callback-thanks")
		if cbs := w.openCallbacks(); len(cbs) != 1 || cbs[0].Number != "0301234567" || cbs[0].Name != "" {
			t.Fatalf("callbacks %+v, want the keyed-in number without the caller's name", cbs)
		}
	})
}

// TestCallbackMenuKeysKeepOneWait: each digit keyed in restarts the wait
// for the next; a caller keying digits without end holds one timer for it,
// not one per key.
func TestCallbackMenuKeysKeepOneWait(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		w, _ := roomWorld(t, callbackQueue)
		ear := w.ear()
		cust, err := w.sim.PlaceCall(asterisksim.CallSpec{From: "anonymous", DID: testDID})
		if err != nil {
			t.Fatal(err)
		}
		ear.waitFor(cust, "sound:ccaas/callback-offer")
		w.sim.SendDTMF(cust, "1")
		ear.waitFor(cust, "sound:ccaas/callback-enter")
		synctest.Wait()
		before := app.CallTimers(w.app, w.tenant.ID)
		for range 50 {
			w.sim.SendDTMF(cust, "5")
			synctest.Wait()
		}
		if after := app.CallTimers(w.app, w.tenant.ID); after > before+1 {
			t.Fatalf("the call holds %d timers after 50 digits, %d before them", after, before)
		}
	})
}

// failingStore refuses callbacks (a full disk) until told otherwise.
type failingStore struct {
	ccaas.Store
	mu   sync.Mutex
	fail bool
}

func (s *failingStore) CreateCallback(ctx context.Context, cb ccaas.Callback) error {
	s.mu.Lock()
	fail := s.fail
	s.mu.Unlock()
	if fail {
		return errors.New("disk full")
	}
	return s.Store.CreateCallback(ctx, cb)
}

// TestCallbackNotStoredKeepsTheCaller: a callback the store refuses is not
// confirmed: the caller hears so and keeps waiting, at their place.
func TestCallbackNotStoredKeepsTheCaller(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		store := &failingStore{fail: true}
		w := newWorld(t, worldOpts{wrapStore: func(st ccaas.Store) ccaas.Store { store.Store = st; return store },
			queues: func(ctx context.Context, db *sqlite.DB, ten ccaas.Tenant, ag map[string]ccaas.Agent) error {
				q := callbackQueue
				q.TenantID, q.Name, q.RingSeconds, q.DIDs, q.Members = ten.ID, "Support", 30, []string{testDID}, []ccaas.Member{member(ag["alice"], 1)}
				_, err := db.CreateQueue(ctx, q)
				return err
			}})
		ear := w.ear()
		cust := w.caller("+4930531")
		ear.waitFor(cust, "sound:ccaas/callback-offer")
		w.sim.SendDTMF(cust, "1")
		ear.waitFor(cust, "sound:ccaas/callback-number")
		w.sim.SendDTMF(cust, "1")
		ear.waitFor(cust, "sound:ccaas/callback-failed")
		waitUntil(t, "the caller waiting again", waiting(w, cust))
		for _, h := range ear.heard {
			if h.media == "sound:ccaas/callback-thanks" {
				t.Fatal("the caller was told the callback was taken")
			}
		}
		s, k := w.login("alice")
		w.ready(s, k)
		if offer := offerOf(t, k); offer.Call.Caller.Number != "+4930531" || offer.Call.Direction != ccaas.DirInbound {
			t.Fatalf("offer %+v, want the caller himself", offer.Call)
		}
	})
}

// TestCallbackSurvivesRestart: a callback waiting when ccaas stops is in
// the store; the next process queues it again at its place and offers it.
func TestCallbackSurvivesRestart(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx := context.Background()
		sim, srv := servedSim(t, asterisksim.Config{AutoAnswerPushed: true})
		db, tenant := restartStore(t, callbackQueue)
		db.SetSettings(ctx, tenant, ccaas.Settings{Trunk: "pstn"})
		start := func() (*app.App, func()) { return runApp(t, ctx, srv, db) }
		_, stopFirst := start()
		events, stopEvents := sim.Subscribe()
		ear := &ear{t: t, events: events, stop: stopEvents}
		cust, _ := sim.PlaceCall(asterisksim.CallSpec{From: "+4930541", DID: testDID})
		w := &world{t: t, sim: sim, db: db}
		askCallback(t, w, ear, cust, "+4930541")
		stopEvents()
		stopFirst()

		second, stopSecond := start()
		defer stopSecond()
		_, k := loginReady(t, second, testDomain, "alice", "alice-pw")
		if offer := offerOf(t, k); offer.Call.Direction != ccaas.DirCallback || offer.Call.Caller.Number != "+4930541" {
			t.Fatalf("after the restart offered %+v", offer.Call)
		}
	})
}

// gatedStore holds a callback's write until the gate opens.
type gatedStore struct {
	ccaas.Store
	entered, gate chan struct{}
}

func (s *gatedStore) CreateCallback(ctx context.Context, cb ccaas.Callback) error {
	s.entered <- struct{}{}
	<-s.gate
	return s.Store.CreateCallback(ctx, cb)
}

// TestStopWaitsForCallbackWrite: a callback being written when ccaas stops
// is written before Run returns (and the store is closed after it).
func TestStopWaitsForCallbackWrite(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx := context.Background()
		sim, srv := servedSim(t, asterisksim.Config{AutoAnswerPushed: true})
		db, tenant := restartStore(t, callbackQueue)
		db.SetSettings(ctx, tenant, ccaas.Settings{Trunk: "pstn"})
		store := &gatedStore{Store: db, entered: make(chan struct{}, 1), gate: make(chan struct{})}
		_, stop := runApp(t, ctx, srv, store)
		events, stopEvents := sim.Subscribe()
		defer stopEvents()
		ear := &ear{t: t, events: events, stop: stopEvents}
		cust, _ := sim.PlaceCall(asterisksim.CallSpec{From: "+4930542", DID: testDID})
		ear.waitFor(cust, "sound:ccaas/callback-offer")
		sim.SendDTMF(cust, "1")
		ear.waitFor(cust, "sound:ccaas/callback-number")
		sim.SendDTMF(cust, "1")
		<-store.entered
		stopped := make(chan struct{})
		go func() { stop(); close(stopped) }()
		synctest.Wait()
		select {
		case <-stopped:
			close(store.gate)
			t.Fatal("Run returned with a callback's write under way")
		default:
		}
		close(store.gate)
		<-stopped
		if cbs, _ := db.OpenCallbacks(ctx, tenant); len(cbs) != 1 {
			t.Fatalf("callbacks in the store after the stop: %+v", cbs)
		}
	})
}

// TestCallbackOfferedAboveTheEstimate: a queue that offers callbacks when
// the wait exceeds 2 minutes offers it at entry to a caller told 3, not to
// one told 1; the callback carries the data the IVR attached, as is.
func TestCallbackOfferedAboveTheEstimate(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		w, _ := roomWorld(t, ccaas.Queue{WaitingRules: ccaas.WaitingRules{AnnounceEstimate: true, CallbackAboveSeconds: 120, CallbackAttempts: 1}},
			func(ctx context.Context, db *sqlite.DB, ten ccaas.Tenant, _ map[string]ccaas.Agent) error {
				return db.AddCallVariable(ctx, ten.ID, ccaas.CallVariable{Key: "Note", Variable: "CCAAS_Note"})
			})
		s, k := w.login("alice")
		w.ready(s, k)
		_, firstCust := w.talk(s, k, "+4930520") // alice works: 3 minutes a call, the prior
		ear := w.ear()
		note := `<img src=x onerror=alert(1)> & "q"`
		cust, _ := w.sim.PlaceCall(asterisksim.CallSpec{From: "+4930521", DID: testDID, Vars: map[string]string{"CCAAS_Note": note}})
		if h := ear.waitFor(cust, "sound:ccaas/wait-about"); h.next != "number:3" {
			t.Fatalf("heard %+v, want about 3 minutes", h)
		}
		askCallback(t, w, ear, cust, "+4930521")
		waitUntil(t, "the caller hung up", gone(w, cust))

		time.Sleep(20 * time.Second) // the queue's first call: its 20 s replace the prior 3 minutes
		w.sim.Hangup(firstCust)
		k.state(t, "ready")
		offer := offerOf(t, k).Call
		if offer.Direction != ccaas.DirCallback || len(offer.Data) != 1 || offer.Data[0] != (cti.DataItem{Key: "Note", Value: note}) {
			t.Fatalf("the callback's offer %+v, data %+v", offer, offer.Data)
		}
		ok(t, w, s, k, cti.Command{Cmd: cti.CmdAnswer, Call: offer.ID})
		k.call(t, "connected")

		// alice talks to the customer called back; a caller now is told
		// about 1 minute (20 s), below the threshold: no "press 1" follows
		next := w.caller("+4930522")
		if h := ear.waitFor(next, "sound:ccaas/wait-about"); h.next != "number:1" {
			t.Fatalf("heard %+v, want about 1 minute", h)
		}
		if h := ear.waitFor(next, "sound:ccaas/minute"); h.next != "" {
			t.Fatalf("after the estimate the caller heard %q; below the threshold nothing is offered", h.next)
		}
	})
}
