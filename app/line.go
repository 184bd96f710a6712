package app

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/ccaas/ccaas"
	"github.com/ccaas/ccaas/ari"
	"github.com/ccaas/ccaas/cti"
	"github.com/ccaas/ccaas/event"
)

// startLine provisions the agent's endpoint for this login through ARI push
// configuration and originates the line.
func (t *tenant) startLine(ag *agent) {
	ag.line = line{
		state:    lineConnecting,
		endpoint: newID(kindEndpoint, t.cfg.Tenant.ID),
		password: randomHex(16),
		token:    randomHex(16),
	}
	t.provisionLine(ag)
}

// provisionLine pushes the login's endpoint (auth, aor, endpoint) and
// brings the line up. It is also how a line comes back after Asterisk forgot
// it all (a restart): same account, same ids.
func (t *tenant) provisionLine(ag *agent) {
	l := &ag.line
	l.gen++
	l.state, l.registered, l.pushed = lineConnecting, false, false // a new endpoint needs a new registration
	l.provisioned = t.now()
	endpoint, password := l.endpoint, l.password
	fields := append([]ari.ConfigTuple{
		{Attribute: "auth", Value: endpoint},
		{Attribute: "aors", Value: endpoint},
		{Attribute: "callerid", Value: fmt.Sprintf("%q <%s>", ag.cfg.Name, ag.cfg.Extension)},
	}, t.app.cfg.LineFields...)
	gen := l.gen
	t.lineChanged(ag)
	// The three objects at once: an endpoint may name its auth and aor
	// before they exist (they are looked up by name when used).
	t.lineExec(ag, "provision line", func(ctx context.Context) error {
		a := t.app.ari
		return together(ctx,
			func(ctx context.Context) error {
				_, err := a.PutConfig(ctx, "res_pjsip", "auth", endpoint, []ari.ConfigTuple{
					{Attribute: "auth_type", Value: "userpass"},
					{Attribute: "username", Value: endpoint},
					{Attribute: "password", Value: password},
				})
				return err
			},
			func(ctx context.Context) error {
				_, err := a.PutConfig(ctx, "res_pjsip", "aor", endpoint, t.app.cfg.LineAOR)
				return err
			},
			func(ctx context.Context) error {
				_, err := a.PutConfig(ctx, "res_pjsip", "endpoint", endpoint, fields)
				return err
			})
	}, func(err error) {
		if !t.lineStepDone(ag, gen, err) {
			return
		}
		ag.line.pushed = true
		if t.app.cfg.WaitForPhone {
			t.awaitPhone(ag)
			return
		}
		t.originateLine(ag)
	})
}

// lineStepDone reports whether a line step's result is still for the
// agent's current line and succeeded; a failure takes the line down (to be
// retried).
func (t *tenant) lineStepDone(ag *agent, gen uint64, err error) bool {
	if ag.line.gen != gen || ag.session == nil {
		return false // logged out, or a newer attempt is under way
	}
	if err != nil {
		t.lineDown(ag)
		return false
	}
	return true
}

// awaitPhone waits for the agent's browser phone to register before the line
// is originated (an originate to an unregistered endpoint fails at once). The
// endpoint subscription brings ContactStatusChange; the phone may already
// have registered before it, so the endpoint's state is read once too.
func (t *tenant) awaitPhone(ag *agent) {
	l := &ag.line
	l.state = lineRegistering
	t.lineChanged(ag)
	endpoint, gen := l.endpoint, l.gen
	var online bool
	t.lineExec(ag, "watch phone", func(ctx context.Context) error {
		if _, err := t.app.ari.Subscribe(ctx, "endpoint:PJSIP/"+endpoint); err != nil {
			return err
		}
		ep, err := t.app.ari.GetEndpoint(ctx, "PJSIP", endpoint)
		if err != nil {
			return err
		}
		online = ep.State == "online"
		return nil
	}, func(err error) {
		if !t.lineStepDone(ag, gen, err) {
			return
		}
		if online {
			t.phoneStatus(ag, ari.ContactReachable)
		}
	})
}

// phoneStatus follows the agent's browser phone: registered, it gets its
// line; gone (tab crashed, network lost), its line is hung up by us, since
// Asterisk keeps a WebRTC call up after its phone vanished.
func (t *tenant) phoneStatus(ag *agent, status string) {
	l := &ag.line
	switch status {
	case ari.ContactReachable, ari.ContactNonQualified, ari.ContactUnknown:
		l.registered = true
		if l.state == lineRegistering && ag.session != nil {
			t.originateLine(ag)
		}
	case ari.ContactRemoved, ari.ContactUnreachable:
		l.registered = false
		if ch := l.channel; ch != "" && l.state != lineDown {
			t.log.Warn("agent's phone went away; hanging up its line", "agent", ag.cfg.Username)
			t.exec(&l.ops, "hang up orphaned line", func(ctx context.Context) error {
				return ignoreGone(t.app.ari.Hangup(ctx, ch, ""))
			}, nil) // its StasisEnd brings lineLost
		}
	}
}

func (t *tenant) originateLine(ag *agent) {
	l := &ag.line
	l.gen++
	l.state = lineConnecting
	l.channel = newID(kindLine, t.cfg.Tenant.ID)
	l.originated = t.now()
	t.lines[l.channel] = ag
	ch, endpoint, gen, token := l.channel, l.endpoint, l.gen, l.token
	t.lineExec(ag, "originate line", func(ctx context.Context) error {
		_, err := t.app.ari.Originate(ctx, ari.OriginateRequest{
			Endpoint:  "PJSIP/" + endpoint,
			App:       t.app.cfg.Application,
			AppArgs:   "line",
			ChannelID: ch,
			CallerID:  "Contact center <line>",
			Timeout:   30,
			// the browser phone auto-answers only a call that carries this
			// login's token: the app's line, nothing else
			Variables: map[string]string{"PJSIP_HEADER(add," + cti.LineHeader + ")": token},
		})
		return err
	}, func(err error) {
		if err != nil && ag.line.gen == gen {
			delete(t.lines, ch)
			if ag.line.failures%3 == 2 {
				// the third failure in a row: perhaps the account is gone
				// (removed behind our back); the next attempt pushes it again
				ag.line.pushed = false
			}
			t.lineDown(ag)
		}
	})
}

// lineAnswered: the agent's phone answered the line. It waits in Stasis, in
// no bridge (the agent hears nothing), until a call's bridge takes it.
func (t *tenant) lineAnswered(ag *agent, ch string) {
	l := &ag.line
	if ch != l.channel || ag.session == nil {
		t.exec(&serial{}, "hang up stale line", func(ctx context.Context) error { return t.app.ari.Hangup(ctx, ch, "") }, nil)
		return
	}
	l.state, l.failures = lineUp, 0
	t.lineChanged(ag)
	t.syncRouting(ag)
}

// lineLost: the line channel ended. A call the agent had goes back to its
// queue; while the agent is logged in the line is originated again.
func (t *tenant) lineLost(ag *agent, ch string) {
	if ch != ag.line.channel {
		return
	}
	if c := ag.call; c != nil {
		t.log.Warn("agent line lost during a call", "agent", ag.cfg.Username, "call", c.id)
		t.agentLost(c, ag.leg, ccaas.EndFailed)
	}
	t.stopWatch(ag, "line_lost")
	if ag.session == nil {
		return
	}
	t.lineDown(ag)
}

// strayLine: the agent's line could not be taken out of a call, so it may still be
// in a call the agent left (hearing it). It is hung up and comes back clean,
// as after a lost line.
func (t *tenant) strayLine(ag *agent, ch string) {
	t.log.Warn("agent line could not leave its call; hanging it up", "agent", ag.cfg.Username)
	delete(t.lines, ch)
	t.lineLost(ag, ch)
	t.exec(&ag.line.ops, "hang up stray line", func(ctx context.Context) error {
		return ignoreGone(t.app.ari.Hangup(ctx, ch, ""))
	}, nil)
}

func (t *tenant) lineDown(ag *agent) {
	l := &ag.line
	l.state = lineDown
	l.gen++
	t.syncRouting(ag)
	t.lineChanged(ag)
	gen, id := l.gen, ag.cfg.ID
	// back off while the line keeps failing (e.g. a phone whose microphone is
	// blocked declines every line call): LineRetry, doubling, at most a
	// minute, give or take a quarter, so that lines lost together do not
	// come back together
	wait := min(t.app.cfg.LineRetry<<min(l.failures, 5), maxLineRetry)
	wait += time.Duration(rand.Int64N(int64(wait)/2+1)) - wait/4
	l.failures++
	time.AfterFunc(wait, func() { t.inbox.post(msgLineRetry{agent: id, gen: gen}) })
}

// retryLineIn tries the agent's line again after wait (its turn under
// Config.LineRetryRate); the line stays down meanwhile.
func (t *tenant) retryLineIn(ag *agent, wait time.Duration) {
	id, gen := ag.cfg.ID, ag.line.gen
	time.AfterFunc(wait, func() { t.inbox.post(msgLineRetry{agent: id, gen: gen, turn: true}) })
}

// maxLineRetry bounds the wait between attempts to bring a line back.
const maxLineRetry = time.Minute

// stopLine hangs up the line and removes what the login provisioned.
func (t *tenant) stopLine(ag *agent) {
	l := &ag.line
	if l.endpoint == "" {
		return
	}
	l.gen++
	ch, endpoint := l.channel, l.endpoint
	delete(t.lines, ch)
	l.state, l.channel, l.endpoint = lineDown, "", ""
	t.lineExec(ag, "tear down line", func(ctx context.Context) error {
		a := t.app.ari
		var errs []error
		if ch != "" {
			if err := ignoreGone(a.Hangup(ctx, ch, "")); err != nil {
				errs = append(errs, err)
			}
		}
		for _, typ := range []string{"endpoint", "aor", "auth"} {
			if err := ignoreGone(a.DeleteConfig(ctx, "res_pjsip", typ, endpoint)); err != nil {
				errs = append(errs, err)
			}
		}
		return errors.Join(errs...)
	}, nil)
}

// lineChanged tells the agent's screen, and the events, the line's state.
func (t *tenant) lineChanged(ag *agent) {
	state := ag.line.state.String()
	t.emit(event.LineChanged{At: t.now(), Agent: ag.cfg.ID, State: state})
	t.send(ag, cti.Message{Type: cti.MsgLine, Line: &cti.LineView{State: state}})
}
