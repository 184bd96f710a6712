package http

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/ccaas/ccaas"
)

// The tenant admin's settings: the incoming-call notification and whether
// agent-to-agent calls reach Not Ready agents (the trunk is the operator's).

func (a *admin) showSettings(c *gin.Context, status int, s ccaas.Settings, errs FormErrors) {
	p := a.newPage(c, "Settings", "settings")
	p.Errors, p.Data = errs, s
	a.render(c, status, "settings", p)
}

func (a *admin) settings(c *gin.Context, cfg ccaas.TenantConfig) {
	a.showSettings(c, http.StatusOK, cfg.Settings, FormErrors{})
}

func (a *admin) settingsSave(c *gin.Context, cfg ccaas.TenantConfig) {
	s, errs := ParseSettingsForm(c.Request.PostForm, cfg.Settings)
	if errs != nil {
		a.showSettings(c, http.StatusUnprocessableEntity, cfg.Settings, errs)
		return
	}
	a.saved(c, cfg.Tenant.ID, a.store.SetSettings(c.Request.Context(), cfg.Tenant.ID, s), nil, "settings_saved", "/admin/settings", "Settings saved; agents' pages follow them from now on.")
}
