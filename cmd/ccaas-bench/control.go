package main

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/pprof"
	"os"
	"runtime"
	"runtime/metrics"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/ccaas/ccaas/ari"
)

// procStats is one reading of a process's own counters.
type procStats struct {
	At           time.Time        `json:"at"`
	CPU          time.Duration    `json:"cpu"`          // user + system time so far (getrusage)
	HeapLive     uint64           `json:"heapLive"`     // bytes in live and not yet swept heap objects
	HeapTotal    uint64           `json:"heapTotal"`    // memory the Go runtime has mapped (all classes)
	RSS          uint64           `json:"rss"`          // resident set size (/proc/self/statm)
	AllocBytes   uint64           `json:"allocBytes"`   // cumulative heap allocations
	AllocObjects uint64           `json:"allocObjects"` // cumulative heap allocations
	GCs          uint64           `json:"gcs"`
	Goroutines   int              `json:"goroutines"`
	Violations   int              `json:"violations"` // invariant violations (when checked)
	Samples      []string         `json:"samples,omitempty"`
	Events       map[string]int64 `json:"events,omitempty"` // ARI events handed to the app, by type
}

var statNames = []string{
	"/memory/classes/heap/objects:bytes",
	"/memory/classes/total:bytes",
	"/gc/heap/allocs:bytes",
	"/gc/heap/allocs:objects",
	"/gc/cycles/total:gc-cycles",
}

// readProcStats reads this process's counters.
func readProcStats() procStats {
	samples := make([]metrics.Sample, len(statNames))
	for i, n := range statNames {
		samples[i].Name = n
	}
	metrics.Read(samples)
	u := func(i int) uint64 {
		if samples[i].Value.Kind() == metrics.KindUint64 {
			return samples[i].Value.Uint64()
		}
		return 0
	}
	st := procStats{
		At: time.Now(), HeapLive: u(0), HeapTotal: u(1), AllocBytes: u(2), AllocObjects: u(3), GCs: u(4),
		Goroutines: runtime.NumGoroutine(), RSS: rss(),
	}
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) == nil {
		st.CPU = time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
	}
	return st
}

// rss is the resident set size from /proc (0 where there is none).
func rss() uint64 {
	b, err := os.ReadFile("/proc/self/statm")
	if err != nil {
		return 0
	}
	f := strings.Fields(string(b))
	if len(f) < 2 {
		return 0
	}
	pages, _ := strconv.ParseUint(f[1], 10, 64)
	return pages * uint64(os.Getpagesize())
}

// controlMux serves the bench-only control API of the product process:
//
//	GET  /stats              counters now
//	GET  /trace              customers' StasisStart times since the last read (with childConfig.Trace)
//	POST /settle[?idle=1]    collect garbage twice (after closing idle ARI connections), then counters
//	POST /floor?n=N&c=C      N bare ARI round trips with C workers (see floor.go)
//	/debug/pprof/...         the standard profiles
func controlMux(client *ari.Client, ariHTTP *http.Client, inv *violations, events *eventCounter) http.Handler {
	mux := http.NewServeMux()
	stats := func() procStats {
		st := readProcStats()
		st.Violations, st.Samples = inv.get()
		st.Events = events.read()
		return st
	}
	mux.HandleFunc("GET /stats", func(w http.ResponseWriter, r *http.Request) { writeJSON(w, stats()) })
	mux.HandleFunc("GET /trace", func(w http.ResponseWriter, r *http.Request) { writeJSON(w, events.takeStarts()) })
	mux.HandleFunc("POST /settle", func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("idle") == "1" {
			ariHTTP.CloseIdleConnections()
		}
		runtime.GC()
		runtime.GC() // the second one frees what the first one's finalizers released
		writeJSON(w, stats())
	})
	mux.HandleFunc("POST /floor", func(w http.ResponseWriter, r *http.Request) {
		n, _ := strconv.Atoi(r.URL.Query().Get("n"))
		c, _ := strconv.Atoi(r.URL.Query().Get("c"))
		if n <= 0 || c <= 0 || n > 10_000_000 || c > 4096 {
			http.Error(w, "want 0 < n <= 1e7 and 0 < c <= 4096", http.StatusBadRequest)
			return
		}
		ctx, cancel := context.WithTimeout(r.Context(), 10*time.Minute)
		defer cancel()
		res, err := runFloor(ctx, client, n, c)
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		writeJSON(w, res)
	})
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	return mux
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(v)
}
