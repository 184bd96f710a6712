package app

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/ccaas/ccaas"
	"github.com/ccaas/ccaas/ari"
)

// Recordings are audio the contact center keeps in Asterisk: callers'
// voicemails, and calls' recordings. Their records are the store's (whose
// they are, how long, when made); the files are Asterisk's stored
// recordings, named by the recording's id. The browser gets a file through
// the app (RecordingFile), checked against the session's tenant and the
// agent's right to hear it, and every recording is deleted, in Asterisk and
// in the store, once it is older than its tenant's retention (the sweep).

// ErrNoSuchRecording: the recording does not exist for this session: not
// this tenant's, not one the agent may hear, or gone.
var ErrNoSuchRecording = errors.New("no such recording")

// RecordingFormat is the format the app records in: WAV plays in every
// browser, and Asterisk writes it from any codec.
const RecordingFormat = "wav"

// maxRecordingID bounds an id from a URL before the store is asked.
const maxRecordingID = 64

// RecordingFile returns one of the session's tenant's recordings with its
// audio, fetched from Asterisk, if the session's user may hear it:
// supervisors and admins every recording of their tenant, an agent the one
// of the task they are handling (a voicemail). Anything else, another
// tenant's recording above all, is ErrNoSuchRecording.
func (a *App) RecordingFile(ctx context.Context, s *Session, id ccaas.RecordingID) (ccaas.Recording, *ari.RecordingFile, error) {
	return a.recordingWithAudio(ctx, s.Tenant, id, func(rec ccaas.Recording) error {
		t := a.tenant(s.Tenant)
		if t == nil {
			return ErrNoSession
		}
		var may bool
		if err := t.ask(ctx, func(done chan error) any { return msgMayHear{s: s, rec: rec, out: &may, done: done} }); err != nil {
			return err
		}
		if !may {
			return ErrNoSuchRecording
		}
		return nil
	})
}

// recordingWithAudio is the one path from a recording's id to its record
// and audio, for the agents' page (RecordingFile) and the admin pages
// (RecordingAudio): the store's record, then allowed (nil allows anyone)
// before Asterisk is asked for the file. Unknown ids and missing files are
// ErrNoSuchRecording.
func (a *App) recordingWithAudio(ctx context.Context, tenant ccaas.TenantID, id ccaas.RecordingID, allowed func(ccaas.Recording) error) (ccaas.Recording, *ari.RecordingFile, error) {
	if id == "" || len(id) > maxRecordingID {
		return ccaas.Recording{}, nil, ErrNoSuchRecording
	}
	rec, err := a.store.Recording(ctx, tenant, id)
	if errors.Is(err, ccaas.ErrNotFound) {
		return rec, nil, ErrNoSuchRecording
	}
	if err != nil {
		return rec, nil, fmt.Errorf("recording %s: %w", id, err)
	}
	if allowed != nil {
		if err := allowed(rec); err != nil {
			return rec, nil, err
		}
	}
	ctx, cancel := context.WithTimeout(ctx, a.cfg.RequestTimeout)
	defer cancel()
	f, err := a.ari.StoredRecordingFile(ctx, string(id))
	if errors.Is(err, ari.ErrNotFound) {
		return rec, nil, ErrNoSuchRecording
	}
	if err != nil {
		return rec, nil, fmt.Errorf("recording %s: %w", id, err)
	}
	return rec, f, nil
}

// recordingURL is where the pages fetch a recording's audio (the HTTP
// layer serves it through RecordingFile).
func recordingURL(id ccaas.RecordingID) string { return "/api/recordings/" + string(id) }

type msgMayHear struct {
	s    *Session
	rec  ccaas.Recording
	out  *bool
	done chan error
}

func (t *tenant) onMayHear(m msgMayHear) {
	ag := t.agentOf(m.s)
	if ag == nil {
		t.reply(m.done, ErrNoSession)
		return
	}
	*m.out = t.mayHear(ag, m.rec)
	t.reply(m.done, nil)
}

// mayHear: supervisors and admins hear every recording of their tenant, an
// agent the recording of the task they are offered or handling.
func (t *tenant) mayHear(ag *agent, rec ccaas.Recording) bool {
	if rec.Tenant != t.cfg.Tenant.ID {
		return false
	}
	if ag.cfg.Role == ccaas.RoleSupervisor || ag.cfg.Role == ccaas.RoleAdmin {
		return true
	}
	return ag.call != nil && slices.Contains(ag.call.recordings, rec.ID)
}

// The retention sweep.

// Defaults of the sweep: how often it runs, and how many recordings it
// deletes at most per store query.
const (
	DefaultRecordingSweep = time.Hour
	sweepBatch            = 200
)

// sweepRecordings deletes expired recordings now and then every
// Config.RecordingSweep, until ctx ends.
func (a *App) sweepRecordings(ctx context.Context) {
	for {
		a.SweepRecordings(ctx)
		timer := time.NewTimer(a.cfg.RecordingSweep)
		select {
		case <-timer.C:
		case <-ctx.Done():
			timer.Stop()
			return
		}
	}
}

// SweepRecordings deletes the recordings older than their tenant's
// retention: the file in Asterisk first (one already gone is fine), then
// the record; a file Asterisk could not delete keeps its record, so the next
// sweep tries again. It returns how many it deleted.
func (a *App) SweepRecordings(ctx context.Context) int {
	deleted := 0
	for {
		expired, err := a.store.ExpiredRecordings(ctx, a.now(), sweepBatch)
		if err != nil {
			a.log.Error("recordings: cannot list the expired ones", "err", err)
			return deleted
		}
		gone := make(map[ccaas.TenantID][]ccaas.RecordingID)
		kept := 0
		for _, r := range expired {
			opCtx, cancel := a.opContext()
			err := ignoreGone(a.ari.DeleteStoredRecording(opCtx, string(r.ID)))
			cancel()
			if err != nil {
				a.log.Warn("recordings: Asterisk did not delete an expired recording; trying again later", "recording", r.ID, "err", err)
				kept++
				continue
			}
			gone[r.Tenant] = append(gone[r.Tenant], r.ID)
		}
		for tenant, ids := range gone {
			if err := a.store.DeleteRecordings(ctx, tenant, ids); err != nil {
				a.log.Error("recordings: deleted in Asterisk but their records stay", "tenant", tenant, "recordings", len(ids), "err", err)
				return deleted
			}
			deleted += len(ids)
			a.log.Info("recordings deleted after the tenant's retention", "tenant", tenant, "recordings", len(ids))
			if t := a.tenant(tenant); t != nil {
				t.inbox.post(msgRecordingsDeleted{ids: ids})
			}
		}
		if len(expired) < sweepBatch || kept == len(expired) {
			return deleted
		}
	}
}

// msgRecordingsDeleted: the sweep deleted these recordings of the tenant.
type msgRecordingsDeleted struct{ ids []ccaas.RecordingID }

// recordingsDeleted: the sweep deleted these recordings; nobody is offered
// them any more.
func (t *tenant) recordingsDeleted(ids []ccaas.RecordingID) {
	t.voicemailsDeleted(ids)
	for _, c := range t.calls {
		c.recordings = slices.DeleteFunc(c.recordings, func(id ccaas.RecordingID) bool { return slices.Contains(ids, id) })
	}
}
