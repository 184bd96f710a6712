package http

import (
	"bytes"
	"context"
	"crypto/subtle"
	"embed"
	"errors"
	"fmt"
	"html/template"
	"log/slog"
	"maps"
	"mime"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gin-gonic/gin"
	"golang.org/x/crypto/bcrypt"

	"github.com/ccaas/ccaas"
	"github.com/ccaas/ccaas/report"
	"github.com/ccaas/ccaas/validate"
)

// The admin pages: server-rendered HTML (html/template escapes every value),
// plain forms, no script. Operators (super admins) manage tenants under
// /operator; a tenant's admins (agents with role admin) manage its agents,
// queues, call variables, Not Ready reasons and settings under /admin. The
// tenant always comes from the session, never from the request, and every
// store method is scoped by it, so another tenant's id answers 404 exactly
// like a missing one. Every POST carries the session's CSRF token.
// Supervisors (role supervisor) may sign in too, but see only the reports
// (reports.go); every other tenant page refuses them.

// AdminStore is what the admin pages need of the database, in the model's
// types and errors; *sqlite.DB provides it.
type AdminStore interface {
	TenantByDomain(ctx context.Context, domain string) (ccaas.Tenant, error)
	Tenants(ctx context.Context) ([]ccaas.Tenant, error)
	CreateTenant(ctx context.Context, t ccaas.Tenant) (ccaas.Tenant, error)
	UpdateTenant(ctx context.Context, t ccaas.Tenant) error
	SetSettings(ctx context.Context, tenant ccaas.TenantID, s ccaas.Settings) error
	TenantConfig(ctx context.Context, tenant ccaas.TenantID) (ccaas.TenantConfig, error)
	Agent(ctx context.Context, tenant ccaas.TenantID, id ccaas.AgentID) (ccaas.Agent, error)
	AgentByUsername(ctx context.Context, tenant ccaas.TenantID, username string) (ccaas.Agent, error)
	CreateAgent(ctx context.Context, a ccaas.Agent) (ccaas.Agent, error)
	UpdateAgent(ctx context.Context, a ccaas.Agent) error
	SetPassword(ctx context.Context, tenant ccaas.TenantID, id ccaas.AgentID, hash string) error
	SetAgentQueues(ctx context.Context, tenant ccaas.TenantID, agent ccaas.AgentID, skills map[ccaas.QueueID]int) error
	DeleteAgent(ctx context.Context, tenant ccaas.TenantID, id ccaas.AgentID) error
	CreateQueue(ctx context.Context, q ccaas.Queue) (ccaas.Queue, error)
	UpdateQueue(ctx context.Context, q ccaas.Queue) error
	DeleteQueue(ctx context.Context, tenant ccaas.TenantID, id ccaas.QueueID) error
	SetCallVariables(ctx context.Context, tenant ccaas.TenantID, vars []ccaas.CallVariable) error
	SetReasons(ctx context.Context, tenant ccaas.TenantID, reasons []string) error
	OperatorByUsername(ctx context.Context, username string) (ccaas.Operator, error)
	report.Records // the reports' calls and state log
}

// Reloader applies a tenant's changed configuration to the running system
// without a restart; *app.App provides it.
type Reloader interface {
	Reload(ctx context.Context, tenant ccaas.TenantID) error
}

//go:embed templates/*.html templates/admin.css
var templateFiles embed.FS

// adminBcryptCost is the cost of the hashes the admin pages make (tests lower it).
var adminBcryptCost = bcrypt.DefaultCost

// Limits of the admin pages.
const (
	adminMaxBody   = 64 << 10
	reloadTimeout  = 10 * time.Second
	loginCookie    = "ccaas_admin_login" // the login form's CSRF token, before there is a session
	adminKey       = "admin"
	maxLoginLength = 256
)

var errBadAdminLogin = errors.New("wrong username, password or domain")

// admin serves the admin pages.
type admin struct {
	store    AdminStore
	reloader Reloader
	log      *slog.Logger
	sessions *adminSessions
	logins   *loginLimits // failed logins, as for agents (ratelimit.go)
	pages    map[string]*template.Template
	css      []byte
	dummy    func() []byte // a hash to compare against when the user is unknown
	now      func() time.Time
}

// registerAdmin adds the admin pages to e (nothing without a store).
func registerAdmin(e *gin.Engine, cfg Config) {
	if cfg.Store == nil || cfg.Reloader == nil {
		cfg.Logger.Info("admin pages are off: no store or reloader configured")
		return
	}
	a := newAdmin(cfg.Store, cfg.Reloader, cfg.Logger, time.Now)
	a.routes(e)
}

func newAdmin(store AdminStore, reloader Reloader, log *slog.Logger, now func() time.Time) *admin {
	a := &admin{store: store, reloader: reloader, log: log, sessions: newAdminSessions(now), logins: newLoginLimits(), pages: make(map[string]*template.Template), now: now}
	funcs := template.FuncMap{"get": func(v url.Values, k string) string { return v.Get(k) }}
	for _, name := range []string{"login", "message", "agents", "agent", "queues", "queue", "variables", "reasons", "settings", "tenants", "tenant", "reports"} {
		a.pages[name] = template.Must(template.New(name).Funcs(funcs).ParseFS(templateFiles, "templates/layout.html", "templates/"+name+".html"))
	}
	css, err := templateFiles.ReadFile("templates/admin.css")
	if err != nil {
		panic(err)
	}
	a.css = append(css, barWidths()...)
	a.dummy = sync.OnceValue(func() []byte {
		h, _ := bcrypt.GenerateFromPassword([]byte("no such user at all"), adminBcryptCost)
		return h
	})
	return a
}

func (a *admin) routes(e *gin.Engine) {
	e.GET("/admin/style.css", a.stylesheet)

	ad := e.Group("/admin", securityHeaders)
	ad.GET("", a.require(kindTenantAdmin, false), func(c *gin.Context) { c.Redirect(http.StatusSeeOther, adminOf(c).home()) })
	ad.GET("/login", a.loginPage(kindTenantAdmin))
	ad.POST("/login", a.sameOriginOnly, a.login(kindTenantAdmin))
	ad.POST("/logout", a.require(kindTenantAdmin, true), a.guard, a.logout)
	r := ad.Group("", a.require(kindTenantAdmin, false))
	r.GET("/reports", a.reports)
	r.GET("/reports/:table", a.reportCSV)
	t := r.Group("", a.adminOnly)
	t.GET("/agents", a.agents)
	t.GET("/agents/new", a.agentNew)
	t.POST("/agents", a.guard, a.agentCreate)
	t.GET("/agents/:id", a.agentEdit)
	t.POST("/agents/:id", a.guard, a.agentUpdate)
	t.POST("/agents/:id/password", a.guard, a.agentPassword)
	t.POST("/agents/:id/delete", a.guard, a.agentDelete)
	t.GET("/queues", a.queues)
	t.GET("/queues/new", a.queueNew)
	t.POST("/queues", a.guard, a.queueCreate)
	t.GET("/queues/:id", a.queueEdit)
	t.POST("/queues/:id", a.guard, a.queueUpdate)
	t.POST("/queues/:id/delete", a.guard, a.queueDelete)
	t.GET("/variables", a.variables)
	t.POST("/variables", a.guard, a.variablesSave)
	t.GET("/reasons", a.reasons)
	t.POST("/reasons", a.guard, a.reasonsSave)
	t.GET("/settings", a.settings)
	t.POST("/settings", a.guard, a.settingsSave)

	op := e.Group("/operator", securityHeaders)
	op.GET("", redirectTo("/operator/tenants"))
	op.GET("/login", a.loginPage(kindOperator))
	op.POST("/login", a.sameOriginOnly, a.login(kindOperator))
	op.POST("/logout", a.require(kindOperator, true), a.guard, a.logout)
	o := op.Group("", a.require(kindOperator, false))
	o.GET("/tenants", a.tenants)
	o.GET("/tenants/new", a.tenantNew)
	o.POST("/tenants", a.guard, a.tenantCreate)
	o.GET("/tenants/:id", a.tenantEdit)
	o.POST("/tenants/:id", a.guard, a.tenantUpdate)
}

func redirectTo(path string) gin.HandlerFunc {
	return func(c *gin.Context) { c.Redirect(http.StatusSeeOther, path) }
}

// securityHeaders: no script runs, no other site frames or caches the pages.
func securityHeaders(c *gin.Context) {
	h := c.Writer.Header()
	h.Set("Content-Security-Policy", "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
	h.Set("X-Frame-Options", "DENY")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "same-origin")
	h.Set("Cache-Control", "no-store")
	c.Next()
}

func (a *admin) stylesheet(c *gin.Context) {
	c.Header("Cache-Control", "max-age=3600")
	c.Data(http.StatusOK, "text/css; charset=utf-8", a.css)
}

// ---- pages and messages

// page is what every template gets.
type page struct {
	Title       string
	Nav         string // the current section
	S           adminSession
	LoggedIn    bool
	Flash, Warn string
	Errors      FormErrors
	Form        url.Values
	Data        any
}

// IsOperator tells the layout which navigation to show.
func (p *page) IsOperator() bool { return p.S.Kind == kindOperator }

// Err is the error shown next to a field ("" for none).
func (p *page) Err(field string) string { return p.Errors[field] }

func (a *admin) newPage(c *gin.Context, title, nav string) *page {
	p := &page{Title: title, Nav: nav, Errors: FormErrors{}}
	if v, ok := c.Get(adminKey); ok {
		p.S, p.LoggedIn = v.(adminSession), true
		p.Flash, p.Warn = a.sessions.popFlash(p.S.ID)
	}
	return p
}

func (a *admin) render(c *gin.Context, status int, name string, p *page) {
	var buf bytes.Buffer
	if err := a.pages[name].ExecuteTemplate(&buf, "layout", p); err != nil {
		a.log.Error("admin page", "page", name, "err", err)
		c.AbortWithStatus(http.StatusInternalServerError)
		return
	}
	c.Abort()
	c.Data(status, "text/html; charset=utf-8", buf.Bytes())
}

// message answers with a page that only says what happened.
func (a *admin) message(c *gin.Context, status int, title, text string) {
	p := a.newPage(c, title, "")
	p.Data = text
	a.render(c, status, "message", p)
}

func (a *admin) notFound(c *gin.Context) {
	a.message(c, http.StatusNotFound, "Not found", "There is no such page or record. It may have been deleted; go back to the list.")
}

// failed answers a store error: not found is 404, anything else is logged
// once and shown as a safe message.
func (a *admin) failed(c *gin.Context, err error) {
	if errors.Is(err, ccaas.ErrNotFound) {
		a.notFound(c)
		return
	}
	a.log.Error("admin change failed", "path", c.Request.URL.Path, "err", err)
	a.message(c, http.StatusInternalServerError, "Something went wrong",
		"The server could not complete this change. Check the list to see what was saved, then try again; tell your operator if it keeps failing.")
}

// duplicateFields maps the value a store says is taken (record, field) to
// the form field and a readable error.
var duplicateFields = map[[2]string][2]string{
	{"agent", "extension"}:        {"extension", "another agent has this extension"},
	{"agent", "username"}:         {"username", "another agent has this username"},
	{"queue", "name"}:             {"name", "another queue has this name"},
	{"queue", "did"}:              {"dids", "one of these numbers already rings another queue (maybe of another tenant)"},
	{"tenant", "domain"}:          {"domain", "another tenant has this domain"},
	{"call variable", "variable"}: {"", "a channel variable is listed twice"},
	{"reason", "reason"}:          {"reasons", "a reason is listed twice"},
}

// duplicate turns a ccaas.ErrDuplicate into a form error; false for other errors.
func duplicate(err error, errs FormErrors) bool {
	var d *ccaas.DuplicateError
	if !errors.As(err, &d) {
		return false
	}
	if f, ok := duplicateFields[[2]string{d.Record, d.Field}]; ok {
		errs.add(f[0], f[1])
	} else {
		errs.add("", "one of these values is already taken")
	}
	return true
}

// ---- sessions, login, CSRF

func loginPath(k adminKind) string { // of tenant admins unless k is kindOperator
	if k == kindOperator {
		return "/operator/login"
	}
	return "/admin/login"
}

func (a *admin) sessionOf(r *http.Request) (adminSession, bool) {
	ck, err := r.Cookie(AdminCookie)
	if err != nil || ck.Value == "" || len(ck.Value) > 128 {
		return adminSession{}, false
	}
	return a.sessions.get(ck.Value)
}

func setCookie(c *gin.Context, name, value string, maxAge int) {
	http.SetCookie(c.Writer, &http.Cookie{
		Name: name, Value: value, Path: "/", MaxAge: maxAge,
		HttpOnly: true, Secure: c.Request.TLS != nil, SameSite: http.SameSiteStrictMode,
	})
}

// require lets through a live session of kind (of either kind if anyKind)
// whose user still may use these pages; without one, it sends the browser to
// the login of kind.
func (a *admin) require(kind adminKind, anyKind bool) gin.HandlerFunc {
	return func(c *gin.Context) {
		s, ok := a.sessionOf(c.Request)
		if !ok {
			c.Redirect(http.StatusSeeOther, loginPath(kind))
			c.Abort()
			return
		}
		if !anyKind && s.Kind != kind {
			c.Set(adminKey, s)
			a.message(c, http.StatusForbidden, "Not for your account",
				fmt.Sprintf("These pages are for %ss; you are logged in as %s %s. Log out first to log in with another account.", kind, s.Kind, s.User))
			return
		}
		var err error
		switch s.Kind {
		case kindTenantAdmin: // demoted or deleted admins lose their session at once
			var ag ccaas.Agent
			if ag, err = a.store.Agent(c.Request.Context(), s.Tenant, s.Agent); err == nil && ag.Role != ccaas.RoleAdmin && ag.Role != ccaas.RoleSupervisor {
				err = ccaas.ErrNotFound
			}
			s.Role = ag.Role // an admin made supervisor sees only reports from now on
		case kindOperator:
			_, err = a.store.OperatorByUsername(c.Request.Context(), s.User)
		}
		if errors.Is(err, ccaas.ErrNotFound) {
			a.sessions.delete(s.ID)
			setCookie(c, AdminCookie, "", -1)
			c.Redirect(http.StatusSeeOther, loginPath(s.Kind))
			c.Abort()
			return
		}
		if err != nil {
			a.failed(c, err)
			return
		}
		c.Set(adminKey, s)
		c.Next()
	}
}

func adminOf(c *gin.Context) adminSession { return c.MustGet(adminKey).(adminSession) }

// adminOnly refuses supervisors the pages that are for tenant admins.
func (a *admin) adminOnly(c *gin.Context) {
	if s := adminOf(c); s.Role != ccaas.RoleAdmin {
		a.message(c, http.StatusForbidden, "Not for your account",
			"As a supervisor you may see the reports only; the other admin pages are for tenant admins.")
		return
	}
	c.Next()
}

// formSameOrigin: a browser's Origin (sent with every POST by current browsers)
// must name this host; a cross-site fetch is refused.
func formSameOrigin(r *http.Request) bool {
	if r.Header.Get("Sec-Fetch-Site") == "cross-site" {
		return false
	}
	origin := r.Header.Get("Origin")
	if origin == "" {
		return true
	}
	u, err := url.Parse(origin)
	return err == nil && u.Host != "" && strings.EqualFold(u.Host, r.Host)
}

func (a *admin) sameOriginOnly(c *gin.Context) {
	if !formSameOrigin(c.Request) {
		a.message(c, http.StatusForbidden, "Refused", "This form was sent from another site. Open the admin page itself and try again.")
		return
	}
	c.Next()
}

// readForm parses a small urlencoded body into r.PostForm.
func (a *admin) readForm(c *gin.Context) bool {
	mt, _, _ := mime.ParseMediaType(c.GetHeader("Content-Type"))
	if mt != "application/x-www-form-urlencoded" {
		a.message(c, http.StatusUnsupportedMediaType, "Refused", "Send the page's form as it is.")
		return false
	}
	c.Request.Body = http.MaxBytesReader(c.Writer, c.Request.Body, adminMaxBody)
	if err := c.Request.ParseForm(); err != nil {
		a.message(c, http.StatusRequestEntityTooLarge, "Refused", "The form is too large or malformed; nothing was changed.")
		return false
	}
	return true
}

// tokenMatches compares a form's token with the expected one in constant time.
func tokenMatches(form url.Values, want string) bool {
	got := form["csrf"]
	return want != "" && len(got) == 1 && subtle.ConstantTimeCompare([]byte(got[0]), []byte(want)) == 1
}

var csrfText = "This form is out of date or was not sent by this site (its security token does not match), so nothing was changed. " +
	"Go back, reload the page and send it again."

// guard checks a state-changing request: same origin, a small form, and the
// session's CSRF token.
func (a *admin) guard(c *gin.Context) {
	if !formSameOrigin(c.Request) {
		a.message(c, http.StatusForbidden, "Refused", "This form was sent from another site. Open the admin page itself and try again.")
		return
	}
	if !a.readForm(c) {
		return
	}
	if !tokenMatches(c.Request.PostForm, adminOf(c).CSRF) {
		a.message(c, http.StatusForbidden, "Refused: security token", csrfText)
		return
	}
	c.Next()
}

func (a *admin) loginPage(kind adminKind) gin.HandlerFunc {
	return func(c *gin.Context) {
		if s, ok := a.sessionOf(c.Request); ok && s.Kind == kind {
			c.Redirect(http.StatusSeeOther, s.home())
			return
		}
		a.showLogin(c, http.StatusOK, kind, url.Values{}, "")
	}
}

func home(k adminKind) string {
	if k == kindOperator {
		return "/operator/tenants"
	}
	return "/admin/agents"
}

// showLogin renders the login form with a fresh token, in a cookie and in the
// form, so that another site cannot log a browser in (login CSRF).
func (a *admin) showLogin(c *gin.Context, status int, kind adminKind, form url.Values, problem string) {
	token := randomToken()
	setCookie(c, loginCookie, token, 3600)
	title := "Tenant admin login"
	if kind == kindOperator {
		title = "Operator login"
	}
	p := a.newPage(c, title, "")
	p.Form = url.Values{"username": {form.Get("username")}, "domain": {form.Get("domain")}}
	if problem != "" {
		p.Errors.add("", problem)
	}
	p.Data = struct {
		Operator bool
		Token    string
		Action   string
	}{kind == kindOperator, token, loginPath(kind)}
	a.render(c, status, "login", p)
}

func (a *admin) login(kind adminKind) gin.HandlerFunc {
	return func(c *gin.Context) {
		if !a.readForm(c) {
			return
		}
		form := c.Request.PostForm
		ck, err := c.Request.Cookie(loginCookie)
		if err != nil || !tokenMatches(form, ck.Value) {
			a.showLogin(c, http.StatusForbidden, kind, form, "The login form had expired. Please log in again.")
			return
		}
		username, password, domain := form.Get("username"), form.Get("password"), strings.TrimSpace(form.Get("domain"))
		if kind == kindOperator {
			domain = "" // operators have none (and a made-up one must not reset the limit)
		}
		if username == "" || password == "" || kind == kindTenantAdmin && domain == "" {
			a.showLogin(c, http.StatusBadRequest, kind, form, "Enter your username, password and domain.")
			return
		}
		if len(username) > maxLoginLength || len(password) > validate.MaxPassword || len(domain) > maxLoginLength {
			a.showLogin(c, http.StatusUnauthorized, kind, url.Values{}, errBadAdminLogin.Error())
			return
		}
		limitKey := strings.ToLower(kind.String() + ":" + username + "@" + domain)
		if msg, ok := a.logins.check(limitKey, c.ClientIP()); !ok {
			a.showLogin(c, http.StatusTooManyRequests, kind, form, msg+".")
			return
		}
		s := adminSession{Kind: kind, User: username}
		if kind == kindOperator {
			s.User, err = a.checkOperator(c.Request.Context(), username, password)
		} else {
			s, err = a.checkTenantAdmin(c.Request.Context(), domain, username, password)
		}
		switch {
		case errors.Is(err, errBadAdminLogin):
			a.logins.failed(limitKey, c.ClientIP())
			a.log.Info("admin login refused", "kind", kind.String(), "user", username, "domain", domain)
			a.showLogin(c, http.StatusUnauthorized, kind, form, err.Error())
			return
		case errors.Is(err, errNotAdmin):
			a.showLogin(c, http.StatusForbidden, kind, form, "This account may not use the admin pages: it is not a tenant admin or a supervisor.")
			return
		case err != nil:
			a.failed(c, err)
			return
		}
		if old, err := c.Request.Cookie(AdminCookie); err == nil {
			a.sessions.delete(old.Value)
		}
		s = a.sessions.create(s)
		setCookie(c, AdminCookie, s.ID, 0)
		setCookie(c, loginCookie, "", -1)
		a.log.Info("admin logged in", "kind", kind.String(), "user", s.User, "tenant", s.Domain)
		c.Redirect(http.StatusSeeOther, s.home())
	}
}

var errNotAdmin = errors.New("not a tenant admin or supervisor")

// checkTenantAdmin spends one bcrypt compare whether or not the tenant and
// the user exist, so that timing does not tell which usernames do.
func (a *admin) checkTenantAdmin(ctx context.Context, domain, username, password string) (adminSession, error) {
	hash := a.dummy()
	t, err := a.store.TenantByDomain(ctx, domain)
	var ag ccaas.Agent
	if err == nil {
		if ag, err = a.store.AgentByUsername(ctx, t.ID, username); err == nil {
			hash = []byte(ag.PasswordHash)
		}
	}
	bad := bcrypt.CompareHashAndPassword(hash, []byte(password)) != nil
	switch {
	case err != nil && !errors.Is(err, ccaas.ErrNotFound):
		return adminSession{}, err
	case err != nil || bad:
		return adminSession{}, errBadAdminLogin
	case ag.Role != ccaas.RoleAdmin && ag.Role != ccaas.RoleSupervisor:
		return adminSession{}, errNotAdmin
	}
	return adminSession{Kind: kindTenantAdmin, Tenant: t.ID, Domain: t.Domain, Agent: ag.ID, User: ag.Username, Role: ag.Role}, nil
}

// checkOperator returns the operator's username as stored.
func (a *admin) checkOperator(ctx context.Context, username, password string) (string, error) {
	hash := a.dummy()
	o, err := a.store.OperatorByUsername(ctx, username)
	if err == nil {
		hash = []byte(o.PasswordHash)
	}
	bad := bcrypt.CompareHashAndPassword(hash, []byte(password)) != nil
	switch {
	case err != nil && !errors.Is(err, ccaas.ErrNotFound):
		return "", err
	case err != nil || bad:
		return "", errBadAdminLogin
	}
	return o.Username, nil
}

func (a *admin) logout(c *gin.Context) {
	s := adminOf(c)
	a.sessions.delete(s.ID)
	setCookie(c, AdminCookie, "", -1)
	c.Redirect(http.StatusSeeOther, loginPath(s.Kind))
}

// done ends a successful change: apply it to the running tenant, then go back
// to the list with a message.
func (a *admin) done(c *gin.Context, tenant ccaas.TenantID, to, msg string) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(c.Request.Context()), reloadTimeout)
	defer cancel()
	s := adminOf(c)
	if err := a.reloader.Reload(ctx, tenant); err != nil {
		a.log.Error("admin change saved but not applied", "tenant", tenant, "err", err)
		a.sessions.setFlash(s.ID, msg+" It is saved, but the running system could not apply it yet; it applies at the latest when the server restarts.", true)
	} else {
		a.sessions.setFlash(s.ID, msg, false)
	}
	c.Redirect(http.StatusSeeOther, to)
}

func hashPassword(p string) (string, error) {
	h, err := bcrypt.GenerateFromPassword([]byte(p), adminBcryptCost)
	return string(h), err
}

// ---- tenant admin: agents

// choice is a checkbox with a skill: a queue of an agent, an agent of a queue.
type choice struct {
	ID      int64
	Label   string
	Field   string // the skill field
	Checked bool
	Skill   string
	Err     string
}

func choices(v url.Values, errs FormErrors, field, prefix string, ids []int64, labels []string) []choice {
	out := make([]choice, len(ids))
	for i, id := range ids {
		sid := strconv.FormatInt(id, 10)
		f := prefix + sid
		skill := v.Get(f)
		if skill == "" {
			skill = "1"
		}
		out[i] = choice{ID: id, Label: labels[i], Field: f, Checked: slices.Contains(v[field], sid), Skill: skill, Err: errs[f]}
	}
	return out
}

type agentRow struct {
	ccaas.Agent
	Queues []string
}

func (a *admin) tenantConfig(c *gin.Context) (ccaas.TenantConfig, bool) {
	cfg, err := a.store.TenantConfig(c.Request.Context(), adminOf(c).Tenant)
	if err != nil {
		a.failed(c, err)
		return cfg, false
	}
	return cfg, true
}

func (a *admin) agents(c *gin.Context) {
	cfg, ok := a.tenantConfig(c)
	if !ok {
		return
	}
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
				id := strconv.FormatInt(int64(q.ID), 10)
				v.Add("queue", id)
				v.Set("skill_q"+id, strconv.Itoa(m.Skill))
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

func (a *admin) agentNew(c *gin.Context) {
	cfg, ok := a.tenantConfig(c)
	if !ok {
		return
	}
	a.showAgent(c, http.StatusOK, cfg, ccaas.Agent{}, url.Values{"role": {ccaas.RoleAgent}, "wrapup": {"0"}}, FormErrors{})
}

func (a *admin) agentCreate(c *gin.Context) {
	cfg, ok := a.tenantConfig(c)
	if !ok {
		return
	}
	v := c.Request.PostForm
	f, errs := ParseAgentForm(v, cfg, 0)
	if errs != nil {
		a.showAgent(c, http.StatusUnprocessableEntity, cfg, ccaas.Agent{}, withoutPasswords(v), errs)
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
	if err != nil {
		errs = FormErrors{}
		if duplicate(err, errs) {
			a.showAgent(c, http.StatusUnprocessableEntity, cfg, ccaas.Agent{}, withoutPasswords(v), errs)
			return
		}
		a.failed(c, err)
		return
	}
	if len(f.Queues) > 0 {
		if err := a.store.SetAgentQueues(ctx, ag.TenantID, created.ID, f.Queues); err != nil {
			a.failed(c, err)
			return
		}
	}
	a.done(c, ag.TenantID, "/admin/agents", fmt.Sprintf("Agent %s created.", created.Username))
}

// agentByURL finds the agent named by the URL among the session tenant's own.
func (a *admin) agentByURL(c *gin.Context) (ccaas.Agent, bool) {
	id, ok := parseID(c.Param("id"))
	if !ok {
		a.notFound(c)
		return ccaas.Agent{}, false
	}
	ag, err := a.store.Agent(c.Request.Context(), adminOf(c).Tenant, ccaas.AgentID(id))
	if err != nil {
		a.failed(c, err)
		return ag, false
	}
	return ag, true
}

func (a *admin) agentEdit(c *gin.Context) {
	ag, ok := a.agentByURL(c)
	if !ok {
		return
	}
	cfg, ok := a.tenantConfig(c)
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

func (a *admin) agentUpdate(c *gin.Context) {
	old, ok := a.agentByURL(c)
	if !ok {
		return
	}
	cfg, ok := a.tenantConfig(c)
	if !ok {
		return
	}
	v := c.Request.PostForm
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
	if len(errs) == 0 {
		ag := f.Agent
		ag.ID, ag.TenantID, ag.Username, ag.PasswordHash = old.ID, old.TenantID, old.Username, old.PasswordHash
		err := a.store.UpdateAgent(c.Request.Context(), ag)
		if err == nil {
			err = a.store.SetAgentQueues(c.Request.Context(), ag.TenantID, ag.ID, f.Queues)
		}
		if err == nil {
			a.done(c, ag.TenantID, "/admin/agents", fmt.Sprintf("Agent %s saved.", ag.Username))
			return
		}
		if !duplicate(err, errs) {
			a.failed(c, err)
			return
		}
	}
	v = withoutPasswords(v)
	v.Set("username", old.Username)
	a.showAgent(c, http.StatusUnprocessableEntity, cfg, old, v, errs)
}

func (a *admin) agentPassword(c *gin.Context) {
	ag, ok := a.agentByURL(c)
	if !ok {
		return
	}
	password, errs := ParsePasswordForm(c.Request.PostForm)
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
	if err != nil {
		a.failed(c, err)
		return
	}
	a.done(c, ag.TenantID, "/admin/agents", fmt.Sprintf("The password of %s was changed.", ag.Username))
}

func (a *admin) agentDelete(c *gin.Context) {
	ag, ok := a.agentByURL(c)
	if !ok {
		return
	}
	cfg, ok := a.tenantConfig(c)
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
	if err := a.store.DeleteAgent(c.Request.Context(), ag.TenantID, ag.ID); err != nil {
		a.failed(c, err)
		return
	}
	a.done(c, ag.TenantID, "/admin/agents", fmt.Sprintf("Agent %s deleted.", ag.Username))
}

// ---- tenant admin: queues

type queueRow struct {
	ccaas.Queue
	OverflowText string
	MemberNames  []string
}

func overflowText(cfg ccaas.TenantConfig, q ccaas.Queue) string {
	if q.MaxWaitSeconds == 0 {
		return "waits without limit"
	}
	switch q.Overflow {
	case ccaas.OverflowQueue:
		target := "a removed queue"
		if id, ok := parseID(q.OverflowTarget); ok {
			if t := queueByID(cfg, ccaas.QueueID(id)); t != nil {
				target = "queue " + t.Name
			}
		}
		return fmt.Sprintf("after %d s: to %s", q.MaxWaitSeconds, target)
	case ccaas.OverflowExtension:
		return fmt.Sprintf("after %d s: to extension %s", q.MaxWaitSeconds, q.OverflowTarget)
	}
	return fmt.Sprintf("after %d s: hang up politely", q.MaxWaitSeconds)
}

func (a *admin) queues(c *gin.Context) {
	cfg, ok := a.tenantConfig(c)
	if !ok {
		return
	}
	rows := make([]queueRow, len(cfg.Queues))
	for i, q := range cfg.Queues {
		rows[i] = queueRow{Queue: q, OverflowText: overflowText(cfg, q)}
		for _, m := range q.Members {
			if ag := agentByID(cfg, m.Agent); ag != nil {
				rows[i].MemberNames = append(rows[i].MemberNames, fmt.Sprintf("%s (%d)", ag.Username, m.Skill))
			}
		}
	}
	p := a.newPage(c, "Queues", "queues")
	p.Data = rows
	a.render(c, http.StatusOK, "queues", p)
}

type queuePage struct {
	ID         int64
	Strategies []string
	Members    []choice
	QueueNames []string // other queues: overflow targets
	Extensions []string
}

func queueValues(q ccaas.Queue, cfg ccaas.TenantConfig) url.Values {
	v := url.Values{"name": {q.Name}, "dids": {strings.Join(q.DIDs, "\n")}, "ring": {strconv.Itoa(q.RingSeconds)},
		"priority": {strconv.Itoa(q.Priority)}, "strategy": {q.Strategy}, "moh": {q.MOHClass},
		"announce": {strconv.Itoa(q.AnnounceSeconds)}, "max_wait": {strconv.Itoa(q.MaxWaitSeconds)}, "overflow": {q.Overflow},
		"service_level": {strconv.Itoa(q.ServiceLevelSeconds)}}
	switch q.Overflow {
	case ccaas.OverflowQueue:
		if id, ok := parseID(q.OverflowTarget); ok {
			if t := queueByID(cfg, ccaas.QueueID(id)); t != nil {
				v.Set("overflow_target", t.Name)
			}
		}
	case ccaas.OverflowExtension:
		v.Set("overflow_target", q.OverflowTarget)
	}
	for _, m := range q.Members {
		id := strconv.FormatInt(int64(m.Agent), 10)
		v.Add("member", id)
		v.Set("skill_a"+id, strconv.Itoa(m.Skill))
	}
	return v
}

func (a *admin) showQueue(c *gin.Context, status int, cfg ccaas.TenantConfig, id ccaas.QueueID, v url.Values, errs FormErrors) {
	title := "New queue"
	if q := queueByID(cfg, id); q != nil {
		title = "Queue " + q.Name
	}
	p := a.newPage(c, title, "queues")
	p.Form, p.Errors = v, errs
	ids, labels := make([]int64, len(cfg.Agents)), make([]string, len(cfg.Agents))
	data := queuePage{ID: int64(id), Strategies: []string{"longest_idle", "round_robin", "fewest_calls"}}
	for i, ag := range cfg.Agents {
		ids[i], labels[i] = int64(ag.ID), fmt.Sprintf("%s (%s, ext. %s)", ag.Name, ag.Username, ag.Extension)
		data.Extensions = append(data.Extensions, ag.Extension)
	}
	for _, q := range cfg.Queues {
		if q.ID != id {
			data.QueueNames = append(data.QueueNames, q.Name)
		}
	}
	data.Members = choices(v, errs, "member", "skill_a", ids, labels)
	p.Data = data
	a.render(c, status, "queue", p)
}

func (a *admin) queueNew(c *gin.Context) {
	cfg, ok := a.tenantConfig(c)
	if !ok {
		return
	}
	a.showQueue(c, http.StatusOK, cfg, 0, queueValues(ccaas.Queue{RingSeconds: 20, ServiceLevelSeconds: ccaas.DefaultServiceLevelSeconds, Strategy: "longest_idle", MOHClass: "default", Overflow: ccaas.OverflowHangup}, cfg), FormErrors{})
}

func (a *admin) queueCreate(c *gin.Context) {
	cfg, ok := a.tenantConfig(c)
	if !ok {
		return
	}
	v := c.Request.PostForm
	q, errs := ParseQueueForm(v, cfg, 0)
	if errs == nil {
		q.TenantID = adminOf(c).Tenant
		created, err := a.store.CreateQueue(c.Request.Context(), q)
		if err == nil {
			a.done(c, q.TenantID, "/admin/queues", fmt.Sprintf("Queue %s created.", created.Name))
			return
		}
		if errs = (FormErrors{}); !duplicate(err, errs) {
			a.failed(c, err)
			return
		}
	}
	a.showQueue(c, http.StatusUnprocessableEntity, cfg, 0, v, errs)
}

// queueByURL finds the queue named by the URL among the session tenant's own.
func (a *admin) queueByURL(c *gin.Context) (ccaas.TenantConfig, ccaas.Queue, bool) {
	id, ok := parseID(c.Param("id"))
	if !ok {
		a.notFound(c)
		return ccaas.TenantConfig{}, ccaas.Queue{}, false
	}
	cfg, ok := a.tenantConfig(c)
	if !ok {
		return cfg, ccaas.Queue{}, false
	}
	q := queueByID(cfg, ccaas.QueueID(id))
	if q == nil {
		a.notFound(c)
		return cfg, ccaas.Queue{}, false
	}
	return cfg, *q, true
}

func (a *admin) queueEdit(c *gin.Context) {
	cfg, q, ok := a.queueByURL(c)
	if !ok {
		return
	}
	a.showQueue(c, http.StatusOK, cfg, q.ID, queueValues(q, cfg), FormErrors{})
}

func (a *admin) queueUpdate(c *gin.Context) {
	cfg, old, ok := a.queueByURL(c)
	if !ok {
		return
	}
	v := c.Request.PostForm
	q, errs := ParseQueueForm(v, cfg, old.ID)
	if errs == nil {
		q.ID, q.TenantID = old.ID, old.TenantID
		err := a.store.UpdateQueue(c.Request.Context(), q)
		if err == nil {
			a.done(c, q.TenantID, "/admin/queues", fmt.Sprintf("Queue %s saved.", q.Name))
			return
		}
		if errs = (FormErrors{}); !duplicate(err, errs) {
			a.failed(c, err)
			return
		}
	}
	a.showQueue(c, http.StatusUnprocessableEntity, cfg, old.ID, v, errs)
}

func (a *admin) queueDelete(c *gin.Context) {
	cfg, q, ok := a.queueByURL(c)
	if !ok {
		return
	}
	errs := FormErrors{}
	var from []string
	for _, o := range cfg.Queues {
		if o.Overflow == ccaas.OverflowQueue && o.OverflowTarget == strconv.FormatInt(int64(q.ID), 10) && o.ID != q.ID {
			from = append(from, o.Name)
		}
	}
	switch {
	case c.Request.PostForm.Get("confirm") != "yes":
		errs.add("confirm", "tick the box to confirm the deletion")
	case len(from) > 0:
		errs.add("confirm", fmt.Sprintf("queue %s overflows into this queue; change that queue first", strings.Join(from, ", ")))
	}
	if len(errs) > 0 {
		a.showQueue(c, http.StatusUnprocessableEntity, cfg, q.ID, queueValues(q, cfg), errs)
		return
	}
	if err := a.store.DeleteQueue(c.Request.Context(), q.TenantID, q.ID); err != nil {
		a.failed(c, err)
		return
	}
	a.done(c, q.TenantID, "/admin/queues", fmt.Sprintf("Queue %s deleted; calls waiting in it were ended politely.", q.Name))
}

// ---- tenant admin: call variables, reasons, settings

type variableRow struct {
	N             int
	Key, Variable string
	Err           string
}

func (a *admin) showVariables(c *gin.Context, status int, keys, vars []string, errs FormErrors) {
	rows := make([]variableRow, max(ccaas.MaxCallVariables, len(keys)))
	for i := range rows {
		rows[i].N = i + 1
		if i < len(keys) && i < len(vars) {
			rows[i].Key, rows[i].Variable = keys[i], vars[i]
		}
		rows[i].Err = errs["row"+strconv.Itoa(i+1)]
	}
	p := a.newPage(c, "Call variables", "variables")
	p.Errors, p.Data = errs, rows
	a.render(c, status, "variables", p)
}

func (a *admin) variables(c *gin.Context) {
	cfg, ok := a.tenantConfig(c)
	if !ok {
		return
	}
	var keys, vars []string
	for _, v := range cfg.Variables {
		keys, vars = append(keys, v.Key), append(vars, v.Variable)
	}
	a.showVariables(c, http.StatusOK, keys, vars, FormErrors{})
}

func (a *admin) variablesSave(c *gin.Context) {
	v := c.Request.PostForm
	vars, errs := ParseVariablesForm(v)
	if errs == nil {
		tenant := adminOf(c).Tenant
		err := a.store.SetCallVariables(c.Request.Context(), tenant, vars)
		if err == nil {
			a.done(c, tenant, "/admin/variables", fmt.Sprintf("%d call variables saved.", len(vars)))
			return
		}
		if errs = (FormErrors{}); !duplicate(err, errs) {
			a.failed(c, err)
			return
		}
	}
	a.showVariables(c, http.StatusUnprocessableEntity, v["key"], v["variable"], errs)
}

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

func (a *admin) showSettings(c *gin.Context, status int, s ccaas.Settings, errs FormErrors) {
	p := a.newPage(c, "Settings", "settings")
	p.Errors, p.Data = errs, s
	a.render(c, status, "settings", p)
}

func (a *admin) settings(c *gin.Context) {
	cfg, ok := a.tenantConfig(c)
	if !ok {
		return
	}
	a.showSettings(c, http.StatusOK, cfg.Settings, FormErrors{})
}

func (a *admin) settingsSave(c *gin.Context) {
	cfg, ok := a.tenantConfig(c)
	if !ok {
		return
	}
	s, errs := ParseSettingsForm(c.Request.PostForm, cfg.Settings)
	if errs != nil {
		a.showSettings(c, http.StatusUnprocessableEntity, cfg.Settings, errs)
		return
	}
	if err := a.store.SetSettings(c.Request.Context(), cfg.Tenant.ID, s); err != nil {
		a.failed(c, err)
		return
	}
	a.done(c, cfg.Tenant.ID, "/admin/settings", "Settings saved; agents' pages follow them from now on.")
}

// ---- operator: tenants

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

// withoutPasswords is the form to show again: passwords are never sent back.
func withoutPasswords(v url.Values) url.Values {
	v = maps.Clone(v)
	for _, k := range []string{"password", "password2", "admin_password", "csrf"} {
		delete(v, k)
	}
	return v
}

func (a *admin) tenantCreate(c *gin.Context) {
	v := c.Request.PostForm
	f, errs := ParseTenantForm(v, true)
	if errs != nil {
		a.showTenant(c, http.StatusUnprocessableEntity, ccaas.Tenant{}, withoutPasswords(v), errs)
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
	if err != nil {
		if errs = (FormErrors{}); duplicate(err, errs) {
			a.showTenant(c, http.StatusUnprocessableEntity, ccaas.Tenant{}, withoutPasswords(v), errs)
			return
		}
		a.failed(c, err)
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
	if err != nil {
		a.failed(c, err)
		return
	}
	a.done(c, t.ID, "/operator/tenants", msg)
}

func (a *admin) tenantByURL(c *gin.Context) (ccaas.TenantConfig, bool) {
	id, ok := parseID(c.Param("id"))
	if !ok {
		a.notFound(c)
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
	if err != nil {
		a.failed(c, err)
		return
	}
	a.done(c, t.ID, "/operator/tenants", fmt.Sprintf("Tenant %s saved.", t.Domain))
}
