package main

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/ccaas/ccaas/ari"
)

// floorResult is the cost of bare ARI round trips made by the product's own
// ARI client from the product's process: what any ARI application pays at
// least, so the report can show the app's cost as a multiple of it.
type floorResult struct {
	Requests    int           `json:"requests"`
	Concurrency int           `json:"concurrency"`
	Elapsed     time.Duration `json:"elapsed"`
	CPU         time.Duration `json:"cpu"`    // of the product process while it ran
	Allocs      uint64        `json:"allocs"` // heap objects allocated while it ran
	Latency     summary       `json:"latency"`
}

// runFloor makes n GET /bridges/{id} round trips (a small JSON answer the
// client decodes, like most of the app's requests) with c workers.
func runFloor(ctx context.Context, client *ari.Client, n, c int) (floorResult, error) {
	id := fmt.Sprintf("floor-%d", time.Now().UnixNano())
	if _, err := client.CreateBridge(ctx, ari.BridgeRequest{ID: id, Type: ari.BridgeMixing, Name: id}); err != nil {
		return floorResult{}, err
	}
	defer client.DestroyBridge(context.WithoutCancel(ctx), id)
	lat := make([]time.Duration, n)
	var (
		next     atomic.Int64
		firstErr error
		errOnce  sync.Once
		wg       sync.WaitGroup
	)
	before := readProcStats()
	start := time.Now()
	for range c {
		wg.Go(func() {
			for {
				i := int(next.Add(1)) - 1
				if i >= n {
					return
				}
				t := time.Now()
				if _, err := client.GetBridge(ctx, id); err != nil {
					errOnce.Do(func() { firstErr = err })
					return
				}
				lat[i] = time.Since(t)
			}
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	after := readProcStats()
	if firstErr != nil {
		return floorResult{}, firstErr
	}
	return floorResult{Requests: n, Concurrency: c, Elapsed: elapsed, CPU: after.CPU - before.CPU,
		Allocs: after.AllocObjects - before.AllocObjects, Latency: summarize(lat)}, nil
}
