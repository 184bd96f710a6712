package asterisksim

import (
	"context"
	"errors"
	"net/http"
	"testing"
	"testing/synctest"
	"time"

	"github.com/ccaas/ccaas/ari"
)

// faultRig is a client rig with one customer in Stasis, not yet answered,
// and a second client that gives up after a short timeout.
type faultRig struct {
	*clientRig
	cust  string
	quick *ari.Client
}

const quickTimeout = 30 * time.Millisecond

func newFaultRig(t *testing.T) *faultRig {
	t.Helper()
	return faultRigOn(t, newClientRig(t, Config{}))
}

// newMemFaultRig is a fault rig in memory, for a test in a synctest bubble.
func newMemFaultRig(t *testing.T) *faultRig {
	t.Helper()
	return faultRigOn(t, newMemClientRig(t, Config{}))
}

func faultRigOn(t *testing.T, cr *clientRig) *faultRig {
	t.Helper()
	cust, err := cr.sim.PlaceCall(CallSpec{From: "100", DID: "5550001"})
	check(t, "place call", err)
	quick, err := cr.ariClient(ari.Config{Application: "ccaas", RequestTimeout: quickTimeout})
	check(t, "quick client", err)
	return &faultRig{clientRig: cr, cust: cust, quick: quick}
}

func (fr *faultRig) state() string {
	ch, _ := fr.sim.Channel(fr.cust)
	return ch.State
}

// A fault with a status answers matching requests with it and leaves the
// simulator as it was; other requests, and later ones, are served.
func TestFaultStatus(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name    string
		fault   Fault
		do      func(fr *faultRig) error
		wantErr error
		effect  func(fr *faultRig) bool // what the request does when served
	}{
		{
			name:    "500 on answer",
			fault:   Fault{Method: "POST", Path: "/channels/*/answer", Status: http.StatusInternalServerError},
			do:      func(fr *faultRig) error { return fr.c.Answer(ctx, fr.cust) },
			wantErr: ari.ErrServer,
			effect:  func(fr *faultRig) bool { return fr.state() == ari.StateUp },
		},
		{
			name:    "404 on moh, any method",
			fault:   Fault{Path: "/channels/*/moh", Status: http.StatusNotFound},
			do:      func(fr *faultRig) error { return fr.c.StartMOH(ctx, fr.cust, "default") },
			wantErr: ari.ErrNotFound,
			effect:  func(fr *faultRig) bool { _, on := fr.sim.MOH(fr.cust); return on },
		},
		{
			name:    "500 on bridge create",
			fault:   Fault{Method: "POST", Path: "/bridges", Status: http.StatusInternalServerError},
			do:      func(fr *faultRig) error { _, err := fr.c.CreateBridge(ctx, ari.BridgeRequest{ID: "b1"}); return err },
			wantErr: ari.ErrServer,
			effect:  func(fr *faultRig) bool { _, ok := fr.sim.Bridge("b1"); return ok },
		},
		{
			name:    "409 on answer",
			fault:   Fault{Method: "POST", Path: "/channels/*/answer", Status: http.StatusConflict},
			do:      func(fr *faultRig) error { return fr.c.Answer(ctx, fr.cust) },
			wantErr: ari.ErrConflict,
			effect:  func(fr *faultRig) bool { return fr.state() == ari.StateUp },
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fr := newFaultRig(t)
			// a request the fault does not match is served
			other := fr.sim.Inject(Fault{Method: "GET", Path: tt.fault.Path, Status: http.StatusTeapot})
			in := fr.sim.Inject(tt.fault)
			if err := tt.do(fr); !errors.Is(err, tt.wantErr) {
				t.Fatalf("err = %v, want %v", err, tt.wantErr)
			}
			if tt.effect(fr) {
				t.Fatal("the failed request had an effect")
			}
			if in.Hits() != 1 || other.Hits() != 0 {
				t.Fatalf("hits %d and %d, want 1 and 0", in.Hits(), other.Hits())
			}
			if err := tt.do(fr); err != nil {
				t.Fatalf("after the fault: %v", err)
			}
			if !tt.effect(fr) || in.Hits() != 1 {
				t.Fatalf("second request: effect %v, hits %d", tt.effect(fr), in.Hits())
			}
		})
	}
}

// Count decides how many requests a fault hits, a negative count every one
// until Remove; Skip lets the first ones through.
func TestFaultCount(t *testing.T) {
	ctx := context.Background()
	fr := newFaultRig(t)
	in := fr.sim.Inject(Fault{Path: "/channels/*/answer", Status: http.StatusInternalServerError, Count: 2})
	for i := range 2 {
		if err := fr.c.Answer(ctx, fr.cust); !errors.Is(err, ari.ErrServer) {
			t.Fatalf("request %d: %v", i, err)
		}
	}
	check(t, "third answer", fr.c.Answer(ctx, fr.cust))
	if in.Hits() != 2 {
		t.Fatalf("hits %d", in.Hits())
	}

	second := fr.sim.Inject(Fault{Path: "/channels/*/ring", Status: http.StatusInternalServerError, Skip: 1})
	check(t, "first ring, let through", fr.c.Ring(ctx, fr.cust))
	if err := fr.c.Ring(ctx, fr.cust); !errors.Is(err, ari.ErrServer) || second.Hits() != 1 {
		t.Fatalf("second ring: %v, hits %d", err, second.Hits())
	}

	always := fr.sim.Inject(Fault{Path: "/channels/*/moh", Status: http.StatusInternalServerError, Count: -1})
	for i := range 5 {
		if err := fr.c.StartMOH(ctx, fr.cust, ""); !errors.Is(err, ari.ErrServer) {
			t.Fatalf("request %d: %v", i, err)
		}
	}
	always.Remove()
	check(t, "moh after remove", fr.c.StartMOH(ctx, fr.cust, ""))
	if always.Hits() != 5 {
		t.Fatalf("hits %d", always.Hits())
	}
}

// A delayed fault with a status is a request Asterisk never carries out: the
// client times out, nothing happened, and the held request ends with it.
func TestFaultTimeoutDropsRequest(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		fr := newMemFaultRig(t)
		in := fr.sim.Inject(Fault{Method: "POST", Path: "/channels/*/answer", Status: http.StatusInternalServerError, Delay: time.Hour})
		err := fr.quick.Answer(context.Background(), fr.cust)
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("err = %v, want a timeout", err)
		}
		if in.Hits() != 1 || fr.state() == ari.StateUp {
			t.Fatalf("hits %d, state %s", in.Hits(), fr.state())
		}
		synctest.Wait()
		if n := in.Held(); n != 0 {
			t.Fatalf("%d requests still held after the client gave up", n)
		}
		check(t, "answer after", fr.quick.Answer(context.Background(), fr.cust))

		// with a body (originate): the client's hang-up is noticed all the same
		in = fr.sim.Inject(Fault{Method: "POST", Path: "/channels", Status: http.StatusInternalServerError, Delay: time.Hour})
		_, err = fr.quick.Originate(context.Background(), ari.OriginateRequest{Endpoint: "PJSIP/pstn", ChannelID: "out-1", Variables: map[string]string{"A": "b"}})
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("originate: %v, want a timeout", err)
		}
		synctest.Wait()
		if n := in.Held(); n != 0 {
			t.Fatalf("%d originates still held after the client gave up", n)
		}
		if _, ok := fr.sim.Channel("out-1"); ok {
			t.Fatal("the dropped originate made a channel")
		}
	})
}

// A delayed fault without a status is a slow Asterisk: the client times out,
// and the request is carried out late anyway.
func TestFaultDelayServesLate(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		fr := newMemFaultRig(t)
		in := fr.sim.Inject(Fault{Method: "POST", Path: "/channels/*/answer", Delay: 10 * quickTimeout})
		err := fr.quick.Answer(context.Background(), fr.cust)
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("err = %v, want a timeout", err)
		}
		if in.Held() != 1 || fr.state() == ari.StateUp {
			t.Fatalf("held %d, state %s: the request was not held", in.Held(), fr.state())
		}
		time.Sleep(10 * quickTimeout) // fake time: the delay passes
		synctest.Wait()
		if in.Held() != 0 || fr.state() != ari.StateUp {
			t.Fatalf("held %d, state %s: the late answer was not carried out", in.Held(), fr.state())
		}
	})
}

// Close lets requests held by a fault go at once, with 503.
func TestFaultHeldUntilClose(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		fr := newMemFaultRig(t)
		in := fr.sim.Inject(Fault{Path: "/channels/*/answer", Delay: time.Hour})
		done := make(chan error, 1)
		go func() { done <- fr.c.Answer(context.Background(), fr.cust) }()
		synctest.Wait()
		if in.Held() != 1 {
			t.Fatalf("held %d, want the request held", in.Held())
		}
		_ = fr.sim.Close()
		synctest.Wait()
		select {
		case err := <-done:
			if !errors.Is(err, ari.ErrUnavailable) {
				t.Fatalf("err = %v, want 503", err)
			}
		default:
			t.Fatal("request still held after Close")
		}
	})
}
