package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	"github.com/ccaas/ccaas/ari"
)

// ccaasTarget is the product: a child process wired as `ccaas serve`, its
// agents simulated browsers that log in over HTTP and take calls over the
// CTI WebSocket. They answer through the socket, not in process, because
// the offer's trip to the browser and the Answer's trip back are part of
// what the caller waits for.
type ccaasTarget struct {
	h                   *realHarness
	o                   options
	lineFields, lineAOR []ari.ConfigTuple
	b                   *bench
}

func (t *ccaasTarget) name() string { return "ccaas" }
func (t *ccaasTarget) digit() byte  { return '7' }

func (t *ccaasTarget) up(ctx context.Context) (linesReport, error) {
	o, r := t.o, t.o.real
	dir, err := os.MkdirTemp(t.h.dir, "ccaas-")
	if err != nil {
		return linesReport{}, err
	}
	db := filepath.Join(dir, "bench.db")
	tenants, err := seed(ctx, db, o.tenants, o.agents, 0, 0, o.ringSeconds, o.supervisors, false, "")
	if err != nil {
		return linesReport{}, fmt.Errorf("seed: %w", err)
	}
	b := &bench{opts: o, out: t.h.out, dir: dir, tenants: tenants, book: newCallBook(), real: newRealBook()}
	t.b = b
	b.ready = make([]atomic.Int32, len(tenants))
	level := o.logLevel
	if level == "off" {
		level = "error"
	}
	b.prod, err = startProduct(childConfig{DB: db, ARIURL: r.ariURL, ARIUser: r.ariUser, ARIPassword: r.ariPassword,
		App: "ccaas", LogFile: filepath.Join(dir, "product.log"), LogLevel: level,
		LineFields: t.lineFields, LineAOR: t.lineAOR, Trace: true, MaxCalls: o.maxCalls, MaxTenantCalls: o.maxTenantCall}, os.Stderr)
	if err != nil {
		return linesReport{}, err
	}
	b.web = "http://" + b.prod.web
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConnsPerHost = 64
	b.http = &http.Client{Transport: tr, Timeout: 30 * time.Second}
	began := time.Now()
	if err := b.loginAll(ctx, true, o.loginConc); err != nil {
		return linesReport{}, err
	}
	_, last := b.real.state()
	rep := linesReport{lines: len(b.agents), began: began, lastLogin: b.lastLogin, allUp: last}
	if o.supervisors {
		if err := b.loginSupervisors(ctx); err != nil {
			return rep, err
		}
	}
	return rep, nil
}

func (t *ccaasTarget) down() {
	if t.b != nil {
		t.b.close()
	}
}

func (t *ccaasTarget) appCPU() (time.Duration, bool) {
	st, err := t.b.prod.stats()
	return st.CPU, err == nil
}

func (t *ccaasTarget) take() (starts, offers map[string]time.Time, ups, downs int) {
	if err := t.b.prod.call(http.MethodGet, "/trace", &starts); err != nil {
		t.b.problems.add("product trace: " + err.Error())
	}
	offers, ups, downs = t.b.real.take()
	return starts, offers, ups, downs
}

func (t *ccaasTarget) problems() map[string]int { return t.b.problems.snapshot() }

// minimalTarget is the minimal ARI app (minimal.go) in a child process.
type minimalTarget struct {
	h                   *realHarness
	o                   options
	lineFields, lineAOR []ari.ConfigTuple
	p                   *product
	failed              int
}

func (t *minimalTarget) name() string { return "minimal" }
func (t *minimalTarget) digit() byte  { return '8' }

func (t *minimalTarget) up(ctx context.Context) (linesReport, error) {
	r := t.o.real
	n := t.o.tenants * t.o.agents
	var err error
	t.p, err = startChild("minimal", minimalConfig{ARIURL: r.ariURL, ARIUser: r.ariUser, ARIPassword: r.ariPassword,
		Agents: n, LineFields: t.lineFields, LineAOR: t.lineAOR, Workers: t.o.loginConc}, os.Stderr)
	if err != nil {
		return linesReport{}, err
	}
	rep := linesReport{lines: n, began: time.Now()}
	if err := t.p.call(http.MethodPost, "/lines", nil); err != nil {
		return rep, err
	}
	deadline := time.Now().Add(max(t.o.readyWait, 60*time.Second))
	up := 0
	for up < n {
		if time.Now().After(deadline) {
			return rep, fmt.Errorf("only %d of %d lines came up", up, n)
		}
		time.Sleep(20 * time.Millisecond)
		var ats []time.Time
		if err := t.p.call(http.MethodGet, "/lines", &ats); err != nil {
			return rep, err
		}
		for _, at := range ats {
			up++
			rep.allUp = at
		}
	}
	return rep, nil
}

func (t *minimalTarget) down() {
	if t.p != nil {
		t.p.stop()
	}
}

func (t *minimalTarget) appCPU() (time.Duration, bool) {
	st, err := t.p.stats()
	t.failed = st.Violations
	return st.CPU, err == nil
}

func (t *minimalTarget) take() (starts, offers map[string]time.Time, ups, downs int) {
	t.p.call(http.MethodGet, "/trace", &starts)
	var ats []time.Time
	t.p.call(http.MethodGet, "/lines", &ats)
	return starts, nil, len(ats), 0
}

func (t *minimalTarget) problems() map[string]int {
	if t.failed > 0 {
		return map[string]int{"ARI requests failed": t.failed}
	}
	return nil
}

// appQueueTarget is Asterisk's own app_queue (queues.conf of
// cmd/ccaas-bench/asterisk): the bench pushes one endpoint per agent, the
// SIPp UAS as its contact, and makes it a member of its tenant's queue.
// app_queue rings them all for every call (ringall) and bridges the first
// to answer; there is no application process of ours.
type appQueueTarget struct {
	h                   *realHarness
	o                   options
	lineFields, lineAOR []ari.ConfigTuple
	client              *ari.Client
}

func (t *appQueueTarget) name() string { return "appqueue" }
func (t *appQueueTarget) digit() byte  { return '9' }

func (t *appQueueTarget) member(tenant, agent int) (queue, endpoint string) {
	return fmt.Sprintf("bench-9%06d", tenant+1), fmt.Sprintf("bq%02d%04d", tenant+1, agent+1)
}

func (t *appQueueTarget) up(ctx context.Context) (linesReport, error) {
	r := t.o.real
	var err error
	t.client, err = ari.New(ari.Config{URL: r.ariURL, Username: r.ariUser, Password: r.ariPassword, Application: "bench-check",
		Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		return linesReport{}, err
	}
	rep := linesReport{lines: t.o.tenants * t.o.agents, began: time.Now()}
	err = t.each(ctx, func(queue, ep string) error {
		if _, err := t.client.PutConfig(ctx, "res_pjsip", "aor", ep, t.lineAOR); err != nil {
			return err
		}
		fields := append([]ari.ConfigTuple{{Attribute: "aors", Value: ep}}, t.lineFields...)
		if _, err := t.client.PutConfig(ctx, "res_pjsip", "endpoint", ep, fields); err != nil {
			return err
		}
		return t.queueMember(ctx, "add", queue, ep)
	})
	rep.allUp = time.Now()
	time.Sleep(time.Second) // the members' device states settle
	return rep, err
}

// queueMember adds or removes a member through the dialplan of
// extensions_bench.conf ([bench-queue-members]): a Local channel runs
// QueueAddMember or QueueRemoveMember and hangs up.
func (t *appQueueTarget) queueMember(ctx context.Context, op, queue, ep string) error {
	_, err := t.client.Originate(ctx, ari.OriginateRequest{Endpoint: "Local/" + op + "@bench-queue-members",
		Extension: "done", Context: "bench-queue-members", Priority: 1, Timeout: 5,
		Variables: map[string]string{"BENCH_QUEUE": queue, "BENCH_MEMBER": "PJSIP/" + ep}})
	return err
}

// each runs f for every agent, -login-conc at a time.
func (t *appQueueTarget) each(ctx context.Context, f func(queue, ep string) error) error {
	type job struct{ queue, ep string }
	jobs := make(chan job)
	var (
		mu       sync.Mutex
		firstErr error
		wg       sync.WaitGroup
	)
	for range max(t.o.loginConc, 1) {
		wg.Go(func() {
			for j := range jobs {
				if err := f(j.queue, j.ep); err != nil {
					mu.Lock()
					firstErr = errors.Join(firstErr, err)
					mu.Unlock()
				}
			}
		})
	}
	for ti := range t.o.tenants {
		for ai := range t.o.agents {
			q, ep := t.member(ti, ai)
			jobs <- job{q, ep}
		}
	}
	close(jobs)
	wg.Wait()
	return firstErr
}

func (t *appQueueTarget) down() {
	if t.client == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	t.each(ctx, func(queue, ep string) error {
		t.queueMember(ctx, "remove", queue, ep)
		t.client.DeleteConfig(ctx, "res_pjsip", "endpoint", ep)
		t.client.DeleteConfig(ctx, "res_pjsip", "aor", ep)
		return nil
	})
}

func (t *appQueueTarget) appCPU() (time.Duration, bool) { return 0, false }

func (t *appQueueTarget) take() (starts, offers map[string]time.Time, ups, downs int) {
	return nil, nil, 0, 0
}

func (t *appQueueTarget) problems() map[string]int { return nil }
