package http

import "github.com/gin-gonic/gin"

// The one security policy of every response (agent page, static files, API,
// admin pages): nothing is loaded from another origin, no inline script,
// handler or style runs, no other site may frame a page, browsers take a
// file's type from its Content-Type, and no address leaves the site in a
// Referer. The admin pages are the same policy without script.
const (
	policyBase   = "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
	pagePolicy   = policyBase + "; script-src 'self'; connect-src 'self'; media-src 'self'" // the agent page: its modules, its API and sockets
	adminPolicy  = policyBase + "; media-src 'self'"                                        // server-rendered, no script; the reports play recordings
	referrerRule = "same-origin"
)

// securityHeaders sets the policy; scripts says whether the page runs its own.
func securityHeaders(scripts bool) gin.HandlerFunc {
	csp := adminPolicy
	if scripts {
		csp = pagePolicy
	}
	return func(c *gin.Context) {
		h := c.Writer.Header()
		h.Set("Content-Security-Policy", csp)
		h.Set("X-Frame-Options", "DENY") // frame-ancestors for browsers that predate it
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", referrerRule)
		if !scripts {
			h.Set("Cache-Control", "no-store") // admin pages hold the tenant's data
		}
		c.Next()
	}
}
