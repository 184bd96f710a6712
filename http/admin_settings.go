package http

import (
	"net/http"
	"net/url"
	"strconv"

	"github.com/gin-gonic/gin"

	"github.com/ccaas/ccaas"
	"github.com/ccaas/ccaas/screenpop"
)

// The tenant admin's settings: the incoming-call notification, whether
// agent-to-agent calls reach Not Ready agents, the screen pop, how long
// recordings are kept, the time zone of the queues' opening hours (the
// trunk is the operator's).

// settingsPage is what the settings template shows: the settings, and the
// names a screen pop may use.
type settingsPage struct {
	ccaas.Settings
	Builtin []string
	Keys    []string
}

func (a *admin) showSettings(c *gin.Context, status int, cfg ccaas.TenantConfig, s ccaas.Settings, v url.Values, errs FormErrors) {
	p := a.newPage(c, "Settings", "settings")
	p.Errors, p.Form = errs, v
	p.Data = settingsPage{Settings: s, Builtin: screenpop.Builtin, Keys: variableKeys(cfg.Variables)}
	a.render(c, status, "settings", p)
}

func settingsValues(s ccaas.Settings) url.Values {
	return url.Values{"retention_days": {strconv.Itoa(s.RecordingRetentionDays)}, "time_zone": {s.TimeZone}}
}

func (a *admin) settings(c *gin.Context, cfg ccaas.TenantConfig) {
	a.showSettings(c, http.StatusOK, cfg, cfg.Settings, settingsValues(cfg.Settings), FormErrors{})
}

func (a *admin) settingsSave(c *gin.Context, cfg ccaas.TenantConfig) {
	v := c.Request.PostForm
	s, errs := ParseSettingsForm(v, cfg.Settings, variableKeys(cfg.Variables))
	if errs != nil {
		// the admin's entries come back, the template with its mistake
		shown := cfg.Settings
		shown.NotifyIncoming, shown.AgentCallsNotReady = v.Get("notify_incoming") == "on", v.Get("agent_calls_not_ready") == "on"
		shown.ScreenPopURL, shown.ScreenPopOn, shown.RecordOther = v.Get("screen_pop_url"), v.Get("screen_pop_on"), v.Get("record_other")
		a.showSettings(c, http.StatusUnprocessableEntity, cfg, shown, v, errs)
		return
	}
	a.saved(c, cfg.Tenant.ID, a.store.SetSettings(c.Request.Context(), cfg.Tenant.ID, s), nil, "settings_saved", "/admin/settings", "Settings saved; agents' pages follow them from now on.")
}
