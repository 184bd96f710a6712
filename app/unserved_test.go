package app_test

import (
	"context"
	"testing"
	"testing/synctest"
	"time"

	"github.com/ccaas/ccaas"
	"github.com/ccaas/ccaas/ari/asterisksim"
)

// TestQueueNobodyAnswers: a queue without members gets a call. Nobody can
// answer it, but it is not out of sight: every supervisor of the tenant sees
// the queue's row while the call waits (carol leads the team of the other
// queue, dan a team without agents), and the call follows the queue's
// maximum-wait rule: after 30 s it hears goodbye and is hung up.
func TestQueueNobodyAnswers(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		w := supervisedWorld(t, worldOpts{})
		ctx := context.Background()
		if err := w.db.AssignDIDs(ctx, w.tenant.ID, "5550999"); err != nil {
			t.Fatal(err)
		}
		if _, err := w.db.CreateQueue(ctx, ccaas.Queue{TenantID: w.tenant.ID, Name: "Orphans", RingSeconds: 20, DIDs: []string{"5550999"},
			MaxWaitSeconds: 30, Overflow: ccaas.OverflowHangup}); err != nil {
			t.Fatal(err)
		}
		if err := w.app.Reload(ctx, w.tenant.ID); err != nil {
			t.Fatal(err)
		}
		heard := w.goodbyes(t)
		_, kc, snapC := w.loginWith("carol")
		_, kd, snapD := w.loginWith("dan")
		if len(snapD.Team.Queues) != 0 || len(snapC.Team.Queues) != 1 {
			t.Fatalf("before the call dan sees %+v, carol %+v", snapD.Team.Queues, snapC.Team.Queues)
		}
		boards := map[string]*teamBoard{"carol": newBoard(snapC.Team), "dan": newBoard(snapD.Team)}
		sinks := map[string]*sink{"carol": kc, "dan": kd}

		start := time.Now()
		cust, err := w.sim.PlaceCall(asterisksim.CallSpec{From: "+4930999", DID: "5550999"})
		if err != nil {
			t.Fatal(err)
		}
		for name, b := range boards {
			b.until(t, sinks[name], name+" sees the caller wait", func(b *teamBoard) bool { return b.queues["Orphans"].Waiting == 1 })
			if q := b.queues["Orphans"]; q.Oldest == nil || q.Ready+q.Busy+q.NotReady != 0 {
				t.Fatalf("%s's row %+v", name, q)
			}
		}

		time.Sleep(29 * time.Second)
		synctest.Wait()
		if _, ok := w.sim.Channel(cust); !ok || heard(cust) {
			t.Fatal("the caller was let go before the queue's maximum wait")
		}
		waitUntil(t, "the goodbye", func() bool { return heard(cust) })
		if waited := time.Since(start); waited < 30*time.Second || waited > 30*time.Second+100*time.Millisecond {
			t.Fatalf("the caller heard goodbye after %v, want the queue's maximum wait of 30 s", waited)
		}
		w.saidGoodbye(t, heard, cust)
		waitUntil(t, "the call's record", func() bool {
			rs, err := w.db.CallRecords(ctx, w.tenant.ID, start.Add(-time.Minute), time.Now().Add(time.Minute))
			return err == nil && len(rs) == 1 && rs[0].Number == "+4930999" && rs[0].QueueName == "Orphans" && rs[0].EndReason == ccaas.EndMaxWait
		})
		for name, b := range boards {
			b.until(t, sinks[name], name+" sees the queue empty", func(b *teamBoard) bool { return b.queues["Orphans"].Waiting == 0 })
		}
		// an update that is not about the queue: dan keeps its row, no
		// longer waiting; a new snapshot has it no more
		_, _, again := w.loginWith("dan")
		for _, q := range again.Team.Queues {
			if q.Name == "Orphans" {
				t.Fatalf("dan's new snapshot still has the empty queue: %+v", again.Team.Queues)
			}
		}
	})
}
