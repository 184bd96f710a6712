package app_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/ccaas/ccaas"
	"github.com/ccaas/ccaas/ari/asterisksim"
	"github.com/ccaas/ccaas/cti"
)

// directoryRow finds an agent's row in a directory message.
func directoryRow(m cti.Message, ext string) (cti.DirectoryAgentView, bool) {
	for _, a := range m.Directory.Agents {
		if a.Extension == ext {
			return a, true
		}
	}
	return cti.DirectoryAgentView{}, false
}

// nextDirectory waits for a directory message that says what match wants.
func nextDirectory(t *testing.T, k *sink, what string, match func(m cti.Message) bool) cti.Message {
	t.Helper()
	return k.next(t, what, func(m cti.Message) bool { return m.Type == cti.MsgDirectory && match(m) })
}

func presence(ext, want string) func(cti.Message) bool {
	return func(m cti.Message) bool { a, ok := directoryRow(m, ext); return ok && a.Presence == want }
}

func TestDirectory(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		w := newWorld(t, worldOpts{})
		ctx := context.Background()
		// another tenant, with an agent of the same extension, never shows
		other, _ := w.db.CreateTenant(ctx, ccaas.Tenant{Domain: "other.example", Name: "Other"})
		hash, _ := bcrypt.GenerateFromPassword([]byte("x"), bcrypt.MinCost)
		w.db.CreateAgent(ctx, ccaas.Agent{TenantID: other.ID, Username: "mallory", Name: "Mallory", Extension: "1002", PasswordHash: string(hash)})
		w.db.CreateQueue(ctx, ccaas.Queue{TenantID: other.ID, Name: "Theirs", RingSeconds: 20, MOHClass: "default"})
		if err := w.app.Reload(ctx, other.ID); err != nil {
			t.Fatal(err)
		}

		sa, ka := w.login("alice")
		// nothing is sent before the agent follows it
		ok(t, w, sa, ka, cti.Command{Cmd: cti.CmdReady})
		ok(t, w, sa, ka, cti.Command{Cmd: cti.CmdDirectoryOpen})
		full := nextDirectory(t, ka, "the whole directory", func(m cti.Message) bool { return m.Directory.Full })
		var names []string
		for _, a := range full.Directory.Agents {
			names = append(names, a.Name+" "+a.Extension+" "+a.Presence)
		}
		if got := strings.Join(names, ", "); got != "Alice 1001 ready, Bob 1002 logged_out" {
			t.Fatalf("agents = %s", got)
		}
		if qs := full.Directory.Queues; len(qs) != 1 || qs[0].Name != "Support" || qs[0].Waiting != 0 || qs[0].Ready != 1 {
			t.Fatalf("queues = %+v", qs)
		}
		// only names, extensions and states: no ids, usernames or teams
		raw, _ := json.Marshal(full.Directory.Agents[0])
		if got := string(raw); got != `{"name":"Alice","extension":"1001","presence":"ready","reason":""}` {
			t.Fatalf("an agent's row = %s", got)
		}

		// live: bob logs in (Not Ready, login), goes Ready, takes a call
		sb, kb := w.login("bob")
		if m := nextDirectory(t, ka, "bob logged in", presence("1002", cti.PresenceNotReady)); len(m.Directory.Agents) != 1 {
			t.Fatalf("a change sends the rows that changed only: %+v", m.Directory)
		} else if a, _ := directoryRow(m, "1002"); a.Reason != "login" {
			t.Fatalf("bob = %+v", a)
		}
		ok(t, w, sa, ka, cti.Command{Cmd: cti.CmdNotReady, Reason: "lunch"})
		nextDirectory(t, ka, "alice at lunch, the queue without a Ready member", func(m cti.Message) bool {
			a, ok := directoryRow(m, "1001")
			return ok && a.Presence == cti.PresenceNotReady && a.Reason == "lunch" && len(m.Directory.Queues) == 1 && m.Directory.Queues[0].Ready == 0
		})
		w.ready(sb, kb)
		nextDirectory(t, ka, "bob ready, the queue with a Ready member", func(m cti.Message) bool {
			return presence("1002", cti.PresenceReady)(m) || len(m.Directory.Queues) == 1 && m.Directory.Queues[0].Ready == 1
		})
		cust, _ := w.sim.PlaceCall(asterisksim.CallSpec{From: "100", DID: testDID})
		nextDirectory(t, ka, "bob on a call", presence("1002", cti.PresenceOnCall))
		offer := offerIn(t, kb)
		ok(t, w, sb, kb, cti.Command{Cmd: cti.CmdAnswer, Call: offer.Call.ID})
		w.talking(t, cust)
		w.sim.Hangup(cust)
		nextDirectory(t, ka, "bob ready again", presence("1002", cti.PresenceReady))

		// a caller waits while nobody is Ready
		ok(t, w, sb, kb, cti.Command{Cmd: cti.CmdNotReady})
		w.place(t, "200")
		nextDirectory(t, ka, "a caller waiting", func(m cti.Message) bool {
			return len(m.Directory.Queues) == 1 && m.Directory.Queues[0].Waiting == 1 && m.Directory.Queues[0].Ready == 0
		})

		// closed: nothing more (the reply to closing it comes after all it sent)
		ok(t, w, sa, ka, cti.Command{Cmd: cti.CmdDirectoryClose})
		ka.kept = nil
		for len(ka.ch) > 0 {
			<-ka.ch
		}
		w.app.Logout(ctx, sb)
		ok(t, w, sa, ka, cti.Command{Cmd: cti.CmdReady}) // alice is offered the waiting call
		ka.find(t, "the waiting call", func(m cti.Message) bool { return m.Type == cti.MsgOffer })
		time.Sleep(time.Second)
		for len(ka.ch) > 0 {
			ka.kept = append(ka.kept, <-ka.ch)
		}
		for _, m := range ka.kept {
			if m.Type == cti.MsgDirectory {
				t.Fatalf("a directory message after closing it: %+v", m.Directory)
			}
		}
	})
}

// An admin's change (an agent added, renamed, removed) sends the whole
// directory again.
func TestDirectoryAfterAConfigurationChange(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		w := newWorld(t, worldOpts{})
		ctx := context.Background()
		sa, ka := w.login("alice")
		ok(t, w, sa, ka, cti.Command{Cmd: cti.CmdDirectoryOpen})
		nextDirectory(t, ka, "the whole directory", func(m cti.Message) bool { return m.Directory.Full })
		if _, err := w.db.CreateAgent(ctx, ccaas.Agent{TenantID: w.tenant.ID, Username: "dora", Name: "Dora <b>Diaz</b>", Extension: "1003", PasswordHash: "x"}); err != nil {
			t.Fatal(err)
		}
		if err := w.app.Reload(ctx, w.tenant.ID); err != nil {
			t.Fatal(err)
		}
		m := nextDirectory(t, ka, "the directory again", func(m cti.Message) bool { return m.Directory.Full })
		if a, ok := directoryRow(m, "1003"); !ok || a.Name != "Dora <b>Diaz</b>" || a.Presence != cti.PresenceLoggedOut {
			t.Fatalf("the new agent = %+v", m.Directory.Agents)
		}
	})
}
