package ccaas

import "context"

// Store is the persistence the call logic (app) needs; *sqlite.DB provides it.
type Store interface {
	TenantByDomain(ctx context.Context, domain string) (Tenant, error)
	AgentByUsername(ctx context.Context, tenant TenantID, username string) (Agent, error)
	Tenants(ctx context.Context) ([]Tenant, error)
	TenantConfig(ctx context.Context, tenant TenantID) (TenantConfig, error)
	// AppendRecords writes state changes, call records and the webhook
	// events that report them in one transaction.
	AppendRecords(ctx context.Context, r Records) error
	RecordingStore
	WaitingStore
}
