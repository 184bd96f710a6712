package http

import (
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"

	"github.com/gin-gonic/gin"
)

// origins is the one Origin rule of the web front: every request that
// changes something (the API's POSTs, every admin form) and both sockets
// (/api/cti, /sip) must come from the page's own origin, which is scheme,
// host and port. The expected origin is the one the server is reached at:
// the scheme it serves itself (https with --tls-cert, else http) and the
// request's Host, or, behind a reverse proxy that ends TLS, the public URL it
// is configured with (--public-url), since the connection it sees then is
// plain http. A request without an Origin header is let through: browsers
// send one with every POST and WebSocket, so it is not a browser's request
// from another site (and the session cookie is SameSite=Strict besides).
type origins struct {
	public *url.URL // nil: the scheme served and the request's Host
}

// newOrigins parses the public URL ("" for none): scheme http or https, a
// host, and no path but /.
func newOrigins(public string) (origins, error) {
	if public == "" {
		return origins{}, nil
	}
	u, err := url.Parse(public)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || (u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.User != nil {
		return origins{}, fmt.Errorf("public URL %q: want http(s)://host[:port]", public)
	}
	return origins{public: u}, nil
}

// allowed tells whether r comes from the page's own origin.
func (o origins) allowed(r *http.Request) bool {
	switch r.Header.Get("Sec-Fetch-Site") {
	case "cross-site", "same-site": // same-site: a sibling host or another port of ours
		return false
	}
	origin := r.Header.Get("Origin")
	if origin == "" {
		return true
	}
	u, err := url.Parse(origin)
	if err != nil || u.Host == "" || u.Path != "" {
		return false // "null" (sandboxed frames, file:) among them
	}
	scheme, host := o.expected(r)
	return strings.EqualFold(u.Scheme, scheme) && strings.EqualFold(hostPort(u.Host, scheme), hostPort(host, scheme))
}

// expected is the scheme and host[:port] a page of this server has.
func (o origins) expected(r *http.Request) (scheme, host string) {
	if o.public != nil {
		return o.public.Scheme, o.public.Host
	}
	if r.TLS != nil {
		return "https", r.Host
	}
	return "http", r.Host
}

// secure tells whether the browser reaches the server over HTTPS (cookies
// are Secure then).
func (o origins) secure(r *http.Request) bool {
	return r.TLS != nil || o.public != nil && o.public.Scheme == "https"
}

// hostPort writes host with its port, the scheme's default if none.
func hostPort(host, scheme string) string {
	if _, _, err := net.SplitHostPort(host); err == nil {
		return host
	}
	port := "80"
	if scheme == "https" {
		port = "443"
	}
	return net.JoinHostPort(strings.Trim(host, "[]"), port)
}

// secureKey marks, in a request's gin context, that its cookies are Secure.
const secureKey = "secure"

// markSecure notes in the request's context whether its cookies must be
// Secure.
func (s *Server) markSecure(c *gin.Context) {
	c.Set(secureKey, s.origins.secure(c.Request))
	c.Next()
}

// sameOriginAPI refuses a state-changing API request from another origin
// (the admin pages answer with a page of their own: admin_auth.go).
func (s *Server) sameOriginAPI(c *gin.Context) {
	if c.Request.Method != http.MethodGet && c.Request.Method != http.MethodHead && !s.origins.allowed(c.Request) {
		fail(c, http.StatusForbidden, "refused: this request came from another site (or another origin than this page's)")
		return
	}
	c.Next()
}

// secureCookies tells whether cookies set on c are Secure.
func secureCookies(c *gin.Context) bool {
	return c.GetBool(secureKey) || c.Request.TLS != nil
}
