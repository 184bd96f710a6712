// Package validate holds the rules that configuration values must follow,
// shared by the admin commands (cmd/ccaas) and the admin web pages (http).
// Each function returns nil or an error that wraps ErrInvalid and reads as
// the rule, e.g. "2 to 10 digits", so that the caller can prefix it with the
// flag or show it next to the form field.
package validate

import (
	_ "embed"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"
	_ "time/tzdata" // tenants' zones, also on a machine without tzdata
	"unicode"
	"unicode/utf8"

	"github.com/ccaas/ccaas"
	"github.com/ccaas/ccaas/hours"
	"github.com/ccaas/ccaas/queue"
	"github.com/ccaas/ccaas/screenpop"
	"github.com/ccaas/ccaas/wrapup"
)

// ErrInvalid is wrapped by every error of this package.
var ErrInvalid = errors.New("invalid value")

type ruleError string

func (e ruleError) Error() string { return string(e) }
func (e ruleError) Unwrap() error { return ErrInvalid }

func rule(format string, args ...any) error { return ruleError(fmt.Sprintf(format, args...)) }

var (
	usernameRE  = regexp.MustCompile(`^[a-zA-Z0-9][a-zA-Z0-9._-]{0,63}$`)
	extensionRE = regexp.MustCompile(`^[0-9]{2,10}$`)
	didRE       = regexp.MustCompile(`^\+?[0-9]{1,20}$`)
	domainRE    = regexp.MustCompile(`^[a-zA-Z0-9]([a-zA-Z0-9.-]{0,251}[a-zA-Z0-9])?$`)
	reasonRE    = regexp.MustCompile(`^[a-z][a-z0-9_]{0,31}$`)
	trunkRE     = regexp.MustCompile(`^[A-Za-z0-9_.-]{1,64}$`)
	variableRE  = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]{0,63}$`)
	mohRE       = regexp.MustCompile(`^[A-Za-z0-9_-]{1,64}$`)
)

// Limits of numbers and texts.
const (
	MaxNameLength    = 100 // display names of tenants, agents and queues, in characters
	MaxTeamLength    = 64
	MaxKeyLength     = 64 // the shown name of a call variable
	MaxCallerID      = 80
	MaxRingSeconds   = 600
	MaxWrapup        = 3600
	MaxWaitSeconds   = 86400
	MaxAnnounce      = 3600
	MaxServiceLevel  = 3600
	MaxPriority      = 100
	MinPriority      = -100
	MaxSkill         = 100
	MinPassword      = 8  // agents and supervisors
	MinAdminPassword = 12 // tenant admins and operators: their accounts reach every other
	MaxPassword      = 72 // bcrypt uses no more
	MaxReasons       = 50
	MaxDIDsPerQueue  = 100
	MaxDIDsPerTenant = 1000
	// MaxWrapupCodeLength bounds a wrapup code, in characters.
	MaxWrapupCodeLength = 64
)

// Username is a login name.
func Username(s string) error {
	return matching(usernameRE, s, "letters, digits, . _ - (starting with a letter or digit), at most 64")
}

// Extension is an agent's extension number.
func Extension(s string) error { return matching(extensionRE, s, "2 to 10 digits") }

// DID is a number that customers dial.
func DID(s string) error {
	return matching(didRE, s, "%q: digits with an optional leading +, at most 20", s)
}

// Domain is a tenant's domain name, what agents type at login.
func Domain(s string) error {
	if !domainRE.MatchString(s) || strings.Contains(s, "..") {
		return rule("a domain name such as acme.example (letters, digits, . -)")
	}
	return nil
}

// Reason is a tenant's own Not Ready reason: not one that every tenant has,
// nor the one the system sets after a missed offer.
func Reason(s string) error {
	switch {
	case !reasonRE.MatchString(s):
		return rule("%q: lowercase letters, digits and _, starting with a letter, at most 32", s)
	case slices.Contains(ccaas.DefaultReasons, s):
		return rule("%s is there already for every tenant", s)
	case s == wrapup.ReasonMissedCall:
		return rule("%s is set by the system after an unanswered offer", s)
	}
	return nil
}

// Trunk is the PJSIP endpoint of a tenant's outbound trunk.
func Trunk(s string) error {
	return matching(trunkRE, s, "a PJSIP endpoint name (letters, digits, . _ -), at most 64")
}

// CallerID is the caller id of a tenant's outbound calls, e.g. "Acme" <5550000>.
func CallerID(s string) error { return oneLine(s, 0, MaxCallerID) }

// ChannelVariable is the name of a channel variable that the IVR sets.
func ChannelVariable(s string) error {
	return matching(variableRE, s, "a channel variable name (letters, digits, _, not starting with a digit), at most 64")
}

// VariableKey is the name agents see for a call variable (any text).
func VariableKey(s string) error { return oneLine(s, 1, MaxKeyLength) }

// WrapupCode is one of a queue's wrapup codes, as agents see and pick it.
func WrapupCode(s string) error { return oneLine(s, 1, MaxWrapupCodeLength) }

// Note is a disposition's note: plain text of at most ccaas.MaxNoteLength
// characters; line breaks are kept, other control characters refused.
func Note(s string) error {
	if n := utf8.RuneCountInString(s); n > ccaas.MaxNoteLength {
		return rule("at most %d characters (this note has %d)", ccaas.MaxNoteLength, n)
	}
	if !printable(strings.ReplaceAll(s, "\n", "")) {
		return rule("plain text: letters, digits, signs and line breaks, no other control characters")
	}
	return nil
}

// ScreenPop is a tenant's screen pop template (package screenpop) naming
// only the builtin names and the tenant's attached-data keys; "" is none.
func ScreenPop(template string, keys []string) error {
	if _, err := screenpop.Parse(template, keys); err != nil {
		return rule("%s", err)
	}
	return nil
}

// ScreenPopOn is when the screen pop opens.
func ScreenPopOn(s string) error { return oneOf(s, ccaas.ScreenPopOnAnswer, ccaas.ScreenPopOnOffer) }

// Name is a display name (already trimmed).
func Name(s string) error { return oneLine(s, 1, MaxNameLength) }

// Team is an agent's team ("" for none).
func Team(s string) error { return oneLine(s, 0, MaxTeamLength) }

// Password is a new password of an agent or a supervisor.
func Password(s string) error { return password(s, MinPassword, "the password") }

// AdminPassword is a new password of a tenant admin or an operator.
func AdminPassword(s string) error { return password(s, MinAdminPassword, "an admin's password") }

// PasswordFor is the password rule of a role: AdminPassword for admins,
// Password for everyone else.
func PasswordFor(role, s string) error {
	if role == ccaas.RoleAdmin {
		return AdminPassword(s)
	}
	return Password(s)
}

func password(s string, minLen int, what string) error {
	if len(s) < minLen || len(s) > MaxPassword {
		return rule("%s must be %d to %d characters", what, minLen, MaxPassword)
	}
	if !utf8.ValidString(s) || strings.ContainsAny(s, "\x00\r\n") {
		return rule("%s must be text on one line", what)
	}
	if common(s) {
		return rule("this password is one of the most common ones (or one with digits or signs added), which attackers try first; choose another")
	}
	return nil
}

// common tells whether s, in lower case, is on the list, or is a word of
// the list of at least 5 letters with only digits and signs after it
// ("Password2024!", "qwerty123456": what a 12-character rule invites).
func common(s string) bool {
	s = strings.ToLower(s)
	list := commonPasswords()
	if list[s] {
		return true
	}
	base := strings.TrimRightFunc(s, func(r rune) bool { return unicode.IsDigit(r) || unicode.IsPunct(r) || unicode.IsSymbol(r) })
	return len(base) >= 5 && base != s && list[base]
}

//go:embed common_passwords.txt
var commonPasswordList string

// commonPasswords are the lines of common_passwords.txt in lower case (its
// first lines say where the list comes from).
var commonPasswords = sync.OnceValue(func() map[string]bool {
	m := make(map[string]bool, 4000)
	for line := range strings.Lines(commonPasswordList) {
		line = strings.TrimRight(line, "\r\n")
		if line != "" && !strings.HasPrefix(line, "#") {
			m[strings.ToLower(line)] = true
		}
	}
	return m
})

// Role is a user's role.
func Role(s string) error { return oneOf(s, ccaas.RoleAgent, ccaas.RoleSupervisor, ccaas.RoleAdmin) }

// Strategy is how a queue picks an agent.
func Strategy(s string) error {
	if _, err := queue.ParseStrategy(s); err != nil {
		return rule("strategy: longest_idle, round_robin or fewest_calls")
	}
	return nil
}

// Overflow is what happens after a queue's maximum wait.
func Overflow(s string) error {
	return oneOf(s, ccaas.OverflowHangup, ccaas.OverflowQueue, ccaas.OverflowExtension, ccaas.OverflowVoicemail)
}

// MOHClass is a music on hold class of musiconhold.conf.
func MOHClass(s string) error {
	return matching(mohRE, s, "a music on hold class (letters, digits, _ -), at most 64")
}

// Between checks that n is within [lo, hi]; unit reads like "seconds".
func Between(n, lo, hi int, unit string) error {
	if n < lo || n > hi {
		return rule("%d to %d%s", lo, hi, unitSuffix(unit))
	}
	return nil
}

func unitSuffix(unit string) string {
	if unit == "" {
		return ""
	}
	return " " + unit
}

// Ring is how long an offer rings before it is withdrawn.
func Ring(n int) error { return Between(n, 1, MaxRingSeconds, "seconds") }

// Wrapup is an agent's wrapup time after inbound queue calls (0: none).
func Wrapup(n int) error { return Between(n, 0, MaxWrapup, "seconds") }

// MaxWait is a queue's maximum wait (0: no limit).
func MaxWait(n int) error { return Between(n, 0, MaxWaitSeconds, "seconds") }

// Announce is how often a waiting caller hears their position (0: never).
func Announce(n int) error { return Between(n, 0, MaxAnnounce, "seconds") }

// ServiceLevel is a queue's service-level target in seconds.
func ServiceLevel(n int) error { return Between(n, 1, MaxServiceLevel, "seconds") }

// Priority orders queues (higher first).
func Priority(n int) error { return Between(n, MinPriority, MaxPriority, "") }

// Skill is an agent's skill in a queue (higher is preferred).
func Skill(n int) error { return Between(n, 1, MaxSkill, "") }

// oneOf is nil when s is one of values, else the rule that lists them
// ("agent, supervisor or admin").
func oneOf(s string, values ...string) error {
	if slices.Contains(values, s) {
		return nil
	}
	last := len(values) - 1
	return rule("%s or %s", strings.Join(values[:last], ", "), values[last])
}

// matching is nil when re matches s, else the rule format describes.
func matching(re *regexp.Regexp, s, format string, args ...any) error {
	if re.MatchString(s) {
		return nil
	}
	return rule(format, args...)
}

// oneLine is nil for printable text on one line of lo to hi characters.
func oneLine(s string, lo, hi int) error {
	if n := utf8.RuneCountInString(s); n >= lo && n <= hi && printable(s) {
		return nil
	}
	if lo == 0 {
		return rule("at most %d characters on one line", hi)
	}
	return rule("%d to %d characters on one line", lo, hi)
}

// printable: valid UTF-8 without control characters (no line breaks, NUL, …).
func printable(s string) bool {
	if !utf8.ValidString(s) {
		return false
	}
	for _, r := range s {
		if unicode.IsControl(r) || r == '\u2028' || r == '\u2029' {
			return false
		}
	}
	return true
}

// Limits of a queue's waiting rules.
const (
	MaxHoursLength      = 4000 // the weekly schedule or its exceptions, in characters
	MaxCallbackSeconds  = 86400
	MaxCallbackAttempts = 10
	MinCallbackRetry    = 10
	MaxCallbackRetry    = 86400
	MinVoicemailSeconds = 5
	MaxVoicemailSeconds = 600
	maxZoneName         = 64
)

// Hours checks a queue's opening hours in the text form of package hours;
// the error names the line that is wrong.
func Hours(weekly, exceptions string) error {
	if len(weekly) > MaxHoursLength || len(exceptions) > MaxHoursLength {
		return rule("at most %d characters", MaxHoursLength)
	}
	if _, err := hours.Parse(weekly, exceptions); err != nil {
		return ruleError(err.Error())
	}
	return nil
}

// ClosedAction is what a caller gets while a queue is closed.
func ClosedAction(s string) error {
	return oneOf(s, ccaas.OverflowHangup, ccaas.OverflowVoicemail, ccaas.OverflowQueue, ccaas.OverflowExtension)
}

// CallbackSeconds is a wait after which (or an estimate above which) a
// callback is offered; 0: not for that reason.
func CallbackSeconds(n int) error { return Between(n, 0, MaxCallbackSeconds, "seconds") }

// CallbackAttempts is how many times a customer is dialled.
func CallbackAttempts(n int) error { return Between(n, 1, MaxCallbackAttempts, "") }

// CallbackRetry is the delay before a customer who did not answer is dialled again.
func CallbackRetry(n int) error { return Between(n, MinCallbackRetry, MaxCallbackRetry, "seconds") }

// VoicemailSeconds is a message's maximum length.
func VoicemailSeconds(n int) error {
	return Between(n, MinVoicemailSeconds, MaxVoicemailSeconds, "seconds")
}

// TimeZone is a tenant's IANA time zone (empty: the server's): a name of
// letters, digits and / _ + - that the zone database knows.
func TimeZone(s string) error {
	if s == "" {
		return nil
	}
	bad := rule("a time zone name like Europe/Berlin, or empty for the server's zone")
	if len(s) > maxZoneName || strings.HasPrefix(s, "/") || strings.Contains(s, "..") || !zoneRE.MatchString(s) {
		return bad
	}
	if _, err := time.LoadLocation(s); err != nil {
		return bad
	}
	return nil
}

var zoneRE = regexp.MustCompile(`^[A-Za-z0-9/_+-]+$`)
