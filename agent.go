package ccaas

import (
	"strings"
	"time"
)

// AgentID names an agent within the whole system.
type AgentID int64

// Roles of a user.
const (
	RoleAgent      = "agent"
	RoleSupervisor = "supervisor"
	RoleAdmin      = "admin"
)

// Agent is a user who takes calls.
type Agent struct {
	ID            AgentID  `db:"id"`
	TenantID      TenantID `db:"tenant_id"`
	Username      string   `db:"username"`
	Name          string   `db:"name"`
	Extension     string   `db:"extension"`
	PasswordHash  string   `db:"password_hash"`
	Role          string   `db:"role"`
	WrapupSeconds int      `db:"wrapup_seconds"`
	Team          string   `db:"team"` // free text grouping for supervisors ("" for none)
}

// Teams are the teams named in the agent's Team field: an agent's one team,
// or the teams a supervisor leads, separated by commas ("Sales, Billing").
func (a Agent) Teams() []string {
	var out []string
	for _, t := range strings.Split(a.Team, ",") {
		if t = strings.TrimSpace(t); t != "" {
			out = append(out, t)
		}
	}
	return out
}

// Supervises reports whether a (a supervisor) leads a team of other, an
// agent of the same tenant. Nobody supervises themselves.
func (a Agent) Supervises(other Agent) bool {
	if a.Role != RoleSupervisor && a.Role != RoleAdmin || a.TenantID != other.TenantID || a.ID == other.ID {
		return false
	}
	for _, mine := range a.Teams() {
		for _, theirs := range other.Teams() {
			if strings.EqualFold(mine, theirs) {
				return true
			}
		}
	}
	return false
}

// StateChange is one row of the agent-state log.
type StateChange struct {
	Tenant  TenantID  `db:"tenant_id"`
	Agent   AgentID   `db:"agent_id"`
	At      time.Time `db:"at"`
	From    string    `db:"from_state"`
	To      string    `db:"to_state"`
	Reason  string    `db:"reason"`
	Pending string    `db:"pending"`
	Cause   string    `db:"cause"`
	Call    CallID    `db:"call_id"` // the call the change belongs to (wrapup, ring-no-answer), if any
	By      string    `db:"by_user"` // the supervisor who made the change; "" for the agent or the system
}
