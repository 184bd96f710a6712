package main

import (
	"context"
	"fmt"

	"golang.org/x/crypto/bcrypt"

	"github.com/ccaas/ccaas"
	"github.com/ccaas/ccaas/sqlite"
	"github.com/ccaas/ccaas/webhook"
)

// benchPassword is every seeded user's password.
const benchPassword = "bench-password"

// accountVar is the one item of attached data: it rides on the channel
// snapshot (ari.conf channelvars), so it costs no request.
const accountVar = "CCAAS_Account"

// seedTenant is what the bench needs to know of a seeded tenant.
type seedTenant struct {
	index      int
	domain     string
	did        string
	agents     []seedAgent
	supervisor string // username of the supervisor leading the agents ("" for none)
}

type seedAgent struct {
	username string
	wrapup   int // seconds
}

// seed creates tenants × agents, each tenant with one queue (all its agents
// as members) on its own DID, and a supervisor leading them (team "Bench"). Passwords are bcrypt hashes at MinCost: with
// the default cost, 2,000 logins would take minutes of CPU that has nothing
// to do with what is measured. Every wrapEvery-th agent has wrapupSeconds
// of wrapup (0 = none).
func seed(ctx context.Context, path string, tenants, agents, wrapEvery, wrapupSeconds, ringSeconds int, supervisors bool, record bool, webhookURL string) ([]seedTenant, error) {
	db, err := sqlite.Open(ctx, path)
	if err != nil {
		return nil, err
	}
	defer db.Close()
	hash, err := bcrypt.GenerateFromPassword([]byte(benchPassword), bcrypt.MinCost)
	if err != nil {
		return nil, err
	}
	out := make([]seedTenant, 0, tenants)
	for ti := range tenants {
		st := seedTenant{index: ti, domain: fmt.Sprintf("t%03d.bench", ti+1), did: fmt.Sprintf("7%06d", ti+1)}
		t, err := db.CreateTenant(ctx, ccaas.Tenant{Domain: st.domain, Name: fmt.Sprintf("Bench tenant %d", ti+1)})
		if err != nil {
			return nil, err
		}
		if err := db.SetSettings(ctx, t.ID, ccaas.Settings{NotifyIncoming: true, Trunk: "pstn", CallerID: `"Bench" <5550000>`}); err != nil {
			return nil, err
		}
		if err := db.AddCallVariable(ctx, t.ID, ccaas.CallVariable{Key: "Account number", Variable: accountVar}); err != nil {
			return nil, err
		}
		var members []ccaas.Member
		for ai := range agents {
			wrap := 0
			if wrapEvery > 0 && ai%wrapEvery == 0 {
				wrap = wrapupSeconds
			}
			name := fmt.Sprintf("a%04d", ai+1)
			ag, err := db.CreateAgent(ctx, ccaas.Agent{TenantID: t.ID, Username: name, Name: "Agent " + name,
				Extension: fmt.Sprint(1000 + ai + 1), PasswordHash: string(hash), WrapupSeconds: wrap, Team: "Bench"})
			if err != nil {
				return nil, err
			}
			members = append(members, ccaas.Member{Agent: ag.ID, Skill: 1})
			st.agents = append(st.agents, seedAgent{username: name, wrapup: wrap})
		}
		if supervisors {
			st.supervisor = "sup"
			if _, err := db.CreateAgent(ctx, ccaas.Agent{TenantID: t.ID, Username: st.supervisor, Name: "Supervisor",
				Extension: "999", PasswordHash: string(hash), Role: ccaas.RoleSupervisor, Team: "Bench"}); err != nil {
				return nil, err
			}
		}
		if err := db.AssignDIDs(ctx, t.ID, st.did); err != nil {
			return nil, err
		}
		mode := ccaas.RecordNever
		if record {
			mode = ccaas.RecordAlways
		}
		if _, err := db.CreateQueue(ctx, ccaas.Queue{TenantID: t.ID, Name: "Support", RingSeconds: ringSeconds,
			MOHClass: "default", DIDs: []string{st.did}, Members: members, Record: mode}); err != nil {
			return nil, err
		}
		if webhookURL != "" {
			if _, err := db.CreateWebhook(ctx, ccaas.Webhook{Tenant: t.ID, URL: webhookURL, Secret: "bench-secret-0123456789",
				Events: webhook.Types, Active: true}); err != nil {
				return nil, err
			}
		}
		out = append(out, st)
	}
	return out, nil
}
