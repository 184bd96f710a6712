package sqlite

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/ccaas/ccaas"
)

// appendCallRecording keeps a call's recording with its call record: the
// recording's row (the file is Asterisk's, named by its id) and the pauses.
func appendCallRecording(ctx context.Context, tx *sqlx.Tx, c ccaas.CallRecord) error {
	if c.Recording == "" {
		return nil
	}
	made := c.Answered
	if made.IsZero() {
		made = c.Arrived
	}
	if err := insertRecording(ctx, tx, ccaas.Recording{ID: c.Recording, Tenant: c.Tenant, Kind: ccaas.RecordingCall, Call: c.ID, Format: "wav",
		Seconds: c.RecordingSeconds, Created: made}); err != nil {
		return fmt.Errorf("call %s: %w", c.ID, err)
	}
	for i, p := range c.RecordingPauses {
		if _, err := tx.ExecContext(ctx, `INSERT INTO recording_pauses (call_id, seq, agent_id, paused_at, resumed_at) VALUES (?, ?, ?, ?, ?)`,
			c.ID, i+1, p.Agent, timeText(p.Paused), timeText(p.Resumed)); err != nil {
			return fmt.Errorf("recording pause of call %s: %w", c.ID, err)
		}
	}
	return nil
}

// MaxCallRecordings bounds the recorded calls one query lists.
const MaxCallRecordings = 500

var callRecordingsQuery = `SELECT ` + callColumnsOf + `, r.seconds AS rec_seconds, r.created_at AS rec_created
	FROM calls c JOIN recordings r ON r.id = c.recording_id AND r.tenant_id = c.tenant_id
	WHERE c.tenant_id = ? AND c.arrived_at >= ? AND c.arrived_at < ? AND c.recording_id != '' ORDER BY c.arrived_at DESC, c.id LIMIT ?`

// callColumnsOf are callColumns of the table named c.
var callColumnsOf = columnsOf("c", callColumns)

// columnsOf are columns (as "a, b, c") of the table named alias in a join:
// made of the one list, so that a column added to it is read there too.
func columnsOf(alias, columns string) string {
	return alias + "." + strings.ReplaceAll(columns, ", ", ", "+alias+".")
}

// CallRecordings are a tenant's recorded calls that arrived in [from, to),
// newest first (at most MaxCallRecordings), each with its agents and the
// pauses of its recording; a recording the retention deleted is not listed.
func (d *DB) CallRecordings(ctx context.Context, tenant ccaas.TenantID, from, to time.Time) ([]ccaas.CallRecordingRow, error) {
	var rows []struct {
		callRow
		Seconds int    `db:"rec_seconds"`
		Created string `db:"rec_created"`
	}
	if err := d.db.SelectContext(ctx, &rows, callRecordingsQuery, tenant, timeText(from), timeText(to), MaxCallRecordings); err != nil {
		return nil, fmt.Errorf("recorded calls: %w", err)
	}
	out := make([]ccaas.CallRecordingRow, len(rows))
	for i, r := range rows {
		rec := r.callRow.record(tenant)
		var err error
		if rec.Agents, err = d.callAgents(ctx, rec.ID); err != nil {
			return nil, err
		}
		if err := d.loadRecording(ctx, &rec); err != nil {
			return nil, err
		}
		out[i] = ccaas.CallRecordingRow{Call: rec, Recording: ccaas.Recording{ID: rec.Recording, Tenant: tenant, Kind: ccaas.RecordingCall, Call: rec.ID,
			Format: "wav", Seconds: r.Seconds, Created: parseTime(r.Created)}}
	}
	return out, nil
}

// loadRecording adds its recording's length and pauses to a call record
// that names one (a recording the retention deleted has length 0).
func (d *DB) loadRecording(ctx context.Context, r *ccaas.CallRecord) error {
	if r.Recording == "" {
		return nil
	}
	if err := d.db.GetContext(ctx, &r.RecordingSeconds, `SELECT COALESCE(MAX(seconds), 0) FROM recordings WHERE id = ? AND tenant_id = ?`, r.Recording, r.Tenant); err != nil {
		return fmt.Errorf("recording of call %s: %w", r.ID, err)
	}
	var pauses []struct {
		Agent   ccaas.AgentID `db:"agent_id"`
		Paused  string        `db:"paused_at"`
		Resumed string        `db:"resumed_at"`
	}
	if err := d.db.SelectContext(ctx, &pauses, `SELECT agent_id, paused_at, resumed_at FROM recording_pauses WHERE call_id = ? ORDER BY seq`, r.ID); err != nil {
		return fmt.Errorf("pauses of call %s: %w", r.ID, err)
	}
	for _, p := range pauses {
		r.RecordingPauses = append(r.RecordingPauses, ccaas.RecordingPause{Agent: p.Agent, Paused: parseTime(p.Paused), Resumed: parseTime(p.Resumed)})
	}
	return nil
}
