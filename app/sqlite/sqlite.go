// Package sqlite stores the contact center's configuration in a sqlite file
// through sqlx. Schema changes are embedded goose migrations, applied in
// order when the database is opened.
package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"time"

	"github.com/jmoiron/sqlx"
	_ "github.com/mattn/go-sqlite3" // database/sql driver "sqlite3"
	"github.com/pressly/goose/v3"

	"github.com/ccaas/ccaas/app"
)

//go:embed migrations/*.sql
var migrations embed.FS

// DB is the contact center's sqlite database.
type DB struct {
	db *sqlx.DB
}

// Open opens (creating if needed) the sqlite file at path and migrates it to
// the newest schema. Pragmas go in the DSN so that every pooled connection
// gets them.
func Open(ctx context.Context, path string) (*DB, error) {
	if path == "" {
		return nil, errors.New("sqlite: empty database path")
	}
	dsn := "file:" + (&url.URL{Path: path}).EscapedPath() +
		"?_foreign_keys=on&_journal_mode=WAL&_busy_timeout=5000&_txlock=immediate&_synchronous=NORMAL"
	db, err := sqlx.Open("sqlite3", dsn)
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	d := &DB{db: db}
	if err := d.Migrate(ctx); err != nil {
		db.Close()
		return nil, err
	}
	return d, nil
}

// Migrate applies every migration not yet applied, each in its own transaction.
func (d *DB) Migrate(ctx context.Context) error {
	sub, err := fs.Sub(migrations, "migrations")
	if err != nil {
		return err
	}
	p, err := goose.NewProvider(goose.DialectSQLite3, d.db.DB, sub)
	if err != nil {
		return fmt.Errorf("migrations: %w", err)
	}
	if _, err := p.Up(ctx); err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	return nil
}

// Close closes the database.
func (d *DB) Close() error { return d.db.Close() }

func notFound(err error, what string) error {
	if errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("%s: %w", what, app.ErrNotFound)
	}
	return fmt.Errorf("%s: %w", what, err)
}

// TenantByDomain finds a tenant by its domain (case-insensitive).
func (d *DB) TenantByDomain(ctx context.Context, domain string) (app.Tenant, error) {
	var t app.Tenant
	err := d.db.GetContext(ctx, &t, `SELECT id, domain, name FROM tenants WHERE domain = ?`, domain)
	if err != nil {
		return t, notFound(err, "tenant "+domain)
	}
	return t, nil
}

// Tenants lists every tenant.
func (d *DB) Tenants(ctx context.Context) ([]app.Tenant, error) {
	var ts []app.Tenant
	if err := d.db.SelectContext(ctx, &ts, `SELECT id, domain, name FROM tenants ORDER BY id`); err != nil {
		return nil, fmt.Errorf("tenants: %w", err)
	}
	return ts, nil
}

const queueColumns = `id, tenant_id, name, ring_seconds, moh_class, priority, strategy, max_wait_seconds, overflow, overflow_target, announce_seconds`

const agentColumns = `id, tenant_id, username, name, extension, password_hash, role, wrapup_seconds`

// AgentByUsername finds an agent of a tenant by username (case-insensitive).
func (d *DB) AgentByUsername(ctx context.Context, tenant app.TenantID, username string) (app.Agent, error) {
	var a app.Agent
	err := d.db.GetContext(ctx, &a, `SELECT `+agentColumns+` FROM agents WHERE tenant_id = ? AND username = ?`, tenant, username)
	if err != nil {
		return a, notFound(err, "agent "+username)
	}
	return a, nil
}

// TenantConfig loads a tenant's agents and queues (with DIDs and members).
func (d *DB) TenantConfig(ctx context.Context, tenant app.TenantID) (app.TenantConfig, error) {
	var cfg app.TenantConfig
	err := d.db.GetContext(ctx, &cfg.Tenant, `SELECT id, domain, name FROM tenants WHERE id = ?`, tenant)
	if err != nil {
		return cfg, notFound(err, fmt.Sprintf("tenant %d", tenant))
	}
	if err := d.db.SelectContext(ctx, &cfg.Agents, `SELECT `+agentColumns+` FROM agents WHERE tenant_id = ? ORDER BY id`, tenant); err != nil {
		return cfg, fmt.Errorf("agents of tenant %d: %w", tenant, err)
	}
	if err := d.db.SelectContext(ctx, &cfg.Queues, `SELECT `+queueColumns+` FROM queues WHERE tenant_id = ? ORDER BY id`, tenant); err != nil {
		return cfg, fmt.Errorf("queues of tenant %d: %w", tenant, err)
	}
	for i := range cfg.Queues {
		q := &cfg.Queues[i]
		if err := d.db.SelectContext(ctx, &q.DIDs, `SELECT did FROM queue_dids WHERE queue_id = ? ORDER BY did`, q.ID); err != nil {
			return cfg, fmt.Errorf("dids of queue %d: %w", q.ID, err)
		}
		if err := d.db.SelectContext(ctx, &q.Members, `SELECT agent_id, skill FROM queue_members WHERE queue_id = ? ORDER BY agent_id`, q.ID); err != nil {
			return cfg, fmt.Errorf("members of queue %d: %w", q.ID, err)
		}
	}
	var own []string
	if err := d.db.SelectContext(ctx, &own, `SELECT reason FROM not_ready_reasons WHERE tenant_id = ? ORDER BY reason`, tenant); err != nil {
		return cfg, fmt.Errorf("reasons of tenant %d: %w", tenant, err)
	}
	cfg.Reasons = append(append([]string{}, app.DefaultReasons...), own...)
	return cfg, nil
}

// QueueByName finds a tenant's queue by name.
func (d *DB) QueueByName(ctx context.Context, tenant app.TenantID, name string) (app.Queue, error) {
	var q app.Queue
	err := d.db.GetContext(ctx, &q, `SELECT `+queueColumns+` FROM queues WHERE tenant_id = ? AND name = ?`, tenant, name)
	if err != nil {
		return q, notFound(err, "queue "+name)
	}
	return q, nil
}

// CreateTenant adds a tenant and returns it with its id.
func (d *DB) CreateTenant(ctx context.Context, t app.Tenant) (app.Tenant, error) {
	res, err := d.db.ExecContext(ctx, `INSERT INTO tenants (domain, name) VALUES (?, ?)`, t.Domain, t.Name)
	if err != nil {
		return t, fmt.Errorf("create tenant %s: %w", t.Domain, err)
	}
	id, err := res.LastInsertId()
	t.ID = app.TenantID(id)
	return t, err
}

// CreateAgent adds an agent; PasswordHash must already be a bcrypt hash.
func (d *DB) CreateAgent(ctx context.Context, a app.Agent) (app.Agent, error) {
	if a.Role == "" {
		a.Role = app.RoleAgent
	}
	res, err := d.db.ExecContext(ctx,
		`INSERT INTO agents (tenant_id, username, name, extension, password_hash, role, wrapup_seconds) VALUES (?, ?, ?, ?, ?, ?, ?)`,
		a.TenantID, a.Username, a.Name, a.Extension, a.PasswordHash, a.Role, a.WrapupSeconds)
	if err != nil {
		return a, fmt.Errorf("create agent %s: %w", a.Username, err)
	}
	id, err := res.LastInsertId()
	a.ID = app.AgentID(id)
	return a, err
}

// CreateQueue adds a queue with its DIDs and members, in one transaction.
// Members must be agents of the queue's own tenant.
func (d *DB) CreateQueue(ctx context.Context, q app.Queue) (app.Queue, error) {
	tx, err := d.db.BeginTxx(ctx, nil)
	if err != nil {
		return q, err
	}
	defer tx.Rollback()
	if q.Strategy == "" {
		q.Strategy = "longest_idle"
	}
	if q.Overflow == "" {
		q.Overflow = app.OverflowHangup
	}
	if q.MOHClass == "" {
		q.MOHClass = "default"
	}
	res, err := tx.ExecContext(ctx,
		`INSERT INTO queues (tenant_id, name, ring_seconds, moh_class, priority, strategy, max_wait_seconds, overflow, overflow_target, announce_seconds)
		 VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		q.TenantID, q.Name, q.RingSeconds, q.MOHClass, q.Priority, q.Strategy, q.MaxWaitSeconds, q.Overflow, q.OverflowTarget, q.AnnounceSeconds)
	if err != nil {
		return q, fmt.Errorf("create queue %s: %w", q.Name, err)
	}
	id, err := res.LastInsertId()
	if err != nil {
		return q, err
	}
	q.ID = app.QueueID(id)
	for _, did := range q.DIDs {
		if _, err := tx.ExecContext(ctx, `INSERT INTO queue_dids (did, queue_id) VALUES (?, ?)`, did, q.ID); err != nil {
			return q, fmt.Errorf("queue %s: DID %s: %w", q.Name, did, err)
		}
	}
	for i, m := range q.Members {
		if m.Skill == 0 {
			q.Members[i].Skill = 1
		}
		res, err := tx.ExecContext(ctx,
			`INSERT INTO queue_members (queue_id, agent_id, skill) SELECT ?, id, ? FROM agents WHERE id = ? AND tenant_id = ?`,
			q.ID, q.Members[i].Skill, m.Agent, q.TenantID)
		if err != nil {
			return q, fmt.Errorf("queue %s: member %d: %w", q.Name, m.Agent, err)
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return q, fmt.Errorf("queue %s: member %d: %w", q.Name, m.Agent, app.ErrNotFound)
		}
	}
	return q, tx.Commit()
}

// timeLayout stores times as sortable UTC text.
const timeLayout = "2006-01-02T15:04:05.000Z07:00"

// AppendStateLog writes agent state changes in one transaction.
func (d *DB) AppendStateLog(ctx context.Context, changes []app.StateChange) error {
	tx, err := d.db.BeginTxx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	stmt, err := tx.PreparexContext(ctx,
		`INSERT INTO agent_state_log (tenant_id, agent_id, at, from_state, to_state, reason, pending, cause) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`)
	if err != nil {
		return err
	}
	defer stmt.Close()
	for _, c := range changes {
		if _, err := stmt.ExecContext(ctx, c.Tenant, c.Agent, c.At.UTC().Format(timeLayout), c.From, c.To, c.Reason, c.Pending, c.Cause); err != nil {
			return fmt.Errorf("append state log: %w", err)
		}
	}
	return tx.Commit()
}

// StateLog returns an agent's state changes in order.
func (d *DB) StateLog(ctx context.Context, tenant app.TenantID, agent app.AgentID) ([]app.StateChange, error) {
	var rows []struct {
		app.StateChange
		At string `db:"at"`
	}
	err := d.db.SelectContext(ctx, &rows,
		`SELECT tenant_id, agent_id, at, from_state, to_state, reason, pending, cause FROM agent_state_log WHERE tenant_id = ? AND agent_id = ? ORDER BY id`, tenant, agent)
	if err != nil {
		return nil, fmt.Errorf("state log: %w", err)
	}
	out := make([]app.StateChange, len(rows))
	for i, r := range rows {
		out[i] = r.StateChange
		out[i].At, _ = time.Parse(timeLayout, r.At)
	}
	return out, nil
}

// AddReason adds a tenant's own Not Ready reason.
func (d *DB) AddReason(ctx context.Context, tenant app.TenantID, reason string) error {
	if _, err := d.db.ExecContext(ctx, `INSERT INTO not_ready_reasons (tenant_id, reason) VALUES (?, ?)`, tenant, reason); err != nil {
		return fmt.Errorf("add reason %q: %w", reason, err)
	}
	return nil
}
