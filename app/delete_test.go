package app_test

import (
	"context"
	"testing"
	"testing/synctest"
	"time"

	"github.com/ccaas/ccaas/cti"
	"github.com/ccaas/ccaas/report"
)

// TestDeleteAgentMidCallKeepsHistory: an admin deletes alice while she
// talks to a customer. She is logged out and the customer goes back to the
// queue; every one of her state changes reaches the state log, the last ones
// written after her deletion included; her call's record keeps her part;
// and the day's report still names her.
func TestDeleteAgentMidCallKeepsHistory(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		w := newWorld(t, worldOpts{})
		ctx := context.Background()
		alice := w.agent["alice"]
		s, k := w.login("alice")
		w.ready(s, k)
		id, _ := w.talk(s, k, "+4930111")
		time.Sleep(3 * time.Second)

		if err := w.db.DeleteAgent(ctx, w.tenant.ID, alice.ID); err != nil {
			t.Fatal(err)
		}
		if err := w.app.Reload(ctx, w.tenant.ID); err != nil {
			t.Fatal(err)
		}
		if m := k.next(t, "bye", func(m cti.Message) bool { return m.Type == cti.MsgBye }); m.Reason != cti.ByeRemoved {
			t.Fatalf("bye %q", m.Reason)
		}
		// the states her screen went through, then the logout the deletion made
		want := []string{"logged_out>not_ready", "not_ready>ready", "ready>offered", "offered>connecting", "connecting>talking", "talking>ready", "ready>logged_out"}
		var got []string
		waitUntil(t, "her last state changes written", func() bool {
			log, err := w.db.StateLog(ctx, w.tenant.ID, alice.ID)
			if err != nil {
				t.Fatal(err)
			}
			got = got[:0]
			for _, c := range log {
				got = append(got, c.From+">"+c.To)
			}
			return len(got) >= len(want)
		})
		if len(got) != len(want) {
			t.Fatalf("state log %v, want %v", got, want)
		}
		for i := range want {
			if got[i] != want[i] {
				t.Fatalf("state log %v, want %v", got, want)
			}
		}

		// the customer waits again; bob takes the call, which ends
		sb, kb := w.login("bob")
		w.ready(sb, kb)
		offer := kb.next(t, "the same caller offered to bob", func(m cti.Message) bool { return m.Type == cti.MsgOffer })
		if offer.Call.ID != id {
			t.Fatalf("bob is offered %s, want %s", offer.Call.ID, id)
		}
		ok(t, w, sb, kb, cti.Command{Cmd: cti.CmdAnswer, Call: id})
		kb.call(t, "connected")
		ok(t, w, sb, kb, cti.Command{Cmd: cti.CmdHangup, Call: id})
		r := w.record(id)
		if len(r.Agents) != 2 || r.Agents[0].Agent != alice.ID || r.Agents[0].Joined.IsZero() || r.Agents[1].Agent != w.agent["bob"].ID {
			t.Fatalf("record %+v", r)
		}

		// the report of the day names her, as deleted
		cfg, err := w.db.TenantConfig(ctx, w.tenant.ID)
		if err != nil {
			t.Fatal(err)
		}
		today := time.Now().Format(time.DateOnly)
		p, err := report.ParsePeriod(today, today, report.Day, time.Local)
		if err != nil {
			t.Fatal(err)
		}
		rep, err := report.For(ctx, w.db, cfg, p, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		var named bool
		for _, row := range rep.Agents {
			if row.Agent == alice.ID && row.Total {
				named = row.Name == alice.Name+" (deleted)" && row.Talk >= 3*time.Second
			}
		}
		if !named {
			t.Fatalf("the report's agents: %+v", rep.Agents)
		}
	})
}
