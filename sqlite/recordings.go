package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/ccaas/ccaas"
)

// recordingRow is a row of recordings as stored.
type recordingRow struct {
	ID      ccaas.RecordingID `db:"id"`
	Tenant  ccaas.TenantID    `db:"tenant_id"`
	Kind    string            `db:"kind"`
	Call    ccaas.CallID      `db:"call_id"`
	Format  string            `db:"format"`
	Seconds int               `db:"seconds"`
	Created string            `db:"created_at"`
}

const recordingColumns = `id, tenant_id, kind, call_id, format, seconds, created_at`

func (r recordingRow) recording() ccaas.Recording {
	return ccaas.Recording{ID: r.ID, Tenant: r.Tenant, Kind: r.Kind, Call: r.Call, Format: r.Format, Seconds: r.Seconds, Created: parseTime(r.Created)}
}

// AddRecording keeps a recording's record; an id taken is ccaas.ErrDuplicate.
func (d *DB) AddRecording(ctx context.Context, r ccaas.Recording) error {
	return d.inTx(ctx, func(tx *sqlx.Tx) error { return insertRecording(ctx, tx, r) })
}

func insertRecording(ctx context.Context, tx *sqlx.Tx, r ccaas.Recording) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO recordings (`+recordingColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?)`,
		r.ID, r.Tenant, r.Kind, r.Call, r.Format, r.Seconds, timeText(r.Created))
	if err != nil {
		return fmt.Errorf("recording %s: %w", r.ID, duplicate(err))
	}
	return nil
}

// Recording finds one of a tenant's recordings; another tenant's is
// ccaas.ErrNotFound, like one that does not exist.
func (d *DB) Recording(ctx context.Context, tenant ccaas.TenantID, id ccaas.RecordingID) (ccaas.Recording, error) {
	var row recordingRow
	if err := d.db.GetContext(ctx, &row, `SELECT `+recordingColumns+` FROM recordings WHERE tenant_id = ? AND id = ?`, tenant, id); err != nil {
		return ccaas.Recording{}, notFound(err, "recording "+string(id))
	}
	return row.recording(), nil
}

// expiredQuery finds recordings older than their tenant's retention: for
// each tenant (a small table) the cutoff is now less the tenant's days,
// written as the stored times are (sortable UTC text), so its recordings
// are searched through the index, not scanned.
var expiredQuery = `SELECT ` + columnsOf("r", recordingColumns) + `
	FROM tenants t CROSS JOIN recordings r ON r.tenant_id = t.id
	 AND r.created_at < strftime('%Y-%m-%dT%H:%M:%fZ', :now, '-' || t.recording_retention_days || ' days')
	ORDER BY r.created_at LIMIT :limit`

// ExpiredRecordings lists up to limit recordings, of every tenant, older
// at now than their tenant's retention, oldest first.
func (d *DB) ExpiredRecordings(ctx context.Context, now time.Time, limit int) ([]ccaas.Recording, error) {
	return selectAs(ctx, d, "expired recordings", recordingRow.recording, expiredQuery,
		sql.Named("now", now.UTC().Format("2006-01-02 15:04:05.000")), sql.Named("limit", limit))
}

// DeleteRecordings forgets a tenant's recordings; ids of another tenant or
// already gone are left alone. A voicemail whose recording goes, and that
// nobody closed, has expired.
func (d *DB) DeleteRecordings(ctx context.Context, tenant ccaas.TenantID, ids []ccaas.RecordingID) error {
	return d.inTx(ctx, func(tx *sqlx.Tx) error {
		for _, id := range ids {
			if _, err := tx.ExecContext(ctx, `UPDATE voicemails SET state = ? WHERE tenant_id = ? AND recording_id = ? AND state = ?`,
				ccaas.VoicemailExpired, tenant, id, ccaas.VoicemailNew); err != nil {
				return fmt.Errorf("expire voicemail of recording %s: %w", id, err)
			}
			if _, err := tx.ExecContext(ctx, `DELETE FROM recordings WHERE tenant_id = ? AND id = ?`, tenant, id); err != nil {
				return fmt.Errorf("delete recording %s: %w", id, err)
			}
		}
		return nil
	})
}
