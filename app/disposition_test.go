package app_test

import (
	"context"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/ccaas/ccaas"
	"github.com/ccaas/ccaas/cti"
	"github.com/ccaas/ccaas/sqlite"
)

// codedQueue: Support with wrapup codes, required or not.
func codedQueue(required bool) func(context.Context, *sqlite.DB, ccaas.Tenant, map[string]ccaas.Agent) error {
	return queueWith(func(q *ccaas.Queue) {
		q.WrapupCodes, q.CodeRequired = []string{"Sale", "Complaint", "Wrong number"}, required
	})
}

// disposition waits for the app's word that a disposition was saved.
func disposition(t *testing.T, k *sink) *cti.DispositionView {
	t.Helper()
	return k.find(t, "disposition saved", func(m cti.Message) bool { return m.Type == cti.MsgDisposition }).Disposition
}

func (w *world) dispositions(id ccaas.CallID, n int) []ccaas.Disposition {
	w.t.Helper()
	var ds []ccaas.Disposition
	waitUntil(w.t, "dispositions written", func() bool {
		ds, _ = w.db.Dispositions(context.Background(), w.tenant.ID, id)
		return len(ds) == n
	})
	return ds
}

func TestDispositionDuringTheCall(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		w := newWorld(t, worldOpts{wrapupSeconds: 3, queues: codedQueue(false)})
		// Refund is a code of another queue of the tenant, and of another tenant's queue: not Support's
		ctx := context.Background()
		other, _ := w.db.CreateTenant(ctx, ccaas.Tenant{Domain: "other.example", Name: "Other"})
		for _, q := range []ccaas.Queue{
			{TenantID: w.tenant.ID, Name: "Billing", RingSeconds: 30, MOHClass: "default", WrapupCodes: []string{"Refund"}},
			{TenantID: other.ID, Name: "Support", RingSeconds: 30, MOHClass: "default", WrapupCodes: []string{"Refund", "Sale"}},
		} {
			if _, err := w.db.CreateQueue(ctx, q); err != nil {
				t.Fatal(err)
			}
			if err := w.app.Reload(ctx, q.TenantID); err != nil {
				t.Fatal(err)
			}
		}
		s, k := w.login("alice")
		w.ready(s, k)
		cust := w.place(t, "100")
		id := offerIn(t, k).Call.ID
		ok(t, w, s, k, cti.Command{Cmd: cti.CmdAnswer, Call: id})
		v := k.call(t, "connected").Call.Disposition
		if v.Call != id || v.Queue != "Support" || strings.Join(v.Codes, ",") != "Sale,Complaint,Wrong number" || v.Required || v.Code != "" {
			t.Fatalf("disposition offered = %+v", v)
		}
		for _, tc := range []struct {
			cmd        cti.Command
			code, want string
		}{
			{cti.Command{Call: id, Code: "Refund"}, cti.CodeBadCommand, `"Refund" is not a wrapup code of queue Support.`},
			{cti.Command{Call: id, Code: "sale"}, cti.CodeBadCommand, "not a wrapup code"},
			{cti.Command{Call: id, Code: "Sale", Note: strings.Repeat("n", 2001)}, cti.CodeBadCommand, "The note: at most 2000 characters (this note has 2001)."},
			{cti.Command{Call: id, Code: "Sale", Note: "ok\x1b[31mred"}, cti.CodeBadCommand, "no other control characters"},
			{cti.Command{Call: id, Code: "Sale", Note: "\xff"}, cti.CodeBadCommand, "plain text"},
			{cti.Command{Call: "c1-0000000000000000", Code: "Sale"}, cti.CodeNoSuchCall, "is neither your call nor the call of your wrapup"},
		} {
			tc.cmd.Cmd = cti.CmdDisposition
			refused(t, w, s, k, tc.cmd, tc.code, tc.want)
		}
		note := "Wants the yearly plan.\nCall back <b>Monday</b>."
		ok(t, w, s, k, cti.Command{Cmd: cti.CmdDisposition, Call: id, Code: "Sale", Note: note})
		if d := disposition(t, k); d.Call != id || d.Code != "Sale" || d.Note != note {
			t.Fatalf("saved = %+v", d)
		}
		// in wrapup the agent may change it: the last one counts
		w.sim.Hangup(cust)
		ended := k.call(t, "ended").Call
		if ended.Disposition == nil || ended.Disposition.Code != "Sale" {
			t.Fatalf("the ended call's disposition = %+v", ended.Disposition)
		}
		if m := k.state(t, "wrapup"); m.State.Awaiting != "" || m.State.Until == nil {
			t.Fatalf("wrapup = %+v", m.State)
		}
		ok(t, w, s, k, cti.Command{Cmd: cti.CmdDisposition, Call: id, Code: "Complaint", Note: "Changed my mind."})
		k.state(t, "ready") // at its time: the code was given
		ds := w.dispositions(id, 1)
		if d := ds[0]; d.Agent != w.agent["alice"].ID || d.Code != "Complaint" || d.Note != "Changed my mind." || d.Queue == 0 {
			t.Fatalf("stored = %+v", d)
		}
		// after wrapup, it is too late
		refused(t, w, s, k, cti.Command{Cmd: cti.CmdDisposition, Call: id, Code: "Sale"}, cti.CodeNoSuchCall, "neither your call")
		recent, err := w.db.RecentCalls(context.Background(), w.tenant.ID, w.agent["alice"].ID, 20)
		if err != nil || len(recent) != 1 || recent[0].Code != "Complaint" {
			t.Fatalf("recent calls = %+v %v", recent, err)
		}
	})
}

// A queue that requires a code keeps the agent in wrapup until they give one.
func TestRequiredCodeKeepsWrapup(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		w := newWorld(t, worldOpts{wrapupSeconds: 2, queues: codedQueue(true)})
		s, k := w.login("alice")
		w.ready(s, k)
		id, cust := w.talk(s, k, "100")
		w.sim.Hangup(cust)
		m := k.state(t, "wrapup")
		if m.State.Awaiting != cti.AwaitingWrapupCode || m.State.Until == nil {
			t.Fatalf("wrapup = %+v", m.State)
		}
		refused(t, w, s, k, cti.Command{Cmd: cti.CmdReady}, cti.CodeNotAllowed, "You are in wrapup")
		time.Sleep(time.Minute) // long past the wrapup time
		refused(t, w, s, k, cti.Command{Cmd: cti.CmdEndWrapup}, cti.CodeNotAllowed, "your admin has not let agents end it early")
		ok(t, w, s, k, cti.Command{Cmd: cti.CmdDisposition, Call: id, Note: "only a note"}) // no code yet
		ok(t, w, s, k, cti.Command{Cmd: cti.CmdNotReady, Reason: "lunch"})
		if m := k.state(t, "wrapup"); m.State.Pending != "lunch" || m.State.Awaiting != cti.AwaitingWrapupCode {
			t.Fatalf("still waiting: %+v", m.State)
		}
		ok(t, w, s, k, cti.Command{Cmd: cti.CmdDisposition, Call: id, Code: "Wrong number"})
		if m := k.state(t, "not_ready"); m.State.Reason != "lunch" {
			t.Fatalf("after the code = %+v", m.State)
		}
		var last ccaas.StateChange
		waitUntil(t, "the state log's row of the code", func() bool {
			rows, _ := w.db.StateLog(context.Background(), w.tenant.ID, w.agent["alice"].ID)
			last = rows[len(rows)-1]
			return last.From == "wrapup"
		})
		if last.To != "not_ready" || last.Cause != "wrapup code given" || last.Call != id {
			t.Fatalf("the state log's last row = %+v", last)
		}
	})
}

// An agent without a wrapup time still owes a required code: wrapup lasts
// until it is given; one given during the call owes nothing.
func TestRequiredCodeWithoutWrapupTime(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		w := newWorld(t, worldOpts{queues: codedQueue(true)})
		s, k := w.login("bob")
		w.ready(s, k)
		id, cust := w.talk(s, k, "100")
		w.sim.Hangup(cust)
		if m := k.state(t, "wrapup"); m.State.Awaiting != cti.AwaitingWrapupCode || m.State.Until != nil {
			t.Fatalf("wrapup = %+v", m.State)
		}
		ok(t, w, s, k, cti.Command{Cmd: cti.CmdDisposition, Call: id, Code: "Sale"})
		k.state(t, "ready")

		id, cust = w.talk(s, k, "101")
		ok(t, w, s, k, cti.Command{Cmd: cti.CmdDisposition, Call: id, Code: "Complaint"})
		w.sim.Hangup(cust)
		k.call(t, "ended")
		if m := k.next(t, "state", func(m cti.Message) bool { return m.Type == cti.MsgState }); m.State.State != "ready" {
			t.Fatalf("after a call whose code was given: %+v", m.State)
		}
	})
}

func TestEndWrapupEarly(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		w := newWorld(t, worldOpts{wrapupSeconds: 60, queues: codedQueue(true), settings: &ccaas.Settings{NotifyIncoming: true, EndWrapupEarly: true}})
		s, k, snap := w.loginWith("alice")
		if !snap.Settings.EndWrapupEarly {
			t.Fatalf("snapshot settings = %+v", snap.Settings)
		}
		refused(t, w, s, k, cti.Command{Cmd: cti.CmdEndWrapup}, cti.CodeNotAllowed, "You are not in wrapup.")
		w.ready(s, k)
		id, cust := w.talk(s, k, "100")
		w.sim.Hangup(cust)
		k.state(t, "wrapup")
		refused(t, w, s, k, cti.Command{Cmd: cti.CmdEndWrapup}, cti.CodeNotAllowed, "Your wrapup waits for the wrapup code: give it first, then your wrapup ends.")
		ok(t, w, s, k, cti.Command{Cmd: cti.CmdDisposition, Call: id, Code: "Sale"})
		if m := k.state(t, "wrapup"); m.State.Awaiting != "" {
			t.Fatalf("still awaiting after the code: %+v", m.State)
		}
		ok(t, w, s, k, cti.Command{Cmd: cti.CmdNotReady, Reason: "training"})
		ok(t, w, s, k, cti.Command{Cmd: cti.CmdEndWrapup})
		if m := k.state(t, "not_ready"); m.State.Reason != "training" {
			t.Fatalf("after ending wrapup = %+v", m.State)
		}
	})
}

// A queue that stops requiring codes (or loses them) releases the agents
// who wait for one.
func TestReloadReleasesAwaitedCode(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		w := newWorld(t, worldOpts{queues: codedQueue(true)})
		s, k := w.login("alice")
		w.ready(s, k)
		_, cust := w.talk(s, k, "100")
		w.sim.Hangup(cust)
		k.state(t, "wrapup")
		ctx := context.Background()
		q, err := w.db.QueueByName(ctx, w.tenant.ID, "Support")
		if err != nil {
			t.Fatal(err)
		}
		cfg, _ := w.db.TenantConfig(ctx, w.tenant.ID)
		q.Members, q.DIDs, q.CodeRequired = cfg.Queues[0].Members, cfg.Queues[0].DIDs, false
		if err := w.db.UpdateQueue(ctx, q); err != nil {
			t.Fatal(err)
		}
		if err := w.app.Reload(ctx, w.tenant.ID); err != nil {
			t.Fatal(err)
		}
		k.state(t, "ready")
	})
}

// Calls without a queue take a note only.
func TestDispositionOfACallWithoutQueue(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		w := newWorld(t, worldOpts{queues: codedQueue(true)})
		s, k := w.login("alice")
		ok(t, w, s, k, cti.Command{Cmd: cti.CmdDial, Number: "+4930123"})
		c := k.call(t, "connected").Call
		if c.Disposition == nil || c.Disposition.Queue != "" || len(c.Disposition.Codes) != 0 || c.Disposition.Required {
			t.Fatalf("an outbound call's disposition = %+v", c.Disposition)
		}
		refused(t, w, s, k, cti.Command{Cmd: cti.CmdDisposition, Call: c.ID, Code: "Sale"}, cti.CodeBadCommand, "This call has no wrapup codes; give a note only.")
		ok(t, w, s, k, cti.Command{Cmd: cti.CmdDisposition, Call: c.ID, Note: "Left a message."})
		if d := w.dispositions(c.ID, 1)[0]; d.Queue != 0 || d.Note != "Left a message." {
			t.Fatalf("stored = %+v", d)
		}
	})
}
