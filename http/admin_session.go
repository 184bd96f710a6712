package http

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"slices"
	"strconv"
	"strings"
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
	Ref    string // names the session on the sessions page (not a secret: the ID is)
	Addr   string // where the login came from
	Client string // the browser and system, as its User-Agent says

	person        string // who: every session of a person has the same
	stamp         string // the person's password hash and role at the login (credentialStamp)
	created, seen time.Time
	flash, warn   string // shown once by the next page
}

// Since and Seen are when the session began and was last used.
func (a adminSession) Since() time.Time { return a.created }
func (a adminSession) Seen() time.Time  { return a.seen }

// credentialStamp sums up what a session rests on: the person's password
// hash and role. A session whose stamp no longer matches the stored person
// ends (a password reset, a role change).
func credentialStamp(passwordHash, role string) string {
	h := sha256.Sum256([]byte(passwordHash + "\x00" + role))
	return hex.EncodeToString(h[:16])
}

// personKey names the person of a tenant admin's or an operator's session.
func personKey(a adminSession) string {
	if a.Kind == kindOperator {
		return "operator:" + strings.ToLower(a.User)
	}
	return "agent:" + strconv.FormatInt(int64(a.Agent), 10)
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
	a.ID, a.CSRF, a.Ref, a.created, a.seen = randomToken(), randomToken(), randomToken()[:12], now, now
	a.person = personKey(a)
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

// endStale ends every session of the person whose stamp is not stamp (they
// rest on a password or role that changed); it says how many ended.
func (s *adminSessions) endStale(person, stamp string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for id, a := range s.byID {
		if a.person == person && a.stamp != stamp {
			delete(s.byID, id)
			n++
		}
	}
	return n
}

// restamp keeps a session alive across a change of its own person's
// password (an admin who sets their own password stays logged in here).
func (s *adminSessions) restamp(id, stamp string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if a, ok := s.byID[id]; ok {
		a.stamp = stamp
	}
}

// of lists the live sessions of the person of session me, the newest first.
func (s *adminSessions) of(me adminSession) []adminSession {
	now := s.now()
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []adminSession
	for _, a := range s.byID {
		if a.person == me.person && a.stamp == me.stamp && !s.expired(a, now) {
			out = append(out, *a)
		}
	}
	slices.SortFunc(out, func(x, y adminSession) int { return y.created.Compare(x.created) })
	return out
}

// end ends the session named ref of the person of session me (not me
// itself: that is a logout); all ends every other one. It returns how many
// ended.
func (s *adminSessions) end(me adminSession, ref string, all bool) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for id, a := range s.byID {
		if a.person == me.person && id != me.ID && (all || a.Ref == ref) {
			delete(s.byID, id)
			n++
		}
	}
	return n
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
