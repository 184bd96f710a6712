// Package http is the contact center's web front: login and sessions, the
// CTI WebSocket, the demo controls, health, and the embedded agent page.
// Callers import it under another name (e.g. cchttp), as it shadows net/http.
package http

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"net/netip"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/gorilla/websocket"

	"github.com/ccaas/ccaas"
	"github.com/ccaas/ccaas/app"
	"github.com/ccaas/ccaas/ari"
	"github.com/ccaas/ccaas/cti"
	"github.com/ccaas/ccaas/static"
)

// Agents is what the web front needs of the call logic; *app.App provides it.
type Agents interface {
	Login(ctx context.Context, domain, username, password string) (*app.Session, error)
	Session(id string) (*app.Session, bool)
	Attach(ctx context.Context, s *app.Session, sink app.Sink) error
	Detach(s *app.Session, sink app.Sink)
	// Do hands a command to the app and returns once it was handled (its
	// reply is on the session's sink); an error means the session or the
	// app is gone.
	Do(ctx context.Context, s *app.Session, cmd cti.Command) error
	Logout(ctx context.Context, s *app.Session) error
	Healthy() bool
	// RecordingFile is one of the session's tenant's recordings with its
	// audio, if the session's user may hear it (else app.ErrNoSuchRecording).
	RecordingFile(ctx context.Context, s *app.Session, id ccaas.RecordingID) (ccaas.Recording, *ari.RecordingFile, error)
}

// Calls reads call records for the agent's own list.
type Calls interface {
	RecentCalls(ctx context.Context, tenant ccaas.TenantID, agent ccaas.AgentID, limit int) ([]ccaas.RecentCall, error)
}

// Demo is the simulated world of `ccaas demo`: customers who call and hang up.
type Demo interface {
	// PlaceCall makes a simulated customer call a DID ("" for the demo queue's);
	// while they wait they press keys, one every two seconds (a callback, a
	// message).
	PlaceCall(did, from, keys string) (channel string, err error)
	// HangupCustomer makes the customer on the session's current call hang up.
	HangupCustomer(ctx context.Context, s *app.Session) error
}

// Config is what New needs.
type Config struct {
	Agents Agents
	Calls  Calls
	Demo   Demo // nil outside demo mode
	// SIP gives the proxy each session's SIP user; SIPUpstream is Asterisk's
	// SIP WebSocket (e.g. ws://127.0.0.1:8088/ws), "" when there is none (demo).
	SIP         SIPAccounts
	SIPUpstream string
	Logger      *slog.Logger
	Version     string
	// Store and Reloader serve the admin pages (off when either is nil).
	Store    AdminStore
	Reloader Reloader
	// Metrics are served at /metrics (default: new ones), with the tenants'
	// figures from Stats when set. With MetricsToken a scrape needs it as
	// a bearer token; without, only this machine may scrape.
	Metrics      *Metrics
	Stats        Stats
	MetricsToken string
	// PublicURL is the scheme, host and port browsers reach the server at
	// when a reverse proxy in front of it ends TLS ("" when the server is
	// reached directly): the origin pages must come from (origin.go).
	PublicURL string
	// Recordings give the admin pages the call recordings' audio (the
	// reports' recorded calls); *app.App provides it. Nil: not listed.
	Recordings RecordingAudio
	// WebhookAllow are the private or loopback ranges the operator lets
	// webhooks reach (none by default); OutboxWritten wakes the webhook
	// sender after a test event is written (nil: it finds it by itself).
	WebhookAllow  []netip.Prefix
	OutboxWritten func()
	// SessionMaxAge ends an admin session this long after its login
	// (default 12 h; agents' sessions are the app's).
	SessionMaxAge time.Duration
}

// SessionCookie is the name of the cookie that holds the session id.
const SessionCookie = "ccaas_session"

// maxBody bounds every JSON request body.
const maxBody = 4 << 10

// Server serves the web front.
type Server struct {
	cfg     Config
	log     *slog.Logger
	engine  *gin.Engine
	logins  *loginLimits    // agents' and admins' logins
	checks  *passwordChecks // agents' and admins' password checks
	origins origins
	// the sockets' upgraders: the origin rule is the server's
	ctiUpgrader, sipUpgrader websocket.Upgrader
	phones                   sipPhones // each session's one /sip socket
}

// New builds the routes. A PublicURL that ValidatePublicURL refuses
// panics: check it first.
func New(cfg Config) *Server {
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Metrics == nil {
		cfg.Metrics = NewMetrics()
	}
	gin.SetMode(gin.ReleaseMode)
	s := &Server{cfg: cfg, log: cfg.Logger, engine: gin.New(), logins: newLoginLimits(), checks: newPasswordChecks()}
	var err error
	if s.origins, err = newOrigins(cfg.PublicURL); err != nil {
		panic(err)
	}
	s.ctiUpgrader, s.sipUpgrader = ctiUpgrader, sipUpgrader
	s.ctiUpgrader.CheckOrigin, s.sipUpgrader.CheckOrigin = s.origins.allowed, s.origins.allowed
	e := s.engine
	// The client address is the connection's: trusting X-Forwarded-For would
	// let anyone pick the address the login limits count.
	e.SetTrustedProxies(nil)
	e.Use(s.logRequests, gin.Recovery(), s.markSecure, securityHeaders(true))
	e.GET("/healthz", s.healthz)
	e.GET("/metrics", s.metricsHandler())
	api := e.Group("/api", s.sameOriginAPI)
	api.GET("/info", s.info)
	api.POST("/login", s.login)
	api.POST("/logout", s.withSession, s.logout)
	api.GET("/me", s.withSession, s.me)
	api.GET("/calls/recent", s.withSession, s.recentCalls)
	api.GET("/recordings/:id", s.withSession, s.recording)
	api.GET("/cti", s.cti)
	e.GET("/sip", s.sipProxy)
	api.POST("/demo/calls", s.withSession, s.demoCall)
	api.POST("/demo/hangup", s.withSession, s.demoHangup)
	adm := s.registerAdmin(e)
	files := http.FileServer(http.FS(static.Files))
	e.NoRoute(func(c *gin.Context) {
		p := c.Request.URL.Path
		if c.Request.Method != http.MethodGet && c.Request.Method != http.MethodHead || strings.HasPrefix(p, "/api/") || (p != "/" && strings.HasSuffix(p, "/")) {
			// no directory listings, and the API answers JSON 404s
			fail(c, http.StatusNotFound, "not found")
			return
		}
		if adm != nil && isAdminPath(p) {
			// a mistyped admin address gets a page of the admin pages
			securityHeaders(false)(c)
			adm.notFound(c)
			return
		}
		files.ServeHTTP(c.Writer, c.Request)
	})
	return s
}

// ValidatePublicURL checks a Config.PublicURL.
func ValidatePublicURL(u string) error {
	_, err := newOrigins(u)
	return err
}

// ServeHTTP implements http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.engine.ServeHTTP(w, r) }

func (s *Server) logRequests(c *gin.Context) {
	start := time.Now()
	c.Next()
	s.log.Debug("http", "method", c.Request.Method, "path", c.Request.URL.Path, "status", c.Writer.Status(), "took", time.Since(start))
}

// fail answers with the error shape every endpoint uses: a sentence.
func fail(c *gin.Context, status int, msg string) {
	c.AbortWithStatusJSON(status, gin.H{"error": cti.Sentence(msg)})
}

// statusOf maps the app's errors to HTTP statuses, in one place; the message
// shown is safe for users, the cause is logged once by the caller.
func statusOf(err error) (int, string) {
	switch {
	case errors.Is(err, app.ErrBadLogin):
		return http.StatusUnauthorized, app.ErrBadLogin.Error()
	case errors.Is(err, app.ErrNoSession):
		return http.StatusUnauthorized, "not logged in"
	case errors.Is(err, app.ErrNotAllowed):
		return http.StatusConflict, strings.TrimPrefix(err.Error(), app.ErrNotAllowed.Error()+": ")
	case errors.Is(err, app.ErrNoSuchCall):
		return http.StatusConflict, "there is no call"
	case errors.Is(err, errBusy):
		return http.StatusServiceUnavailable, "the server is busy checking other logins; try again in a moment"
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, app.ErrShuttingDown):
		return http.StatusServiceUnavailable, "the server is busy or stopping; try again"
	}
	return http.StatusInternalServerError, "internal error"
}

func (s *Server) failErr(c *gin.Context, err error) {
	status, msg := statusOf(err)
	if status >= 500 {
		s.log.Error("request failed", "path", c.Request.URL.Path, "err", err)
	}
	fail(c, status, msg)
}

// readJSON decodes a small JSON body into v. An empty body leaves v as is.
func readJSON(c *gin.Context, v any) bool {
	if c.Request.ContentLength != 0 {
		mt, _, _ := mime.ParseMediaType(c.GetHeader("Content-Type"))
		if mt != "application/json" {
			fail(c, http.StatusUnsupportedMediaType, "send the body as application/json")
			return false
		}
	}
	body, err := io.ReadAll(http.MaxBytesReader(c.Writer, c.Request.Body, maxBody))
	if err != nil {
		fail(c, http.StatusRequestEntityTooLarge, "request body too large")
		return false
	}
	if len(body) == 0 {
		return true
	}
	if err := json.Unmarshal(body, v); err != nil {
		fail(c, http.StatusBadRequest, "malformed JSON body")
		return false
	}
	return true
}

func (s *Server) healthz(c *gin.Context) {
	if s.cfg.Agents.Healthy() {
		c.JSON(http.StatusOK, gin.H{"ari": "connected"})
		return
	}
	c.JSON(http.StatusServiceUnavailable, gin.H{"ari": "disconnected"})
}

func (s *Server) info(c *gin.Context) {
	// phone: whether the page should register its browser phone at /sip;
	// loggedIn: whether the request has a live session, so that a page asks
	// /api/me only then (a 401 is an error in the browser's console)
	_, loggedIn := s.sessionOf(c.Request)
	c.JSON(http.StatusOK, gin.H{"demo": s.cfg.Demo != nil, "phone": s.cfg.SIPUpstream != "", "version": s.cfg.Version, "loggedIn": loggedIn})
}
