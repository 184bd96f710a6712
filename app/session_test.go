package app_test

import (
	"context"
	"testing"
	"testing/synctest"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/ccaas/ccaas"
	"github.com/ccaas/ccaas/ari/asterisksim"
	"github.com/ccaas/ccaas/cti"
)

// TestSessionLifetimes: a session whose page never opens its socket ends
// after the idle limit; every session ends at its maximum age, an agent on a
// call only once the call is over.
func TestSessionLifetimes(t *testing.T) {
	t.Run("a session that never opens its socket ends after the idle limit", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			w := newWorld(t, worldOpts{})
			s, err := w.app.Login(context.Background(), testDomain, "alice", "alice-pw")
			if err != nil {
				t.Fatal(err)
			}
			time.Sleep(ccaasIdle - time.Second)
			synctest.Wait()
			if _, ok := w.app.Session(s.ID); !ok {
				t.Fatal("ended before the idle limit")
			}
			time.Sleep(2 * time.Second)
			waitUntil(t, "the idle session ends", func() bool { _, ok := w.app.Session(s.ID); return !ok })
			// a session whose page connected is not held to it
			s2, k := w.login("alice")
			time.Sleep(3 * ccaasIdle)
			synctest.Wait()
			if _, ok := w.app.Session(s2.ID); !ok {
				t.Fatalf("a connected session ended at the idle limit: %v", k.kept)
			}
		})
	})
	t.Run("every session ends at its maximum age, after the call it is on", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			const maxAge = time.Hour
			w := newWorld(t, worldOpts{sessionMaxAge: maxAge})
			alice, ka := w.login("alice")
			bob, kb := w.login("bob")
			w.ready(bob, kb)
			cust, _ := w.sim.PlaceCall(asterisksim.CallSpec{From: "400", DID: testDID})
			offer := kb.next(t, "offer", func(m cti.Message) bool { return m.Type == cti.MsgOffer })
			w.app.Command(bob, cti.Command{ID: "a", Cmd: cti.CmdAnswer, Call: offer.Call.ID})
			kb.call(t, "connected")
			time.Sleep(maxAge)
			if m := ka.next(t, "bye", func(m cti.Message) bool { return m.Type == cti.MsgBye }); m.Reason != cti.ByeExpired {
				t.Fatalf("alice's bye: %q", m.Reason)
			}
			if _, ok := w.app.Session(alice.ID); ok {
				t.Fatal("alice's session outlived its maximum age")
			}
			if _, ok := w.app.Session(bob.ID); !ok {
				t.Fatal("bob was logged out in the middle of his call")
			}
			w.sim.Hangup(cust)
			if m := kb.next(t, "bye", func(m cti.Message) bool { return m.Type == cti.MsgBye }); m.Reason != cti.ByeExpired {
				t.Fatalf("bob's bye: %q", m.Reason)
			}
		})
	})
}

// ccaasIdle is the default idle limit of a session without a socket.
const ccaasIdle = 2 * time.Minute

// TestAccountChangesEndTheSession: a password reset or a role change, once
// applied (Reload, as the admin pages do), ends the person's session; other
// changes of their record do not.
func TestAccountChangesEndTheSession(t *testing.T) {
	tests := []struct {
		name   string
		change func(t *testing.T, w *world, a ccaas.Agent)
		ends   bool
	}{
		{"password reset", func(t *testing.T, w *world, a ccaas.Agent) {
			hash, _ := bcrypt.GenerateFromPassword([]byte("a-new-password"), bcrypt.MinCost)
			if err := w.db.SetPassword(context.Background(), a.TenantID, a.ID, string(hash)); err != nil {
				t.Fatal(err)
			}
		}, true},
		{"role change", func(t *testing.T, w *world, a ccaas.Agent) {
			a.Role = ccaas.RoleSupervisor
			if err := w.db.UpdateAgent(context.Background(), a); err != nil {
				t.Fatal(err)
			}
		}, true},
		{"a new display name", func(t *testing.T, w *world, a ccaas.Agent) {
			a.Name = "Alice Renamed"
			if err := w.db.UpdateAgent(context.Background(), a); err != nil {
				t.Fatal(err)
			}
		}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				w := newWorld(t, worldOpts{})
				s, k := w.login("alice")
				tt.change(t, w, w.agent["alice"])
				if err := w.app.Reload(context.Background(), w.tenant.ID); err != nil {
					t.Fatal(err)
				}
				synctest.Wait()
				_, alive := w.app.Session(s.ID)
				if alive == tt.ends {
					t.Fatalf("session alive = %v after the change", alive)
				}
				if tt.ends {
					if m := k.next(t, "bye", func(m cti.Message) bool { return m.Type == cti.MsgBye }); m.Reason != cti.ByeAccount {
						t.Fatalf("bye reason %q", m.Reason)
					}
				}
			})
		})
	}
}
