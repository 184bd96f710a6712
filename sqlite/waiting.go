package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/ccaas/ccaas"
)

// A queue's waiting rules (ccaas.WaitingRules): columns, placeholders and
// values in one order.
const (
	waitingColumns = `hours, hours_exceptions, closed_action, closed_target, announce_estimate, callback_after_seconds,
	 callback_above_seconds, callback_attempts, callback_retry_seconds, voicemail_key, voicemail_max_seconds`
	waitingPlaceholders = `?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?`
	waitingSet          = `hours = ?, hours_exceptions = ?, closed_action = ?, closed_target = ?, announce_estimate = ?, callback_after_seconds = ?,
	 callback_above_seconds = ?, callback_attempts = ?, callback_retry_seconds = ?, voicemail_key = ?, voicemail_max_seconds = ?`
)

func waitingValues(w ccaas.WaitingRules) []any {
	return []any{w.Hours, w.HoursExceptions, w.ClosedAction, w.ClosedTarget, w.AnnounceEstimate, w.CallbackAfterSeconds,
		w.CallbackAboveSeconds, w.CallbackAttempts, w.CallbackRetrySeconds, w.VoicemailKey, w.VoicemailMaxSeconds}
}

// waitingDefaults fills what a queue created or saved without them needs.
func waitingDefaults(w ccaas.WaitingRules) ccaas.WaitingRules {
	if w.ClosedAction == "" {
		w.ClosedAction = ccaas.OverflowHangup
	}
	if w.CallbackAttempts == 0 {
		w.CallbackAttempts = ccaas.DefaultCallbackAttempts
	}
	if w.CallbackRetrySeconds == 0 {
		w.CallbackRetrySeconds = ccaas.DefaultCallbackRetrySeconds
	}
	if w.VoicemailMaxSeconds == 0 {
		w.VoicemailMaxSeconds = ccaas.DefaultVoicemailMaxSeconds
	}
	return w
}

func dataText(d []ccaas.DataItem) string {
	if d == nil {
		d = []ccaas.DataItem{}
	}
	b, _ := json.Marshal(d) // strings only: cannot fail
	return string(b)
}

func parseData(s string) []ccaas.DataItem {
	var d []ccaas.DataItem
	if json.Unmarshal([]byte(s), &d) != nil || d == nil {
		return []ccaas.DataItem{}
	}
	return d
}

// The waiting room's two lists, callbacks and voicemails, are read alike:
// a tenant's open ones oldest first (what the app holds at start), and for
// the reports those whose time (a callback's request, a voicemail's
// message) falls in a period.

func openQuery(table, columns string) string {
	return `SELECT ` + columns + ` FROM ` + table + ` WHERE tenant_id = ? AND state = ? ORDER BY arrived_at, id`
}

func periodQuery(table, columns, at string) string {
	return `SELECT ` + columns + ` FROM ` + table + `
	WHERE tenant_id = :tenant AND ` + at + ` >= :from AND ` + at + ` < :to ORDER BY ` + at + `, id`
}

// Callbacks.

type callbackRow struct {
	ID           ccaas.CallbackID `db:"id"`
	Tenant       ccaas.TenantID   `db:"tenant_id"`
	Queue        ccaas.QueueID    `db:"queue_id"`
	QueueName    string           `db:"queue_name"`
	Call         ccaas.CallID     `db:"call_id"`
	Number       string           `db:"number"`
	Name         string           `db:"name"`
	Data         string           `db:"data"`
	Arrived      string           `db:"arrived_at"`
	Requested    string           `db:"requested_at"`
	State        string           `db:"state"`
	Attempts     int              `db:"attempts"`
	NextAt       string           `db:"next_at"`
	FirstDialled string           `db:"first_dialled_at"`
	Reached      string           `db:"reached_at"`
	Ended        string           `db:"ended_at"`
	Agent        ccaas.AgentID    `db:"agent_id"`
}

const callbackColumns = `id, tenant_id, queue_id, queue_name, call_id, number, name, data, arrived_at, requested_at, state, attempts,
	next_at, first_dialled_at, reached_at, ended_at, agent_id`

func (r callbackRow) callback() ccaas.Callback {
	return ccaas.Callback{ID: r.ID, Tenant: r.Tenant, Queue: r.Queue, QueueName: r.QueueName, Call: r.Call, Number: r.Number, Name: r.Name,
		Data: parseData(r.Data), Arrived: parseTime(r.Arrived), Requested: parseTime(r.Requested), State: r.State, Attempts: r.Attempts,
		NextAt: parseTime(r.NextAt), FirstDialled: parseTime(r.FirstDialled), Reached: parseTime(r.Reached), Ended: parseTime(r.Ended), Agent: r.Agent}
}

// CreateCallback keeps a new callback; an id taken is ccaas.ErrDuplicate.
func (d *DB) CreateCallback(ctx context.Context, cb ccaas.Callback) error {
	_, err := d.db.ExecContext(ctx, `INSERT INTO callbacks (`+callbackColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		cb.ID, cb.Tenant, cb.Queue, cb.QueueName, cb.Call, cb.Number, cb.Name, dataText(cb.Data), timeText(cb.Arrived), timeText(cb.Requested),
		cb.State, cb.Attempts, timeText(cb.NextAt), timeText(cb.FirstDialled), timeText(cb.Reached), timeText(cb.Ended), cb.Agent)
	if err != nil {
		return fmt.Errorf("callback %s: %w", cb.ID, duplicate(err))
	}
	return nil
}

// UpdateCallback writes a callback's progress: its state, attempts, times
// and agent (one of another tenant is ccaas.ErrNotFound).
func (d *DB) UpdateCallback(ctx context.Context, cb ccaas.Callback) error {
	res, err := d.db.ExecContext(ctx, `UPDATE callbacks SET state = ?, attempts = ?, next_at = ?, first_dialled_at = ?, reached_at = ?, ended_at = ?, agent_id = ?
		WHERE tenant_id = ? AND id = ?`,
		cb.State, cb.Attempts, timeText(cb.NextAt), timeText(cb.FirstDialled), timeText(cb.Reached), timeText(cb.Ended), cb.Agent, cb.Tenant, cb.ID)
	return exactlyOne(res, err, "callback "+string(cb.ID))
}

// OpenCallbacks are a tenant's callbacks still waiting, oldest first.
func (d *DB) OpenCallbacks(ctx context.Context, tenant ccaas.TenantID) ([]ccaas.Callback, error) {
	return selectAs(ctx, d, "open callbacks", callbackRow.callback, openQuery("callbacks", callbackColumns), tenant, ccaas.CallbackWaiting)
}

// Callbacks are a tenant's callbacks requested in [from, to), in order
// (reports).
func (d *DB) Callbacks(ctx context.Context, tenant ccaas.TenantID, from, to time.Time) ([]ccaas.Callback, error) {
	return selectAs(ctx, d, "callbacks", callbackRow.callback, reportCallbacksQuery, named(tenant, from, to)...)
}

var reportCallbacksQuery = periodQuery("callbacks", callbackColumns, "requested_at")

// Voicemails.

type voicemailRow struct {
	ID        ccaas.VoicemailID `db:"id"`
	Tenant    ccaas.TenantID    `db:"tenant_id"`
	Queue     ccaas.QueueID     `db:"queue_id"`
	QueueName string            `db:"queue_name"`
	Call      ccaas.CallID      `db:"call_id"`
	Number    string            `db:"number"`
	Name      string            `db:"name"`
	Data      string            `db:"data"`
	Arrived   string            `db:"arrived_at"`
	Left      string            `db:"left_at"`
	Recording sql.NullString    `db:"recording_id"`
	Seconds   int               `db:"seconds"`
	State     string            `db:"state"`
	Agent     ccaas.AgentID     `db:"agent_id"`
	Closed    string            `db:"closed_at"`
}

const voicemailColumns = `id, tenant_id, queue_id, queue_name, call_id, number, name, data, arrived_at, left_at, recording_id, seconds, state, agent_id, closed_at`

func (r voicemailRow) voicemail() ccaas.Voicemail {
	return ccaas.Voicemail{ID: r.ID, Tenant: r.Tenant, Queue: r.Queue, QueueName: r.QueueName, Call: r.Call, Number: r.Number, Name: r.Name,
		Data: parseData(r.Data), Arrived: parseTime(r.Arrived), Left: parseTime(r.Left), Recording: ccaas.RecordingID(r.Recording.String),
		Seconds: r.Seconds, State: r.State, Agent: r.Agent, Closed: parseTime(r.Closed)}
}

// CreateVoicemail keeps a voicemail and its recording in one transaction:
// both or neither.
func (d *DB) CreateVoicemail(ctx context.Context, vm ccaas.Voicemail, rec ccaas.Recording) error {
	return d.inTx(ctx, func(tx *sqlx.Tx) error {
		if err := insertRecording(ctx, tx, rec); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO voicemails (`+voicemailColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			vm.ID, vm.Tenant, vm.Queue, vm.QueueName, vm.Call, vm.Number, vm.Name, dataText(vm.Data), timeText(vm.Arrived), timeText(vm.Left),
			rec.ID, vm.Seconds, vm.State, vm.Agent, timeText(vm.Closed))
		if err != nil {
			return fmt.Errorf("voicemail %s: %w", vm.ID, duplicate(err))
		}
		return nil
	})
}

// UpdateVoicemail writes a voicemail's state, agent and closing time.
func (d *DB) UpdateVoicemail(ctx context.Context, vm ccaas.Voicemail) error {
	res, err := d.db.ExecContext(ctx, `UPDATE voicemails SET state = ?, agent_id = ?, closed_at = ? WHERE tenant_id = ? AND id = ?`,
		vm.State, vm.Agent, timeText(vm.Closed), vm.Tenant, vm.ID)
	return exactlyOne(res, err, "voicemail "+string(vm.ID))
}

// OpenVoicemails are a tenant's voicemails nobody closed, oldest first.
func (d *DB) OpenVoicemails(ctx context.Context, tenant ccaas.TenantID) ([]ccaas.Voicemail, error) {
	return selectAs(ctx, d, "open voicemails", voicemailRow.voicemail, openQuery("voicemails", voicemailColumns), tenant, ccaas.VoicemailNew)
}

// Voicemails are a tenant's voicemails left in [from, to), in order
// (reports).
func (d *DB) Voicemails(ctx context.Context, tenant ccaas.TenantID, from, to time.Time) ([]ccaas.Voicemail, error) {
	return selectAs(ctx, d, "voicemails", voicemailRow.voicemail, reportVoicemailsQuery, named(tenant, from, to)...)
}

var reportVoicemailsQuery = periodQuery("voicemails", voicemailColumns, "left_at")
