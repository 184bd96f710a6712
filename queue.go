package ccaas

// QueueID names a queue.
type QueueID int64

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
	Overflow       string `db:"overflow"`        // hangup (politely), queue, extension or voicemail
	OverflowTarget string `db:"overflow_target"` // the queue's id or the agent's extension
	// AnnounceSeconds is how often a waiting caller hears their position (0: never).
	AnnounceSeconds int `db:"announce_seconds"`
	// ServiceLevelSeconds is the service-level target: calls answered within
	// it count as answered in service level.
	ServiceLevelSeconds int `db:"service_level_seconds"`
	// Record says when its calls are recorded: RecordNever, RecordAlways
	// or RecordOnDemand.
	Record  string   `db:"record"`
	DIDs    []string `db:"-"`
	Members []Member `db:"-"`
	// WrapupCodes are the codes the queue's agents pick for a call (at most
	// MaxWrapupCodes), in order; CodeRequired keeps an agent in wrapup
	// after a call of the queue until they gave one.
	WrapupCodes  []string `db:"-"`
	CodeRequired bool     `db:"code_required"`
	WaitingRules
}

// MaxWrapupCodes is how many wrapup codes a queue may have.
const MaxWrapupCodes = 50

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
