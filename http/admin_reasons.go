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

func (a *admin) reasons(c *gin.Context, cfg ccaas.TenantConfig) {
	a.showReasons(c, http.StatusOK, strings.Join(cfg.Reasons[min(len(ccaas.DefaultReasons), len(cfg.Reasons)):], "\n"), FormErrors{})
}

func (a *admin) reasonsSave(c *gin.Context) {
	v := c.Request.PostForm
	again := func(errs FormErrors) { a.showReasons(c, http.StatusUnprocessableEntity, v.Get("reasons"), errs) }
	reasons, errs := ParseReasonsForm(v)
	if errs != nil {
		again(errs)
		return
	}
	tenant := adminOf(c).Tenant
	a.saved(c, tenant, a.store.SetReasons(c.Request.Context(), tenant, reasons), again, "reasons_saved", "/admin/reasons", "Not Ready reasons saved.")
}
