package http

import (
	"fmt"
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"
)

// The sessions page: an admin, supervisor or operator sees where they are
// logged in (from where, since when, last seen) and ends the sessions they
// do not recognise, one or all but this one.

// sessionsPath is the sessions page of a kind of admin.
func sessionsPath(k adminKind) string {
	if k == kindOperator {
		return "/operator/sessions"
	}
	return "/admin/sessions"
}

// SessionsPath is the current session's sessions page (for the layout).
func (a adminSession) SessionsPath() string { return sessionsPath(a.Kind) }

func (a *admin) sessionsPage(c *gin.Context) {
	p := a.newPage(c, "Your sessions", "sessions")
	me := adminOf(c)
	p.Data = struct {
		Sessions []adminSession
		Me       string
		Path     string
	}{a.sessions.of(me), me.Ref, sessionsPath(me.Kind)}
	a.render(c, http.StatusOK, "sessions", p)
}

func (a *admin) sessionsEnd(c *gin.Context) {
	me := adminOf(c)
	ref := c.Request.PostForm.Get("session")
	all := ref == "others"
	n := a.sessions.end(me, ref, all)
	switch {
	case n == 0:
		a.sessions.setFlash(me.ID, "That session had already ended.", false)
	case all:
		a.audit(c, "sessions_ended", "count", n)
		msg := fmt.Sprintf("Your %d other sessions have ended: whoever used them must log in again.", n)
		if n == 1 {
			msg = "Your other session has ended: whoever used it must log in again."
		}
		a.sessions.setFlash(me.ID, msg, false)
	default:
		a.audit(c, "session_ended", "session", ref)
		a.sessions.setFlash(me.ID, "The session has ended: whoever used it must log in again.", false)
	}
	c.Redirect(http.StatusSeeOther, sessionsPath(me.Kind))
}

// clientName names a browser and its system from a User-Agent header, for
// a person to recognise their sessions ("Firefox on Windows").
func clientName(ua string) string {
	browser := "a browser"
	for _, b := range []struct{ token, name string }{
		{"Edg/", "Edge"}, {"OPR/", "Opera"}, {"Firefox/", "Firefox"}, {"Chrome/", "Chrome"}, {"Chromium/", "Chromium"}, {"Safari/", "Safari"},
	} {
		if strings.Contains(ua, b.token) {
			browser = b.name
			break
		}
	}
	for _, s := range []struct{ token, name string }{
		{"Android", "Android"}, {"iPhone", "iOS"}, {"iPad", "iOS"}, {"Windows", "Windows"}, {"Mac OS X", "macOS"}, {"CrOS", "ChromeOS"}, {"Linux", "Linux"},
	} {
		if strings.Contains(ua, s.token) {
			return browser + " on " + s.name
		}
	}
	if ua == "" {
		return "unknown"
	}
	return browser
}
