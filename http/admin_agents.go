package http

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/ccaas/ccaas"
)

// The tenant admin's agents: the list, the new and edit forms, the password
// reset and the deletion.

type agentRow struct {
	ccaas.Agent
	Queues []string
}

func (a *admin) agents(c *gin.Context, cfg ccaas.TenantConfig) {
	rows := make([]agentRow, len(cfg.Agents))
	for i, ag := range cfg.Agents {
		rows[i].Agent = ag
		for _, q := range cfg.Queues {
			for _, m := range q.Members {
				if m.Agent == ag.ID {
					rows[i].Queues = append(rows[i].Queues, fmt.Sprintf("%s (skill %d)", q.Name, m.Skill))
				}
			}
		}
	}
	p := a.newPage(c, "Agents", "agents")
	p.Data = rows
	a.render(c, http.StatusOK, "agents", p)
}

type agentPage struct {
	ID       int64 // 0: a new agent
	Username string
	Self     bool
	Roles    []string
	Queues   []choice
}

func agentValues(ag ccaas.Agent, cfg ccaas.TenantConfig) url.Values {
	v := url.Values{"username": {ag.Username}, "name": {ag.Name}, "extension": {ag.Extension}, "role": {ag.Role},
		"team": {ag.Team}, "wrapup": {strconv.Itoa(ag.WrapupSeconds)}}
	for _, q := range cfg.Queues {
		for _, m := range q.Members {
			if m.Agent == ag.ID {
				addChoice(v, "queue", "skill_q", int64(q.ID), m.Skill)
			}
		}
	}
	return v
}

func (a *admin) showAgent(c *gin.Context, status int, cfg ccaas.TenantConfig, ag ccaas.Agent, v url.Values, errs FormErrors) {
	title := "New agent"
	if ag.ID != 0 {
		title = "Agent " + ag.Username
	}
	p := a.newPage(c, title, "agents")
	p.Form, p.Errors = v, errs
	ids, labels := make([]int64, len(cfg.Queues)), make([]string, len(cfg.Queues))
	for i, q := range cfg.Queues {
		ids[i], labels[i] = int64(q.ID), q.Name
	}
	p.Data = agentPage{ID: int64(ag.ID), Username: ag.Username, Self: ag.ID != 0 && ag.ID == adminOf(c).Agent,
		Roles: []string{ccaas.RoleAgent, ccaas.RoleSupervisor, ccaas.RoleAdmin}, Queues: choices(v, errs, "queue", "skill_q", ids, labels)}
	a.render(c, status, "agent", p)
}

func (a *admin) agentNew(c *gin.Context, cfg ccaas.TenantConfig) {
	a.showAgent(c, http.StatusOK, cfg, ccaas.Agent{}, url.Values{"role": {ccaas.RoleAgent}, "wrapup": {"0"}}, FormErrors{})
}

func (a *admin) agentCreate(c *gin.Context, cfg ccaas.TenantConfig) {
	v := c.Request.PostForm
	again := func(errs FormErrors) {
		a.showAgent(c, http.StatusUnprocessableEntity, cfg, ccaas.Agent{}, withoutPasswords(v), errs)
	}
	f, errs := ParseAgentForm(v, cfg, 0)
	if errs != nil {
		again(errs)
		return
	}
	ctx := c.Request.Context()
	ag := f.Agent
	ag.TenantID = adminOf(c).Tenant
	hash, err := hashPassword(f.Password)
	if err != nil {
		a.failed(c, err)
		return
	}
	ag.PasswordHash = hash
	created, err := a.store.CreateAgent(ctx, ag)
	if !a.stored(c, err, again) {
		return
	}
	if len(f.Queues) > 0 {
		err = a.store.SetAgentQueues(ctx, ag.TenantID, created.ID, f.Queues)
	}
	if a.stored(c, err, nil) {
		a.audit(c, "agent_created", "target", created.Username, "role", created.Role)
		a.done(c, ag.TenantID, "/admin/agents", fmt.Sprintf("Agent %s created.", created.Username))
	}
}

// agentByURL finds the agent named by the URL among the session tenant's own.
func (a *admin) agentByURL(c *gin.Context) (ccaas.Agent, bool) {
	return byURL(a, c, func(ctx context.Context, id int64) (ccaas.Agent, error) {
		return a.store.Agent(ctx, adminOf(c).Tenant, ccaas.AgentID(id))
	})
}

func (a *admin) agentEdit(c *gin.Context, cfg ccaas.TenantConfig) {
	ag, ok := a.agentByURL(c)
	if !ok {
		return
	}
	a.showAgent(c, http.StatusOK, cfg, ag, agentValues(ag, cfg), FormErrors{})
}

// overflowsTo names the queues whose overflow goes to the extension.
func overflowsTo(cfg ccaas.TenantConfig, ext string) []string {
	var names []string
	for _, q := range cfg.Queues {
		if q.Overflow == ccaas.OverflowExtension && q.OverflowTarget == ext {
			names = append(names, q.Name)
		}
	}
	return names
}

func (a *admin) agentUpdate(c *gin.Context, cfg ccaas.TenantConfig) {
	old, ok := a.agentByURL(c)
	if !ok {
		return
	}
	v := c.Request.PostForm
	again := func(errs FormErrors) {
		v := withoutPasswords(v)
		v.Set("username", old.Username)
		a.showAgent(c, http.StatusUnprocessableEntity, cfg, old, v, errs)
	}
	f, errs := ParseAgentForm(v, cfg, old.ID)
	if errs == nil {
		errs = FormErrors{}
		if old.ID == adminOf(c).Agent && f.Agent.Role != ccaas.RoleAdmin {
			errs.add("role", "you cannot take away your own admin role; ask another admin")
		}
		if f.Agent.Extension != old.Extension {
			if qs := overflowsTo(cfg, old.Extension); len(qs) > 0 {
				errs.add("extension", fmt.Sprintf("queue %s overflows to extension %s; change that queue first", strings.Join(qs, ", "), old.Extension))
			}
		}
	}
	if len(errs) > 0 {
		again(errs)
		return
	}
	ag := f.Agent
	ag.ID, ag.TenantID, ag.Username, ag.PasswordHash = old.ID, old.TenantID, old.Username, old.PasswordHash
	err := a.store.UpdateAgent(c.Request.Context(), ag)
	if err == nil {
		err = a.store.SetAgentQueues(c.Request.Context(), ag.TenantID, ag.ID, f.Queues)
	}
	if a.stored(c, err, again) {
		if ag.Role != old.Role {
			a.audit(c, "role_changed", "target", ag.Username, "from", old.Role, "to", ag.Role)
		}
		a.audit(c, "agent_updated", "target", ag.Username)
		a.done(c, ag.TenantID, "/admin/agents", fmt.Sprintf("Agent %s saved.", ag.Username))
	}
}

func (a *admin) agentPassword(c *gin.Context) {
	ag, ok := a.agentByURL(c)
	if !ok {
		return
	}
	password, errs := ParsePasswordForm(c.Request.PostForm, ag.Role)
	if errs != nil {
		cfg, ok := a.tenantConfig(c)
		if !ok {
			return
		}
		a.showAgent(c, http.StatusUnprocessableEntity, cfg, ag, agentValues(ag, cfg), errs)
		return
	}
	hash, err := hashPassword(password)
	if err == nil {
		err = a.store.SetPassword(c.Request.Context(), ag.TenantID, ag.ID, hash)
	}
	if err == nil && ag.ID == adminOf(c).Agent {
		// one's own new password ends one's other sessions, not this one
		a.sessions.restamp(adminOf(c).ID, credentialStamp(hash, ag.Role))
	}
	if a.stored(c, err, nil) {
		a.audit(c, "password_reset", "target", ag.Username, "role", ag.Role)
		a.done(c, ag.TenantID, "/admin/agents", fmt.Sprintf("The password of %s was changed.", ag.Username))
	}
}

func (a *admin) agentDelete(c *gin.Context, cfg ccaas.TenantConfig) {
	ag, ok := a.agentByURL(c)
	if !ok {
		return
	}
	errs := FormErrors{}
	switch qs := overflowsTo(cfg, ag.Extension); {
	case c.Request.PostForm.Get("confirm") != "yes":
		errs.add("confirm", "tick the box to confirm the deletion")
	case ag.ID == adminOf(c).Agent:
		errs.add("confirm", "you cannot delete your own account; ask another admin")
	case len(qs) > 0:
		errs.add("confirm", fmt.Sprintf("queue %s overflows to this agent's extension; change that queue first", strings.Join(qs, ", ")))
	}
	if len(errs) > 0 {
		a.showAgent(c, http.StatusUnprocessableEntity, cfg, ag, agentValues(ag, cfg), errs)
		return
	}
	if a.stored(c, a.store.DeleteAgent(c.Request.Context(), ag.TenantID, ag.ID), nil) {
		a.audit(c, "agent_deleted", "target", ag.Username, "role", ag.Role)
		a.done(c, ag.TenantID, "/admin/agents", fmt.Sprintf("Agent %s deleted.", ag.Username))
	}
}
