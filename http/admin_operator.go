package http

import (
	"fmt"
	"net/http"
	"net/url"

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
	cfg, err := a.store.TenantConfig(ctx, t.ID)
	if err == nil {
		s := cfg.Settings
		s.Trunk, s.CallerID = f.Trunk, f.CallerID
		err = a.store.SetSettings(ctx, t.ID, s)
	}
	msg := fmt.Sprintf("Tenant %s created.", t.Domain)
	if err == nil && f.Admin != nil {
		ag := *f.Admin
		ag.TenantID, ag.PasswordHash = t.ID, hash
		_, err = a.store.CreateAgent(ctx, ag)
		msg = fmt.Sprintf("Tenant %s created; %s can log in to the admin pages with domain %s.", t.Domain, ag.Username, t.Domain)
	}
	if a.stored(c, err, nil) {
		a.done(c, t.ID, "/operator/tenants", msg)
	}
}

func (a *admin) tenantByURL(c *gin.Context) (ccaas.TenantConfig, bool) {
	id, ok := a.idOf(c)
	if !ok {
		return ccaas.TenantConfig{}, false
	}
	cfg, err := a.store.TenantConfig(c.Request.Context(), ccaas.TenantID(id))
	if err != nil {
		a.failed(c, err)
		return cfg, false
	}
	return cfg, true
}

func (a *admin) tenantEdit(c *gin.Context) {
	cfg, ok := a.tenantByURL(c)
	if !ok {
		return
	}
	v := url.Values{"name": {cfg.Tenant.Name}, "trunk": {cfg.Settings.Trunk}, "caller_id": {cfg.Settings.CallerID}}
	a.showTenant(c, http.StatusOK, cfg.Tenant, v, FormErrors{})
}

func (a *admin) tenantUpdate(c *gin.Context) {
	cfg, ok := a.tenantByURL(c)
	if !ok {
		return
	}
	v := c.Request.PostForm
	f, errs := ParseTenantForm(v, false)
	if errs != nil {
		a.showTenant(c, http.StatusUnprocessableEntity, cfg.Tenant, withoutPasswords(v), errs)
		return
	}
	t := cfg.Tenant
	t.Name = f.Tenant.Name
	s := cfg.Settings
	s.Trunk, s.CallerID = f.Trunk, f.CallerID
	err := a.store.UpdateTenant(c.Request.Context(), t)
	if err == nil {
		err = a.store.SetSettings(c.Request.Context(), t.ID, s)
	}
	if a.stored(c, err, nil) {
		a.done(c, t.ID, "/operator/tenants", fmt.Sprintf("Tenant %s saved.", t.Domain))
	}
}
