// Package asterisketc holds no code: its tests read the shipped Asterisk
// configuration and check the promises the rest of the product relies on.
package asterisketc

import (
	"bufio"
	"os"
	"strings"
	"testing"
)

// section is one [name] of an Asterisk .conf file with its templates
// applied; the same name may appear several times (an endpoint and an aor).
type section struct {
	name     string
	template bool // [name](!)
	values   map[string][]string
}

// readConf parses an Asterisk configuration file: [name], [name](!) for a
// template, [name](tmpl,…) to inherit, key = value, ';' comments.
func readConf(t *testing.T, path string) []section {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []section
	templates := map[string]section{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if i := strings.IndexByte(line, ';'); i >= 0 {
			line = line[:i]
		}
		line = strings.TrimSpace(line)
		switch {
		case line == "":
		case strings.HasPrefix(line, "["):
			name, rest, _ := strings.Cut(line[1:], "]")
			s := section{name: name, values: map[string][]string{}}
			if opts, ok := strings.CutPrefix(rest, "("); ok {
				for _, o := range strings.Split(strings.TrimSuffix(opts, ")"), ",") {
					o = strings.TrimSpace(o)
					if o == "!" {
						s.template = true
						continue
					}
					tmpl, ok := templates[o]
					if !ok {
						t.Fatalf("%s: [%s] inherits unknown template %q", path, name, o)
					}
					for k, v := range tmpl.values {
						s.values[k] = append([]string(nil), v...)
					}
				}
			}
			out = append(out, s)
		default:
			if len(out) == 0 {
				t.Fatalf("%s: %q outside a section", path, line)
			}
			k, v, ok := strings.Cut(line, "=")
			if !ok {
				t.Fatalf("%s: %q is no key = value", path, line)
			}
			k, v = strings.TrimSpace(strings.TrimSuffix(k, ">")), strings.TrimSpace(v)
			cur := &out[len(out)-1]
			cur.values[k] = append(cur.values[k], v)
		}
		if n := len(out); n > 0 && out[n-1].template {
			templates[out[n-1].name] = out[n-1]
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

func (s section) get(key string) string {
	if v := s.values[key]; len(v) > 0 {
		return v[len(v)-1]
	}
	return ""
}

// TestTrunkIsMatchedByAddressOnly: an endpoint that lets calls into the
// customers' dialplan does not authenticate them, so it must never be
// matched by the user of a From header, which anyone can write.
func TestTrunkIsMatchedByAddressOnly(t *testing.T) {
	trunks := 0
	for _, s := range readConf(t, "pjsip.conf") {
		if s.template || s.get("type") != "endpoint" || s.get("context") != "from-pstn" {
			continue
		}
		trunks++
		for _, m := range strings.Split(s.get("identify_by"), ",") {
			switch strings.TrimSpace(m) {
			case "ip", "header", "request_uri":
			default:
				t.Errorf("endpoint [%s] (context from-pstn) is identified by %q; want identify_by = ip", s.name, s.get("identify_by"))
			}
		}
	}
	if trunks == 0 {
		t.Fatal("no trunk endpoint (context from-pstn) found in pjsip.conf")
	}
}
