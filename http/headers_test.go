package http

import (
	"io/fs"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"

	"github.com/ccaas/ccaas/app"
	"github.com/ccaas/ccaas/static"
)

// TestSecurityHeaders: the agent page, its files, the API and the admin pages
// carry the one policy: no framing, no inline code, no sniffing, no
// Referer to other sites; the admin pages run no script at all.
func TestSecurityHeaders(t *testing.T) {
	f := newAdminFixture(t)
	srv := httptest.NewServer(New(Config{Agents: fakeAccounts{session: &app.Session{ID: "s"}}, Store: f.db, Reloader: f.reload, Logger: slog.New(slog.DiscardHandler)}))
	defer srv.Close()
	tests := []struct {
		path    string
		status  int
		scripts bool
	}{
		{"/", 200, true},
		{"/agent.js", 200, true},
		{"/agent.css", 200, true},
		{"/phone.js", 200, true},
		{"/team.js", 200, true},
		{"/directory.js", 200, true},
		{"/text.js", 200, true},
		{"/no-such-file.js", 404, true},
		{"/api/info", 200, true},
		{"/api/me", 401, true},
		{"/admin/login", 200, false},
		{"/operator/login", 200, false},
		{"/admin/agents", 303, false},
		{"/admin/style.css", 200, true},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			req, _ := http.NewRequest(http.MethodGet, srv.URL+tt.path, nil)
			resp, err := (&http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}).Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			h := resp.Header
			csp := h.Get("Content-Security-Policy")
			if resp.StatusCode != tt.status {
				t.Fatalf("status %d, want %d", resp.StatusCode, tt.status)
			}
			for _, want := range []string{"default-src 'none'", "frame-ancestors 'none'", "base-uri 'none'", "form-action 'self'"} {
				if !strings.Contains(csp, want) {
					t.Errorf("CSP %q lacks %s", csp, want)
				}
			}
			if strings.Contains(csp, "unsafe-") || strings.Contains(csp, "*") {
				t.Errorf("CSP %q allows inline code or any origin", csp)
			}
			if got := strings.Contains(csp, "script-src 'self'"); got != tt.scripts {
				t.Errorf("CSP %q: scripts %v, want %v", csp, got, tt.scripts)
			}
			if h.Get("X-Content-Type-Options") != "nosniff" || h.Get("Referrer-Policy") != "same-origin" || h.Get("X-Frame-Options") != "DENY" {
				t.Errorf("headers %v", h)
			}
		})
	}
}

// TestAgentPageHasNoInlineCode: the policy forbids inline script, event
// handler attributes and style attributes, so the page has none (the browser
// tests see the page work under the policy with a clean console).
func TestAgentPageHasNoInlineCode(t *testing.T) {
	inline := []*regexp.Regexp{
		regexp.MustCompile(`(?i)<script(?:\s+type="module")?\s*>`), // a script element without src
		regexp.MustCompile(`(?i)\son[a-z]+\s*=`),                   // onclick= …
		regexp.MustCompile(`(?i)\sstyle\s*=`),
		regexp.MustCompile(`(?i)<style`),
		regexp.MustCompile(`(?i)javascript:`),
	}
	err := fs.WalkDir(static.Files, ".", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".html") {
			return err
		}
		page, err := fs.ReadFile(static.Files, path)
		if err != nil {
			return err
		}
		for _, re := range inline {
			if m := re.Find(page); m != nil {
				t.Errorf("%s has inline code the policy forbids: %q", path, m)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
