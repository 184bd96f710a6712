package screenpop_test

import (
	"errors"
	"net/url"
	"strings"
	"testing"

	"github.com/ccaas/ccaas/screenpop"
)

var keys = []string{"Account number", "Customer name", "queue"}

func TestParseRefuses(t *testing.T) {
	for _, tc := range []struct {
		name, template, want string
	}{
		{"unknown key", "https://crm.example/?a={Acount number}", "unknown name {Acount number}: use {caller}, {name}, {queue}, {did}, {call}, {agent}, {Account number}, {Customer name}, {queue}"},
		{"key in another case", "https://crm.example/?a={account number}", "unknown name {account number}"},
		{"http elsewhere", "http://crm.example/?p={caller}", "https only"},
		{"javascript", "javascript:alert({caller})", "start with https://"},
		{"data", "data:text/html,{caller}", "start with https://"},
		{"no scheme", "crm.example/?p={caller}", "start with https://"},
		{"relative", "/search?p={caller}", "start with https://"},
		{"value in the host", "https://{caller}.crm.example/", "start with https://"},
		{"value right after the host", "https://crm.example{caller}/", "only after a /, ? or #"},
		{"value in the port", "https://crm.example:{did}/", "only after a /, ? or #"},
		{"user info", "https://user:pw@crm.example/?p={caller}", "no user name or password"},
		{"unclosed", "https://crm.example/?p={caller", "a { without its }"},
		{"nested", "https://crm.example/?p={ca{ller}", "a { without its }"},
		{"stray close", "https://crm.example/?p=caller}", "a } without its {"},
		{"empty braces", "https://crm.example/?p={}", "empty braces"},
		{"space outside braces", "https://crm.example/search here?p={caller}", "no spaces"},
		{"line break", "https://crm.example/\n?p={caller}", "no spaces"},
		{"too long", "https://crm.example/?p=" + strings.Repeat("a", screenpop.MaxLength), "at most 2000"},
		{"ftp", "ftp://crm.example/{caller}", "https only"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tpl, err := screenpop.Parse(tc.template, keys)
			if err == nil {
				t.Fatalf("Parse(%q) = %v, want an error", tc.template, tpl)
			}
			if !errors.Is(err, screenpop.ErrInvalid) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("Parse(%q): %q, want ErrInvalid saying %q", tc.template, err, tc.want)
			}
		})
	}
}

func TestExpand(t *testing.T) {
	values := map[string]string{
		"caller": "+49 30 123&x=1", "name": "José <b>", "queue": "Sales/North", "did": "5550001", "call": "c1-ab",
		"agent": "alice", "Account number": "ACC#42?&a=b", "Customer name": "100% Müller",
	}
	for _, tc := range []struct {
		name, template, want string
	}{
		{"empty is none", "  ", ""},
		{"no values", "https://crm.example/home", "https://crm.example/home"},
		{"the issue's example", "https://crm.example/search?phone={caller}&acct={Account number}",
			"https://crm.example/search?phone=%2B49%2030%20123%26x%3D1&acct=ACC%2342%3F%26a%3Db"},
		{"path segments stay one segment", "https://crm.example/customers/{Account number}/{queue}",
			"https://crm.example/customers/ACC%2342%3F&a=b/Sales%2FNorth"},
		{"fragment", "https://crm.example/#/search/{caller}", "https://crm.example/#/search/%2B49%2030%20123%26x%3D1"},
		{"builtin wins over a key of the same name", "https://crm.example/q?q={queue}", "https://crm.example/q?q=Sales%2FNorth"},
		{"html and unicode", "https://crm.example/?n={name}&c={Customer name}", "https://crm.example/?n=Jos%C3%A9%20%3Cb%3E&c=100%25%20M%C3%BCller"},
		{"every builtin", "https://crm.example/{call}?a={agent}&d={did}", "https://crm.example/c1-ab?a=alice&d=5550001"},
		{"http to this machine", "http://localhost:8081/pop?p={caller}", "http://localhost:8081/pop?p=%2B49%2030%20123%26x%3D1"},
		{"http to loopback", "http://127.0.0.1/pop/{did}", "http://127.0.0.1/pop/5550001"},
		{"http to ipv6 loopback", "http://[::1]:9/p?d={did}", "http://[::1]:9/p?d=5550001"},
		{"scheme in capitals", "HTTPS://crm.example/?d={did}", "HTTPS://crm.example/?d=5550001"},
		{"spaces around are trimmed", "  https://crm.example/?d={did}  ", "https://crm.example/?d=5550001"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tpl, err := screenpop.Parse(tc.template, keys)
			if err != nil {
				t.Fatalf("Parse(%q): %v", tc.template, err)
			}
			if tpl == nil {
				if tc.want != "" {
					t.Fatalf("Parse(%q) = nil", tc.template)
				}
				return
			}
			got := tpl.Expand(func(n string) string { return values[n] })
			if got != tc.want {
				t.Fatalf("Expand(%q)\n got %s\nwant %s", tc.template, got, tc.want)
			}
			u, err := url.Parse(got)
			if err != nil {
				t.Fatal(err)
			}
			base, _ := url.Parse(strings.TrimSpace(tc.template))
			if u.Host != base.Host {
				t.Fatalf("host %q, want the template's %q", u.Host, base.Host)
			}
		})
	}
}

// Whatever a value holds, it cannot add a query parameter or change the
// host: each value decodes back to itself.
func TestExpandValuesStayValues(t *testing.T) {
	tpl, err := screenpop.Parse("https://crm.example/c/{caller}?acct={Account number}#{name}", keys)
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range []string{"&admin=1", "../../evil", "//evil.example/", "%2F%00", "a b+c", "?x#y", "\x00\n\r", "€", "{caller}"} {
		got := tpl.Expand(func(string) string { return v })
		u, err := url.Parse(got)
		if err != nil {
			t.Fatalf("value %q: %s does not parse: %v", v, got, err)
		}
		if u.Host != "crm.example" || len(u.Query()) != 1 || u.Query().Get("acct") != v || u.Fragment != v {
			t.Fatalf("value %q: %s: host %q, query %v, fragment %q", v, got, u.Host, u.Query(), u.Fragment)
		}
		if seg := strings.TrimPrefix(u.EscapedPath(), "/c/"); strings.Contains(seg, "/") {
			t.Fatalf("value %q made a path segment of its own: %s", v, got)
		}
		if seg, _ := url.PathUnescape(strings.TrimPrefix(u.EscapedPath(), "/c/")); seg != v {
			t.Fatalf("value %q came back from the path as %q", v, seg)
		}
	}
}

func TestNames(t *testing.T) {
	tpl, err := screenpop.Parse("https://crm.example/{caller}?a={Account number}&b={caller}", keys)
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(tpl.Names(), ","); got != "caller,Account number" {
		t.Fatalf("Names = %q", got)
	}
}

func FuzzParse(f *testing.F) {
	f.Add("https://crm.example/search?phone={caller}&acct={Account number}")
	f.Add("http://localhost/{did}")
	f.Add("https://{caller}/")
	f.Fuzz(func(t *testing.T, s string) {
		tpl, err := screenpop.Parse(s, keys)
		if err != nil || tpl == nil {
			return
		}
		got := tpl.Expand(func(n string) string { return "&x=" + n + "/#?" })
		u, err := url.Parse(got)
		if err != nil {
			t.Fatalf("%q expands to %q, which does not parse: %v", s, got, err)
		}
		if scheme := strings.ToLower(u.Scheme); scheme != "https" && !(scheme == "http" && screenpop.Loopback(u.Hostname())) {
			t.Fatalf("%q expands to %q: scheme %q", s, got, u.Scheme)
		}
		base, _ := url.Parse(strings.Split(strings.TrimSpace(s), "{")[0])
		if u.Host != base.Host {
			t.Fatalf("%q expands to %q: host %q, the template's %q", s, got, u.Host, base.Host)
		}
	})
}
