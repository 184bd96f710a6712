package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/ccaas/ccaas"
)

// AppendRecords writes state changes, call records and the webhook events
// that report them in one transaction: an event is never kept without its
// fact, nor a fact without its events.
func (d *DB) AppendRecords(ctx context.Context, r ccaas.Records) error {
	return d.inTx(ctx, func(tx *sqlx.Tx) error {
		if err := appendStateLog(ctx, tx, r.StateLog); err != nil {
			return err
		}
		if err := appendCallRecords(ctx, tx, r.Calls); err != nil {
			return err
		}
		if err := setDispositions(ctx, tx, r.Dispositions); err != nil {
			return err
		}
		return appendOutbox(ctx, tx, r.Outbox)
	})
}

// appendOutbox adds a delivery per event and webhook, in the events' order.
// A delivery is due at once unless an earlier one of its webhook and key is
// still pending: then it waits (next_at NULL) until that one is done. A
// webhook of another tenant, or one deleted meanwhile, gets nothing.
func appendOutbox(ctx context.Context, tx *sqlx.Tx, events []ccaas.OutboxEvent) error {
	if len(events) == 0 {
		return nil
	}
	stmt, err := tx.PreparexContext(ctx,
		`INSERT INTO webhook_deliveries (webhook_id, tenant_id, event_id, type, order_key, body, created_at, next_at)
		 SELECT w.id, w.tenant_id, :event, :type, :key, :body, :at,
		   CASE WHEN EXISTS (SELECT 1 FROM webhook_deliveries p WHERE p.webhook_id = w.id AND p.order_key = :key AND p.state = 'pending') THEN NULL ELSE :at END
		 FROM webhooks w WHERE w.id = :webhook AND w.tenant_id = :tenant`)
	if err != nil {
		return err
	}
	defer stmt.Close()
	for _, e := range events {
		for _, w := range e.Webhooks {
			if _, err := stmt.ExecContext(ctx, sql.Named("event", e.ID), sql.Named("type", e.Type), sql.Named("key", e.Key),
				sql.Named("body", e.Body), sql.Named("at", e.At.UTC().Format(timeLayout)),
				sql.Named("webhook", w), sql.Named("tenant", e.Tenant)); err != nil {
				return fmt.Errorf("outbox event %s for webhook %d: %w", e.ID, w, err)
			}
		}
	}
	return nil
}

type webhookRow struct {
	ID      ccaas.WebhookID `db:"id"`
	Tenant  ccaas.TenantID  `db:"tenant_id"`
	URL     string          `db:"url"`
	Secret  string          `db:"secret"`
	Events  string          `db:"events"`
	Active  bool            `db:"active"`
	Created string          `db:"created_at"`
}

func (r webhookRow) webhook() ccaas.Webhook {
	return ccaas.Webhook{ID: r.ID, Tenant: r.Tenant, URL: r.URL, Secret: r.Secret, Events: strings.Fields(r.Events),
		Active: r.Active, Created: parseTime(r.Created)}
}

const webhookColumns = `id, tenant_id, url, secret, events, active, created_at`

// Webhooks are a tenant's webhooks, with their secrets, oldest first.
func (d *DB) Webhooks(ctx context.Context, tenant ccaas.TenantID) ([]ccaas.Webhook, error) {
	return selectAs(ctx, d, fmt.Sprintf("webhooks of tenant %d", tenant), webhookRow.webhook,
		`SELECT `+webhookColumns+` FROM webhooks WHERE tenant_id = ? ORDER BY id`, tenant)
}

// Webhook is one of a tenant's webhooks; another tenant's is ErrNotFound.
func (d *DB) Webhook(ctx context.Context, tenant ccaas.TenantID, id ccaas.WebhookID) (ccaas.Webhook, error) {
	var r webhookRow
	err := d.db.GetContext(ctx, &r, `SELECT `+webhookColumns+` FROM webhooks WHERE tenant_id = ? AND id = ?`, tenant, id)
	if err != nil {
		return ccaas.Webhook{}, notFound(err, fmt.Sprintf("webhook %d", id))
	}
	return r.webhook(), nil
}

// CreateWebhook adds a webhook; its Created is now if unset.
func (d *DB) CreateWebhook(ctx context.Context, w ccaas.Webhook) (ccaas.Webhook, error) {
	if w.Created.IsZero() {
		w.Created = time.Now()
	}
	res, err := d.db.ExecContext(ctx, `INSERT INTO webhooks (tenant_id, url, secret, events, active, created_at) VALUES (?, ?, ?, ?, ?, ?)`,
		w.Tenant, w.URL, w.Secret, strings.Join(w.Events, " "), w.Active, timeText(w.Created))
	id, err := newID(res, err, "create webhook")
	if err != nil {
		return w, err
	}
	w.ID = ccaas.WebhookID(id)
	return w, nil
}

// UpdateWebhook changes a webhook's address, events and switch, and its
// secret unless Secret is empty.
func (d *DB) UpdateWebhook(ctx context.Context, w ccaas.Webhook) error {
	res, err := d.db.ExecContext(ctx,
		`UPDATE webhooks SET url = ?, events = ?, active = ?, secret = CASE WHEN ? = '' THEN secret ELSE ? END WHERE id = ? AND tenant_id = ?`,
		w.URL, strings.Join(w.Events, " "), w.Active, w.Secret, w.Secret, w.ID, w.Tenant)
	return exactlyOne(res, err, fmt.Sprintf("webhook %d", w.ID))
}

// DeleteWebhook removes a webhook with its deliveries, sent or not.
func (d *DB) DeleteWebhook(ctx context.Context, tenant ccaas.TenantID, id ccaas.WebhookID) error {
	return d.inTx(ctx, func(tx *sqlx.Tx) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM webhook_deliveries WHERE webhook_id = (SELECT id FROM webhooks WHERE id = ? AND tenant_id = ?)`, id, tenant); err != nil {
			return fmt.Errorf("delete deliveries of webhook %d: %w", id, err)
		}
		res, err := tx.ExecContext(ctx, `DELETE FROM webhooks WHERE id = ? AND tenant_id = ?`, id, tenant)
		return exactlyOne(res, err, fmt.Sprintf("webhook %d", id))
	})
}

type deliveryRow struct {
	ID       int64           `db:"id"`
	Webhook  ccaas.WebhookID `db:"webhook_id"`
	Tenant   ccaas.TenantID  `db:"tenant_id"`
	EventID  string          `db:"event_id"`
	Type     string          `db:"type"`
	Key      string          `db:"order_key"`
	Body     []byte          `db:"body"`
	Created  string          `db:"created_at"`
	State    string          `db:"state"`
	NextAt   sql.NullString  `db:"next_at"`
	Attempts int             `db:"attempts"`
	LastAt   string          `db:"last_at"`
	Status   int             `db:"last_status"`
	Error    string          `db:"last_error"`
	URL      string          `db:"url"`
	Secret   string          `db:"secret"`
}

func (r deliveryRow) delivery() ccaas.Delivery {
	return ccaas.Delivery{ID: r.ID, Webhook: r.Webhook, Tenant: r.Tenant, EventID: r.EventID, Type: r.Type, Key: r.Key, Body: r.Body,
		Created: parseTime(r.Created), State: r.State, Attempts: r.Attempts, NextAt: parseTime(r.NextAt.String),
		LastAt: parseTime(r.LastAt), Status: r.Status, Error: r.Error, URL: r.URL, Secret: r.Secret}
}

const deliveryColumns = `d.id, d.webhook_id, d.tenant_id, d.event_id, d.type, d.order_key, d.body, d.created_at, d.state, d.next_at,
	d.attempts, d.last_at, d.last_status, d.last_error`

// RecentDeliveries are a webhook's last deliveries, newest first (without
// the endpoint's secret).
func (d *DB) RecentDeliveries(ctx context.Context, tenant ccaas.TenantID, id ccaas.WebhookID, limit int) ([]ccaas.Delivery, error) {
	return selectAs(ctx, d, fmt.Sprintf("deliveries of webhook %d", id), deliveryRow.delivery,
		`SELECT `+deliveryColumns+`, '' AS url, '' AS secret FROM webhook_deliveries d
		WHERE d.webhook_id = ? AND d.tenant_id = ? ORDER BY d.id DESC LIMIT ?`, id, tenant, limit)
}

// The sender's queries, through the outbox's partial indexes (only pending
// rows are in them, so they stay small however many deliveries are kept).
const (
	dueQuery = `SELECT ` + deliveryColumns + `, w.url, w.secret FROM webhook_deliveries d JOIN webhooks w ON w.id = d.webhook_id
		WHERE d.state = 'pending' AND d.next_at IS NOT NULL AND d.next_at <= ? AND w.active = 1 ORDER BY d.next_at, d.id LIMIT ?`
	// the next of a webhook's key after its head is done
	nextOfKeyQuery = `UPDATE webhook_deliveries SET next_at = ? WHERE id = (
		SELECT id FROM webhook_deliveries WHERE webhook_id = ? AND order_key = ? AND state = 'pending' ORDER BY id LIMIT 1) AND next_at IS NULL`
)

// DueDeliveries are the deliveries to try now (of every tenant, to active
// webhooks), the longest due first, with their endpoint's address and
// secret; at most one per webhook and key, so that a key's go in order.
func (d *DB) DueDeliveries(ctx context.Context, now time.Time, limit int) ([]ccaas.Delivery, error) {
	return selectAs(ctx, d, "due deliveries", deliveryRow.delivery, dueQuery, now.UTC().Format(timeLayout), limit)
}

// NextDue is when the earliest pending delivery is due (zero if none is).
func (d *DB) NextDue(ctx context.Context) (time.Time, error) {
	var at sql.NullString
	err := d.db.GetContext(ctx, &at, `SELECT MIN(d.next_at) FROM webhook_deliveries d JOIN webhooks w ON w.id = d.webhook_id
		WHERE d.state = 'pending' AND d.next_at IS NOT NULL AND w.active = 1`)
	if err != nil {
		return time.Time{}, fmt.Errorf("next due delivery: %w", err)
	}
	return parseTime(at.String), nil
}

// FinishAttempt keeps an attempt's outcome. A delivery that is done
// (delivered or failed) makes the next pending one of its webhook and key
// due at once.
func (d *DB) FinishAttempt(ctx context.Context, a ccaas.Attempt) error {
	return d.inTx(ctx, func(tx *sqlx.Tx) error {
		f, err := prepareFinish(ctx, tx)
		if err != nil {
			return err
		}
		defer f.close()
		return f.finish(ctx, a)
	})
}

// FinishAttempts keeps the outcomes of a sender's batch in one transaction
// (at load, a transaction per delivery was what held the sender back), its
// two statements prepared once for the batch. An attempt whose delivery is
// no longer pending (another sender kept it, its webhook was deleted) is
// left out; it is not an error.
func (d *DB) FinishAttempts(ctx context.Context, as []ccaas.Attempt) error {
	return d.inTx(ctx, func(tx *sqlx.Tx) error {
		f, err := prepareFinish(ctx, tx)
		if err != nil {
			return err
		}
		defer f.close()
		for _, a := range as {
			if err := f.finish(ctx, a); err != nil && !errors.Is(err, ccaas.ErrNotFound) {
				return err
			}
		}
		return nil
	})
}

// finisher keeps attempts' outcomes in a transaction.
type finisher struct{ outcome, nextOfKey *sqlx.Stmt }

func prepareFinish(ctx context.Context, tx *sqlx.Tx) (finisher, error) {
	outcome, err := tx.PreparexContext(ctx, `UPDATE webhook_deliveries SET state = ?, next_at = ?, attempts = attempts + ?,
		last_at = CASE WHEN ? THEN ? ELSE last_at END, last_status = CASE WHEN ? THEN ? ELSE last_status END,
		last_error = CASE WHEN ? THEN ? ELSE last_error END WHERE id = ? AND state = 'pending'`)
	if err != nil {
		return finisher{}, err
	}
	nextOfKey, err := tx.PreparexContext(ctx, nextOfKeyQuery)
	if err != nil {
		outcome.Close()
		return finisher{}, err
	}
	return finisher{outcome: outcome, nextOfKey: nextOfKey}, nil
}

func (f finisher) close() {
	f.outcome.Close()
	f.nextOfKey.Close()
}

func (f finisher) finish(ctx context.Context, a ccaas.Attempt) error {
	var next any
	if a.State == ccaas.DeliveryPending {
		next = a.NextAt.UTC().Format(timeLayout)
	}
	attempted := 0
	if a.Attempted {
		attempted = 1
	}
	res, err := f.outcome.ExecContext(ctx, a.State, next, attempted, attempted, timeText(a.At), attempted, a.Status, attempted, a.Error, a.Delivery)
	if err := exactlyOne(res, err, fmt.Sprintf("delivery %d", a.Delivery)); err != nil {
		return err
	}
	if a.State == ccaas.DeliveryPending {
		return nil
	}
	_, err = f.nextOfKey.ExecContext(ctx, a.At.UTC().Format(timeLayout), a.Webhook, a.Key)
	return err
}

// PruneDeliveries removes deliveries that are done and were made before
// before, and says how many.
func (d *DB) PruneDeliveries(ctx context.Context, before time.Time) (int64, error) {
	res, err := d.db.ExecContext(ctx, `DELETE FROM webhook_deliveries WHERE state != 'pending' AND created_at < ?`, before.UTC().Format(timeLayout))
	if err != nil {
		return 0, fmt.Errorf("prune deliveries: %w", err)
	}
	return res.RowsAffected()
}
