package sqlite

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/jmoiron/sqlx"

	"github.com/ccaas/ccaas"
)

// Wrapup codes and dispositions: a queue's codes are written with the
// queue; an agent's disposition of a call (code and note) is a row of its
// own, written when the agent gives it (during the call or in the wrapup
// after it, often before the call's record) and replaced if they give
// another.

// insertWrapupCodes writes a queue's codes in their order; the queue's
// old ones are gone already.
func insertWrapupCodes(ctx context.Context, tx *sqlx.Tx, q ccaas.Queue) error {
	if len(q.WrapupCodes) > ccaas.MaxWrapupCodes {
		return fmt.Errorf("queue %s: at most %d wrapup codes", q.Name, ccaas.MaxWrapupCodes)
	}
	for i, code := range q.WrapupCodes {
		if _, err := tx.ExecContext(ctx, `INSERT INTO queue_wrapup_codes (queue_id, position, code) VALUES (?, ?, ?)`, q.ID, i+1, code); err != nil {
			return fmt.Errorf("queue %s: wrapup code %q: %w", q.Name, code, duplicate(err))
		}
	}
	return nil
}

// SetDispositions saves agents' dispositions in one transaction; an
// agent's earlier one of the same call is replaced (the call and agent
// must be of the row's tenant: a row of another tenant's call is never
// overwritten).
func (d *DB) SetDispositions(ctx context.Context, ds []ccaas.Disposition) error {
	return d.inTx(ctx, func(tx *sqlx.Tx) error { return setDispositions(ctx, tx, ds) })
}

// setDispositions saves dispositions in tx (SetDispositions, AppendRecords).
func setDispositions(ctx context.Context, tx *sqlx.Tx, ds []ccaas.Disposition) error {
	if len(ds) == 0 {
		return nil
	}
	stmt, err := tx.PreparexContext(ctx,
		`INSERT INTO call_dispositions (call_id, agent_id, tenant_id, queue_id, code, note, at) VALUES (?, ?, ?, ?, ?, ?, ?)
		 ON CONFLICT (call_id, agent_id) DO UPDATE SET queue_id = excluded.queue_id, code = excluded.code, note = excluded.note, at = excluded.at
		 WHERE call_dispositions.tenant_id = excluded.tenant_id`)
	if err != nil {
		return err
	}
	defer stmt.Close()
	for _, x := range ds {
		var queue any
		if x.Queue != 0 {
			queue = x.Queue
		}
		res, err := stmt.ExecContext(ctx, x.Call, x.Agent, x.Tenant, queue, x.Code, x.Note, timeText(x.At))
		if err := exactlyOne(res, err, fmt.Sprintf("disposition of call %s by agent %d", x.Call, x.Agent)); err != nil {
			return err
		}
	}
	return nil
}

// dispositionRow is a row of call_dispositions as stored.
type dispositionRow struct {
	Call   ccaas.CallID   `db:"call_id"`
	Agent  ccaas.AgentID  `db:"agent_id"`
	Tenant ccaas.TenantID `db:"tenant_id"`
	Queue  sql.NullInt64  `db:"queue_id"`
	Code   string         `db:"code"`
	Note   string         `db:"note"`
	At     string         `db:"at"`
}

const dispositionColumns = `d.call_id, d.agent_id, d.tenant_id, d.queue_id, d.code, d.note, d.at`

func (r dispositionRow) disposition() ccaas.Disposition {
	return ccaas.Disposition{Tenant: r.Tenant, Call: r.Call, Agent: r.Agent, Queue: ccaas.QueueID(r.Queue.Int64), Code: r.Code, Note: r.Note, At: parseTime(r.At)}
}

// Dispositions returns the dispositions of one of the tenant's calls, by
// agent; none for another tenant's call.
func (d *DB) Dispositions(ctx context.Context, tenant ccaas.TenantID, call ccaas.CallID) ([]ccaas.Disposition, error) {
	return selectAs(ctx, d, fmt.Sprintf("dispositions of call %s", call), dispositionRow.disposition,
		`SELECT `+dispositionColumns+` FROM call_dispositions d WHERE d.call_id = ? AND d.tenant_id = ? ORDER BY d.agent_id`, call, tenant)
}

// reportDispositionsQuery reads the dispositions of the calls that arrived
// in a report's period, through the calls' index and the dispositions' key.
const reportDispositionsQuery = `SELECT ` + dispositionColumns + ` FROM calls c JOIN call_dispositions d ON d.call_id = c.id AND d.tenant_id = c.tenant_id
	WHERE c.tenant_id = :tenant AND c.arrived_at >= :from AND c.arrived_at < :to ORDER BY d.call_id, d.agent_id`
