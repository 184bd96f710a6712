package http

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/ccaas/ccaas"
	"github.com/ccaas/ccaas/app"
	"github.com/ccaas/ccaas/ari"
)

// The recorded calls on the reports page: admins hear every recording of
// their tenant, a supervisor those of calls an agent of their teams was on.
// The audio comes through the app from Asterisk (GET
// /admin/recordings/{id}, ranges served so a player seeks); another tenant's
// or another team's recording answers 404, like one that does not exist.

// RecordingAudio is a tenant's recording with its audio; *app.App provides it.
type RecordingAudio interface {
	RecordingAudio(ctx context.Context, tenant ccaas.TenantID, id ccaas.RecordingID) (ccaas.Recording, *ari.RecordingFile, error)
}

// recordedCalls is the reports page's list of recorded calls.
type recordedCalls struct {
	Rows    []recordedCall
	Limited bool // the list stops at its limit
	// the search: a queue, an agent, a caller number (part of it); the
	// choices offered; the period's fields, kept in the search form
	Queue, Agent, Caller string
	Queues               []string
	Agents               []choiceOf
	Period               [][2]string
	Problem              string // a search value that is refused
	Filtered             bool
}

// choiceOf is an option of a select.
type choiceOf struct{ Value, Label string }

// maxCallerSearch bounds the caller number searched for.
const maxCallerSearch = 32

// recordedCall is one row of it.
type recordedCall struct {
	ID      ccaas.RecordingID
	When    string
	Queue   string
	Caller  string
	Agents  string
	Length  string
	Pauses  []string
	Failed  bool
	Caption string // names the player
}

// sees says whether the admin page's user may hear the recording of call r:
// an admin every one, a supervisor one with an agent of their teams on it.
func (a *admin) sees(s adminSession, cfg ccaas.TenantConfig) func(r ccaas.CallRecord) bool {
	if s.Role == ccaas.RoleAdmin {
		return func(ccaas.CallRecord) bool { return true }
	}
	var me ccaas.Agent
	all := map[ccaas.AgentID]ccaas.Agent{}
	for _, ag := range append(append([]ccaas.Agent{}, cfg.Agents...), cfg.Deleted...) {
		all[ag.ID] = ag
		if ag.ID == s.Agent {
			me = ag
		}
	}
	return func(r ccaas.CallRecord) bool {
		for _, ag := range r.Agents {
			if other, ok := all[ag.Agent]; ok && me.Supervises(other) {
				return true
			}
		}
		return false
	}
}

func (a *admin) recordedCalls(c *gin.Context, q reportQuery) (*recordedCalls, bool) {
	if a.recordings == nil {
		return nil, true
	}
	cfg, ok := a.tenantConfig(c)
	if !ok {
		return nil, false
	}
	s := adminOf(c)
	rows, err := a.store.CallRecordings(c.Request.Context(), s.Tenant, q.period.From, q.period.To)
	if err != nil {
		a.failed(c, err)
		return nil, false
	}
	names := map[ccaas.AgentID]string{}
	for _, ag := range cfg.Agents {
		names[ag.ID] = ag.Name
	}
	for _, ag := range cfg.Deleted {
		names[ag.ID] = ag.Name + " (deleted)"
	}
	may := a.sees(s, cfg)
	out := &recordedCalls{Limited: len(rows) >= maxListedRecordings}
	for _, k := range []string{"from", "to", "by", "tz"} {
		out.Period = append(out.Period, [2]string{k, q.form.Get(k)})
	}
	for _, qu := range cfg.Queues {
		out.Queues = append(out.Queues, qu.Name)
	}
	for _, ag := range cfg.Agents {
		if s.Role == ccaas.RoleAdmin || s.Agent == ag.ID || may(ccaas.CallRecord{Agents: []ccaas.CallAgent{{Agent: ag.ID}}}) {
			out.Agents = append(out.Agents, choiceOf{Value: ag.Username, Label: ag.Name})
		}
	}
	v := c.Request.URL.Query()
	out.Queue, out.Agent, out.Caller = strings.TrimSpace(v.Get("rec_queue")), strings.TrimSpace(v.Get("rec_agent")), strings.TrimSpace(v.Get("rec_caller"))
	out.Filtered = out.Queue != "" || out.Agent != "" || out.Caller != ""
	var agentID ccaas.AgentID
	switch {
	case len(out.Caller) > maxCallerSearch || strings.ContainsFunc(out.Caller, func(r rune) bool { return r < ' ' }):
		out.Problem = fmt.Sprintf("Search a caller number of at most %d characters.", maxCallerSearch)
	case out.Agent != "":
		for _, ag := range cfg.Agents {
			if ag.Username == out.Agent {
				agentID = ag.ID
			}
		}
		if agentID == 0 {
			out.Problem = "There is no such agent: choose one from the list."
		}
	}
	if out.Problem != "" {
		return out, true
	}
	for _, row := range rows {
		r := row.Call
		if !may(r) || out.Queue != "" && r.QueueName != out.Queue || out.Caller != "" && !strings.Contains(r.Number, out.Caller) {
			continue
		}
		if agentID != 0 && !slices.ContainsFunc(r.Agents, func(a ccaas.CallAgent) bool { return a.Agent == agentID && !a.Joined.IsZero() }) {
			continue
		}
		var agents []string
		for _, ag := range r.Agents {
			if ag.Joined.IsZero() {
				continue
			}
			agents = append(agents, names[ag.Agent])
		}
		rc := recordedCall{ID: r.Recording, When: r.Arrived.In(q.period.Loc).Format("2006-01-02 15:04:05"), Queue: r.QueueName, Caller: r.Number,
			Agents: strings.Join(agents, ", "), Length: clockText(time.Duration(r.RecordingSeconds) * time.Second), Failed: r.RecordingFailed}
		if rc.Queue == "" {
			rc.Queue = "—"
		}
		for _, p := range r.RecordingPauses {
			until := "the end of the call"
			gap := r.Ended.Sub(p.Paused)
			if !p.Resumed.IsZero() {
				until, gap = p.Resumed.In(q.period.Loc).Format("15:04:05"), p.Resumed.Sub(p.Paused)
			}
			rc.Pauses = append(rc.Pauses, fmt.Sprintf("%s paused it at %s for %s (until %s)", names[p.Agent], p.Paused.In(q.period.Loc).Format("15:04:05"),
				clockText(gap), until))
		}
		rc.Caption = "Recording of the call from " + r.Number + " at " + rc.When
		out.Rows = append(out.Rows, rc)
	}
	return out, true
}

// maxListedRecordings is sqlite.MaxCallRecordings: the list says when it
// stops there.
const maxListedRecordings = 500

// recordingAudio serves a recording's audio to an admin, or to a supervisor
// of an agent on its call; anything else is 404.
func (a *admin) recordingAudio(c *gin.Context) {
	if a.recordings == nil {
		a.notFound(c)
		return
	}
	s := adminOf(c)
	ctx := c.Request.Context()
	id := ccaas.RecordingID(c.Param("id"))
	rec, err := a.store.Recording(ctx, s.Tenant, id)
	if err == nil && s.Role != ccaas.RoleAdmin {
		var call ccaas.CallRecord
		if rec.Kind != ccaas.RecordingCall {
			err = ccaas.ErrNotFound
		} else if call, err = a.store.CallRecord(ctx, s.Tenant, rec.Call); err == nil {
			cfg, ok := a.tenantConfig(c)
			if !ok {
				return
			}
			if !a.sees(s, cfg)(call) {
				err = ccaas.ErrNotFound
			}
		}
	}
	if errors.Is(err, ccaas.ErrNotFound) {
		a.notFound(c)
		return
	}
	if err != nil {
		a.failed(c, err)
		return
	}
	rec, f, err := a.recordings.RecordingAudio(ctx, s.Tenant, id)
	if errors.Is(err, app.ErrNoSuchRecording) {
		a.notFound(c)
		return
	}
	if err != nil {
		a.failed(c, err)
		return
	}
	disposition := "inline"
	if c.Query("download") == "1" {
		disposition = "attachment"
	}
	a.audit(c, "recording_played", "recording", string(rec.ID), "call", string(rec.Call))
	c.Abort()
	serveRecording(c, rec, f, disposition)
}
