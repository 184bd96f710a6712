package main

import (
	"bytes"
	"context"
	"os"
	"strings"
	"testing"
	"time"
)

// TestMain lets the test binary play the product process, as the real
// binary does: startProduct runs os.Executable with roleEnv set.
func TestMain(m *testing.M) {
	switch role := os.Getenv(roleEnv); role {
	case "product", "minimal":
		run := runProduct
		if role == "minimal" {
			run = runMinimal
		}
		if err := run(os.Stdin, os.Stdout); err != nil {
			os.Stderr.WriteString(role + ": " + err.Error() + "\n")
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// TestFixedRateTiny runs the whole tool at a tiny scale: 2 tenants × 5
// agents and a supervisor each, 5 calls/s for 2 s, with the product checking
// its invariants. Every
// call must go through its whole life, the numbers must be there, and the
// simulator must be left with nothing but the lines.
func TestFixedRateTiny(t *testing.T) {
	o := defaultOptions()
	o.tenants, o.agents = 2, 5
	o.rate, o.duration, o.warmup = 5, 2*time.Second, 0
	o.think, o.talk, o.wrapupSeconds = 50*time.Millisecond, 200*time.Millisecond, 1
	o.invariants, o.floor, o.logLevel = true, true, "warn"
	var out bytes.Buffer
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	res, err := fixedRate(ctx, o, &out)
	t.Log("\n" + out.String())
	if err != nil {
		t.Fatal(err)
	}
	if res.placed != 10 || res.offered != 10 || res.offer.N != 10 || res.connect.N != 10 {
		t.Errorf("placed %d, offered %d, offer latencies %d, connect latencies %d: want 10 each", res.placed, res.offered, res.offer.N, res.connect.N)
	}
	if res.late != 0 || res.noReady != 0 || len(res.problems) != 0 {
		t.Errorf("late %d, arrived with nobody Ready %d, problems %v", res.late, res.noReady, res.problems)
	}
	// a queue call is answer, music, the call bridge (made while the offer
	// rings), stop the music and add the channels (at once), the line out of
	// the bridge, hang-up, destroy the bridge: 8 requests (a call placed near
	// the end of the window may have some of them after it)
	if res.ariPerCall < 6 || res.ariPerCall > 8 {
		t.Errorf("%.2f ARI requests per call, want 6..8", res.ariPerCall)
	}
	// the product has Asterisk hold back every event it does not act on:
	// StasisStart and StasisEnd are all a queue call brings
	if res.eventsPerCall < 1 || res.eventsPerCall > 2 {
		t.Errorf("%.2f ARI events per call, want 1..2 (%v)", res.eventsPerCall, res.eventShapes)
	}
	// every state change reached the agent's socket and the supervisor's team view
	if res.toAgent.N == 0 || res.toSuper.N != res.toAgent.N {
		t.Errorf("state changes timed: %d on agents' sockets, %d on supervisors'", res.toAgent.N, res.toSuper.N)
	}
	if res.cpuPerCall <= 0 || res.allocsPerCall <= 0 {
		t.Errorf("CPU per call %s, allocations per call %.0f: want both measured", res.cpuPerCall, res.allocsPerCall)
	}
	for _, want := range []string{"memory per agent", "StasisStart → offer", "Answer → bridged", "floor", "12 channels (12 agent lines), 0 bridges"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("report lacks %q", want)
		}
	}
}

// TestRequestShape names requests without their ids.
func TestRequestShape(t *testing.T) {
	for path, want := range map[string]string{
		"/ari/bridges/cb1-00112233aabbccdd/addChannel":                   "POST /bridges/{id}/addChannel",
		"/ari/channels/1795519600.12/moh":                                "POST /channels/{id}/moh",
		"/ari/asterisk/config/dynamic/res_pjsip/endpoint/ag1-0011223344": "POST /asterisk/config/dynamic/res_pjsip/endpoint/{id}",
		"/ari/bridges": "POST /bridges",
		"/ari/events":  "POST /events",
	} {
		if got := requestShape("POST", path); got != want {
			t.Errorf("%s: got %q, want %q", path, got, want)
		}
	}
}
