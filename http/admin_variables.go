package http

import (
	"fmt"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/ccaas/ccaas"
	"github.com/ccaas/ccaas/validate"
)

// The tenant admin's call variables: the attached data agents see.

type variableRow struct {
	N             int
	Key, Variable string
}

func (a *admin) showVariables(c *gin.Context, status int, keys, vars []string, errs FormErrors) {
	rows := make([]variableRow, max(ccaas.MaxCallVariables, len(keys)))
	for i := range rows {
		rows[i].N = i + 1
		if i < len(keys) && i < len(vars) {
			rows[i].Key, rows[i].Variable = keys[i], vars[i]
		}
	}
	p := a.newPage(c, "Call variables", "variables")
	p.Errors, p.Data = errs, rows
	a.render(c, status, "variables", p)
}

func (a *admin) variables(c *gin.Context, cfg ccaas.TenantConfig) {
	var keys, vars []string
	for _, v := range cfg.Variables {
		keys, vars = append(keys, v.Key), append(vars, v.Variable)
	}
	a.showVariables(c, http.StatusOK, keys, vars, FormErrors{})
}

func (a *admin) variablesSave(c *gin.Context, cfg ccaas.TenantConfig) {
	v := c.Request.PostForm
	again := func(errs FormErrors) {
		a.showVariables(c, http.StatusUnprocessableEntity, v["key"], v["variable"], errs)
	}
	vars, errs := ParseVariablesForm(v)
	if errs != nil {
		again(errs)
		return
	}
	// the screen pop may name only keys that exist
	if err := validate.ScreenPop(cfg.Settings.ScreenPopURL, variableKeys(vars)); err != nil {
		again(FormErrors{"": "the screen pop (on Settings) names a key this would remove (" + err.Error() + "); change the screen pop first"})
		return
	}
	tenant := adminOf(c).Tenant
	a.saved(c, tenant, a.store.SetCallVariables(c.Request.Context(), tenant, vars), again, "variables_saved", "/admin/variables", fmt.Sprintf("%d call variables saved.", len(vars)))
}

// variableKeys are the names agents see of vars, which a screen pop may use.
func variableKeys(vars []ccaas.CallVariable) []string {
	keys := make([]string, len(vars))
	for i, v := range vars {
		keys[i] = v.Key
	}
	return keys
}
