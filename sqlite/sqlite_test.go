package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"io/fs"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/pressly/goose/v3"

	"github.com/ccaas/ccaas"
)

func openTest(t *testing.T) *DB {
	t.Helper()
	return openFile(t, filepath.Join(t.TempDir(), "test.db"))
}

// openFile opens the database in file path; it is closed when the test ends.
func openFile(t *testing.T, path string) *DB {
	t.Helper()
	db, err := Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// twoTenants creates the tenants one.example and two.example.
func twoTenants(t *testing.T, db *DB) (one, two ccaas.Tenant) {
	t.Helper()
	return createTenant(t, db, "one.example", "One"), createTenant(t, db, "two.example", "Two")
}

// createTenant creates a tenant; the test fails if it cannot.
func createTenant(t *testing.T, db *DB, domain, name string) ccaas.Tenant {
	t.Helper()
	ten, err := db.CreateTenant(context.Background(), ccaas.Tenant{Domain: domain, Name: name})
	if err != nil {
		t.Fatal(err)
	}
	return ten
}

// createAgent creates an agent (password hash "x" unless a has one); the
// test fails if it cannot.
func createAgent(t *testing.T, db *DB, a ccaas.Agent) ccaas.Agent {
	t.Helper()
	if a.PasswordHash == "" {
		a.PasswordHash = "x"
	}
	a, err := db.CreateAgent(context.Background(), a)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func TestTenantConfigRoundTrip(t *testing.T) {
	ctx := context.Background()
	db := openTest(t)
	ten := createTenant(t, db, "acme.example", "Acme")
	a := createAgent(t, db, ccaas.Agent{TenantID: ten.ID, Username: "alice", Name: "Alice", Extension: "1001"})
	if err := db.AssignDIDs(ctx, ten.ID, "5550001", "5550002"); err != nil {
		t.Fatal(err)
	}
	q, err := db.CreateQueue(ctx, ccaas.Queue{TenantID: ten.ID, Name: "Support", RingSeconds: 15, MOHClass: "default",
		DIDs: []string{"5550001"}, Members: []ccaas.Member{{Agent: a.ID, Skill: 5}}})
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := db.TenantConfig(ctx, ten.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(cfg.Agents) != 1 || cfg.Agents[0].Role != ccaas.RoleAgent || len(cfg.Queues) != 1 {
		t.Fatalf("config = %+v", cfg)
	}
	got := cfg.Queues[0]
	if got.ID != q.ID || got.RingSeconds != 15 || len(got.DIDs) != 1 || got.DIDs[0] != "5550001" || len(got.Members) != 1 || got.Members[0] != (ccaas.Member{Agent: a.ID, Skill: 5}) || got.Strategy != "longest_idle" || got.Overflow != "hangup" {
		t.Fatalf("queue = %+v", got)
	}
	if byDomain, err := db.TenantByDomain(ctx, "ACME.example"); err != nil || byDomain.ID != ten.ID {
		t.Fatalf("TenantByDomain is not case-insensitive: %+v %v", byDomain, err)
	}
	if s := cfg.Settings; s.ScreenPopURL != "" || s.ScreenPopOn != ccaas.ScreenPopOnAnswer {
		t.Fatalf("a new tenant's screen pop = %+v", s)
	}
	want := ccaas.Settings{NotifyIncoming: true, Trunk: "itsp", CallerID: "Acme", ScreenPopURL: "https://crm.example/?p={caller}", ScreenPopOn: ccaas.ScreenPopOnOffer, RecordingRetentionDays: 30, RecordOther: ccaas.RecordAlways}
	if err := db.SetSettings(ctx, ten.ID, want); err != nil {
		t.Fatal(err)
	}
	if cfg, err := db.TenantConfig(ctx, ten.ID); err != nil || cfg.Settings != want {
		t.Fatalf("settings = %+v, %v; want %+v", cfg.Settings, err, want)
	}
}

func TestTenantIsolation(t *testing.T) {
	ctx := context.Background()
	db := openTest(t)
	t1, t2 := twoTenants(t, db)
	a1 := createAgent(t, db, ccaas.Agent{TenantID: t1.ID, Username: "sam", Name: "Sam", Extension: "1001"})
	// the same username and extension in another tenant is fine
	if _, err := db.CreateAgent(ctx, ccaas.Agent{TenantID: t2.ID, Username: "sam", Name: "Sam Two", Extension: "1001", PasswordHash: "y"}); err != nil {
		t.Fatalf("same extension in another tenant: %v", err)
	}
	if _, err := db.CreateAgent(ctx, ccaas.Agent{TenantID: t1.ID, Username: "other", Name: "O", Extension: "1001", PasswordHash: "x"}); err == nil {
		t.Fatal("duplicate extension within a tenant accepted")
	}
	if _, err := db.AgentByUsername(ctx, t2.ID, "nobody"); !errors.Is(err, ccaas.ErrNotFound) {
		t.Fatalf("missing agent: %v", err)
	}
	got, err := db.AgentByUsername(ctx, t2.ID, "sam")
	if err != nil || got.TenantID != t2.ID || got.Name != "Sam Two" {
		t.Fatalf("AgentByUsername crossed tenants: %+v %v", got, err)
	}
	// another tenant's agent cannot be made a member of this tenant's queue
	if _, err := db.CreateQueue(ctx, ccaas.Queue{TenantID: t2.ID, Name: "Q", RingSeconds: 10, MOHClass: "default", Members: []ccaas.Member{{Agent: a1.ID}}}); !errors.Is(err, ccaas.ErrNotFound) {
		t.Fatalf("cross-tenant member: %v", err)
	}
	// a DID is one tenant's, and rings one of its queues only
	if err := db.AssignDIDs(ctx, t1.ID, "100"); err != nil {
		t.Fatal(err)
	}
	if _, err := db.CreateQueue(ctx, ccaas.Queue{TenantID: t1.ID, Name: "A", RingSeconds: 10, MOHClass: "default", DIDs: []string{"100"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := db.CreateQueue(ctx, ccaas.Queue{TenantID: t2.ID, Name: "B", RingSeconds: 10, MOHClass: "default", DIDs: []string{"100"}}); !errors.Is(err, ccaas.ErrDIDNotAssigned) {
		t.Fatalf("another tenant's DID: %v", err)
	}
	if _, err := db.CreateQueue(ctx, ccaas.Queue{TenantID: t2.ID, Name: "C", RingSeconds: 10, MOHClass: "default", DIDs: []string{"555"}}); !errors.Is(err, ccaas.ErrDIDNotAssigned) {
		t.Fatalf("an unassigned DID: %v", err)
	}
	if err := db.AssignDIDs(ctx, t2.ID, "100"); !errors.Is(err, ccaas.ErrDuplicate) {
		t.Fatalf("assigning another tenant's DID: %v", err)
	}
	if queues, err := db.UnassignDIDs(ctx, t1.ID, "100"); err != nil || !slices.Equal(queues, []string{"A"}) {
		t.Fatalf("unassign = %v %v", queues, err)
	}
	if cfg, _ := db.TenantConfig(ctx, t1.ID); len(cfg.DIDs) != 0 || len(cfg.Queues[0].DIDs) != 0 {
		t.Fatalf("after unassigning: %v %v", cfg.DIDs, cfg.Queues[0].DIDs)
	}
}

func TestReopenKeepsData(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "keep.db")
	db := openFile(t, path)
	createTenant(t, db, "keep.example", "Keep")
	db.Close()
	db, err := Open(ctx, path)
	if err != nil {
		t.Fatalf("reopen (migrations must be idempotent): %v", err)
	}
	defer db.Close()
	if _, err := db.TenantByDomain(ctx, "keep.example"); err != nil {
		t.Fatal(err)
	}
}

func TestAtMostTenCallVariables(t *testing.T) {
	ctx := context.Background()
	db := openTest(t)
	ten := createTenant(t, db, "vars.example", "Vars")
	for i := range ccaas.MaxCallVariables {
		if err := db.AddCallVariable(ctx, ten.ID, ccaas.CallVariable{Key: "k", Variable: "V" + string(rune('A'+i))}); err != nil {
			t.Fatal(err)
		}
	}
	if err := db.AddCallVariable(ctx, ten.ID, ccaas.CallVariable{Key: "k", Variable: "TOO_MANY"}); err == nil {
		t.Fatal("an eleventh call variable was accepted")
	}
	cfg, _ := db.TenantConfig(ctx, ten.ID)
	if len(cfg.Variables) != ccaas.MaxCallVariables || cfg.Variables[0].Variable != "VA" {
		t.Fatalf("variables = %+v", cfg.Variables)
	}
}

func TestUpdatesAreScopedByTenant(t *testing.T) {
	ctx := context.Background()
	db := openTest(t)
	t1, t2 := twoTenants(t, db)
	a1 := createAgent(t, db, ccaas.Agent{TenantID: t1.ID, Username: "a", Name: "A", Extension: "1001"})
	db.AssignDIDs(ctx, t1.ID, "100")
	q1, _ := db.CreateQueue(ctx, ccaas.Queue{TenantID: t1.ID, Name: "Q", RingSeconds: 10, DIDs: []string{"100"}})
	// tenant two guesses tenant one's ids
	steps := []struct {
		name string
		err  error
	}{
		{"update agent", db.UpdateAgent(ctx, ccaas.Agent{ID: a1.ID, TenantID: t2.ID, Username: "evil", Name: "E", Extension: "6666", Role: "admin"})},
		{"set password", db.SetPassword(ctx, t2.ID, a1.ID, "hash")},
		{"delete agent", db.DeleteAgent(ctx, t2.ID, a1.ID)},
		{"update queue", db.UpdateQueue(ctx, ccaas.Queue{ID: q1.ID, TenantID: t2.ID, Name: "stolen", RingSeconds: 5, Strategy: "longest_idle", Overflow: "hangup"})},
		{"delete queue", db.DeleteQueue(ctx, t2.ID, q1.ID)},
	}
	for _, st := range steps {
		if !errors.Is(st.err, ccaas.ErrNotFound) {
			t.Errorf("%s across tenants: %v, want ErrNotFound", st.name, st.err)
		}
	}
	if _, err := db.Agent(ctx, t2.ID, a1.ID); !errors.Is(err, ccaas.ErrNotFound) {
		t.Errorf("read agent across tenants: %v", err)
	}
	// nothing changed for tenant one
	got, err := db.Agent(ctx, t1.ID, a1.ID)
	if err != nil || got.Username != "a" || got.PasswordHash != "x" {
		t.Fatalf("agent changed: %+v %v", got, err)
	}
	cfg, _ := db.TenantConfig(ctx, t1.ID)
	if len(cfg.Queues) != 1 || cfg.Queues[0].Name != "Q" || cfg.Queues[0].DIDs[0] != "100" {
		t.Fatalf("queue changed: %+v", cfg.Queues)
	}
	// a queue of one tenant cannot take another tenant's agent as member
	q1.Members = []ccaas.Member{{Agent: a1.ID, Skill: 3}}
	q1.Strategy, q1.Overflow = "longest_idle", "hangup"
	if err := db.UpdateQueue(ctx, q1); err != nil {
		t.Fatal(err)
	}
	b2 := createAgent(t, db, ccaas.Agent{TenantID: t2.ID, Username: "b", Name: "B", Extension: "1001"})
	q1.Members = append(q1.Members, ccaas.Member{Agent: b2.ID, Skill: 1})
	if err := db.UpdateQueue(ctx, q1); !errors.Is(err, ccaas.ErrNotFound) {
		t.Fatalf("foreign member: %v", err)
	}
	cfg, _ = db.TenantConfig(ctx, t1.ID)
	if len(cfg.Queues[0].Members) != 1 {
		t.Fatalf("a failed update left members %+v", cfg.Queues[0].Members)
	}
}

func TestAgentTeamAndQueues(t *testing.T) {
	ctx := context.Background()
	db := openTest(t)
	t1, t2 := twoTenants(t, db)
	a := createAgent(t, db, ccaas.Agent{TenantID: t1.ID, Username: "a", Name: "A", Extension: "1001", Team: "North"})
	q1, _ := db.CreateQueue(ctx, ccaas.Queue{TenantID: t1.ID, Name: "Q1", RingSeconds: 10})
	q2, _ := db.CreateQueue(ctx, ccaas.Queue{TenantID: t1.ID, Name: "Q2", RingSeconds: 10})
	foreign, _ := db.CreateQueue(ctx, ccaas.Queue{TenantID: t2.ID, Name: "F", RingSeconds: 10})
	a.Team = "South"
	if err := db.UpdateAgent(ctx, a); err != nil {
		t.Fatal(err)
	}
	if err := db.SetAgentQueues(ctx, t1.ID, a.ID, map[ccaas.QueueID]int{q1.ID: 4, q2.ID: 0}); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		tenant ccaas.TenantID
		skills map[ccaas.QueueID]int
	}{
		{name: "another tenant's queue", tenant: t1.ID, skills: map[ccaas.QueueID]int{q1.ID: 1, foreign.ID: 1}},
		{name: "agent of another tenant", tenant: t2.ID, skills: map[ccaas.QueueID]int{foreign.ID: 1}},
		{name: "missing queue", tenant: t1.ID, skills: map[ccaas.QueueID]int{9999: 1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := db.SetAgentQueues(ctx, tt.tenant, a.ID, tt.skills); !errors.Is(err, ccaas.ErrNotFound) {
				t.Fatalf("err = %v, want ErrNotFound", err)
			}
		})
	}
	cfg, _ := db.TenantConfig(ctx, t1.ID)
	if cfg.Agents[0].Team != "South" {
		t.Fatalf("team = %q", cfg.Agents[0].Team)
	}
	if m := cfg.Queues[0].Members; len(m) != 1 || m[0].Skill != 4 {
		t.Fatalf("Q1 members = %+v", m)
	}
	if m := cfg.Queues[1].Members; len(m) != 1 || m[0].Skill != 1 {
		t.Fatalf("Q2 members = %+v", m)
	}
	_, err := db.CreateAgent(ctx, ccaas.Agent{TenantID: t1.ID, Username: "b", Name: "B", Extension: "1001", PasswordHash: "x"})
	if cols, ok := uniqueColumns(err); !ok || cols != "agents.tenant_id, agents.extension" {
		t.Fatalf("uniqueColumns(%v) = %q, %v", err, cols, ok)
	}
	if _, ok := uniqueColumns(errors.New("UNIQUE constraint failed: x")); ok {
		t.Fatal("uniqueColumns took a plain error for a constraint violation")
	}
	// callers see it in the model's words
	var dup *ccaas.DuplicateError
	if !errors.Is(err, ccaas.ErrDuplicate) || !errors.As(err, &dup) || dup.Record != "agent" || dup.Field != "extension" {
		t.Fatalf("err = %v (%+v), want the agent's extension as ccaas.ErrDuplicate", err, dup)
	}
	if !strings.Contains(err.Error(), "UNIQUE constraint failed: agents.tenant_id, agents.extension") {
		t.Fatalf("err = %q, want sqlite's own text", err)
	}
}

// TestDuplicatesNameTheValue: every value that must be unique answers
// ccaas.ErrDuplicate naming the record and field, so that callers tell the
// user which one is taken without knowing the schema.
func TestDuplicatesNameTheValue(t *testing.T) {
	ctx := context.Background()
	db := openTest(t)
	ten := createTenant(t, db, "acme.example", "Acme")
	other := createTenant(t, db, "other.example", "Other")
	a := createAgent(t, db, ccaas.Agent{TenantID: ten.ID, Username: "alice", Name: "Alice", Extension: "1001"})
	b := createAgent(t, db, ccaas.Agent{TenantID: ten.ID, Username: "bob", Name: "Bob", Extension: "1002"})
	if err := db.AssignDIDs(ctx, ten.ID, "5550001"); err != nil {
		t.Fatal(err)
	}
	q, err := db.CreateQueue(ctx, ccaas.Queue{TenantID: ten.ID, Name: "Support", RingSeconds: 15, DIDs: []string{"5550001"}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.CreateOperator(ctx, ccaas.Operator{Username: "root", PasswordHash: "x"}); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name          string
		do            func() error
		record, field string
	}{
		{"tenant domain", func() error {
			_, err := db.CreateTenant(ctx, ccaas.Tenant{Domain: "ACME.example", Name: "Again"})
			return err
		}, "tenant", "domain"},
		{"agent username", func() error {
			_, err := db.CreateAgent(ctx, ccaas.Agent{TenantID: ten.ID, Username: "alice", Extension: "1009", PasswordHash: "x"})
			return err
		}, "agent", "username"},
		{"agent extension on update", func() error {
			b.Extension = a.Extension
			return db.UpdateAgent(ctx, b)
		}, "agent", "extension"},
		{"queue name", func() error {
			_, err := db.CreateQueue(ctx, ccaas.Queue{TenantID: ten.ID, Name: "Support", RingSeconds: 15})
			return err
		}, "queue", "name"},
		{"DID of another tenant", func() error {
			return db.AssignDIDs(ctx, other.ID, "5550001")
		}, "tenant", "did"},
		{"DID on update", func() error {
			q2, err := db.CreateQueue(ctx, ccaas.Queue{TenantID: ten.ID, Name: "Billing", RingSeconds: 15})
			if err != nil {
				return err
			}
			q2.DIDs = q.DIDs
			return db.UpdateQueue(ctx, q2)
		}, "queue", "did"},
		{"call variable twice", func() error {
			return db.SetCallVariables(ctx, ten.ID, []ccaas.CallVariable{{Key: "A", Variable: "V"}, {Key: "B", Variable: "V"}})
		}, "call variable", "variable"},
		{"reason twice", func() error { return db.SetReasons(ctx, ten.ID, []string{"coffee", "coffee"}) }, "reason", "reason"},
		{"operator username", func() error {
			_, err := db.CreateOperator(ctx, ccaas.Operator{Username: "ROOT", PasswordHash: "x"})
			return err
		}, "operator", "username"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.do()
			var dup *ccaas.DuplicateError
			if !errors.Is(err, ccaas.ErrDuplicate) || !errors.As(err, &dup) || dup.Record != tt.record || dup.Field != tt.field {
				t.Fatalf("err = %v (%+v), want ErrDuplicate of %s %s", err, dup, tt.record, tt.field)
			}
		})
	}
	if err := db.UpdateAgent(ctx, ccaas.Agent{ID: 999, TenantID: ten.ID, Username: "x"}); errors.Is(err, ccaas.ErrDuplicate) || !errors.Is(err, ccaas.ErrNotFound) {
		t.Fatalf("missing agent: err = %v, want ErrNotFound only", err)
	}
}

// TestUpgradeKeepsData builds a database at the first schema version, fills
// it, and migrates it to the newest: nothing is lost and the new columns get
// their defaults.
// oldDatabase makes a database file of schema version, with the rows of
// inserts, for Open to upgrade.
func oldDatabase(t *testing.T, version int64, inserts ...string) (path string) {
	t.Helper()
	ctx := context.Background()
	path = filepath.Join(t.TempDir(), "old.db")
	raw, err := sql.Open("sqlite3", "file:"+path+"?_foreign_keys=on")
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	sub, _ := fs.Sub(migrations, "migrations")
	p, err := goose.NewProvider(goose.DialectSQLite3, raw, sub)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.UpTo(ctx, version); err != nil {
		t.Fatal(err)
	}
	for _, q := range inserts {
		if _, err := raw.ExecContext(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	return path
}

func TestUpgradeKeepsData(t *testing.T) {
	ctx := context.Background()
	path := oldDatabase(t, 1,
		`INSERT INTO tenants (id, domain, name) VALUES (1, 'old.example', 'Old')`,
		`INSERT INTO agents (id, tenant_id, username, name, extension, password_hash, wrapup_seconds) VALUES (1, 1, 'sam', 'Sam', '1001', 'h', 15)`,
		`INSERT INTO queues (id, tenant_id, name, ring_seconds, moh_class) VALUES (1, 1, 'Support', 25, 'default')`,
		`INSERT INTO queue_dids (did, queue_id) VALUES ('5550001', 1)`,
		`INSERT INTO queue_members (queue_id, agent_id, skill) VALUES (1, 1, 4)`,
	)
	db, err := Open(ctx, path) // migrates to the newest version
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	cfg, err := db.TenantConfig(ctx, 1)
	if err != nil {
		t.Fatal(err)
	}
	if len(cfg.Agents) != 1 || cfg.Agents[0].WrapupSeconds != 15 || cfg.Agents[0].Role != "agent" || cfg.Agents[0].Team != "" {
		t.Fatalf("agents after upgrade: %+v", cfg.Agents)
	}
	q := cfg.Queues[0]
	if q.RingSeconds != 25 || q.DIDs[0] != "5550001" || q.Members[0].Skill != 4 || q.Strategy != "longest_idle" || q.Overflow != "hangup" || q.Priority != 0 {
		t.Fatalf("queue after upgrade: %+v", q)
	}
	if !cfg.Settings.NotifyIncoming || cfg.Settings.AgentCallsNotReady {
		t.Fatalf("settings defaults after upgrade: %+v", cfg.Settings)
	}
	// the numbers its queues rang are the tenant's: it may keep using them
	if !slices.Equal(cfg.DIDs, []string{"5550001"}) {
		t.Fatalf("the tenant's numbers after upgrade: %v", cfg.DIDs)
	}
	q.Name = "Support again"
	if err := db.UpdateQueue(ctx, q); err != nil {
		t.Fatalf("saving the queue with its number after upgrade: %v", err)
	}
}
