// Package screenpop is the tenant's screen pop: a URL template such as
// https://crm.example/search?phone={caller}&acct={Account number} that the
// agent page opens for a call, with the call's values put in the braces.
//
// Parse checks a template once, when an admin saves it: the scheme (https,
// or http to this machine), a host that no value can change, and that every
// name in braces is known. Expand then fills in a call's values, each one
// URL-encoded for where it stands (a path segment, or the query and
// fragment), so that no value can add a parameter, a path or another site.
// Pure logic: no goroutines, no I/O.
package screenpop

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"slices"
	"strings"
	"unicode"
)

// Names every template may use, besides the tenant's attached-data keys.
// They win over a key of the same name.
const (
	Caller = "caller" // the customer's number
	Name   = "name"   // the customer's name, as the network gave it
	Queue  = "queue"  // the queue's name ("" for a call that came through none)
	DID    = "did"    // the number the customer dialled
	Call   = "call"   // the call's id (as in the call records and webhooks)
	Agent  = "agent"  // the agent's username
)

// Builtin are the names above, in the order the admin page lists them.
var Builtin = []string{Caller, Name, Queue, DID, Call, Agent}

// MaxLength bounds a template, in bytes.
const MaxLength = 2000

// ErrInvalid is wrapped by every error of Parse; the error's text says only
// what is wrong, for the admin's form field.
var ErrInvalid = errors.New("invalid screen pop")

type ruleError string

func (e ruleError) Error() string { return string(e) }
func (e ruleError) Unwrap() error { return ErrInvalid }

func invalid(format string, args ...any) error { return ruleError(fmt.Sprintf(format, args...)) }

// Template is a parsed screen pop template.
type Template struct {
	parts []part
}

// part is a literal text, or a name whose value is encoded for the query or
// the fragment (every reserved character escaped) or as a path segment.
type part struct {
	text  string
	name  bool
	query bool
}

// Parse checks a template against the tenant's attached-data keys. An empty
// template (after trimming spaces) is no screen pop: nil and no error.
func Parse(s string, keys []string) (*Template, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return nil, nil
	}
	if len(s) > MaxLength {
		return nil, invalid("at most %d characters", MaxLength)
	}
	t := &Template{}
	query := false
	for rest := s; rest != ""; {
		open := strings.IndexAny(rest, "{}")
		if open < 0 {
			open = len(rest)
		} else if rest[open] == '}' {
			return nil, invalid("a } without its {")
		}
		if lit := rest[:open]; lit != "" {
			if strings.IndexFunc(lit, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) }) >= 0 {
				return nil, invalid("no spaces in the address outside braces (write %%20)")
			}
			t.parts = append(t.parts, part{text: lit})
			query = query || strings.ContainsAny(lit, "?#")
		}
		if open == len(rest) {
			break
		}
		end := strings.IndexAny(rest[open+1:], "{}")
		if end < 0 || rest[open+1+end] == '{' {
			return nil, invalid("a { without its }")
		}
		name := rest[open+1 : open+1+end]
		if name == "" {
			return nil, invalid("empty braces {}")
		}
		if !slices.Contains(Builtin, name) && !slices.Contains(keys, name) {
			return nil, invalid("unknown name {%s}: use %s", name, known(keys))
		}
		t.parts = append(t.parts, part{text: name, name: true, query: query})
		rest = rest[open+1+end+1:]
	}
	if err := t.checkAddress(); err != nil {
		return nil, err
	}
	return t, nil
}

// known lists the names a template may use, for an error.
func known(keys []string) string {
	names := make([]string, 0, len(Builtin)+len(keys))
	for _, n := range append(slices.Clone(Builtin), keys...) {
		names = append(names, "{"+n+"}")
	}
	if len(keys) == 0 {
		return strings.Join(names, ", ") + " (the tenant has no attached data)"
	}
	return strings.Join(names, ", ")
}

// checkAddress: the text before the first name must fix the scheme and the
// host (a value may not choose where the agent's browser goes), and the
// scheme is https, or http to this machine (a test CRM).
func (t *Template) checkAddress() error {
	var prefix string
	named := false
	for _, p := range t.parts {
		if p.name {
			named = true
			break
		}
		prefix += p.text
	}
	u, err := url.Parse(prefix)
	if err != nil || u.Host == "" || u.Opaque != "" {
		return invalid("start with https:// and the site's address")
	}
	if u.User != nil {
		return invalid("no user name or password in the address")
	}
	if named {
		// the authority must be over before the first value: a / ? or #
		// after the host
		after := prefix[strings.Index(prefix, "//")+2:]
		if !strings.ContainsAny(after, "/?#") {
			return invalid("values may follow the site's address only after a /, ? or #")
		}
	}
	switch strings.ToLower(u.Scheme) {
	case "https":
	case "http":
		if !Loopback(u.Hostname()) {
			return invalid("https only (http only for this machine: localhost, 127.0.0.1, [::1])")
		}
	default:
		return invalid("https only (http only for this machine: localhost, 127.0.0.1, [::1])")
	}
	// the whole template with sample values must be an address too
	if _, err := url.Parse(t.Expand(func(string) string { return "x" })); err != nil {
		return invalid("not a web address: %v", errors.Unwrap(err))
	}
	return nil
}

// Loopback reports whether host names this machine: localhost or a loopback
// address.
func Loopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// Expand fills in the values: value(name) for each name in braces, encoded
// for its place ("" leaves the place empty).
func (t *Template) Expand(value func(name string) string) string {
	var b strings.Builder
	for _, p := range t.parts {
		switch {
		case !p.name:
			b.WriteString(p.text)
		case p.query:
			// a space as %20, not +: a fragment, and many a server's
			// query, read + as itself
			b.WriteString(strings.ReplaceAll(url.QueryEscape(value(p.text)), "+", "%20"))
		default:
			b.WriteString(url.PathEscape(value(p.text)))
		}
	}
	return b.String()
}

// Names are the names the template uses, in order, once each.
func (t *Template) Names() []string {
	var out []string
	for _, p := range t.parts {
		if p.name && !slices.Contains(out, p.text) {
			out = append(out, p.text)
		}
	}
	return out
}
