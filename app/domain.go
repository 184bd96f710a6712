package app

import (
	"context"
	"errors"
	"strings"
	"time"
)

// TenantID names a tenant (a customer company; its domain is what agents type at login).
type TenantID int64

// AgentID names an agent within the whole system.
type AgentID int64

// QueueID names a queue.
type QueueID int64

// Tenant is one company using the contact center.
type Tenant struct {
	ID     TenantID `db:"id"`
	Domain string   `db:"domain"`
	Name   string   `db:"name"`
}

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

// Queue is where inbound calls wait for an agent.
type Queue struct {
	ID          QueueID  `db:"id"`
	TenantID    TenantID `db:"tenant_id"`
	Name        string   `db:"name"`
	RingSeconds int      `db:"ring_seconds"` // an offer rings this long before it is withdrawn
	MOHClass    string   `db:"moh_class"`
	Priority    int      `db:"priority"` // higher is served first
	Strategy    string   `db:"strategy"` // longest_idle, round_robin or fewest_calls
	// MaxWaitSeconds bounds the wait (0: no limit); then the call overflows.
	MaxWaitSeconds int    `db:"max_wait_seconds"`
	Overflow       string `db:"overflow"`        // hangup (politely), queue or extension
	OverflowTarget string `db:"overflow_target"` // the queue's id or the agent's extension
	// AnnounceSeconds is how often a waiting caller hears their position (0: never).
	AnnounceSeconds int `db:"announce_seconds"`
	// ServiceLevelSeconds is the service-level target: calls answered within
	// it count as answered in service level.
	ServiceLevelSeconds int      `db:"service_level_seconds"`
	DIDs                []string `db:"-"`
	Members             []Member `db:"-"`
}

// DefaultServiceLevelSeconds is a new queue's service-level target (the
// common "80% in 20 seconds" of contact centers).
const DefaultServiceLevelSeconds = 20

// Member is an agent of a queue with a skill level (higher is preferred).
type Member struct {
	Agent AgentID `db:"agent_id"`
	Skill int     `db:"skill"`
}

// Overflow kinds.
const (
	OverflowHangup    = "hangup"
	OverflowQueue     = "queue"
	OverflowExtension = "extension"
)

// DefaultReasons are the Not Ready reasons every tenant has.
var DefaultReasons = []string{"break", "lunch", "training"}

// TenantConfig is everything a tenant's event loop needs to route calls.
type TenantConfig struct {
	Tenant    Tenant
	Settings  Settings
	Agents    []Agent
	Queues    []Queue
	Reasons   []string       // Not Ready reasons offered to agents
	Variables []CallVariable // attached data shown to agents, in order
}

// Settings are a tenant's switches and outbound calling.
type Settings struct {
	NotifyIncoming     bool   `db:"notify_incoming"`       // agents' pages show the incoming-call notification
	AgentCallsNotReady bool   `db:"agent_calls_not_ready"` // agent-to-agent calls may reach Not Ready agents
	Trunk              string `db:"trunk"`                 // PJSIP endpoint of the outbound trunk
	CallerID           string `db:"caller_id"`             // caller id of outbound calls
}

// MaxCallVariables is how many attached-data values a tenant may show.
const MaxCallVariables = 10

// CallVariable is one item of attached data: the name agents see and the
// channel variable (set by the IVR) it is read from.
type CallVariable struct {
	Key      string `db:"key_name"`
	Variable string `db:"variable"`
}

// ErrNotFound is returned by a Store when the asked-for record does not exist.
var ErrNotFound = errors.New("not found")

// Store is the persistence the app needs.
type Store interface {
	TenantByDomain(ctx context.Context, domain string) (Tenant, error)
	AgentByUsername(ctx context.Context, tenant TenantID, username string) (Agent, error)
	Tenants(ctx context.Context) ([]Tenant, error)
	TenantConfig(ctx context.Context, tenant TenantID) (TenantConfig, error)
	AppendStateLog(ctx context.Context, changes []StateChange) error
	AppendCallRecords(ctx context.Context, calls []CallRecord) error
}

// CallRecord is what is kept of a call when it ends.
type CallRecord struct {
	ID        CallID
	Tenant    TenantID
	Direction string // inbound, outbound or internal
	Queue     QueueID
	QueueName string
	Number    string // the caller's number (inbound) or the number dialled
	Name      string
	DID       string
	Arrived   time.Time // when the call began
	Answered  time.Time // zero if no agent ever talked
	Ended     time.Time
	Wait      time.Duration // until answered, or until it ended unanswered
	Talk      time.Duration // answered until ended, without hold time
	Hold      time.Duration
	Transfers int
	Joins     int // agents who joined by conference
	EndReason string
	Agents    []CallAgent
}

// CallAgent is one agent's part in a call.
type CallAgent struct {
	Agent   AgentID
	Role    string // answer, transfer, conference, dialer, callee
	Offered time.Time
	Joined  time.Time // zero if they never joined
	Left    time.Time
	Hold    time.Duration // the call's hold time while they were on it
	Outcome string        // why their part ended
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
