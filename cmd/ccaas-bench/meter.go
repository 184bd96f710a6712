package main

import (
	"maps"
	"net/http"
	"strings"
	"sync"
	"time"
)

// ariMeter stands in front of the simulator and counts every ARI request by
// its shape ("POST /bridges/{id}/addChannel"), with the time the simulator
// took to answer. It also reports each successful addChannel, which is when
// the simulator has put the channels in the bridge.
type ariMeter struct {
	next        http.Handler
	onBridged   func(bridge string, channels []string, at time.Time)
	mu          sync.Mutex
	counts      map[string]int64
	busy        time.Duration // sum of the requests' durations (mean concurrency = busy / wall time)
	total       int64
	inflight    int
	maxInflight int
}

func newARIMeter(next http.Handler) *ariMeter {
	return &ariMeter{next: next, counts: make(map[string]int64)}
}

// meterReading is a copy of the meter's counters.
type meterReading struct {
	At     time.Time
	Total  int64
	Busy   time.Duration
	Counts map[string]int64
}

func (m *ariMeter) read() meterReading {
	m.mu.Lock()
	defer m.mu.Unlock()
	return meterReading{At: time.Now(), Total: m.total, Busy: m.busy, Counts: maps.Clone(m.counts)}
}

func (m *ariMeter) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	shape := requestShape(r.Method, r.URL.Path)
	if shape == "GET /events" {
		m.next.ServeHTTP(w, r) // the events WebSocket: long-lived, not a request to count
		return
	}
	m.mu.Lock()
	m.inflight++
	m.maxInflight = max(m.maxInflight, m.inflight)
	m.mu.Unlock()
	sw := &statusWriter{ResponseWriter: w, status: http.StatusOK}
	start := time.Now()
	m.next.ServeHTTP(sw, r)
	end := time.Now()
	m.mu.Lock()
	m.inflight--
	m.counts[shape]++
	m.total++
	m.busy += end.Sub(start)
	m.mu.Unlock()
	if m.onBridged != nil && sw.status == http.StatusNoContent && strings.HasSuffix(shape, "/addChannel") {
		bridge := strings.TrimPrefix(r.URL.Path, "/ari/bridges/")
		bridge, _, _ = strings.Cut(bridge, "/")
		m.onBridged(bridge, strings.Split(r.URL.Query().Get("channel"), ","), end)
	}
}

// requestShape names a request with its ids replaced by {id}.
func requestShape(method, path string) string {
	segs := strings.Split(strings.Trim(strings.TrimPrefix(path, "/ari"), "/"), "/")
	for i, s := range segs {
		if !ariWords[s] {
			segs[i] = "{id}"
		}
	}
	return method + " /" + strings.Join(segs, "/")
}

// ariWords are the literal path segments of the ARI paths the app uses.
var ariWords = map[string]bool{
	"channels": true, "bridges": true, "asterisk": true, "config": true, "dynamic": true, "res_pjsip": true,
	"auth": true, "aor": true, "endpoint": true, "endpoints": true, "PJSIP": true, "applications": true,
	"subscription": true, "playbacks": true, "answer": true, "moh": true, "hold": true, "mute": true,
	"dtmf": true, "variable": true, "play": true, "addChannel": true, "removeChannel": true, "ring": true,
	"snoop": true, "ping": true, "info": true, "modules": true, "events": true,
}

type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	w.status = code
	w.ResponseWriter.WriteHeader(code)
}
