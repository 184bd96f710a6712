package sqlite

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/ccaas/ccaas"
)

// TestDeletedAgentKeepsHistory: a deleted agent can no longer log in, be
// edited or be made a queue member, and is listed apart; their state log
// and call records stay, late state rows for them can still be written,
// and their username and extension are free for a new agent.
func TestDeletedAgentKeepsHistory(t *testing.T) {
	ctx := context.Background()
	db := openTest(t)
	ten := createTenant(t, db, "acme.example", "Acme")
	alice := createAgent(t, db, ccaas.Agent{TenantID: ten.ID, Username: "alice", Name: "Alice Anders", Extension: "1001", Team: "Support"})
	q, err := db.CreateQueue(ctx, ccaas.Queue{TenantID: ten.ID, Name: "Support", RingSeconds: 15, Members: []ccaas.Member{{Agent: alice.ID, Skill: 1}}})
	if err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, 3, 9, 10, 0, 0, 0, time.UTC)
	row := func(from, to string, at time.Time) ccaas.StateChange {
		return ccaas.StateChange{Tenant: ten.ID, Agent: alice.ID, At: at, From: from, To: to, Cause: "test"}
	}
	if err := db.AppendStateLog(ctx, []ccaas.StateChange{row("logged_out", "not_ready", at)}); err != nil {
		t.Fatal(err)
	}
	call := ccaas.CallRecord{ID: "c1-0000000000000001", Tenant: ten.ID, Direction: ccaas.DirInbound, Queue: q.ID, QueueName: "Support",
		Arrived: at, Answered: at.Add(time.Second), Ended: at.Add(time.Minute), EndReason: ccaas.EndCallerHangup,
		Agents: []ccaas.CallAgent{{Agent: alice.ID, Role: ccaas.PartAnswer, Offered: at, Joined: at.Add(time.Second), Left: at.Add(time.Minute), Outcome: ccaas.EndCallerHangup}}}
	if err := db.AppendCallRecords(ctx, []ccaas.CallRecord{call}); err != nil {
		t.Fatal(err)
	}

	if err := db.DeleteAgent(ctx, ten.ID, alice.ID); err != nil {
		t.Fatal(err)
	}
	// the rows the app writes as it logs her out arrive after the deletion
	if err := db.AppendStateLog(ctx, []ccaas.StateChange{row("not_ready", "logged_out", at.Add(2*time.Minute))}); err != nil {
		t.Fatalf("a late state row of the deleted agent: %v", err)
	}
	if log, err := db.StateLog(ctx, ten.ID, alice.ID); err != nil || len(log) != 2 {
		t.Fatalf("state log after the deletion: %+v, %v", log, err)
	}
	if r, err := db.CallRecord(ctx, ten.ID, call.ID); err != nil || len(r.Agents) != 1 || r.Agents[0].Agent != alice.ID {
		t.Fatalf("call record after the deletion: %+v, %v", r, err)
	}

	for name, err := range map[string]error{
		"login":    second(db.AgentByUsername(ctx, ten.ID, "alice")),
		"edit":     second(db.Agent(ctx, ten.ID, alice.ID)),
		"update":   db.UpdateAgent(ctx, ccaas.Agent{ID: alice.ID, TenantID: ten.ID, Username: "alice", Name: "A", Extension: "1001", Role: ccaas.RoleAgent}),
		"password": db.SetPassword(ctx, ten.ID, alice.ID, "y"),
		"queues":   db.SetAgentQueues(ctx, ten.ID, alice.ID, map[ccaas.QueueID]int{q.ID: 1}),
		"member":   db.UpdateQueue(ctx, ccaas.Queue{ID: q.ID, TenantID: ten.ID, Name: "Support", RingSeconds: 15, Strategy: "longest_idle", Overflow: "hangup", Members: []ccaas.Member{{Agent: alice.ID, Skill: 1}}}),
		"again":    db.DeleteAgent(ctx, ten.ID, alice.ID),
	} {
		if !errors.Is(err, ccaas.ErrNotFound) {
			t.Errorf("%s of a deleted agent: %v, want not found", name, err)
		}
	}
	cfg, err := db.TenantConfig(ctx, ten.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(cfg.Agents) != 0 || len(cfg.Deleted) != 1 || cfg.Deleted[0].Name != "Alice Anders" || cfg.Deleted[0].Team != "Support" {
		t.Fatalf("agents %+v, deleted %+v", cfg.Agents, cfg.Deleted)
	}
	if len(cfg.Queues[0].Members) != 0 {
		t.Fatalf("the deleted agent is still a member: %+v", cfg.Queues[0].Members)
	}

	// a new alice on the old extension; a second one is still a duplicate
	alice2, err := db.CreateAgent(ctx, ccaas.Agent{TenantID: ten.ID, Username: "Alice", Name: "Alice Berg", Extension: "1001", PasswordHash: "x"})
	if err != nil {
		t.Fatalf("the deleted agent's username and extension are not free: %v", err)
	}
	var dup *ccaas.DuplicateError
	if _, err := db.CreateAgent(ctx, ccaas.Agent{TenantID: ten.ID, Username: "alice", Name: "A", Extension: "1009", PasswordHash: "x"}); !errors.As(err, &dup) || dup.Field != "username" {
		t.Fatalf("a second alice: %v", err)
	}
	if _, err := db.CreateAgent(ctx, ccaas.Agent{TenantID: ten.ID, Username: "carl", Name: "C", Extension: "1001", PasswordHash: "x"}); !errors.As(err, &dup) || dup.Field != "extension" {
		t.Fatalf("a second 1001: %v", err)
	}
	if got, err := db.AgentByUsername(ctx, ten.ID, "alice"); err != nil || got.ID != alice2.ID || got.ID == alice.ID {
		t.Fatalf("login finds %+v, %v; want the new alice %d", got, err, alice2.ID)
	}
	if log, _ := db.StateLog(ctx, ten.ID, alice2.ID); len(log) != 0 {
		t.Fatalf("the new alice inherited a history: %+v", log)
	}
}

func second[T any](_ T, err error) error { return err }

// TestUpgradeToSoftDeleteKeepsRows: the migration that rebuilds the agents
// table keeps every agent's state log and memberships (dropping the old
// table must not cascade), and foreign keys are enforced afterwards.
func TestUpgradeToSoftDeleteKeepsRows(t *testing.T) {
	ctx := context.Background()
	path := oldDatabase(t, 8,
		`INSERT INTO tenants (id, domain, name) VALUES (1, 'old.example', 'Old')`,
		`INSERT INTO agents (id, tenant_id, username, name, extension, password_hash, team) VALUES (1, 1, 'sam', 'Sam', '1001', 'h', 'Support'), (2, 1, 'kim', 'Kim', '1002', 'h', '')`,
		`INSERT INTO queues (id, tenant_id, name) VALUES (1, 1, 'Support')`,
		`INSERT INTO queue_members (queue_id, agent_id, skill) VALUES (1, 1, 4), (1, 2, 1)`,
		`INSERT INTO agent_state_log (tenant_id, agent_id, at, from_state, to_state) VALUES (1, 1, '2026-03-09T10:00:00.000Z', 'logged_out', 'not_ready'), (1, 2, '2026-03-09T10:00:01.000Z', 'logged_out', 'not_ready')`,
	)
	db, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var logRows, members, violations int
	if err := db.db.GetContext(ctx, &logRows, `SELECT COUNT(*) FROM agent_state_log`); err != nil || logRows != 2 {
		t.Fatalf("state log rows after the upgrade: %d, %v", logRows, err)
	}
	if err := db.db.GetContext(ctx, &members, `SELECT COUNT(*) FROM queue_members`); err != nil || members != 2 {
		t.Fatalf("memberships after the upgrade: %d, %v", members, err)
	}
	if err := db.db.GetContext(ctx, &violations, `SELECT COUNT(*) FROM pragma_foreign_key_check`); err != nil || violations != 0 {
		t.Fatalf("foreign key violations: %d, %v", violations, err)
	}
	cfg, err := db.TenantConfig(ctx, 1)
	if err != nil || len(cfg.Agents) != 2 || cfg.Agents[0].Team != "Support" || len(cfg.Deleted) != 0 {
		t.Fatalf("agents after the upgrade: %+v, %v", cfg.Agents, err)
	}
	// every pooled connection enforces foreign keys again
	for range 4 {
		err := db.AppendStateLog(ctx, []ccaas.StateChange{{Tenant: 1, Agent: 99, At: time.Now(), From: "a", To: "b"}})
		if err == nil {
			t.Fatal("a state row of no agent was written: foreign keys are off")
		}
	}
}
