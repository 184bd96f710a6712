package http

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/ccaas/ccaas"
)

// The operator's pages: the tenants of the installation.

func (a *admin) tenants(c *gin.Context) {
	ts, err := a.store.Tenants(c.Request.Context())
	if err != nil {
		a.failed(c, err)
		return
	}
	p := a.newPage(c, "Tenants", "tenants")
	p.Data = ts
	a.render(c, http.StatusOK, "tenants", p)
}

func (a *admin) showTenant(c *gin.Context, status int, t ccaas.Tenant, v url.Values, errs FormErrors) {
	title := "New tenant"
	if t.ID != 0 {
		title = "Tenant " + t.Domain
	}
	p := a.newPage(c, title, "tenants")
	p.Form, p.Errors, p.Data = v, errs, t
	a.render(c, status, "tenant", p)
}

func (a *admin) tenantNew(c *gin.Context) {
	a.showTenant(c, http.StatusOK, ccaas.Tenant{}, url.Values{}, FormErrors{})
}

func (a *admin) tenantCreate(c *gin.Context) {
	v := c.Request.PostForm
	again := func(errs FormErrors) {
		a.showTenant(c, http.StatusUnprocessableEntity, ccaas.Tenant{}, withoutPasswords(v), errs)
	}
	f, errs := ParseTenantForm(v, true)
	if errs == nil {
		errs = a.othersDIDs(c, 0, f.DIDs)
	}
	if errs != nil {
		again(errs)
		return
	}
	ctx := c.Request.Context()
	var hash string
	if f.Admin != nil {
		var err error
		if hash, err = hashPassword(f.AdminPassword); err != nil {
			a.failed(c, err)
			return
		}
	}
	t, err := a.store.CreateTenant(ctx, f.Tenant)
	if !a.stored(c, err, again) {
		return
	}
	a.audit(c, "tenant_created", "target", t.Domain)
	cfg, err := a.store.TenantConfig(ctx, t.ID)
	if err == nil {
		s := cfg.Settings
		s.Trunk, s.CallerID = f.Trunk, f.CallerID
		err = a.store.SetSettings(ctx, t.ID, s)
	}
	if err == nil && len(f.DIDs) > 0 {
		if err = a.store.AssignDIDs(ctx, t.ID, f.DIDs...); err == nil {
			a.audit(c, "dids_assigned", "target", t.Domain, "added", f.DIDs)
		}
	}
	msg := fmt.Sprintf("Tenant %s created.", t.Domain)
	if err == nil && f.Admin != nil {
		ag := *f.Admin
		ag.TenantID, ag.PasswordHash = t.ID, hash
		if _, err = a.store.CreateAgent(ctx, ag); err == nil {
			a.audit(c, "agent_created", "target", ag.Username+"@"+t.Domain, "role", ag.Role)
		}
		msg = fmt.Sprintf("Tenant %s created; %s can log in to the admin pages with domain %s.", t.Domain, ag.Username, t.Domain)
	}
	if a.stored(c, err, nil) {
		a.done(c, t.ID, "/operator/tenants", msg)
	}
}

// othersDIDs refuses numbers another tenant than tenant has (the operator
// may see which).
func (a *admin) othersDIDs(c *gin.Context, tenant ccaas.TenantID, dids []string) FormErrors {
	owners, err := a.store.AssignedDIDs(c.Request.Context())
	if err != nil {
		return FormErrors{"dids": "the numbers could not be checked; try again"}
	}
	var ts []ccaas.Tenant
	for _, did := range dids {
		if owner, ok := owners[did]; ok && owner != tenant {
			if ts == nil {
				ts, _ = a.store.Tenants(c.Request.Context())
			}
			name := "another tenant"
			for _, t := range ts {
				if t.ID == owner {
					name = "tenant " + t.Domain
				}
			}
			return FormErrors{"dids": fmt.Sprintf("%s is assigned to %s; take it away there first", did, name)}
		}
	}
	return nil
}

func (a *admin) tenantByURL(c *gin.Context) (ccaas.TenantConfig, bool) {
	return byURL(a, c, func(ctx context.Context, id int64) (ccaas.TenantConfig, error) {
		return a.store.TenantConfig(ctx, ccaas.TenantID(id))
	})
}

func (a *admin) tenantEdit(c *gin.Context) {
	cfg, ok := a.tenantByURL(c)
	if !ok {
		return
	}
	v := url.Values{"name": {cfg.Tenant.Name}, "trunk": {cfg.Settings.Trunk}, "caller_id": {cfg.Settings.CallerID}, "dids": {strings.Join(cfg.DIDs, "\n")}}
	a.showTenant(c, http.StatusOK, cfg.Tenant, v, FormErrors{})
}

func (a *admin) tenantUpdate(c *gin.Context) {
	cfg, ok := a.tenantByURL(c)
	if !ok {
		return
	}
	v := c.Request.PostForm
	f, errs := ParseTenantForm(v, false)
	if errs == nil {
		errs = a.othersDIDs(c, cfg.Tenant.ID, f.DIDs)
	}
	if errs != nil {
		a.showTenant(c, http.StatusUnprocessableEntity, cfg.Tenant, withoutPasswords(v), errs)
		return
	}
	ctx := c.Request.Context()
	t := cfg.Tenant
	t.Name = f.Tenant.Name
	s := cfg.Settings
	s.Trunk, s.CallerID = f.Trunk, f.CallerID
	err := a.store.UpdateTenant(ctx, t)
	if err == nil {
		err = a.store.SetSettings(ctx, t.ID, s)
	}
	added := slices.DeleteFunc(slices.Clone(f.DIDs), func(d string) bool { return slices.Contains(cfg.DIDs, d) })
	removed := slices.DeleteFunc(slices.Clone(cfg.DIDs), func(d string) bool { return slices.Contains(f.DIDs, d) })
	msg := fmt.Sprintf("Tenant %s saved.", t.Domain)
	if err == nil && len(added) > 0 {
		err = a.store.AssignDIDs(ctx, t.ID, added...)
	}
	if err == nil && len(removed) > 0 {
		var queues []string
		if queues, err = a.store.UnassignDIDs(ctx, t.ID, removed...); len(queues) > 0 {
			msg += fmt.Sprintf(" Taken away: %s (no longer ringing queue %s).", strings.Join(removed, ", "), strings.Join(queues, ", "))
		}
	}
	if err == nil && len(added)+len(removed) > 0 {
		a.audit(c, "dids_assigned", "target", t.Domain, "added", added, "removed", removed)
	}
	if err == nil {
		a.audit(c, "tenant_updated", "target", t.Domain)
	}
	if a.stored(c, err, nil) {
		a.done(c, t.ID, "/operator/tenants", msg)
	}
}
