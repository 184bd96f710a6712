// Package sqlite stores the contact center's configuration in a sqlite file
// through sqlx. Schema changes are embedded goose migrations, applied in
// order when the database is opened. It answers with the model's errors
// (ccaas.ErrNotFound, ccaas.ErrDuplicate naming the value taken), so that
// no caller needs to know the schema.
package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/mattn/go-sqlite3" // also the database/sql driver "sqlite3"
	"github.com/pressly/goose/v3"

	"github.com/ccaas/ccaas"
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

// uniqueColumns reports whether err is a UNIQUE (or primary key) violation
// and names the columns, e.g. "agents.tenant_id, agents.extension".
func uniqueColumns(err error) (columns string, ok bool) {
	var se sqlite3.Error
	if !errors.As(err, &se) || se.ExtendedCode != sqlite3.ErrConstraintUnique && se.ExtendedCode != sqlite3.ErrConstraintPrimaryKey {
		return "", false
	}
	_, columns, _ = strings.Cut(se.Error(), "constraint failed: ")
	return columns, true
}

// duplicates names, in the model's words, the value a violation of these
// columns' uniqueness is about.
var duplicates = map[string]ccaas.DuplicateError{
	"agents.tenant_id, agents.extension":                    {Record: "agent", Field: "extension"},
	"agents.tenant_id, agents.username":                     {Record: "agent", Field: "username"},
	"queues.tenant_id, queues.name":                         {Record: "queue", Field: "name"},
	"queue_dids.did":                                        {Record: "queue", Field: "did"},
	"tenants.domain":                                        {Record: "tenant", Field: "domain"},
	"call_variables.tenant_id, call_variables.variable":     {Record: "call variable", Field: "variable"},
	"not_ready_reasons.tenant_id, not_ready_reasons.reason": {Record: "reason", Field: "reason"},
	"operators.username":                                    {Record: "operator", Field: "username"},
	"tenant_dids.did":                                       {Record: "tenant", Field: "did"},
	"queue_wrapup_codes.queue_id, queue_wrapup_codes.code":  {Record: "queue", Field: "wrapup code"},
}

// duplicate turns a uniqueness violation into a *ccaas.DuplicateError
// (ccaas.ErrDuplicate) that names the value taken; other errors pass as they
// are. The error's text stays sqlite's.
func duplicate(err error) error {
	cols, ok := uniqueColumns(err)
	if !ok {
		return err
	}
	d := duplicates[cols] // a zero Record and Field: a value we cannot name
	d.Err = err
	return &d
}

func notFound(err error, what string) error {
	if errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("%s: %w", what, ccaas.ErrNotFound)
	}
	return fmt.Errorf("%s: %w", what, err)
}

// TenantByDomain finds a tenant by its domain (case-insensitive).
func (d *DB) TenantByDomain(ctx context.Context, domain string) (ccaas.Tenant, error) {
	var t ccaas.Tenant
	err := d.db.GetContext(ctx, &t, `SELECT id, domain, name FROM tenants WHERE domain = ?`, domain)
	if err != nil {
		return t, notFound(err, "tenant "+domain)
	}
	return t, nil
}

// Tenants lists every tenant.
func (d *DB) Tenants(ctx context.Context) ([]ccaas.Tenant, error) {
	var ts []ccaas.Tenant
	if err := d.db.SelectContext(ctx, &ts, `SELECT id, domain, name FROM tenants ORDER BY id`); err != nil {
		return nil, fmt.Errorf("tenants: %w", err)
	}
	return ts, nil
}

const queueColumns = `id, tenant_id, name, ring_seconds, moh_class, priority, strategy, max_wait_seconds, overflow, overflow_target, announce_seconds, service_level_seconds, code_required, record, ` + waitingColumns

const agentColumns = `id, tenant_id, username, name, extension, password_hash, role, wrapup_seconds, team`

// AgentByUsername finds an agent of a tenant by username (case-insensitive).
// A deleted agent is not found.
func (d *DB) AgentByUsername(ctx context.Context, tenant ccaas.TenantID, username string) (ccaas.Agent, error) {
	var a ccaas.Agent
	err := d.db.GetContext(ctx, &a, `SELECT `+agentColumns+` FROM agents WHERE tenant_id = ? AND username = ? AND deleted_at = ''`, tenant, username)
	if err != nil {
		return a, notFound(err, "agent "+username)
	}
	return a, nil
}

// TenantConfig loads a tenant's agents and queues (with DIDs and members);
// the deleted agents come apart (Deleted), for the reports.
func (d *DB) TenantConfig(ctx context.Context, tenant ccaas.TenantID) (ccaas.TenantConfig, error) {
	var cfg ccaas.TenantConfig
	err := d.db.GetContext(ctx, &cfg.Tenant, `SELECT id, domain, name FROM tenants WHERE id = ?`, tenant)
	if err != nil {
		return cfg, notFound(err, fmt.Sprintf("tenant %d", tenant))
	}
	if err := d.db.SelectContext(ctx, &cfg.Agents, `SELECT `+agentColumns+` FROM agents WHERE tenant_id = ? AND deleted_at = '' ORDER BY id`, tenant); err != nil {
		return cfg, fmt.Errorf("agents of tenant %d: %w", tenant, err)
	}
	if err := d.db.SelectContext(ctx, &cfg.Deleted, `SELECT `+agentColumns+` FROM agents WHERE tenant_id = ? AND deleted_at != '' ORDER BY id`, tenant); err != nil {
		return cfg, fmt.Errorf("deleted agents of tenant %d: %w", tenant, err)
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
		if err := d.db.SelectContext(ctx, &q.WrapupCodes, `SELECT code FROM queue_wrapup_codes WHERE queue_id = ? ORDER BY position`, q.ID); err != nil {
			return cfg, fmt.Errorf("wrapup codes of queue %d: %w", q.ID, err)
		}
	}
	if err := d.db.GetContext(ctx, &cfg.Settings, `SELECT `+settingsColumns+` FROM tenants WHERE id = ?`, tenant); err != nil {
		return cfg, fmt.Errorf("settings of tenant %d: %w", tenant, err)
	}
	if err := d.db.SelectContext(ctx, &cfg.Variables, `SELECT key_name, variable FROM call_variables WHERE tenant_id = ? ORDER BY position`, tenant); err != nil {
		return cfg, fmt.Errorf("call variables of tenant %d: %w", tenant, err)
	}
	var own []string
	if err := d.db.SelectContext(ctx, &own, `SELECT reason FROM not_ready_reasons WHERE tenant_id = ? ORDER BY reason`, tenant); err != nil {
		return cfg, fmt.Errorf("reasons of tenant %d: %w", tenant, err)
	}
	cfg.Reasons = append(append([]string{}, ccaas.DefaultReasons...), own...)
	if err := d.db.SelectContext(ctx, &cfg.DIDs, `SELECT did FROM tenant_dids WHERE tenant_id = ? ORDER BY did`, tenant); err != nil {
		return cfg, fmt.Errorf("numbers of tenant %d: %w", tenant, err)
	}
	if cfg.Webhooks, err = d.Webhooks(ctx, tenant); err != nil {
		return cfg, err
	}
	for i := range cfg.Webhooks {
		cfg.Webhooks[i].Secret = ""
	}
	return cfg, nil
}

// insertQueueDID gives a queue one of its tenant's numbers; a number the
// tenant has not been assigned is ccaas.ErrDIDNotAssigned.
func insertQueueDID(ctx context.Context, tx *sqlx.Tx, q ccaas.Queue, did string) error {
	res, err := tx.ExecContext(ctx, `INSERT INTO queue_dids (did, queue_id) SELECT did, ? FROM tenant_dids WHERE did = ? AND tenant_id = ?`, q.ID, did, q.TenantID)
	if err != nil {
		return fmt.Errorf("queue %s: DID %s: %w", q.Name, did, duplicate(err))
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return fmt.Errorf("queue %s: DID %s: %w", q.Name, did, ccaas.ErrDIDNotAssigned)
	}
	return nil
}

// AssignDIDs assigns numbers to a tenant (the operator's). A number of
// another tenant is a ccaas.ErrDuplicate (tenant did); one the tenant has
// already is left as it is.
func (d *DB) AssignDIDs(ctx context.Context, tenant ccaas.TenantID, dids ...string) error {
	return d.inTx(ctx, func(tx *sqlx.Tx) error {
		for _, did := range dids {
			var owner ccaas.TenantID
			switch err := tx.GetContext(ctx, &owner, `SELECT tenant_id FROM tenant_dids WHERE did = ?`, did); {
			case errors.Is(err, sql.ErrNoRows):
			case err != nil:
				return err
			case owner == tenant:
				continue
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO tenant_dids (did, tenant_id) VALUES (?, ?)`, did, tenant); err != nil {
				return fmt.Errorf("assign DID %s: %w", did, duplicate(err))
			}
		}
		return nil
	})
}

// UnassignDIDs takes numbers from a tenant, and from its queues that ring
// them; it returns the names of those queues.
func (d *DB) UnassignDIDs(ctx context.Context, tenant ccaas.TenantID, dids ...string) ([]string, error) {
	var queues []string
	err := d.inTx(ctx, func(tx *sqlx.Tx) error {
		for _, did := range dids {
			var q []string
			if err := tx.SelectContext(ctx, &q, `SELECT q.name FROM queue_dids qd JOIN queues q ON q.id = qd.queue_id WHERE qd.did = ? AND q.tenant_id = ?`, did, tenant); err != nil {
				return err
			}
			queues = append(queues, q...)
			if _, err := tx.ExecContext(ctx, `DELETE FROM queue_dids WHERE did = ? AND queue_id IN (SELECT id FROM queues WHERE tenant_id = ?)`, did, tenant); err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, `DELETE FROM tenant_dids WHERE did = ? AND tenant_id = ?`, did, tenant); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	slices.Sort(queues)
	return slices.Compact(queues), nil
}

// AssignedDIDs maps every assigned number to its tenant (the operator's
// pages).
func (d *DB) AssignedDIDs(ctx context.Context) (map[string]ccaas.TenantID, error) {
	var rows []struct {
		DID    string         `db:"did"`
		Tenant ccaas.TenantID `db:"tenant_id"`
	}
	if err := d.db.SelectContext(ctx, &rows, `SELECT did, tenant_id FROM tenant_dids`); err != nil {
		return nil, fmt.Errorf("assigned numbers: %w", err)
	}
	out := make(map[string]ccaas.TenantID, len(rows))
	for _, r := range rows {
		out[r.DID] = r.Tenant
	}
	return out, nil
}

// QueueByName finds a tenant's queue by name.
func (d *DB) QueueByName(ctx context.Context, tenant ccaas.TenantID, name string) (ccaas.Queue, error) {
	var q ccaas.Queue
	err := d.db.GetContext(ctx, &q, `SELECT `+queueColumns+` FROM queues WHERE tenant_id = ? AND name = ?`, tenant, name)
	if err != nil {
		return q, notFound(err, "queue "+name)
	}
	return q, nil
}

// CreateTenant adds a tenant and returns it with its id.
func (d *DB) CreateTenant(ctx context.Context, t ccaas.Tenant) (ccaas.Tenant, error) {
	res, err := d.db.ExecContext(ctx, `INSERT INTO tenants (domain, name) VALUES (?, ?)`, t.Domain, t.Name)
	id, err := newID(res, err, "create tenant "+t.Domain)
	t.ID = ccaas.TenantID(id)
	return t, err
}

// CreateAgent adds an agent; PasswordHash must already be a bcrypt hash.
func (d *DB) CreateAgent(ctx context.Context, a ccaas.Agent) (ccaas.Agent, error) {
	if a.Role == "" {
		a.Role = ccaas.RoleAgent
	}
	res, err := d.db.ExecContext(ctx,
		`INSERT INTO agents (tenant_id, username, name, extension, password_hash, role, wrapup_seconds, team) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
		a.TenantID, a.Username, a.Name, a.Extension, a.PasswordHash, a.Role, a.WrapupSeconds, a.Team)
	id, err := newID(res, err, "create agent "+a.Username)
	a.ID = ccaas.AgentID(id)
	return a, err
}

// CreateQueue adds a queue with its DIDs and members, in one transaction.
// Members must be agents of the queue's own tenant, and DIDs numbers
// assigned to it (AssignDIDs; else ccaas.ErrDIDNotAssigned).
func (d *DB) CreateQueue(ctx context.Context, q ccaas.Queue) (ccaas.Queue, error) {
	if q.Strategy == "" {
		q.Strategy = "longest_idle"
	}
	if q.Overflow == "" {
		q.Overflow = ccaas.OverflowHangup
	}
	if q.MOHClass == "" {
		q.MOHClass = "default"
	}
	if q.ServiceLevelSeconds == 0 {
		q.ServiceLevelSeconds = ccaas.DefaultServiceLevelSeconds
	}
	if q.Record == "" {
		q.Record = ccaas.RecordNever
	}
	q.WaitingRules = waitingDefaults(q.WaitingRules)
	err := d.inTx(ctx, func(tx *sqlx.Tx) error {
		res, err := tx.ExecContext(ctx,
			`INSERT INTO queues (tenant_id, name, ring_seconds, moh_class, priority, strategy, max_wait_seconds, overflow, overflow_target, announce_seconds, service_level_seconds, code_required, record, `+waitingColumns+`)
			 VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, `+waitingPlaceholders+`)`,
			append([]any{q.TenantID, q.Name, q.RingSeconds, q.MOHClass, q.Priority, q.Strategy, q.MaxWaitSeconds, q.Overflow, q.OverflowTarget, q.AnnounceSeconds, q.ServiceLevelSeconds, q.CodeRequired, q.Record},
				waitingValues(q.WaitingRules)...)...)
		id, err := newID(res, err, "create queue "+q.Name)
		if err != nil {
			return err
		}
		q.ID = ccaas.QueueID(id)
		for _, did := range q.DIDs {
			if err := insertQueueDID(ctx, tx, q, did); err != nil {
				return err
			}
		}
		for i, m := range q.Members {
			if m.Skill == 0 {
				q.Members[i].Skill = 1
			}
			res, err := tx.ExecContext(ctx,
				`INSERT INTO queue_members (queue_id, agent_id, skill) SELECT ?, id, ? FROM agents WHERE id = ? AND tenant_id = ? AND deleted_at = ''`,
				q.ID, q.Members[i].Skill, m.Agent, q.TenantID)
			if err != nil {
				return fmt.Errorf("queue %s: member %d: %w", q.Name, m.Agent, duplicate(err))
			}
			if n, _ := res.RowsAffected(); n != 1 {
				return fmt.Errorf("queue %s: member %d: %w", q.Name, m.Agent, ccaas.ErrNotFound)
			}
		}
		return insertWrapupCodes(ctx, tx, q)
	})
	return q, err
}

// timeLayout stores times as sortable UTC text.
const timeLayout = "2006-01-02T15:04:05.000Z07:00"

// AppendStateLog writes agent state changes in one transaction.
func (d *DB) AppendStateLog(ctx context.Context, changes []ccaas.StateChange) error {
	return d.inTx(ctx, func(tx *sqlx.Tx) error { return appendStateLog(ctx, tx, changes) })
}

func appendStateLog(ctx context.Context, tx *sqlx.Tx, changes []ccaas.StateChange) error {
	if len(changes) == 0 {
		return nil
	}
	stmt, err := tx.PreparexContext(ctx,
		`INSERT INTO agent_state_log (tenant_id, agent_id, at, from_state, to_state, reason, pending, cause, call_id, by_user) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
	if err != nil {
		return err
	}
	defer stmt.Close()
	for _, c := range changes {
		if _, err := stmt.ExecContext(ctx, c.Tenant, c.Agent, c.At.UTC().Format(timeLayout), c.From, c.To, c.Reason, c.Pending, c.Cause, c.Call, c.By); err != nil {
			return fmt.Errorf("append state log: %w", err)
		}
	}
	return nil
}

// StateLog returns an agent's state changes in order.
func (d *DB) StateLog(ctx context.Context, tenant ccaas.TenantID, agent ccaas.AgentID) ([]ccaas.StateChange, error) {
	var rows []struct {
		ccaas.StateChange
		At string `db:"at"`
	}
	err := d.db.SelectContext(ctx, &rows,
		`SELECT tenant_id, agent_id, at, from_state, to_state, reason, pending, cause, call_id, by_user FROM agent_state_log WHERE tenant_id = ? AND agent_id = ? ORDER BY id`, tenant, agent)
	if err != nil {
		return nil, fmt.Errorf("state log: %w", err)
	}
	out := make([]ccaas.StateChange, len(rows))
	for i, r := range rows {
		out[i] = r.StateChange
		out[i].At, _ = time.Parse(timeLayout, r.At)
	}
	return out, nil
}

// AddReason adds a tenant's own Not Ready reason.
func (d *DB) AddReason(ctx context.Context, tenant ccaas.TenantID, reason string) error {
	if _, err := d.db.ExecContext(ctx, `INSERT INTO not_ready_reasons (tenant_id, reason) VALUES (?, ?)`, tenant, reason); err != nil {
		return fmt.Errorf("add reason %q: %w", reason, duplicate(err))
	}
	return nil
}

// settingsColumns are the columns of ccaas.Settings.
const settingsColumns = `notify_incoming, agent_calls_not_ready, trunk, caller_id, screen_pop_url, screen_pop_on, recording_retention_days, record_other, end_wrapup_early, time_zone`

// SetSettings changes a tenant's switches, outbound calling and retention
// (0 days keeps the current one).
func (d *DB) SetSettings(ctx context.Context, tenant ccaas.TenantID, s ccaas.Settings) error {
	if s.ScreenPopOn == "" {
		s.ScreenPopOn = ccaas.ScreenPopOnAnswer
	}
	if s.RecordOther == "" {
		s.RecordOther = ccaas.RecordNever
	}
	_, err := d.db.ExecContext(ctx, `UPDATE tenants SET notify_incoming = ?, agent_calls_not_ready = ?, trunk = ?, caller_id = ?, screen_pop_url = ?, screen_pop_on = ?,
		recording_retention_days = CASE WHEN ? > 0 THEN ? ELSE recording_retention_days END, record_other = ?, end_wrapup_early = ?, time_zone = ? WHERE id = ?`,
		s.NotifyIncoming, s.AgentCallsNotReady, s.Trunk, s.CallerID, s.ScreenPopURL, s.ScreenPopOn, s.RecordingRetentionDays, s.RecordingRetentionDays, s.RecordOther, s.EndWrapupEarly, s.TimeZone, tenant)
	if err != nil {
		return fmt.Errorf("settings: %w", err)
	}
	return nil
}

// AddCallVariable adds an attached-data item after the tenant's others; a
// tenant has at most ccaas.MaxCallVariables.
func (d *DB) AddCallVariable(ctx context.Context, tenant ccaas.TenantID, v ccaas.CallVariable) error {
	return d.inTx(ctx, func(tx *sqlx.Tx) error {
		var n int
		if err := tx.GetContext(ctx, &n, `SELECT COUNT(*) FROM call_variables WHERE tenant_id = ?`, tenant); err != nil {
			return err
		}
		if n >= ccaas.MaxCallVariables {
			return fmt.Errorf("a tenant has at most %d call variables", ccaas.MaxCallVariables)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO call_variables (tenant_id, position, key_name, variable) VALUES (?, ?, ?, ?)`,
			tenant, n+1, v.Key, v.Variable); err != nil {
			return fmt.Errorf("add call variable %s: %w", v.Variable, duplicate(err))
		}
		return nil
	})
}

func timeText(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(timeLayout)
}

// AppendCallRecords writes ended calls with their agents, in one transaction.
func (d *DB) AppendCallRecords(ctx context.Context, calls []ccaas.CallRecord) error {
	return d.inTx(ctx, func(tx *sqlx.Tx) error { return appendCallRecords(ctx, tx, calls) })
}

func appendCallRecords(ctx context.Context, tx *sqlx.Tx, calls []ccaas.CallRecord) error {
	if len(calls) == 0 {
		return nil
	}
	// prepared once per batch: preparing per row cost as much as the inserts
	callStmt, err := tx.PreparexContext(ctx,
		`INSERT INTO calls (id, tenant_id, direction, queue_id, queue_name, number, name, did, arrived_at, answered_at, ended_at,
		 wait_ms, talk_ms, hold_ms, transfers, joins, end_reason, recording_id, recording_failed, estimate_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
	if err != nil {
		return err
	}
	defer callStmt.Close()
	agentStmt, err := tx.PreparexContext(ctx,
		`INSERT INTO call_agents (call_id, seq, agent_id, role, offered_at, joined_at, left_at, hold_ms, outcome) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`)
	if err != nil {
		return err
	}
	defer agentStmt.Close()
	for _, c := range calls {
		var queue, estimate any
		if c.Queue != 0 {
			queue = c.Queue
		}
		if c.Estimated {
			estimate = c.Estimate.Milliseconds()
		}
		if _, err := callStmt.ExecContext(ctx,
			c.ID, c.Tenant, c.Direction, queue, c.QueueName, c.Number, c.Name, c.DID, timeText(c.Arrived), timeText(c.Answered), timeText(c.Ended),
			c.Wait.Milliseconds(), c.Talk.Milliseconds(), c.Hold.Milliseconds(), c.Transfers, c.Joins, c.EndReason, string(c.Recording), c.RecordingFailed, estimate); err != nil {
			return fmt.Errorf("call record %s: %w", c.ID, err)
		}
		if err := appendCallRecording(ctx, tx, c); err != nil {
			return err
		}
		for i, a := range c.Agents {
			if _, err := agentStmt.ExecContext(ctx,
				c.ID, i+1, a.Agent, a.Role, timeText(a.Offered), timeText(a.Joined), timeText(a.Left), a.Hold.Milliseconds(), a.Outcome); err != nil {
				return fmt.Errorf("call record %s agent %d: %w", c.ID, a.Agent, err)
			}
		}
	}
	return nil
}

// RecentCalls returns an agent's latest calls, newest first, each with the
// other party: the customer, the number dialled, or between agents the
// other agent (the dialler's extension and name for the agent called).
func (d *DB) RecentCalls(ctx context.Context, tenant ccaas.TenantID, agent ccaas.AgentID, limit int) ([]ccaas.RecentCall, error) {
	var rows []struct {
		Offered   string `db:"offered_at"`
		Joined    string `db:"joined_at"`
		Left      string `db:"left_at"`
		Number    string `db:"number"`
		Name      string `db:"name"`
		Direction string `db:"direction"`
		Outcome   string `db:"outcome"`
		Code      string `db:"code"`
		Note      string `db:"note"`
	}
	err := d.db.SelectContext(ctx, &rows,
		`SELECT a.offered_at, a.joined_at, a.left_at, c.direction, a.outcome, COALESCE(cd.code, '') AS code, COALESCE(cd.note, '') AS note,
		   CASE WHEN c.direction = :internal AND a.role != :dialer THEN COALESCE(da.extension, '') ELSE c.number END AS number,
		   CASE WHEN c.direction = :internal AND a.role != :dialer THEN COALESCE(da.name, '') ELSE c.name END AS name
		 FROM call_agents a JOIN calls c ON c.id = a.call_id
		 LEFT JOIN call_agents d ON d.call_id = c.id AND d.role = :dialer AND c.direction = :internal
		 LEFT JOIN agents da ON da.id = d.agent_id AND da.tenant_id = c.tenant_id
		 LEFT JOIN call_dispositions cd ON cd.call_id = a.call_id AND cd.agent_id = a.agent_id AND cd.tenant_id = c.tenant_id
		 WHERE c.tenant_id = :tenant AND a.agent_id = :agent ORDER BY a.offered_at DESC LIMIT :limit`,
		sql.Named("internal", ccaas.DirInternal), sql.Named("dialer", ccaas.PartDialer),
		sql.Named("tenant", tenant), sql.Named("agent", agent), sql.Named("limit", limit))
	if err != nil {
		return nil, fmt.Errorf("recent calls: %w", err)
	}
	out := make([]ccaas.RecentCall, len(rows))
	for i, r := range rows {
		at, _ := time.Parse(timeLayout, r.Offered)
		out[i] = ccaas.RecentCall{At: at, Number: r.Number, Name: r.Name, Direction: r.Direction, Outcome: r.Outcome, Code: r.Code, Note: r.Note}
		if joined, err := time.Parse(timeLayout, r.Joined); err == nil {
			if left, err := time.Parse(timeLayout, r.Left); err == nil {
				out[i].Seconds = int(left.Sub(joined).Round(time.Second) / time.Second)
			}
		}
	}
	return out, nil
}

// callRow is a row of calls as stored.
type callRow struct {
	ID              ccaas.CallID  `db:"id"`
	Direction       string        `db:"direction"`
	Queue           sql.NullInt64 `db:"queue_id"`
	QueueName       string        `db:"queue_name"`
	Number          string        `db:"number"`
	Name            string        `db:"name"`
	DID             string        `db:"did"`
	Arrived         string        `db:"arrived_at"`
	Answered        string        `db:"answered_at"`
	Ended           string        `db:"ended_at"`
	Wait            int64         `db:"wait_ms"`
	Talk            int64         `db:"talk_ms"`
	Hold            int64         `db:"hold_ms"`
	Transfers       int           `db:"transfers"`
	Joins           int           `db:"joins"`
	EndReason       string        `db:"end_reason"`
	Recording       string        `db:"recording_id"`
	RecordingFailed bool          `db:"recording_failed"`
	Estimate        sql.NullInt64 `db:"estimate_ms"`
}

const callColumns = `id, direction, queue_id, queue_name, number, name, did, arrived_at, answered_at, ended_at, wait_ms, talk_ms, hold_ms, transfers, joins, end_reason, recording_id, recording_failed, estimate_ms`

func (r callRow) record(tenant ccaas.TenantID) ccaas.CallRecord {
	return ccaas.CallRecord{ID: r.ID, Tenant: tenant, Direction: r.Direction, Queue: ccaas.QueueID(r.Queue.Int64), QueueName: r.QueueName,
		Number: r.Number, Name: r.Name, DID: r.DID, Arrived: parseTime(r.Arrived), Answered: parseTime(r.Answered), Ended: parseTime(r.Ended),
		Wait: ms(r.Wait), Talk: ms(r.Talk), Hold: ms(r.Hold), Transfers: r.Transfers, Joins: r.Joins, EndReason: r.EndReason,
		Recording: ccaas.RecordingID(r.Recording), RecordingFailed: r.RecordingFailed,
		Estimate: ms(r.Estimate.Int64), Estimated: r.Estimate.Valid}
}

// callAgentRow is a row of call_agents as stored.
type callAgentRow struct {
	Call    ccaas.CallID  `db:"call_id"`
	Agent   ccaas.AgentID `db:"agent_id"`
	Role    string        `db:"role"`
	Offered string        `db:"offered_at"`
	Joined  string        `db:"joined_at"`
	Left    string        `db:"left_at"`
	Hold    int64         `db:"hold_ms"`
	Outcome string        `db:"outcome"`
}

const callAgentColumns = `a.call_id, a.agent_id, a.role, a.offered_at, a.joined_at, a.left_at, a.hold_ms, a.outcome`

func (r callAgentRow) agent() ccaas.CallAgent {
	return ccaas.CallAgent{Agent: r.Agent, Role: r.Role, Offered: parseTime(r.Offered), Joined: parseTime(r.Joined), Left: parseTime(r.Left),
		Hold: ms(r.Hold), Outcome: r.Outcome}
}

// parseTime reads a stored time; "" (never) is the zero time.
func parseTime(s string) time.Time {
	t, _ := time.Parse(timeLayout, s)
	return t
}

func ms(n int64) time.Duration { return time.Duration(n) * time.Millisecond }

// CallRecord reads one call's record back (tests, reports).
func (d *DB) CallRecord(ctx context.Context, tenant ccaas.TenantID, id ccaas.CallID) (ccaas.CallRecord, error) {
	var row callRow
	if err := d.db.GetContext(ctx, &row, `SELECT `+callColumns+` FROM calls WHERE tenant_id = ? AND id = ?`, tenant, id); err != nil {
		return ccaas.CallRecord{}, notFound(err, "call "+string(id))
	}
	r := row.record(tenant)
	var err error
	if r.Agents, err = d.callAgents(ctx, id); err != nil {
		return r, err
	}
	ds, err := d.Dispositions(ctx, tenant, id)
	if err != nil {
		return r, err
	}
	r.Dispositions = ds
	return r, d.loadRecording(ctx, &r)
}

// callAgents are a call's agents in the order they came to it (nil for
// none).
func (d *DB) callAgents(ctx context.Context, id ccaas.CallID) ([]ccaas.CallAgent, error) {
	var rows []callAgentRow
	if err := d.db.SelectContext(ctx, &rows, `SELECT `+callAgentColumns+` FROM call_agents a WHERE a.call_id = ? ORDER BY a.seq`, id); err != nil {
		return nil, fmt.Errorf("agents of call %s: %w", id, err)
	}
	var out []ccaas.CallAgent
	for _, a := range rows {
		out = append(out, a.agent())
	}
	return out, nil
}

// CallRecords returns a tenant's calls that arrived in [from, to), with
// their agents, in order of arrival (reports).
func (d *DB) CallRecords(ctx context.Context, tenant ccaas.TenantID, from, to time.Time) ([]ccaas.CallRecord, error) {
	args := named(tenant, from, to)
	var rows []callRow
	if err := d.db.SelectContext(ctx, &rows, reportCallsQuery, args...); err != nil {
		return nil, fmt.Errorf("call records: %w", err)
	}
	var agents []callAgentRow
	if err := d.db.SelectContext(ctx, &agents, reportCallAgentsQuery, args...); err != nil {
		return nil, fmt.Errorf("call records' agents: %w", err)
	}
	var dispositions []dispositionRow
	if err := d.db.SelectContext(ctx, &dispositions, reportDispositionsQuery, args...); err != nil {
		return nil, fmt.Errorf("call records' dispositions: %w", err)
	}
	byCall := make(map[ccaas.CallID][]ccaas.CallAgent, len(rows))
	for _, a := range agents {
		byCall[a.Call] = append(byCall[a.Call], a.agent())
	}
	given := make(map[ccaas.CallID][]ccaas.Disposition, len(dispositions))
	for _, r := range dispositions {
		given[r.Call] = append(given[r.Call], r.disposition())
	}
	out := make([]ccaas.CallRecord, len(rows))
	for i, r := range rows {
		out[i] = r.record(tenant)
		out[i].Agents = byCall[r.ID]
		out[i].Dispositions = given[r.ID]
	}
	return out, nil
}

// The report queries; each reads through an index (report_test.go checks
// the plans).
const (
	reportCallsQuery = `SELECT ` + callColumns + ` FROM calls
		WHERE tenant_id = :tenant AND arrived_at >= :from AND arrived_at < :to ORDER BY arrived_at, id`
	reportCallAgentsQuery = `SELECT ` + callAgentColumns + ` FROM calls c JOIN call_agents a ON a.call_id = c.id
		WHERE c.tenant_id = :tenant AND c.arrived_at >= :from AND c.arrived_at < :to ORDER BY a.call_id, a.seq`
	stateColumns     = `id, tenant_id, agent_id, at, from_state, to_state, reason, pending, cause, call_id, by_user`
	reportStateQuery = `
		SELECT ` + stateColumns + ` FROM agent_state_log WHERE id IN (
			SELECT (SELECT l.id FROM agent_state_log l WHERE l.tenant_id = a.tenant_id AND l.agent_id = a.id AND l.at < :from ORDER BY l.at DESC, l.id DESC LIMIT 1)
			FROM agents a WHERE a.tenant_id = :tenant)
		UNION ALL
		SELECT ` + stateColumns + ` FROM agent_state_log WHERE tenant_id = :tenant AND at >= :from AND at < :to
		UNION ALL
		SELECT ` + stateColumns + ` FROM agent_state_log WHERE id IN (
			SELECT l.id FROM calls c CROSS JOIN agent_state_log l ON l.tenant_id = c.tenant_id AND l.call_id = c.id
			WHERE c.tenant_id = :tenant AND c.arrived_at >= :from AND c.arrived_at < :to AND l.call_id != '' AND l.at >= :to)
		ORDER BY at, id`
)

// named are the arguments of the report queries.
func named(tenant ccaas.TenantID, from, to time.Time) []any {
	return []any{sql.Named("tenant", tenant), sql.Named("from", timeText(from)), sql.Named("to", timeText(to))}
}

// ReportStateLog returns what a report of [from, to) needs of a tenant's
// agent-state log, in the order it was written (by time, then by row):
// each agent's last row before from (the state they were in when the
// period began), every row in [from, to), and the rows from to on that
// belong to a call that arrived in [from, to) (its wrapups and missed
// offers, which count with the call).
func (d *DB) ReportStateLog(ctx context.Context, tenant ccaas.TenantID, from, to time.Time) ([]ccaas.StateChange, error) {
	var rows []struct {
		ID int64 `db:"id"`
		ccaas.StateChange
		At string `db:"at"`
	}
	if err := d.db.SelectContext(ctx, &rows, reportStateQuery, named(tenant, from, to)...); err != nil {
		return nil, fmt.Errorf("state log for report: %w", err)
	}
	out := make([]ccaas.StateChange, len(rows))
	for i, r := range rows {
		out[i] = r.StateChange
		out[i].At = parseTime(r.At)
	}
	return out, nil
}

// Stats counts a tenant's call records by kind (tests and a quick look).
func (d *DB) Stats(ctx context.Context, tenant ccaas.TenantID, calls, answered, transfers, joins, outbound, internal, held *int) error {
	return d.db.QueryRowContext(ctx, `SELECT COUNT(*), COUNT(NULLIF(answered_at, '')), COALESCE(SUM(transfers), 0), COALESCE(SUM(joins), 0),
		COUNT(CASE WHEN direction = 'outbound' THEN 1 END), COUNT(CASE WHEN direction = 'internal' THEN 1 END), COUNT(CASE WHEN hold_ms > 0 THEN 1 END)
		FROM calls WHERE tenant_id = ?`, tenant).Scan(calls, answered, transfers, joins, outbound, internal, held)
}

// inTx runs do in one transaction, committed when do returns nil.
func (d *DB) inTx(ctx context.Context, do func(tx *sqlx.Tx) error) error {
	tx, err := d.db.BeginTxx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if err := do(tx); err != nil {
		return err
	}
	return tx.Commit()
}

// newID is the id of the row an INSERT added; a unique violation is the
// model's duplicate error, prefixed with what.
func newID(res sql.Result, err error, what string) (int64, error) {
	if err != nil {
		return 0, fmt.Errorf("%s: %w", what, duplicate(err))
	}
	return res.LastInsertId()
}

// exactlyOne turns "no row changed" into ErrNotFound: the id does not exist
// in this tenant (it may exist in another one, which must look the same).
func exactlyOne(res sql.Result, err error, what string) error {
	if err != nil {
		return fmt.Errorf("%s: %w", what, duplicate(err))
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("%s: %w", what, ccaas.ErrNotFound)
	}
	return nil
}

// Agent returns one agent of a tenant; a deleted agent is not found.
func (d *DB) Agent(ctx context.Context, tenant ccaas.TenantID, id ccaas.AgentID) (ccaas.Agent, error) {
	var a ccaas.Agent
	err := d.db.GetContext(ctx, &a, `SELECT `+agentColumns+` FROM agents WHERE tenant_id = ? AND id = ? AND deleted_at = ''`, tenant, id)
	if err != nil {
		return a, notFound(err, fmt.Sprintf("agent %d", id))
	}
	return a, nil
}

// UpdateAgent changes an agent's name, extension, role, wrapup time and team.
func (d *DB) UpdateAgent(ctx context.Context, a ccaas.Agent) error {
	res, err := d.db.ExecContext(ctx, `UPDATE agents SET username = ?, name = ?, extension = ?, role = ?, wrapup_seconds = ?, team = ? WHERE tenant_id = ? AND id = ? AND deleted_at = ''`,
		a.Username, a.Name, a.Extension, a.Role, a.WrapupSeconds, a.Team, a.TenantID, a.ID)
	return exactlyOne(res, err, fmt.Sprintf("update agent %d", a.ID))
}

// SetPassword replaces an agent's bcrypt hash.
func (d *DB) SetPassword(ctx context.Context, tenant ccaas.TenantID, id ccaas.AgentID, hash string) error {
	res, err := d.db.ExecContext(ctx, `UPDATE agents SET password_hash = ? WHERE tenant_id = ? AND id = ? AND deleted_at = ''`, hash, tenant, id)
	return exactlyOne(res, err, fmt.Sprintf("password of agent %d", id))
}

// SetAgentQueues replaces an agent's queue memberships (queue → skill) in one
// transaction. The agent and every queue must be the tenant's own.
func (d *DB) SetAgentQueues(ctx context.Context, tenant ccaas.TenantID, agent ccaas.AgentID, skills map[ccaas.QueueID]int) error {
	return d.inTx(ctx, func(tx *sqlx.Tx) error {
		var n int
		if err := tx.GetContext(ctx, &n, `SELECT COUNT(*) FROM agents WHERE tenant_id = ? AND id = ? AND deleted_at = ''`, tenant, agent); err != nil {
			return fmt.Errorf("queues of agent %d: %w", agent, err)
		}
		if n == 0 {
			return fmt.Errorf("queues of agent %d: %w", agent, ccaas.ErrNotFound)
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM queue_members WHERE agent_id = ?`, agent); err != nil {
			return fmt.Errorf("queues of agent %d: %w", agent, err)
		}
		queues := make([]ccaas.QueueID, 0, len(skills))
		for q := range skills {
			queues = append(queues, q)
		}
		slices.Sort(queues)
		for _, q := range queues {
			res, err := tx.ExecContext(ctx,
				`INSERT INTO queue_members (queue_id, agent_id, skill) SELECT id, ?, ? FROM queues WHERE id = ? AND tenant_id = ?`,
				agent, max(skills[q], 1), q, tenant)
			if err := exactlyOne(res, err, fmt.Sprintf("agent %d: queue %d", agent, q)); err != nil {
				return err
			}
		}
		return nil
	})
}

// DeleteAgent deletes an agent: they leave their queues and can no longer
// log in, and their username and extension are free for a new agent, but
// their row stays, so that their state log, call records and reports keep
// naming them (TenantConfig.Deleted).
func (d *DB) DeleteAgent(ctx context.Context, tenant ccaas.TenantID, id ccaas.AgentID) error {
	return d.inTx(ctx, func(tx *sqlx.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE agents SET deleted_at = ? WHERE tenant_id = ? AND id = ? AND deleted_at = ''`,
			timeText(time.Now()), tenant, id)
		if err := exactlyOne(res, err, fmt.Sprintf("delete agent %d", id)); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM queue_members WHERE agent_id = ?`, id); err != nil {
			return fmt.Errorf("delete agent %d: %w", id, err)
		}
		return nil
	})
}

// UpdateQueue replaces a queue's settings, DIDs and members in one
// transaction. Members must be agents of the queue's tenant.
func (d *DB) UpdateQueue(ctx context.Context, q ccaas.Queue) error {
	if q.Record == "" {
		q.Record = ccaas.RecordNever
	}
	return d.inTx(ctx, func(tx *sqlx.Tx) error {
		args := []any{q.Name, q.RingSeconds, q.MOHClass, q.Priority, q.Strategy, q.MaxWaitSeconds, q.Overflow, q.OverflowTarget, q.AnnounceSeconds, q.ServiceLevelSeconds, q.CodeRequired, q.Record}
		args = append(append(args, waitingValues(waitingDefaults(q.WaitingRules))...), q.TenantID, q.ID)
		res, err := tx.ExecContext(ctx,
			`UPDATE queues SET name = ?, ring_seconds = ?, moh_class = ?, priority = ?, strategy = ?, max_wait_seconds = ?,
			 overflow = ?, overflow_target = ?, announce_seconds = ?, service_level_seconds = ?, code_required = ?, record = ?, `+waitingSet+` WHERE tenant_id = ? AND id = ?`,
			args...)
		if err := exactlyOne(res, err, fmt.Sprintf("update queue %d", q.ID)); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM queue_dids WHERE queue_id = ?`, q.ID); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM queue_members WHERE queue_id = ?`, q.ID); err != nil {
			return err
		}
		for _, did := range q.DIDs {
			if err := insertQueueDID(ctx, tx, q, did); err != nil {
				return err
			}
		}
		for _, m := range q.Members {
			res, err := tx.ExecContext(ctx,
				`INSERT INTO queue_members (queue_id, agent_id, skill) SELECT ?, id, ? FROM agents WHERE id = ? AND tenant_id = ? AND deleted_at = ''`,
				q.ID, max(m.Skill, 1), m.Agent, q.TenantID)
			if err := exactlyOne(res, err, fmt.Sprintf("queue %s: member %d", q.Name, m.Agent)); err != nil {
				return err
			}
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM queue_wrapup_codes WHERE queue_id = ?`, q.ID); err != nil {
			return err
		}
		return insertWrapupCodes(ctx, tx, q)
	})
}

// DeleteQueue removes a queue with its DIDs and memberships.
func (d *DB) DeleteQueue(ctx context.Context, tenant ccaas.TenantID, id ccaas.QueueID) error {
	res, err := d.db.ExecContext(ctx, `DELETE FROM queues WHERE tenant_id = ? AND id = ?`, tenant, id)
	return exactlyOne(res, err, fmt.Sprintf("delete queue %d", id))
}

// SetCallVariables replaces a tenant's attached-data items, in order.
func (d *DB) SetCallVariables(ctx context.Context, tenant ccaas.TenantID, vars []ccaas.CallVariable) error {
	if len(vars) > ccaas.MaxCallVariables {
		return fmt.Errorf("a tenant has at most %d call variables", ccaas.MaxCallVariables)
	}
	return d.replaceRows(ctx, "call_variables", tenant, len(vars), func(tx *sqlx.Tx, i int) error {
		v := vars[i]
		if _, err := tx.ExecContext(ctx, `INSERT INTO call_variables (tenant_id, position, key_name, variable) VALUES (?, ?, ?, ?)`,
			tenant, i+1, v.Key, v.Variable); err != nil {
			return fmt.Errorf("call variable %s: %w", v.Variable, duplicate(err))
		}
		return nil
	})
}

// SetReasons replaces a tenant's own Not Ready reasons.
func (d *DB) SetReasons(ctx context.Context, tenant ccaas.TenantID, reasons []string) error {
	return d.replaceRows(ctx, "not_ready_reasons", tenant, len(reasons), func(tx *sqlx.Tx, i int) error {
		r := reasons[i]
		if _, err := tx.ExecContext(ctx, `INSERT INTO not_ready_reasons (tenant_id, reason) VALUES (?, ?)`, tenant, r); err != nil {
			return fmt.Errorf("reason %q: %w", r, duplicate(err))
		}
		return nil
	})
}

// replaceRows replaces a tenant's rows of table in one transaction: its old
// rows go, then insert adds the n new ones, i from 0.
func (d *DB) replaceRows(ctx context.Context, table string, tenant ccaas.TenantID, n int, insert func(tx *sqlx.Tx, i int) error) error {
	return d.inTx(ctx, func(tx *sqlx.Tx) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM `+table+` WHERE tenant_id = ?`, tenant); err != nil {
			return err
		}
		for i := range n {
			if err := insert(tx, i); err != nil {
				return err
			}
		}
		return nil
	})
}

// UpdateTenant changes a tenant's display name (the domain stays: agents log in with it).
func (d *DB) UpdateTenant(ctx context.Context, t ccaas.Tenant) error {
	res, err := d.db.ExecContext(ctx, `UPDATE tenants SET name = ? WHERE id = ?`, t.Name, t.ID)
	return exactlyOne(res, err, fmt.Sprintf("update tenant %d", t.ID))
}

// CreateOperator adds an operator; PasswordHash must be a bcrypt hash.
func (d *DB) CreateOperator(ctx context.Context, o ccaas.Operator) (ccaas.Operator, error) {
	res, err := d.db.ExecContext(ctx, `INSERT INTO operators (username, password_hash) VALUES (?, ?)`, o.Username, o.PasswordHash)
	o.ID, err = newID(res, err, "create operator "+o.Username)
	return o, err
}

// OperatorByUsername finds an operator (case-insensitive).
func (d *DB) OperatorByUsername(ctx context.Context, username string) (ccaas.Operator, error) {
	var o ccaas.Operator
	if err := d.db.GetContext(ctx, &o, `SELECT id, username, password_hash FROM operators WHERE username = ?`, username); err != nil {
		return o, notFound(err, "operator "+username)
	}
	return o, nil
}

// selectAs runs a query of rows R and converts each to a T.
func selectAs[R, T any](ctx context.Context, d *DB, what string, conv func(R) T, query string, args ...any) ([]T, error) {
	var rows []R
	if err := d.db.SelectContext(ctx, &rows, query, args...); err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	out := make([]T, len(rows))
	for i, r := range rows {
		out[i] = conv(r)
	}
	return out, nil
}
