package http

import (
	"crypto/rand"
	"encoding/base64"
	"sync"
	"time"

	"github.com/ccaas/ccaas"
)

// AdminCookie is the name of the cookie that holds an admin page session
// (a tenant admin's or an operator's), separate from the agents' sessions.
const AdminCookie = "ccaas_admin"

// Lifetimes of an admin session: unused this long it ends; it ends at its
// maximum age (http.Config.SessionMaxAge) in any case.
const (
	adminIdle          = 30 * time.Minute
	adminDefaultMaxAge = 12 * time.Hour
)

// adminKind tells a tenant admin from an operator.
type adminKind int

const (
	kindTenantAdmin adminKind = iota + 1
	kindOperator
)

func (k adminKind) String() string {
	switch k {
	case kindTenantAdmin:
		return "tenant admin"
	case kindOperator:
		return "operator"
	}
	return "nobody"
}

// adminSession is one logged-in admin. Values of it are copies; the store
// owns the originals.
type adminSession struct {
	ID     string
	Kind   adminKind
	Tenant ccaas.TenantID // tenant admins only
	Domain string         // tenant admins only
	Agent  ccaas.AgentID  // tenant admins only: the admin's own agent record
	Role   string         // tenant admins only: admin, or supervisor (reports only)
	User   string
	CSRF   string // the token every form of this session carries

	created, seen time.Time
	flash, warn   string // shown once by the next page
}

// home is the first page of the session's user.
func (a adminSession) home() string {
	if a.Kind == kindTenantAdmin && a.Role == ccaas.RoleSupervisor {
		return "/admin/reports"
	}
	return home(a.Kind)
}

// IsSupervisor tells the layout to show the reports only.
func (a adminSession) IsSupervisor() bool {
	return a.Kind == kindTenantAdmin && a.Role == ccaas.RoleSupervisor
}

// adminSessions is the in-memory store of admin sessions.
type adminSessions struct {
	now    func() time.Time
	maxAge time.Duration

	mu   sync.Mutex
	byID map[string]*adminSession
}

func newAdminSessions(now func() time.Time) *adminSessions {
	return &adminSessions{now: now, maxAge: adminDefaultMaxAge, byID: make(map[string]*adminSession)}
}

// randomToken returns 32 random bytes, base64url encoded.
func randomToken() string {
	b := make([]byte, 32)
	rand.Read(b) // never fails (crypto/rand since Go 1.24)
	return base64.RawURLEncoding.EncodeToString(b)
}

func (s *adminSessions) expired(a *adminSession, now time.Time) bool {
	return now.Sub(a.seen) > adminIdle || now.Sub(a.created) > s.maxAge
}

// create starts a session for the admin described by a (its ID, token and
// times are made here) and drops the expired ones.
func (s *adminSessions) create(a adminSession) adminSession {
	now := s.now()
	a.ID, a.CSRF, a.created, a.seen = randomToken(), randomToken(), now, now
	s.mu.Lock()
	defer s.mu.Unlock()
	for id, old := range s.byID {
		if s.expired(old, now) {
			delete(s.byID, id)
		}
	}
	s.byID[a.ID] = &a
	return a
}

// get returns a live session and marks it used.
func (s *adminSessions) get(id string) (adminSession, bool) {
	now := s.now()
	s.mu.Lock()
	defer s.mu.Unlock()
	a, ok := s.byID[id]
	if !ok {
		return adminSession{}, false
	}
	if s.expired(a, now) {
		delete(s.byID, id)
		return adminSession{}, false
	}
	a.seen = now
	return *a, true
}

func (s *adminSessions) delete(id string) {
	s.mu.Lock()
	delete(s.byID, id)
	s.mu.Unlock()
}

// setFlash leaves a message for the session's next page; warn marks a problem.
func (s *adminSessions) setFlash(id, msg string, warn bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if a, ok := s.byID[id]; ok {
		if warn {
			a.warn = msg
		} else {
			a.flash = msg
		}
	}
}

// popFlash takes the session's messages.
func (s *adminSessions) popFlash(id string) (flash, warn string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if a, ok := s.byID[id]; ok {
		flash, warn, a.flash, a.warn = a.flash, a.warn, "", ""
	}
	return flash, warn
}
