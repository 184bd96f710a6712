package http

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"

	"golang.org/x/crypto/bcrypt"

	"github.com/ccaas/ccaas"
	"github.com/ccaas/ccaas/app"
	"github.com/ccaas/ccaas/internal/memnet"
	"github.com/ccaas/ccaas/sqlite"
)

// countingAgents is the app's side of /api/login for the burst tests: it
// counts the password checks and takes testPassword only.
type countingAgents struct {
	fakeAccounts
	checked atomic.Int64
}

func (a *countingAgents) Login(_ context.Context, _, _, password string) (*app.Session, error) {
	a.checked.Add(1)
	if password != testPassword {
		return nil, app.ErrBadLogin
	}
	return &app.Session{ID: "s"}, nil
}

// TestLoginBurst: an attacker sends 39 wrong passwords for one user at once,
// then the right one while they are all still in flight, to the agent API
// and to the admin login form. Only as many passwords as the limit allows are
// checked, and the right one is refused like any attempt past the limit
// (before the limits took their tokens before the check, 40 of 40 were
// checked and the right one let in).
func TestLoginBurst(t *testing.T) {
	tests := []struct {
		name string
		// login sends one attempt with password and returns the status.
		login func(c *http.Client, base, password string) int
	}{
		{"agent API", func(c *http.Client, base, password string) int {
			body := `{"username":"ann","password":"` + password + `","domain":"acme.example"}`
			req, _ := http.NewRequest(http.MethodPost, base+"/api/login", strings.NewReader(body))
			req.Header.Set("Content-Type", "application/json")
			return status(c.Do(req))
		}},
		{"admin login form", func(c *http.Client, base, password string) int {
			v := url.Values{"username": {"ann"}, "password": {password}, "domain": {"acme.example"}, "csrf": {loginToken(c, base)}}
			req, _ := http.NewRequest(http.MethodPost, base+"/admin/login", strings.NewReader(v.Encode()))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			return status(c.Do(req))
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				adminBcryptCost = bcrypt.MinCost
				db, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "burst.db"))
				if err != nil {
					t.Fatal(err)
				}
				defer db.Close()
				ten, _ := db.CreateTenant(context.Background(), ccaas.Tenant{Domain: "acme.example", Name: "Acme"})
				hash, _ := bcrypt.GenerateFromPassword([]byte(testPassword), bcrypt.MinCost)
				if _, err := db.CreateAgent(context.Background(), ccaas.Agent{TenantID: ten.ID, Username: "ann", Name: "Ann", Extension: "1000",
					PasswordHash: string(hash), Role: ccaas.RoleAdmin}); err != nil {
					t.Fatal(err)
				}
				agents := &countingAgents{}
				s := New(Config{Agents: agents, Store: db, Reloader: &reloads{}, Logger: slog.New(slog.DiscardHandler)})
				srv := memnet.NewServer("ccaas.test", s)
				defer srv.Close()
				client := func() *http.Client {
					jar, _ := cookiejar.New(nil)
					return &http.Client{Transport: srv.Client().Transport, Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
				}

				// every password check waits until the test lets them run
				for range cap(s.checks.slots) {
					s.checks.slots <- struct{}{}
				}
				var mu sync.Mutex
				statuses := map[int]int{}
				var wg sync.WaitGroup
				send := func(password string) {
					wg.Add(1)
					go func() {
						defer wg.Done()
						st := tt.login(client(), srv.URL, password)
						mu.Lock()
						statuses[st]++
						mu.Unlock()
					}()
				}
				for range 39 {
					send("wrong-password")
				}
				synctest.Wait()
				if w := s.checks.waiting.Load(); w != pairBurst {
					t.Errorf("%d wrong passwords wait for their check, want %d (the limit)", w, pairBurst)
				}
				send(testPassword)
				synctest.Wait()
				for range cap(s.checks.slots) {
					<-s.checks.slots
				}
				wg.Wait()

				ran := s.checks.ran.Load()
				t.Logf("%s: 40 logins at once, %d passwords checked; answers %v", tt.name, ran, statuses)
				if ran != pairBurst {
					t.Errorf("%d passwords checked, want %d", ran, pairBurst)
				}
				if n := statuses[http.StatusTooManyRequests]; n != 40-pairBurst {
					t.Errorf("%d attempts refused as too many, want %d: %v", n, 40-pairBurst, statuses)
				}
				if statuses[http.StatusOK]+statuses[http.StatusSeeOther] != 0 {
					t.Errorf("the right password got in past the limit: %v", statuses)
				}
				if tt.name == "agent API" && agents.checked.Load() != pairBurst {
					t.Errorf("the app checked %d passwords", agents.checked.Load())
				}
			})
		})
	}
}

func status(resp *http.Response, err error) int {
	if err != nil {
		return 0
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode
}

// loginToken opens the admin login form with c and returns its token (the
// cookie stays in c's jar).
func loginToken(c *http.Client, base string) string {
	resp, err := c.Get(base + "/admin/login")
	if err != nil {
		return ""
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if m := csrfField.FindSubmatch(body); m != nil {
		return string(m[1])
	}
	return ""
}

// TestTargetedLockout: five wrong passwords from an attacker's address do
// not keep the real user out at her own address, on the agent API and the
// admin login form; the attacker's address stays refused.
func TestTargetedLockout(t *testing.T) {
	f := newAdminFixture(t)
	agents := &countingAgents{}
	s := New(Config{Agents: agents, Store: f.db, Reloader: f.reload, Logger: slog.New(slog.DiscardHandler)})
	// each request says which address it comes from, as separate connections would
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.RemoteAddr = r.Header.Get("X-Test-From") + ":4000"
		s.ServeHTTP(w, r)
	}))
	defer srv.Close()
	tests := []struct {
		name  string
		login func(from, password string) int
	}{
		{"agent API", func(from, password string) int {
			req, _ := http.NewRequest(http.MethodPost, srv.URL+"/api/login", strings.NewReader(`{"username":"ann","password":"`+password+`","domain":"acme.example"}`))
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("X-Test-From", from)
			return status(http.DefaultClient.Do(req))
		}},
		{"admin login form", func(from, password string) int {
			jar, _ := cookiejar.New(nil)
			c := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
				Transport: fromTransport(from)}
			v := url.Values{"username": {"ann"}, "password": {password}, "domain": {"acme.example"}, "csrf": {loginToken(c, srv.URL)}}
			req, _ := http.NewRequest(http.MethodPost, srv.URL+"/admin/login", strings.NewReader(v.Encode()))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			return status(c.Do(req))
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for i := range 5 {
				if st := tt.login("203.0.113.7", "wrong-password"); st != http.StatusUnauthorized {
					t.Fatalf("wrong password %d = %d", i+1, st)
				}
			}
			if st := tt.login("203.0.113.7", testPassword); st != http.StatusTooManyRequests {
				t.Fatalf("the attacker's sixth attempt = %d, want 429", st)
			}
			if st := tt.login("10.0.0.1", testPassword); st != http.StatusOK && st != http.StatusSeeOther {
				t.Fatalf("the real user at her address = %d: locked out by the attacker", st)
			}
		})
	}
}

// fromTransport sends every request with X-Test-From: from.
type fromTransport string

func (f fromTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.Header.Set("X-Test-From", string(f))
	return http.DefaultTransport.RoundTrip(r)
}
