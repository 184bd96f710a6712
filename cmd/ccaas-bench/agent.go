package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/gorilla/websocket"

	cchttp "github.com/ccaas/ccaas/http"
)

// ctiMsg is the part of a CTI message (docs/cti-protocol.md) the simulated
// browser reads.
type ctiMsg struct {
	Type  string `json:"type"`
	Seq   uint64 `json:"seq"`
	State *struct {
		State  string    `json:"state"`
		Reason string    `json:"reason"`
		Since  time.Time `json:"since"`
	} `json:"state"`
	Line *struct {
		State string `json:"state"`
	} `json:"line"`
	Call *struct {
		ID     string `json:"id"`
		State  string `json:"state"`
		Caller struct {
			Number string `json:"number"`
		} `json:"caller"`
		EndReason string `json:"endReason"`
	} `json:"call"`
	Team *struct {
		Agents []teamRow `json:"agents"`
	} `json:"team"`
	ID     string `json:"id"`
	OK     *bool  `json:"ok"`
	Error  *struct{ Code, Message string }
	Reason string `json:"reason"`
}

// agentClient is one agent's browser: logged in over HTTP, its CTI socket
// open. Its reader goroutine owns its state; timers only send commands.
type agentClient struct {
	b      *bench
	tenant int
	user   string
	conn   *websocket.Conn
	wmu    sync.Mutex // one writer at a time
	// work: go Ready whenever the line is up and the agent is Not Ready,
	// and take calls (the load modes); otherwise only follow (ws mode).
	work bool
	// supervisor: times the team view (probe.go)
	supervisor bool
	seen       map[int64]teamRow // the last row of each agent of the team

	// owned by the reader goroutine
	seq    uint64
	state  string
	lineUp bool
	calls  map[string]*callRec // call id → the customer's call
	// hanging are the calls whose hang-up is planned: a call is connected
	// once, however many call messages say so (a recording starting, a pause)
	hanging map[string]bool
	closed  chan struct{}

	// a probe waiting for a message (see expect)
	pmu    sync.Mutex
	match  func(ctiMsg) bool
	sentAt time.Time
	got    chan time.Duration
}

// login logs the agent in over HTTP and opens its CTI socket.
func (b *bench) login(ctx context.Context, tenant int, user string, work, supervisor bool) (*agentClient, error) {
	t := b.tenants[tenant]
	body, _ := json.Marshal(map[string]string{"username": user, "password": benchPassword, "domain": t.domain})
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, b.web+"/api/login", bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := b.http.Do(req)
	if err != nil {
		return nil, fmt.Errorf("login %s@%s: %w", user, t.domain, err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("login %s@%s: %s", user, t.domain, resp.Status)
	}
	var cookie string
	for _, c := range resp.Cookies() {
		if c.Name == cchttp.SessionCookie {
			cookie = c.Name + "=" + c.Value
		}
	}
	if cookie == "" {
		return nil, fmt.Errorf("login %s@%s: no session cookie", user, t.domain)
	}
	hdr := http.Header{"Cookie": {cookie}, "Origin": {b.web}}
	d := websocket.Dialer{HandshakeTimeout: 30 * time.Second, ReadBufferSize: 4096, WriteBufferSize: 1024}
	conn, _, err := d.DialContext(ctx, "ws"+strings.TrimPrefix(b.web, "http")+"/api/cti", hdr)
	if err != nil {
		return nil, fmt.Errorf("CTI socket of %s@%s: %w", user, t.domain, err)
	}
	a := &agentClient{b: b, tenant: tenant, user: user, conn: conn, work: work, calls: make(map[string]*callRec), hanging: make(map[string]bool), closed: make(chan struct{}),
		supervisor: supervisor, seen: make(map[int64]teamRow)}
	go a.read()
	return a, nil
}

func (a *agentClient) close() {
	a.conn.Close()
	<-a.closed
}

// send writes one command.
func (a *agentClient) send(cmd map[string]string) {
	b, _ := json.Marshal(cmd)
	a.wmu.Lock()
	defer a.wmu.Unlock()
	a.conn.SetWriteDeadline(time.Now().Add(10 * time.Second))
	if err := a.conn.WriteMessage(websocket.TextMessage, b); err != nil && !errors.Is(err, websocket.ErrCloseSent) {
		a.b.problems.add("CTI write failed")
	}
}

// expect arms a probe: the time from now to the next message that matches
// is sent to the returned channel.
func (a *agentClient) expect(match func(ctiMsg) bool) <-chan time.Duration {
	a.pmu.Lock()
	defer a.pmu.Unlock()
	a.match, a.sentAt, a.got = match, time.Now(), make(chan time.Duration, 1)
	return a.got
}

// isState matches a state message with state s.
func isState(s string) func(ctiMsg) bool {
	return func(m ctiMsg) bool { return m.Type == "state" && m.State != nil && m.State.State == s }
}

func (a *agentClient) read() {
	defer close(a.closed)
	defer a.setState("") // no longer Ready
	for {
		_, data, err := a.conn.ReadMessage()
		if err != nil {
			return
		}
		now := time.Now()
		var m ctiMsg
		if err := json.Unmarshal(data, &m); err != nil {
			a.b.problems.add("CTI message does not parse")
			continue
		}
		if m.Seq != a.seq+1 {
			a.b.problems.add("CTI seq gap")
		}
		a.seq = m.Seq
		a.handle(m, now)
	}
}

func (a *agentClient) handle(m ctiMsg, now time.Time) {
	b := a.b
	a.pmu.Lock()
	if a.got != nil && a.match(m) {
		a.got <- now.Sub(a.sentAt)
		a.got = nil
	}
	a.pmu.Unlock()
	if m.State != nil {
		a.setState(m.State.State)
		if m.Type == "state" {
			b.stateLat.add(&b.stateLat.agent, now, now.Sub(m.State.Since))
		}
	}
	if m.Line != nil {
		up := m.Line.State == "up"
		if rb := b.real; rb != nil && up != a.lineUp {
			rb.lineChanged(up, now)
		}
		a.lineUp = up
	}
	if m.Type == "snapshot" && a.supervisor && m.Team != nil {
		for _, r := range m.Team.Agents {
			a.seen[r.ID] = r // what the supervisor starts from is no change
		}
	}
	switch m.Type {
	case "snapshot", "line", "state":
		if a.work && a.lineUp && a.state == "not_ready" {
			if m.State != nil && m.State.Reason == "missed_call" && m.Type == "state" {
				b.problems.add("offer rang out (missed_call)")
			}
			a.send(map[string]string{"cmd": "ready"})
		}
	case "offer":
		if rb := b.real; rb != nil {
			// against a real Asterisk the agent answers at once; the
			// customer (SIPp) hangs up
			rb.offered(m.Call.Caller.Number, now)
			if a.work {
				rb.answered(m.Call.Caller.Number, time.Now())
				a.send(map[string]string{"cmd": "answer", "call": m.Call.ID})
			}
			return
		}
		r := b.book.byNumber(m.Call.Caller.Number)
		if r == nil {
			b.problems.add("offer of an unknown call")
			return
		}
		a.calls[m.Call.ID] = r
		b.book.update(r, func(r *callRec) { r.offered = now })
		if a.work {
			id := m.Call.ID
			time.AfterFunc(jitter(b.opts.think), func() {
				b.book.update(r, func(r *callRec) { r.answerSent = time.Now() })
				a.send(map[string]string{"cmd": "answer", "call": id})
			})
		}
	case "call":
		r := a.calls[m.Call.ID]
		switch m.Call.State {
		case "connected":
			if a.work && b.real == nil && !a.hanging[m.Call.ID] {
				a.hanging[m.Call.ID] = true
				id := m.Call.ID
				time.AfterFunc(jitter(b.opts.talk), func() { a.send(map[string]string{"cmd": "hangup", "call": id}) })
			}
		case "ended":
			delete(a.calls, m.Call.ID)
			delete(a.hanging, m.Call.ID)
			if r != nil {
				b.book.end(r, m.Call.EndReason, now)
				if m.Call.EndReason != "agent_hangup" {
					b.problems.add("call ended: " + m.Call.EndReason)
				}
			}
			if b.real != nil && m.Call.EndReason != "caller_hangup" {
				b.problems.add("call ended: " + m.Call.EndReason)
			}
		}
	case "team":
		if a.supervisor && m.Team != nil {
			a.teamChanged(m.Team.Agents, now)
		}

	case "reply":
		if m.OK != nil && !*m.OK && m.Error != nil {
			b.problems.add("command refused: " + m.Error.Code)
		}
	case "bye":
		if m.Reason != "closed" {
			b.problems.add("bye: " + m.Reason)
		}
	}
}

// setState follows the agent's state and the tenant's count of Ready agents.
func (a *agentClient) setState(s string) {
	if (a.state == "ready") != (s == "ready") {
		if s == "ready" {
			a.b.ready[a.tenant].Add(1)
		} else {
			a.b.ready[a.tenant].Add(-1)
		}
	}
	a.state = s
}

// jitter is d ± 50%, uniformly.
func jitter(d time.Duration) time.Duration {
	if d <= 0 {
		return 0
	}
	return d/2 + rand.N(d)
}

// loginAll logs every seeded agent in, conc at a time, and waits until
// the working ones are Ready.
func (b *bench) loginAll(ctx context.Context, work bool, conc int) error {
	type job struct {
		tenant int
		user   string
	}
	jobs := make(chan job)
	var (
		mu       sync.Mutex
		firstErr error
		wg       sync.WaitGroup
	)
	for range conc {
		wg.Go(func() {
			for j := range jobs {
				a, err := b.login(ctx, j.tenant, j.user, work, false)
				mu.Lock()
				if err != nil && firstErr == nil {
					firstErr = err
				}
				if err == nil {
					b.agents = append(b.agents, a)
				}
				mu.Unlock()
			}
		})
	}
	began := time.Now()
	n := 0
	for _, t := range b.tenants {
		for _, ag := range t.agents {
			if r := b.opts.loginRate; r > 0 {
				// logins spread evenly, as a shift's agents arrive
				if wait := time.Until(began.Add(time.Duration(float64(n) / r * float64(time.Second)))); wait > 0 {
					time.Sleep(wait)
				}
			}
			jobs <- job{t.index, ag.username}
			n++
		}
	}
	close(jobs)
	wg.Wait()
	b.lastLogin = time.Now()
	if firstErr != nil {
		return firstErr
	}
	if !work {
		return nil
	}
	deadline := time.Now().Add(max(b.opts.readyWait, 60*time.Second))
	for b.readyAgents() < len(b.agents) {
		if time.Now().After(deadline) {
			return fmt.Errorf("only %d of %d agents became Ready", b.readyAgents(), len(b.agents))
		}
		time.Sleep(20 * time.Millisecond)
	}
	return nil
}

func (b *bench) readyAgents() int {
	n := 0
	for i := range b.ready {
		n += int(b.ready[i].Load())
	}
	return n
}

// logoutAll closes every agent's and supervisor's socket (a closed tab ends
// the session).
func (b *bench) logoutAll() {
	for _, a := range append(b.agents, b.sups...) {
		a.close()
	}
	b.agents, b.sups = nil, nil
}

// loggedIn counts the sessions: each has a line.
func (b *bench) loggedIn() int { return len(b.agents) + len(b.sups) }
