package http

import (
	"net/http"
	"net/url"
	"strconv"

	"github.com/gin-gonic/gin"

	"github.com/ccaas/ccaas"
)

// The tenant admin's settings: the incoming-call notification, whether
// agent-to-agent calls reach Not Ready agents, how long recordings are
// kept, the time zone of the queues' opening hours (the trunk is the operator's).

func (a *admin) showSettings(c *gin.Context, status int, s ccaas.Settings, v url.Values, errs FormErrors) {
	p := a.newPage(c, "Settings", "settings")
	p.Errors, p.Data, p.Form = errs, s, v
	a.render(c, status, "settings", p)
}

func settingsValues(s ccaas.Settings) url.Values {
	return url.Values{"retention_days": {strconv.Itoa(s.RecordingRetentionDays)}, "time_zone": {s.TimeZone}}
}

func (a *admin) settings(c *gin.Context, cfg ccaas.TenantConfig) {
	a.showSettings(c, http.StatusOK, cfg.Settings, settingsValues(cfg.Settings), FormErrors{})
}

func (a *admin) settingsSave(c *gin.Context, cfg ccaas.TenantConfig) {
	s, errs := ParseSettingsForm(c.Request.PostForm, cfg.Settings)
	if errs != nil {
		a.showSettings(c, http.StatusUnprocessableEntity, cfg.Settings, c.Request.PostForm, errs)
		return
	}
	a.saved(c, cfg.Tenant.ID, a.store.SetSettings(c.Request.Context(), cfg.Tenant.ID, s), nil, "settings_saved", "/admin/settings", "Settings saved; agents' pages follow them from now on.")
}
