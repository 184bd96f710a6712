package http

import (
	"log/slog"

	"github.com/gin-gonic/gin"
)

// The audit log: one line per login (failed or not) and per change an
// admin makes, at level info with the message "audit", so that
// `grep msg=audit` (or a JSON filter on it) finds who did what from where:
//
//	action  what happened (login_failed, agent_created, password_reset …; docs/security.md lists them)
//	actor   who did it: user@domain for agents and tenant admins, the username for operators
//	role    the actor's role (agent, supervisor, admin, operator); "" when a login failed
//	addr    the address the request came from (the connection's; proxy headers are not trusted)
//
// and what it was done to (target, and what changed). No helper here takes
// a password, and no caller passes one.

// audit writes one audit line.
func audit(log *slog.Logger, c *gin.Context, action, actor, role string, attrs ...any) {
	log.Info("audit", append([]any{"action", action, "actor", actor, "role", role, "addr", c.ClientIP()}, attrs...)...)
}

// actor names an admin session's user for the audit log.
func (s adminSession) actor() (actor, role string) {
	if s.Kind == kindOperator {
		return s.User, "operator"
	}
	return s.User + "@" + s.Domain, s.Role
}

// audit writes an audit line for what the request's admin did.
func (a *admin) audit(c *gin.Context, action string, attrs ...any) {
	actor, role := adminOf(c).actor()
	audit(a.log, c, action, actor, role, attrs...)
}
