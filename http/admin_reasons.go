package http

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/ccaas/ccaas"
)

// The tenant admin's own Not Ready reasons, beside the default ones.

func (a *admin) showReasons(c *gin.Context, status int, own string, errs FormErrors) {
	p := a.newPage(c, "Not Ready reasons", "reasons")
	p.Form, p.Errors, p.Data = url.Values{"reasons": {own}}, errs, ccaas.DefaultReasons
	a.render(c, status, "reasons", p)
}

func (a *admin) reasons(c *gin.Context) {
	cfg, ok := a.tenantConfig(c)
	if !ok {
		return
	}
	a.showReasons(c, http.StatusOK, strings.Join(cfg.Reasons[min(len(ccaas.DefaultReasons), len(cfg.Reasons)):], "\n"), FormErrors{})
}

func (a *admin) reasonsSave(c *gin.Context) {
	v := c.Request.PostForm
	reasons, errs := ParseReasonsForm(v)
	if errs == nil {
		tenant := adminOf(c).Tenant
		err := a.store.SetReasons(c.Request.Context(), tenant, reasons)
		if err == nil {
			a.done(c, tenant, "/admin/reasons", "Not Ready reasons saved.")
			return
		}
		if errs = (FormErrors{}); !duplicate(err, errs) {
			a.failed(c, err)
			return
		}
	}
	a.showReasons(c, http.StatusUnprocessableEntity, v.Get("reasons"), errs)
}
