package ccaas

// TenantID names a tenant (a customer company; its domain is what agents type at login).
type TenantID int64

// Tenant is one company using the contact center.
type Tenant struct {
	ID     TenantID `db:"id"`
	Domain string   `db:"domain"`
	Name   string   `db:"name"`
}

// TenantConfig is everything a tenant's event loop needs to route calls.
type TenantConfig struct {
	Tenant   Tenant
	Settings Settings
	Agents   []Agent
	// Deleted are the agents deleted from the tenant: they never log in,
	// take calls or show on admin pages, but their history keeps their name
	// (reports).
	Deleted   []Agent
	Queues    []Queue
	Reasons   []string       // Not Ready reasons offered to agents
	Variables []CallVariable // attached data shown to agents, in order
	DIDs      []string       // the numbers the operator assigned to the tenant, in order; its queues ring some of them
}

// Settings are a tenant's switches and outbound calling.
type Settings struct {
	NotifyIncoming     bool   `db:"notify_incoming"`       // agents' pages show the incoming-call notification
	AgentCallsNotReady bool   `db:"agent_calls_not_ready"` // agent-to-agent calls may reach Not Ready agents
	Trunk              string `db:"trunk"`                 // PJSIP endpoint of the outbound trunk
	CallerID           string `db:"caller_id"`             // caller id of outbound calls
	// RecordingRetentionDays: recordings are deleted this many days after
	// they were made.
	RecordingRetentionDays int `db:"recording_retention_days"`
	// TimeZone is the IANA zone the queues' opening hours are in ("": the
	// server's own).
	TimeZone string `db:"time_zone"`
}

// DefaultReasons are the Not Ready reasons every tenant has.
var DefaultReasons = []string{"break", "lunch", "training"}

// MaxCallVariables is how many attached-data values a tenant may show.
const MaxCallVariables = 10

// CallVariable is one item of attached data: the name agents see and the
// channel variable (set by the IVR) it is read from.
type CallVariable struct {
	Key      string `db:"key_name"`
	Variable string `db:"variable"`
}
