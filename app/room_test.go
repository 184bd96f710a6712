package app_test

import (
	"context"
	"strconv"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/ccaas/ccaas"
	"github.com/ccaas/ccaas/ari"
	"github.com/ccaas/ccaas/ari/asterisksim"
	"github.com/ccaas/ccaas/cti"
	"github.com/ccaas/ccaas/queuelog"
	"github.com/ccaas/ccaas/sqlite"
)

// Helpers of the waiting-room tests (opening hours, estimates, callbacks,
// voicemail). Their worlds run in a synctest bubble, whose clock starts at
// 2000-01-01 00:00 UTC, a Saturday; the tenant's zone is UTC.

// roomWorld is a world whose Support queue (testDID, alice and bob; ring
// time 30 s) has sup's waiting rules and announcements; more adds queues.
func roomWorld(t *testing.T, sup ccaas.Queue, more ...func(ctx context.Context, db *sqlite.DB, ten ccaas.Tenant, ag map[string]ccaas.Agent) error) (*world, *qlines) {
	t.Helper()
	ql := &qlines{}
	w := newWorld(t, worldOpts{queueLog: ql.log, team: "Support",
		others: []ccaas.Agent{{Username: "carol", Name: "Carol", Extension: "1050", Role: ccaas.RoleSupervisor, Team: "Support"}},
		queues: func(ctx context.Context, db *sqlite.DB, ten ccaas.Tenant, ag map[string]ccaas.Agent) error {
			if err := db.SetSettings(ctx, ten.ID, ccaas.Settings{NotifyIncoming: true, Trunk: "pstn", CallerID: "Acme <5550000>", TimeZone: "UTC"}); err != nil {
				return err
			}
			sup.TenantID, sup.Name, sup.RingSeconds, sup.DIDs = ten.ID, "Support", 30, []string{testDID}
			sup.Members = []ccaas.Member{member(ag["alice"], 1), member(ag["bob"], 1)}
			if _, err := db.CreateQueue(ctx, sup); err != nil {
				return err
			}
			for _, f := range more {
				if err := f(ctx, db, ten, ag); err != nil {
					return err
				}
			}
			return nil
		}})
	return w, ql
}

// qlines collects the queue_log lines.
type qlines struct {
	mu    sync.Mutex
	lines []string
}

func (q *qlines) log(e queuelog.Event) {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.lines = append(q.lines, e.Event+"|"+strings.Join(e.Data, "|"))
}

// of returns the lines of one kind (event name first).
func (q *qlines) of(kind string) []string {
	q.mu.Lock()
	defer q.mu.Unlock()
	var out []string
	for _, l := range q.lines {
		if strings.HasPrefix(l, kind+"|") {
			out = append(out, l)
		}
	}
	return out
}

// ear follows what the simulator plays: every playback's media, by
// target ("channel:…" or "bridge:…"), and when it started.
type ear struct {
	t      testing.TB
	events <-chan ari.Event
	stop   func()
	heard  []heardPlayback
}

type heardPlayback struct {
	target, media, next string
	at                  time.Time
}

func (w *world) ear() *ear {
	evs, stop := w.sim.Subscribe()
	e := &ear{t: w.t, events: evs, stop: stop}
	w.t.Cleanup(stop)
	return e
}

// waitFor reads events until channel's playback of media starts (media is
// the first of the playback's list), for up to ten minutes of the bubble's
// time.
func (e *ear) waitFor(channel, media string) heardPlayback {
	e.t.Helper()
	return e.waitForTarget("channel:"+channel, media)
}

// waitForTarget is waitFor for any target ("bridge:…").
func (e *ear) waitForTarget(target, media string) heardPlayback {
	e.t.Helper()
	timeout := time.After(10 * time.Minute)
	for {
		select {
		case ev, ok := <-e.events:
			if !ok {
				e.t.Fatal("the simulator's event tap closed")
			}
			if p, ok := ev.(*ari.PlaybackStarted); ok {
				h := heardPlayback{target: p.Playback.TargetURI, media: p.Playback.MediaURI, next: p.Playback.NextMediaURI, at: time.Now()}
				e.heard = append(e.heard, h)
				if h.target == target && h.media == media {
					return h
				}
			}
		case <-timeout:
			e.t.Fatalf("%s never heard %s; heard %+v", target, media, e.heard)
		}
	}
}

// call places a customer call to testDID and waits until the caller hears
// music (they wait in the queue) unless quiet.
func (w *world) caller(from string) string {
	w.t.Helper()
	cust, err := w.sim.PlaceCall(asterisksim.CallSpec{From: from, Name: "Caller " + from, DID: testDID})
	if err != nil {
		w.t.Fatal(err)
	}
	return cust
}

// recordOf finds the record of the call whose caller was number.
func (w *world) recordOf(number, direction string) ccaas.CallRecord {
	w.t.Helper()
	return recordFrom(w.t, w.db, w.tenant.ID, number, direction, waitUntil)
}

// recordFrom waits, with wait, for the record of a call from number.
func recordFrom(t testing.TB, db *sqlite.DB, tenant ccaas.TenantID, number, direction string, wait func(testing.TB, string, func() bool)) ccaas.CallRecord {
	t.Helper()
	var found ccaas.CallRecord
	wait(t, "the "+direction+" call record of "+number, func() bool {
		recs, _ := db.CallRecords(context.Background(), tenant, time.Time{}, time.Now().Add(time.Hour))
		for _, r := range recs {
			if r.Number == number && r.Direction == direction {
				found = r
				return true
			}
		}
		return false
	})
	return found
}

func gone(w *world, channel string) func() bool {
	return func() bool { _, ok := w.sim.Channel(channel); return !ok }
}

func waiting(w *world, channel string) func() bool {
	return func() bool { _, on := w.sim.MOH(channel); return on }
}

// offerOf waits for an offer on k.
func offerOf(t testing.TB, k *sink) cti.Message {
	t.Helper()
	return k.next(t, "offer", func(m cti.Message) bool { return m.Type == cti.MsgOffer })
}

// TestClosedQueueSaysSoAndHangsUp: a call to a queue outside its opening
// hours hears the closed message and is hung up; it never enters the queue
// (no ENTERQUEUE), and its record says closed.
func TestClosedQueueSaysSoAndHangsUp(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		w, ql := roomWorld(t, ccaas.Queue{WaitingRules: ccaas.WaitingRules{Hours: "mon-fri 08:00-18:00"}})
		s, k := w.login("alice")
		w.ready(s, k)
		ear := w.ear()
		cust := w.caller("+4930100")
		ear.waitFor(cust, "sound:ccaas/closed")
		waitUntil(t, "the caller hung up", gone(w, cust))
		if r := w.recordOf("+4930100", ccaas.DirInbound); r.EndReason != ccaas.EndClosed || r.QueueName != "Support" || !r.Answered.IsZero() {
			t.Errorf("record %+v", r)
		}
		if lines := ql.of("ENTERQUEUE"); len(lines) != 0 {
			t.Errorf("queue_log %v: a call to a closed queue never entered it", lines)
		}
		if _, offered := k.pending(func(m cti.Message) bool { return m.Type == cti.MsgOffer }); offered {
			t.Error("alice was offered a call to a closed queue")
		}
	})
}

// TestClosedActions: a closed queue sends its callers on as it says: to
// another queue (which is open), to an agent's extension, or to voicemail.
func TestClosedActions(t *testing.T) {
	for _, tc := range []struct {
		name  string
		rules func(other ccaas.QueueID) ccaas.WaitingRules
		check func(t *testing.T, w *world, cust string, kb *sink, ear *ear)
	}{
		{"another queue", func(other ccaas.QueueID) ccaas.WaitingRules {
			return ccaas.WaitingRules{Hours: "daily closed", ClosedAction: ccaas.OverflowQueue, ClosedTarget: itoa(other)}
		}, func(t *testing.T, w *world, cust string, kb *sink, _ *ear) {
			offer := offerOf(t, kb)
			if offer.Call.Queue.Name != "Night" {
				t.Errorf("offered from %+v, want queue Night", offer.Call.Queue)
			}
		}},
		{"an extension", func(ccaas.QueueID) ccaas.WaitingRules {
			return ccaas.WaitingRules{Hours: "daily closed", ClosedAction: ccaas.OverflowExtension, ClosedTarget: "1002"}
		}, func(t *testing.T, w *world, cust string, kb *sink, _ *ear) {
			offer := offerOf(t, kb)
			if offer.Call.Caller.Number != "+4930200" {
				t.Errorf("offer %+v", offer.Call)
			}
		}},
		{"voicemail", func(ccaas.QueueID) ccaas.WaitingRules {
			return ccaas.WaitingRules{Hours: "daily closed", ClosedAction: ccaas.OverflowVoicemail, VoicemailMaxSeconds: 60}
		}, func(t *testing.T, w *world, cust string, _ *sink, ear *ear) {
			ear.waitFor(cust, "sound:ccaas/voicemail-intro")
			waitUntil(t, "the caller being recorded", func() bool { return len(w.liveRecordings()) == 1 })
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				var night ccaas.QueueID
				w, _ := roomWorld(t, ccaas.Queue{}, func(ctx context.Context, db *sqlite.DB, ten ccaas.Tenant, ag map[string]ccaas.Agent) error {
					q, err := db.CreateQueue(ctx, ccaas.Queue{TenantID: ten.ID, Name: "Night", RingSeconds: 30, DIDs: []string{"5550002"},
						Members: []ccaas.Member{member(ag["bob"], 1)}})
					night = q.ID
					if err != nil {
						return err
					}
					sup, err := db.QueueByName(ctx, ten.ID, "Support")
					if err != nil {
						return err
					}
					sup.WaitingRules = tc.rules(night)
					sup.DIDs, sup.Members = []string{testDID}, []ccaas.Member{member(ag["alice"], 1)}
					return db.UpdateQueue(ctx, sup)
				})
				sb, kb := w.login("bob")
				w.ready(sb, kb)
				ear := w.ear()
				cust := w.caller("+4930200")
				tc.check(t, w, cust, kb, ear)
			})
		})
	}
}

// liveRecordings lists the simulator's live recordings.
func (w *world) liveRecordings() []ari.LiveRecording { return w.sim.LiveRecordings() }

// TestCallsWaitingAtClosingAreServed: a caller who entered while the queue
// was open is served after it closes; a caller arriving after closing gets
// the closed action; the supervisor's row says open until closing, then
// closed until the next opening, at that very moment.
func TestCallsWaitingAtClosingAreServed(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		w, _ := roomWorld(t, ccaas.Queue{WaitingRules: ccaas.WaitingRules{Hours: "sat 00:00-00:10\nmon 08:00-12:00"}})
		_, kc, snap := w.loginWith("carol")
		if h := snap.Team.Queues[0].Hours; !h.Open || h.Until == nil || h.Until.UTC().Format("Mon 15:04") != "Sat 00:10" {
			t.Errorf("the row at first: %+v", h)
		}
		row := func(what string, open bool, until string) {
			t.Helper()
			m := kc.find(t, what, func(m cti.Message) bool {
				return m.Type == cti.MsgTeam && len(m.Team.Queues) == 1 && m.Team.Queues[0].Hours.Open == open
			})
			got := m.Team.Queues[0].Hours.Until
			if got == nil || got.UTC().Format("Mon 15:04") != until {
				t.Errorf("%s: until %v, want %s", what, got, until)
			}
		}
		early := w.caller("+4930301") // 00:00: open, nobody Ready
		waitUntil(t, "the early caller waiting", waiting(w, early))
		time.Sleep(10*time.Minute + time.Second) // the queue closes meanwhile
		row("the row once closed", false, "Mon 08:00")
		ear := w.ear()
		late := w.caller("+4930302")
		ear.waitFor(late, "sound:ccaas/closed")
		s, k := w.login("alice")
		w.ready(s, k)
		if offer := offerOf(t, k); offer.Call.Caller.Number != "+4930301" {
			t.Fatalf("offered %+v, want the caller who entered before closing", offer.Call.Caller)
		}
	})
}

func itoa(id ccaas.QueueID) string { return strconv.FormatInt(int64(id), 10) }
