package http

import (
	"bytes"
	"context"
	"embed"
	"errors"
	"fmt"
	"html"
	"html/template"
	"log/slog"
	"maps"
	"net/http"
	"net/netip"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gin-gonic/gin"
	"golang.org/x/crypto/bcrypt"

	"github.com/ccaas/ccaas"
	"github.com/ccaas/ccaas/cti"
	"github.com/ccaas/ccaas/report"
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
	AssignDIDs(ctx context.Context, tenant ccaas.TenantID, dids ...string) error
	UnassignDIDs(ctx context.Context, tenant ccaas.TenantID, dids ...string) (queues []string, err error)
	AssignedDIDs(ctx context.Context) (map[string]ccaas.TenantID, error)
	report.Records // the reports' calls and state log
	WebhookStore
	CallRecordings(ctx context.Context, tenant ccaas.TenantID, from, to time.Time) ([]ccaas.CallRecordingRow, error)
	CallRecord(ctx context.Context, tenant ccaas.TenantID, id ccaas.CallID) (ccaas.CallRecord, error)
	Recording(ctx context.Context, tenant ccaas.TenantID, id ccaas.RecordingID) (ccaas.Recording, error)
}

// WebhookStore keeps a tenant's webhooks and shows their deliveries; every
// method is scoped by the tenant (another's id is ccaas.ErrNotFound).
type WebhookStore interface {
	Webhooks(ctx context.Context, tenant ccaas.TenantID) ([]ccaas.Webhook, error)
	Webhook(ctx context.Context, tenant ccaas.TenantID, id ccaas.WebhookID) (ccaas.Webhook, error)
	CreateWebhook(ctx context.Context, w ccaas.Webhook) (ccaas.Webhook, error)
	UpdateWebhook(ctx context.Context, w ccaas.Webhook) error
	DeleteWebhook(ctx context.Context, tenant ccaas.TenantID, id ccaas.WebhookID) error
	RecentDeliveries(ctx context.Context, tenant ccaas.TenantID, id ccaas.WebhookID, limit int) ([]ccaas.Delivery, error)
	AppendRecords(ctx context.Context, r ccaas.Records) error
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
	adminMaxBody  = 64 << 10
	reloadTimeout = 10 * time.Second
	adminKey      = "admin"
)

// admin serves the admin pages.
type admin struct {
	store    AdminStore
	reloader Reloader
	log      *slog.Logger
	sessions *adminSessions
	logins   *loginLimits    // shared with the agents' logins (ratelimit.go)
	checks   *passwordChecks // shared with the agents' logins
	origins  origins
	pages    map[string]*template.Template
	css      []byte
	dummy    func() []byte // a hash to compare against when the user is unknown
	now      func() time.Time
	// webhooks may go to these ranges besides public addresses; outboxWritten
	// wakes the sender after a test event
	webhookAllow  []netip.Prefix
	outboxWritten func()
	recordings    RecordingAudio
}

// registerAdmin adds the admin pages to e (nothing without a store); it
// returns them, nil when off.
func (s *Server) registerAdmin(e *gin.Engine) *admin {
	cfg := s.cfg
	if cfg.Store == nil || cfg.Reloader == nil {
		cfg.Logger.Info("admin pages are off: no store or reloader configured")
		return nil
	}
	a := newAdmin(cfg.Store, cfg.Reloader, cfg.Logger, time.Now)
	a.logins, a.checks, a.origins = s.logins, s.checks, s.origins
	a.webhookAllow, a.outboxWritten, a.recordings = cfg.WebhookAllow, cfg.OutboxWritten, cfg.Recordings
	if cfg.SessionMaxAge > 0 {
		a.sessions.maxAge = cfg.SessionMaxAge
	}
	a.routes(e)
	return a
}

// isAdminPath tells whether a path belongs to the admin or operator pages.
func isAdminPath(p string) bool {
	return strings.HasPrefix(p, "/admin/") || strings.HasPrefix(p, "/operator/")
}

func newAdmin(store AdminStore, reloader Reloader, log *slog.Logger, now func() time.Time) *admin {
	a := &admin{store: store, reloader: reloader, log: log, sessions: newAdminSessions(now), logins: newLoginLimits(), checks: newPasswordChecks(),
		pages: make(map[string]*template.Template), now: now}
	funcs := template.FuncMap{
		"get":      func(v url.Values, k string) string { return v.Get(k) },
		"label":    label,
		"sentence": cti.Sentence,
	}
	for _, name := range []string{"login", "message", "agents", "agent", "queues", "queue", "variables", "reasons", "settings", "webhooks", "webhook", "tenants", "tenant", "reports", "sessions"} {
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

	ad := e.Group("/admin", securityHeaders(false))
	ad.GET("", a.require(kindTenantAdmin, false), func(c *gin.Context) { c.Redirect(http.StatusSeeOther, adminOf(c).home()) })
	r := a.signInRoutes(ad, kindTenantAdmin)
	r.GET("/reports", a.reports)
	r.GET("/reports/:table", a.reportCSV)
	r.GET("/recordings/:id", a.recordingAudio)
	t := r.Group("", a.adminOnly)
	t.GET("/agents", a.withConfig(a.agents))
	t.GET("/agents/new", a.withConfig(a.agentNew))
	t.POST("/agents", a.guard, a.withConfig(a.agentCreate))
	t.GET("/agents/:id", a.withConfig(a.agentEdit))
	t.POST("/agents/:id", a.guard, a.withConfig(a.agentUpdate))
	t.POST("/agents/:id/password", a.guard, a.agentPassword)
	t.POST("/agents/:id/delete", a.guard, a.withConfig(a.agentDelete))
	t.GET("/queues", a.withConfig(a.queues))
	t.GET("/queues/new", a.withConfig(a.queueNew))
	t.POST("/queues", a.guard, a.withConfig(a.queueCreate))
	t.GET("/queues/:id", a.withConfig(a.queueEdit))
	t.POST("/queues/:id", a.guard, a.withConfig(a.queueUpdate))
	t.POST("/queues/:id/delete", a.guard, a.withConfig(a.queueDelete))
	t.GET("/variables", a.withConfig(a.variables))
	t.POST("/variables", a.guard, a.withConfig(a.variablesSave))
	t.GET("/reasons", a.withConfig(a.reasons))
	t.POST("/reasons", a.guard, a.reasonsSave)
	t.GET("/settings", a.withConfig(a.settings))
	t.POST("/settings", a.guard, a.withConfig(a.settingsSave))
	t.GET("/webhooks", a.webhooks)
	t.GET("/webhooks/new", a.webhookNew)
	t.POST("/webhooks", a.guard, a.webhookCreate)
	t.GET("/webhooks/:id", a.webhookEdit)
	t.POST("/webhooks/:id", a.guard, a.webhookUpdate)
	t.POST("/webhooks/:id/test", a.guard, a.webhookTest)
	t.POST("/webhooks/:id/delete", a.guard, a.webhookDelete)

	op := e.Group("/operator", securityHeaders(false))
	op.GET("", redirectTo("/operator/tenants"))
	o := a.signInRoutes(op, kindOperator)
	o.GET("/tenants", a.tenants)
	o.GET("/tenants/new", a.tenantNew)
	o.POST("/tenants", a.guard, a.tenantCreate)
	o.GET("/tenants/:id", a.tenantEdit)
	o.POST("/tenants/:id", a.guard, a.tenantUpdate)
}

// signInRoutes adds the login, logout and sessions pages of one kind of
// admin to g and returns the group of the pages that need that login.
func (a *admin) signInRoutes(g *gin.RouterGroup, kind adminKind) *gin.RouterGroup {
	g.GET("/login", a.loginPage(kind))
	g.POST("/login", a.sameOriginOnly, a.login(kind))
	g.POST("/logout", a.require(kind, true), a.guard, a.logout)
	signedIn := g.Group("", a.require(kind, false))
	signedIn.GET("/sessions", a.sessionsPage)
	signedIn.POST("/sessions/end", a.guard, a.sessionsEnd)
	return signedIn
}

func redirectTo(path string) gin.HandlerFunc {
	return func(c *gin.Context) { c.Redirect(http.StatusSeeOther, path) }
}

func (a *admin) stylesheet(c *gin.Context) {
	c.Header("Cache-Control", "max-age=3600")
	c.Data(http.StatusOK, "text/css; charset=utf-8", a.css)
}

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
	focused     bool // a field in error has autofocus
}

// IsOperator tells the layout which navigation to show.
func (p *page) IsOperator() bool { return p.S.Kind == kindOperator }

// Err is the error shown next to a field ("" for none).
func (p *page) Err(field string) string { return p.Errors[field] }

// fieldError is a field's error as the "fielderr" template shows it, with
// the id its field's aria-describedby names.
type fieldError struct{ ID, Msg string }

// FieldError is the error shown next to a field (Msg "" for none).
func (p *page) FieldError(field string) fieldError {
	return fieldError{ID: field + "-error", Msg: p.Errors[field]}
}

// Attrs are a form field's accessibility attributes: aria-describedby names
// its error and, with help, its help text (id field-help); aria-invalid marks
// it in error; and the page's first field in error gets autofocus (templates
// run in the page's order), so that a refused form opens on it.
func (p *page) Attrs(field string, help bool) template.HTMLAttr {
	var ids []string
	invalid := p.Errors[field] != ""
	if invalid {
		ids = append(ids, field+"-error")
	}
	if help {
		ids = append(ids, field+"-help")
	}
	var b strings.Builder
	if len(ids) > 0 {
		fmt.Fprintf(&b, `aria-describedby="%s"`, html.EscapeString(strings.Join(ids, " ")))
	}
	if invalid {
		b.WriteString(` aria-invalid="true"`)
		if !p.focused {
			p.focused = true
			b.WriteString(" autofocus")
		}
	}
	return template.HTMLAttr(b.String())
}

// labels are the words the pages show for stored values.
var labels = map[string]string{
	"longest_idle": "Longest idle", "round_robin": "Round robin", "fewest_calls": "Fewest calls",
	ccaas.RoleAgent: "Agent", ccaas.RoleSupervisor: "Supervisor", ccaas.RoleAdmin: "Admin",
}

func label(value string) string {
	if l, ok := labels[value]; ok {
		return l
	}
	return value
}

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
	{"queue", "did"}:              {"dids", "one of these numbers already rings another of your queues"},
	{"tenant", "did"}:             {"dids", "one of these numbers is assigned to another tenant"},
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

// stored tells whether the store took a change; err is its answer. If not,
// the request has its answer: a value already taken goes back to the form
// with the field's error (through again; nil for a change without unique
// values), any other error fails.
func (a *admin) stored(c *gin.Context, err error, again func(FormErrors)) bool {
	if err == nil {
		return true
	}
	if errs := (FormErrors{}); again != nil && duplicate(err, errs) {
		again(errs)
	} else if again != nil && errors.Is(err, ccaas.ErrDIDNotAssigned) {
		errs.add("dids", "one of these numbers is no longer your tenant's (your operator assigns them); reload the page")
		again(errs)
	} else {
		a.failed(c, err)
	}
	return false
}

// saved ends the save of one of a tenant's own settings (its reasons, call
// variables, settings): err is the store's answer; once stored, the change
// is audited as event and applied, and the admin goes back to page with msg.
func (a *admin) saved(c *gin.Context, tenant ccaas.TenantID, err error, again func(FormErrors), event, page, msg string) {
	if a.stored(c, err, again) {
		a.audit(c, event)
		a.done(c, tenant, page, msg)
	}
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

// choice is a checkbox with a skill: a queue of an agent, an agent of a queue.
type choice struct {
	ID      int64
	Label   string
	Field   string // the skill field
	Checked bool
	Skill   string
}

// choices reads the checkboxes (field) and skills (prefix and the id) of a
// form; addChoice writes one.
func choices(v url.Values, errs FormErrors, field, prefix string, ids []int64, labels []string) []choice {
	out := make([]choice, len(ids))
	for i, id := range ids {
		sid := strconv.FormatInt(id, 10)
		f := prefix + sid
		skill := v.Get(f)
		if skill == "" {
			skill = "1"
		}
		out[i] = choice{ID: id, Label: labels[i], Field: f, Checked: slices.Contains(v[field], sid), Skill: skill}
	}
	return out
}

func addChoice(v url.Values, field, prefix string, id int64, skill int) {
	sid := strconv.FormatInt(id, 10)
	v.Add(field, sid)
	v.Set(prefix+sid, strconv.Itoa(skill))
}

func (a *admin) tenantConfig(c *gin.Context) (ccaas.TenantConfig, bool) {
	cfg, err := a.store.TenantConfig(c.Request.Context(), adminOf(c).Tenant)
	if err != nil {
		a.failed(c, err)
		return cfg, false
	}
	return cfg, true
}

// withConfig loads the session tenant's configuration for h; a failure is
// answered.
func (a *admin) withConfig(h func(c *gin.Context, cfg ccaas.TenantConfig)) gin.HandlerFunc {
	return func(c *gin.Context) {
		if cfg, ok := a.tenantConfig(c); ok {
			h(c, cfg)
		}
	}
}

// idOf is the id in the URL; a malformed one is answered as not found.
func (a *admin) idOf(c *gin.Context) (int64, bool) {
	id, ok := parseID(c.Param("id"))
	if !ok {
		a.notFound(c)
	}
	return id, ok
}

// byURL loads the record the URL's id names with load, which looks in the
// session tenant's own (or, for the operator, the tenants); a malformed id
// or one load does not find is answered as not found.
func byURL[T any](a *admin, c *gin.Context, load func(ctx context.Context, id int64) (T, error)) (T, bool) {
	var zero T
	id, ok := a.idOf(c)
	if !ok {
		return zero, false
	}
	v, err := load(c.Request.Context(), id)
	if err != nil {
		a.failed(c, err)
		return zero, false
	}
	return v, true
}

// withoutPasswords is the form to show again: passwords are never sent back.
func withoutPasswords(v url.Values) url.Values {
	v = maps.Clone(v)
	for _, k := range []string{"password", "password2", "admin_password", "admin_password2", "csrf"} {
		delete(v, k)
	}
	return v
}
