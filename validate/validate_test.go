package validate

import (
	"errors"
	"strings"
	"testing"
)

func TestRules(t *testing.T) {
	tests := []struct {
		name  string
		check func(string) error
		good  []string
		bad   []string
	}{
		{"username", Username, []string{"sam", "a.b-c_d", "A1", strings.Repeat("a", 64)}, []string{"", "<b>x</b>", ".sam", "a b", "x'; DROP TABLE agents; --", strings.Repeat("a", 65)}},
		{"extension", Extension, []string{"10", "1001", "0123456789"}, []string{"", "1", "12ab", "12345678901", " 1001", "+100"}},
		{"DID", DID, []string{"5550100", "+4930555", "1"}, []string{"", "+", "1;Dial(Local/x)", "555 0100", strings.Repeat("1", 21)}},
		{"domain", Domain, []string{"acme.example", "a", "x-y.example"}, []string{"", "-a.example", "a..b", "a b", "a.example.", "<b>"}},
		{"reason", Reason, []string{"coaching", "back_office", "a1"}, []string{"", "Coaching", "coffee break", "1a", "lunch", "break", "missed_call", strings.Repeat("a", 33)}},
		{"trunk", Trunk, []string{"itsp-1", "pstn", "a.b_c"}, []string{"", "x/sip:evil", "a b", strings.Repeat("a", 65)}},
		{"caller id", CallerID, []string{"", `"Acme" <5550000>`, "Zoë"}, []string{"a\nb", "a\x00", strings.Repeat("a", 81), "\xff"}},
		{"channel variable", ChannelVariable, []string{"CUST_ID", "_x", "CCAAS_FirstName"}, []string{"", "1X", "A(B)", "A B", "A-B", strings.Repeat("A", 65)}},
		{"variable key", VariableKey, []string{"Customer <b>name</b>", "x", strings.Repeat("ü", 64)}, []string{"", "a\nb", strings.Repeat("a", 65)}},
		{"name", Name, []string{"Sam", "<b>Sam</b>", strings.Repeat("é", 100)}, []string{"", "a\tb", "a\u2028b", strings.Repeat("a", 101)}},
		{"team", Team, []string{"", "North"}, []string{"a\rb", strings.Repeat("a", 65)}},
		{"password", Password, []string{"a-long-password", "Zq7-kt3w", "alice-demo", "sunshine-lake-42", "1a2b3c4d", strings.Repeat("p", 72)}, []string{"", "short", strings.Repeat("p", 73), "long-enough\x00", "two\nlines-long", "12345678", "password", "Password1", "iloveyou", "sunshine", "sunshine99"}},
		{"admin password", AdminPassword, []string{"correct-horse-battery", "Zq7-kt3w-Pm2x"}, []string{"a-long-pass", "Zq7-kt3w", "winniethepooh", "WinnieThePooh", "Password2024!", "qwerty123456", "baseball-1999", strings.Repeat("p", 73)}},
		{"role", Role, []string{"agent", "supervisor", "admin"}, []string{"", "Admin", "root"}},
		{"strategy", Strategy, []string{"longest_idle", "round_robin", "fewest_calls"}, []string{"", "random"}},
		{"overflow", Overflow, []string{"hangup", "queue", "extension", "voicemail"}, []string{"", "Voicemail", "menu"}},
		{"closed action", ClosedAction, []string{"hangup", "queue", "extension", "voicemail"}, []string{"", "open"}},
		{"time zone", TimeZone, []string{"", "UTC", "Europe/Berlin", "America/Argentina/Buenos_Aires"}, []string{"Mars/Olympus", "../../etc/passwd", "/etc/localtime", "Europe/Berlin\x00", "<b>", strings.Repeat("A", 65)}},
		{"hours", func(s string) error { return Hours(s, "") }, []string{"", "mon-fri 08:00-12:00 13:00-18:00\nsat closed", "daily 22:00-06:00"}, []string{"mon 25:00-26:00", "someday 08:00-09:00", "mon-fri 8-12; DROP", strings.Repeat("#", 4001)}},
		{"hours exceptions", func(s string) error { return Hours("", s) }, []string{"", "2026-12-25 closed"}, []string{"2026-02-30 closed", "christmas closed"}},
		{"MOH class", MOHClass, []string{"default", "jazz-2"}, []string{"", "../../etc", "a b"}},
		{"wrapup code", WrapupCode, []string{"Sale", "Wrong number", "<b>Complaint</b>", strings.Repeat("é", 64)}, []string{"", "a\nb", "a\tb", strings.Repeat("a", 65), "\xff"}},
		{"note", Note, []string{"", "Wants the yearly plan.", "line one\nline two", "<script>alert(1)</script>", strings.Repeat("ü", 2000)},
			[]string{strings.Repeat("a", 2001), "a\rb", "a\tb", "a\x00b", "bell\x07", "\u2028", "\xff", "esc\x1b[31m"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, s := range tt.good {
				if err := tt.check(s); err != nil {
					t.Errorf("%q refused: %v", s, err)
				}
			}
			for _, s := range tt.bad {
				if err := tt.check(s); !errors.Is(err, ErrInvalid) || err.Error() == "" {
					t.Errorf("%q: err = %v, want ErrInvalid with a message", s, err)
				}
			}
		})
	}
}

func TestNumbers(t *testing.T) {
	tests := []struct {
		name     string
		check    func(int) error
		lo, hi   int
		wantText string
	}{
		{"ring", Ring, 1, 600, "1 to 600 seconds"},
		{"wrapup", Wrapup, 0, 3600, "0 to 3600 seconds"},
		{"max wait", MaxWait, 0, 86400, "0 to 86400 seconds"},
		{"announce", Announce, 0, 3600, "0 to 3600 seconds"},
		{"priority", Priority, -100, 100, "-100 to 100"},
		{"skill", Skill, 1, 100, "1 to 100"},
		{"callback seconds", CallbackSeconds, 0, 86400, "0 to 86400 seconds"},
		{"callback attempts", CallbackAttempts, 1, 10, "1 to 10"},
		{"callback retry", CallbackRetry, 10, 86400, "10 to 86400 seconds"},
		{"voicemail seconds", VoicemailSeconds, 5, 600, "5 to 600 seconds"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, n := range []int{tt.lo, tt.hi} {
				if err := tt.check(n); err != nil {
					t.Errorf("%d refused: %v", n, err)
				}
			}
			for _, n := range []int{tt.lo - 1, tt.hi + 1} {
				if err := tt.check(n); !errors.Is(err, ErrInvalid) || err.Error() != tt.wantText {
					t.Errorf("%d: err = %v, want %q", n, err, tt.wantText)
				}
			}
		})
	}
}

// TestCommonPasswords: the list is the one its first lines name, read whole,
// and every account refuses its entries whatever their case, with a message
// that says why.
func TestCommonPasswords(t *testing.T) {
	list := commonPasswords()
	if n := len(list); n < 3400 || n > 3546 {
		t.Fatalf("%d common passwords, want John the Ripper's 3546 (fewer after lower-casing)", n)
	}
	for _, p := range []string{"password", "12345678", "qwertyuiop", "baseball", "trustno1"} {
		if !list[p] {
			t.Errorf("%q is not in the list", p)
		}
	}
	for _, p := range []string{"PASSWORD", "Password", "12345678", "football"} {
		for name, check := range map[string]func(string) error{"agent": Password, "admin": AdminPassword} {
			err := check(p)
			if name == "agent" && (err == nil || !strings.Contains(err.Error(), "most common")) && len(p) >= MinPassword {
				t.Errorf("%s %q: err = %v, want the common-password message", name, p, err)
			}
			if err == nil {
				t.Errorf("%s %q accepted", name, p)
			}
		}
	}
	if err := PasswordFor("admin", "a-long-pass"); err == nil || !strings.Contains(err.Error(), "12 to 72") {
		t.Errorf("an admin's 11 characters: %v", err)
	}
	if err := PasswordFor("supervisor", "a-long-pass"); err != nil {
		t.Errorf("a supervisor's 11 characters: %v", err)
	}
}
