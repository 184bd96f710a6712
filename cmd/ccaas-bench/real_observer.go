package main

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/ccaas/ccaas/ari"
)

// observer is an ARI application of the bench's own that watches every
// bridge of the Asterisk under test and notes when each customer first
// shares a bridge with another channel: the moment the caller is joined with
// an agent, whichever application (ccaas, the minimal app, app_queue) put
// them there. Asterisk sends it only ChannelEnteredBridge (its event
// filter), about three per call.
type observer struct {
	client *ari.Client
	stop   context.CancelFunc
	done   chan struct{}

	mu        sync.Mutex
	customers map[string]string    // customer channel id → caller number
	bridged   map[string]time.Time // caller number → first time in a bridge with someone
	events    int
}

// customerChannel is how Asterisk names the benchmark customers' channels
// (the endpoint of pjsip_bench.conf).
const customerChannel = "PJSIP/bench-customers-"

func startObserver(ctx context.Context, url, user, password string) (*observer, error) {
	client, err := ari.New(ari.Config{URL: url, Username: user, Password: password, Application: "bench-observer",
		Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		return nil, err
	}
	o := &observer{client: client, done: make(chan struct{}), customers: map[string]string{}, bridged: map[string]time.Time{}}
	ctx, o.stop = context.WithCancel(ctx)
	go func() {
		defer close(o.done)
		client.RunEvents(ctx, o)
	}()
	deadline := time.Now().Add(10 * time.Second)
	for !client.Connected() {
		if time.Now().After(deadline) {
			o.close()
			return nil, fmt.Errorf("the observer's ARI events socket did not connect to %s", url)
		}
		time.Sleep(10 * time.Millisecond)
	}
	if _, err := client.FilterEvents(ctx, ari.EventFilter{Allowed: []string{ari.EventChannelEnteredBridge}}); err != nil {
		o.close()
		return nil, fmt.Errorf("observer: event filter: %w", err)
	}
	// "bridge:" without an id is every bridge, app_queue's included
	if _, err := client.Subscribe(ctx, "bridge:"); err != nil {
		o.close()
		return nil, fmt.Errorf("observer: subscribe to every bridge: %w", err)
	}
	return o, nil
}

func (o *observer) close() {
	o.stop()
	<-o.done
}

func (o *observer) Connected()         {}
func (o *observer) Disconnected(error) {}

// Event runs on the events reader goroutine.
func (o *observer) Event(ev ari.Event) {
	e, ok := ev.(*ari.ChannelEnteredBridge)
	if !ok {
		return
	}
	now := time.Now()
	o.mu.Lock()
	defer o.mu.Unlock()
	o.events++
	if ch := e.Channel; ch != nil && strings.HasPrefix(ch.Name, customerChannel) {
		o.customers[ch.ID] = ch.Caller.Number
	}
	if len(e.Bridge.Channels) < 2 {
		return
	}
	for _, id := range e.Bridge.Channels {
		if num, ok := o.customers[id]; ok {
			if _, seen := o.bridged[num]; !seen {
				o.bridged[num] = now
			}
		}
	}
}

// take returns the bridged times noted so far and forgets them (and the
// customers' channels), so a long run keeps a bounded map.
func (o *observer) take() (map[string]time.Time, int) {
	o.mu.Lock()
	defer o.mu.Unlock()
	out, n := o.bridged, o.events
	o.bridged, o.customers, o.events = map[string]time.Time{}, map[string]string{}, 0
	return out, n
}
