package http

import (
	"errors"
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/ccaas/ccaas"
	"github.com/ccaas/ccaas/app"
	"github.com/ccaas/ccaas/cti"
)

const sessionKey = "session"

// agentOf is who the session's agent is, as login and /api/me answer it (the
// same view as the CTI welcome's).
func agentOf(s *app.Session) cti.AgentView {
	return cti.AgentView{
		ID: s.Agent.ID, Username: s.Agent.Username, Name: s.Agent.Name, Extension: s.Agent.Extension,
		Domain: s.Domain, Tenant: s.TenantName,
	}
}

// sessionOf returns the request's live session, if any.
func (s *Server) sessionOf(r *http.Request) (*app.Session, bool) {
	ck, err := r.Cookie(SessionCookie)
	if err != nil || ck.Value == "" || len(ck.Value) > 128 {
		return nil, false
	}
	return s.cfg.Agents.Session(ck.Value)
}

func (s *Server) withSession(c *gin.Context) {
	sess, ok := s.sessionOf(c.Request)
	if !ok {
		fail(c, http.StatusUnauthorized, "not logged in")
		return
	}
	c.Set(sessionKey, sess)
	c.Next()
}

func session(c *gin.Context) *app.Session { return c.MustGet(sessionKey).(*app.Session) }

func setSessionCookie(c *gin.Context, value string, maxAge int) {
	http.SetCookie(c.Writer, &http.Cookie{
		Name:     SessionCookie,
		Value:    value,
		Path:     "/",
		MaxAge:   maxAge,
		HttpOnly: true,
		Secure:   secureCookies(c),
		SameSite: http.SameSiteStrictMode,
	})
}

func (s *Server) login(c *gin.Context) {
	var req struct {
		Username string `json:"username"`
		Password string `json:"password"`
		Domain   string `json:"domain"`
	}
	if !readJSON(c, &req) {
		return
	}
	if req.Username == "" || req.Password == "" || req.Domain == "" {
		fail(c, http.StatusBadRequest, "username, password and domain are required")
		return
	}
	user := strings.ToLower(req.Username + "@" + req.Domain)
	attempt, no := s.logins.begin(user, c.ClientIP())
	if no != nil {
		if no.first {
			audit(s.log, c, "login_limited", user, "", "why", no.msg)
		}
		fail(c, http.StatusTooManyRequests, no.msg)
		return
	}
	var sess *app.Session
	var err error
	if busy := s.checks.run(c.Request.Context(), func() {
		sess, err = s.cfg.Agents.Login(c.Request.Context(), req.Domain, req.Username, req.Password)
	}); busy != nil {
		err = busy
	}
	wrong := errors.Is(err, app.ErrBadLogin)
	attempt.end(wrong, err == nil)
	if err != nil {
		if wrong {
			audit(s.log, c, "login_failed", user, "")
		}
		s.failErr(c, err)
		return
	}
	audit(s.log, c, "login", user, sess.Agent.Role)
	setSessionCookie(c, sess.ID, 0)
	c.JSON(http.StatusOK, gin.H{"agent": agentOf(sess)})
}

func (s *Server) me(c *gin.Context) {
	c.JSON(http.StatusOK, gin.H{"agent": agentOf(session(c))})
}

func (s *Server) logout(c *gin.Context) {
	if err := s.cfg.Agents.Logout(c.Request.Context(), session(c)); err != nil {
		s.failErr(c, err)
		return
	}
	setSessionCookie(c, "", -1)
	c.Status(http.StatusNoContent)
}

// recentCalls lists the agent's own latest calls (for the toolbar's list and
// click to call back).
func (s *Server) recentCalls(c *gin.Context) {
	sess := session(c)
	calls, err := s.cfg.Calls.RecentCalls(c.Request.Context(), sess.Tenant, sess.Agent.ID, 20)
	if err != nil {
		s.failErr(c, err)
		return
	}
	if calls == nil {
		calls = []ccaas.RecentCall{}
	}
	c.JSON(http.StatusOK, gin.H{"calls": calls})
}
