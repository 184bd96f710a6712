package http

import (
	"fmt"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/ccaas/ccaas"
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

func (a *admin) variablesSave(c *gin.Context) {
	v := c.Request.PostForm
	again := func(errs FormErrors) {
		a.showVariables(c, http.StatusUnprocessableEntity, v["key"], v["variable"], errs)
	}
	vars, errs := ParseVariablesForm(v)
	if errs != nil {
		again(errs)
		return
	}
	tenant := adminOf(c).Tenant
	a.saved(c, tenant, a.store.SetCallVariables(c.Request.Context(), tenant, vars), again, "variables_saved", "/admin/variables", fmt.Sprintf("%d call variables saved.", len(vars)))
}
