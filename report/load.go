package report

import (
	"context"
	"fmt"
	"time"

	"github.com/ccaas/ccaas"
)

// Records are where a tenant's call records and state log are read from
// (sqlite).
type Records interface {
	CallRecords(ctx context.Context, tenant ccaas.TenantID, from, to time.Time) ([]ccaas.CallRecord, error)
	ReportStateLog(ctx context.Context, tenant ccaas.TenantID, from, to time.Time) ([]ccaas.StateChange, error)
	Callbacks(ctx context.Context, tenant ccaas.TenantID, from, to time.Time) ([]ccaas.Callback, error)
	Voicemails(ctx context.Context, tenant ccaas.TenantID, from, to time.Time) ([]ccaas.Voicemail, error)
}

// For reads what a tenant's report for the period needs and computes it.
func For(ctx context.Context, rec Records, cfg ccaas.TenantConfig, p Period, now time.Time) (Report, error) {
	calls, err := rec.CallRecords(ctx, cfg.Tenant.ID, p.From, p.To)
	if err != nil {
		return Report{}, fmt.Errorf("calls of %s: %w", cfg.Tenant.Domain, err)
	}
	states, err := rec.ReportStateLog(ctx, cfg.Tenant.ID, p.From, p.To)
	if err != nil {
		return Report{}, fmt.Errorf("state log of %s: %w", cfg.Tenant.Domain, err)
	}
	callbacks, err := rec.Callbacks(ctx, cfg.Tenant.ID, p.From, p.To)
	if err != nil {
		return Report{}, fmt.Errorf("callbacks of %s: %w", cfg.Tenant.Domain, err)
	}
	voicemails, err := rec.Voicemails(ctx, cfg.Tenant.ID, p.From, p.To)
	if err != nil {
		return Report{}, fmt.Errorf("voicemails of %s: %w", cfg.Tenant.Domain, err)
	}
	return Compute(Input{Period: p, Now: now, Queues: cfg.Queues, Agents: cfg.Agents, Deleted: cfg.Deleted, Calls: calls, States: states,
		Callbacks: callbacks, Voicemails: voicemails}), nil
}
