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
	Webhooks  []Webhook      // the endpoints events are posted to, without their secrets
}

// Settings are a tenant's switches and outbound calling.
type Settings struct {
	NotifyIncoming     bool   `db:"notify_incoming"`       // agents' pages show the incoming-call notification
	AgentCallsNotReady bool   `db:"agent_calls_not_ready"` // agent-to-agent calls may reach Not Ready agents
	Trunk              string `db:"trunk"`                 // PJSIP endpoint of the outbound trunk
	CallerID           string `db:"caller_id"`             // caller id of outbound calls
	EndWrapupEarly     bool   `db:"end_wrapup_early"`      // agents may end their wrapup before its time
	// ScreenPopURL is the URL template the agent page opens for a call
	// (package screenpop; "" for none), on ScreenPopOn.
	ScreenPopURL string `db:"screen_pop_url"`
	ScreenPopOn  string `db:"screen_pop_on"`
	// RecordingRetentionDays: recordings are deleted this many days after
	// they were made.
	RecordingRetentionDays int `db:"recording_retention_days"`
	// RecordOther says when calls through no queue are recorded (an
	// agent's outbound calls, calls between agents): a ccaas.Record… mode.
	RecordOther string `db:"record_other"`
	// TimeZone is the IANA zone the queues' opening hours are in ("": the
	// server's own).
	TimeZone string `db:"time_zone"`
}

// When the screen pop opens (Settings.ScreenPopOn).
const (
	ScreenPopOnAnswer = "answer" // when the agent answers the call
	ScreenPopOnOffer  = "offer"  // as soon as the call is offered to them
)

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
