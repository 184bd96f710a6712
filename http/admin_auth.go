package http

import (
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"mime"
	"net/http"
	"net/url"
	"strings"

	"github.com/gin-gonic/gin"
	"golang.org/x/crypto/bcrypt"

	"github.com/ccaas/ccaas"
	"github.com/ccaas/ccaas/validate"
)

// Signing in and out of the admin pages, and what guards every request:
// the session (require, adminOnly) and, on every form, the same origin, a
// small body and the session's CSRF token (guard).

// Logins of the admin pages.
const (
	loginCookie    = "ccaas_admin_login" // the login form's CSRF token, before there is a session
	maxLoginLength = 256
)

var errBadAdminLogin = errors.New("wrong username, password or domain")

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
		HttpOnly: true, Secure: secureCookies(c), SameSite: http.SameSiteStrictMode,
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
		// The person must still be there with the password and role the
		// session was made with: a deleted, demoted or promoted person, or
		// one whose password was reset, loses every session at once.
		var err error
		stamp := ""
		switch s.Kind {
		case kindTenantAdmin:
			var ag ccaas.Agent
			if ag, err = a.store.Agent(c.Request.Context(), s.Tenant, s.Agent); err == nil {
				stamp = credentialStamp(ag.PasswordHash, ag.Role)
			}
		case kindOperator:
			var o ccaas.Operator
			if o, err = a.store.OperatorByUsername(c.Request.Context(), s.User); err == nil {
				stamp = credentialStamp(o.PasswordHash, "operator")
			}
		}
		if err == nil && stamp != s.stamp {
			a.sessions.endStale(s.person, stamp)
			err = ccaas.ErrNotFound
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

func (a *admin) sameOriginOnly(c *gin.Context) {
	if !a.origins.allowed(c.Request) {
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
	if !a.origins.allowed(c.Request) {
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
		attempt, no := a.logins.begin(limitKey, c.ClientIP())
		if no != nil {
			if no.first {
				audit(a.log, c, "admin_login_limited", loginActor(kind, username, domain), "", "why", no.msg)
			}
			a.showLogin(c, http.StatusTooManyRequests, kind, form, no.msg+".")
			return
		}
		s := adminSession{Kind: kind, User: username}
		if busy := a.checks.run(c.Request.Context(), func() {
			if kind == kindOperator {
				s.User, s.stamp, err = a.checkOperator(c.Request.Context(), username, password)
			} else {
				s, err = a.checkTenantAdmin(c.Request.Context(), domain, username, password)
			}
		}); busy != nil {
			err = busy
		}
		attempt.end(errors.Is(err, errBadAdminLogin), err == nil)
		switch {
		case errors.Is(err, errBadAdminLogin):
			audit(a.log, c, "admin_login_failed", loginActor(kind, username, domain), "")
			a.showLogin(c, http.StatusUnauthorized, kind, form, err.Error())
			return
		case errors.Is(err, errNotAdmin):
			audit(a.log, c, "admin_login_failed", loginActor(kind, username, domain), "", "why", "not a tenant admin or supervisor")
			a.showLogin(c, http.StatusForbidden, kind, form, "This account may not use the admin pages: it is not a tenant admin or a supervisor.")
			return
		case errors.Is(err, errBusy):
			a.showLogin(c, http.StatusServiceUnavailable, kind, form, "The server is busy checking other logins; try again in a moment.")
			return
		case err != nil:
			a.failed(c, err)
			return
		}
		if old, err := c.Request.Cookie(AdminCookie); err == nil {
			a.sessions.delete(old.Value)
		}
		s.Addr, s.Client = c.ClientIP(), clientName(c.Request.UserAgent())
		s = a.sessions.create(s)
		if s.Kind == kindTenantAdmin && s.Role == ccaas.RoleAdmin && validate.AdminPassword(password) != nil {
			// set before the rule, or before a promotion: only now, typed, can it be checked
			a.sessions.setFlash(s.ID, "Your password is weaker than an admin's must be now (12 or more characters, not one of the most common passwords). "+
				"Set a new one: Agents, your own name, Reset password.", true)
		}
		setCookie(c, AdminCookie, s.ID, 0)
		setCookie(c, loginCookie, "", -1)
		actor, role := s.actor()
		audit(a.log, c, "admin_login", actor, role)
		c.Redirect(http.StatusSeeOther, s.home())
	}
}

var errNotAdmin = errors.New("not a tenant admin or supervisor")

// loginActor names who tried to log in, for the audit log.
func loginActor(kind adminKind, username, domain string) string {
	if kind == kindOperator {
		return username
	}
	return username + "@" + domain
}

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
	return adminSession{Kind: kindTenantAdmin, Tenant: t.ID, Domain: t.Domain, Agent: ag.ID, User: ag.Username, Role: ag.Role,
		stamp: credentialStamp(ag.PasswordHash, ag.Role)}, nil
}

// checkOperator returns the operator's username as stored and the stamp of
// their credentials.
func (a *admin) checkOperator(ctx context.Context, username, password string) (string, string, error) {
	hash := a.dummy()
	o, err := a.store.OperatorByUsername(ctx, username)
	if err == nil {
		hash = []byte(o.PasswordHash)
	}
	bad := bcrypt.CompareHashAndPassword(hash, []byte(password)) != nil
	switch {
	case err != nil && !errors.Is(err, ccaas.ErrNotFound):
		return "", "", err
	case err != nil || bad:
		return "", "", errBadAdminLogin
	}
	return o.Username, credentialStamp(o.PasswordHash, "operator"), nil
}

func (a *admin) logout(c *gin.Context) {
	s := adminOf(c)
	a.sessions.delete(s.ID)
	setCookie(c, AdminCookie, "", -1)
	c.Redirect(http.StatusSeeOther, loginPath(s.Kind))
}
