package main

import (
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"sync/atomic"
	"time"

	"github.com/ccaas/ccaas/webhook"
)

// hookReceiver is the tenants' webhook endpoint in a -webhooks run: it
// counts deliveries and their bytes, and checks a signature now and then (a
// receiver's cost is not the product's).
type hookReceiver struct {
	deliveries, bytes, badSignatures atomic.Int64
}

func (h *hookReceiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	n := h.deliveries.Add(1)
	h.bytes.Add(int64(len(body)))
	if n%100 == 1 && webhook.Verify(r.Header.Get(webhook.SignatureHeader), []byte("bench-secret-0123456789"), body, time.Now(), 5*time.Minute) != nil {
		h.badSignatures.Add(1)
	}
	w.WriteHeader(http.StatusNoContent)
}

// reportStorage says what the run left: the database file, the recordings
// the simulated Asterisk stored, the webhook deliveries received.
func (b *bench) reportStorage(out io.Writer) {
	b.book.mu.Lock()
	calls := int64(b.book.placed)
	b.book.mu.Unlock()
	if fi, err := os.Stat(filepath.Join(b.dir, "bench.db")); err == nil {
		wal, _ := os.Stat(filepath.Join(b.dir, "bench.db-wal"))
		size := fi.Size()
		if wal != nil {
			size += wal.Size()
		}
		fmt.Fprintf(out, "database             %.1f MiB after %d calls (%.0f bytes per call, WAL included)\n", float64(size)/(1<<20), calls, float64(size)/float64(max(calls, 1)))
	}
	if b.opts.record {
		var n, bytes int64
		var secs float64
		for _, name := range b.sim.StoredNames() {
			data, s, ok := b.sim.StoredFile(name)
			if ok {
				n, bytes, secs = n+1, bytes+int64(len(data)), secs+s
			}
		}
		fmt.Fprintf(out, "recordings           %d files, %.1f MiB, %.0f s of audio (%.1f KiB per recorded second, Asterisk's disk)\n", n, float64(bytes)/(1<<20), secs, float64(bytes)/1024/max(secs, 1))
	}
	if b.hooks != nil {
		d := b.hooks.deliveries.Load()
		fmt.Fprintf(out, "webhook deliveries   %d received (%.1f per call, %.0f bytes each), %d of the checked signatures bad\n",
			d, float64(d)/float64(max(calls, 1)), float64(b.hooks.bytes.Load())/float64(max(d, 1)), b.hooks.badSignatures.Load())
	}
}
