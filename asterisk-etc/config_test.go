// Package asterisketc holds no code: its tests read the shipped Asterisk
// configuration and check the promises the rest of the product relies on.
package asterisketc

import (
	"bufio"
	"os"
	"strings"
	"testing"

	"github.com/ccaas/ccaas/app"
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

// modules reads modules.conf's [modules]: the modules required and not
// loaded, and whether everything else loads by itself.
func modules(t *testing.T) (require, noload map[string]bool, autoload bool) {
	t.Helper()
	require, noload = map[string]bool{}, map[string]bool{}
	for _, s := range readConf(t, "modules.conf") {
		if s.name != "modules" {
			continue
		}
		for _, m := range s.values["require"] {
			require[m] = true
		}
		for _, m := range s.values["noload"] {
			noload[m] = true
		}
		autoload = s.get("autoload") == "yes"
	}
	return require, noload, autoload
}

// TestModulesTheAppNeedsAreRequired: every module the app cannot work
// without (app.RequiredModules, which `ccaas serve` checks at start), and
// the codec module of each codec the agents' lines and the trunk speak, is
// required, so Asterisk refuses to start without it instead of running
// without; none of them is kept from loading.
func TestModulesTheAppNeedsAreRequired(t *testing.T) {
	require, noload, _ := modules(t)
	need := append([]string(nil), app.RequiredModules...)
	for _, codec := range lineCodecs(t) {
		if codec != "opus" { // optional: docs/deploy.md, About codecs
			need = append(need, "codec_"+codec+".so")
		}
	}
	for _, m := range need {
		if !require[m] {
			t.Errorf("modules.conf does not require %s", m)
		}
		if noload[m] {
			t.Errorf("modules.conf keeps %s from loading", m)
		}
	}
	for m := range require {
		if noload[m] {
			t.Errorf("modules.conf both requires and noloads %s", m)
		}
	}
}

// lineCodecs are the codecs the app pushes for the agents' lines, in order.
func lineCodecs(t *testing.T) []string {
	t.Helper()
	for _, f := range app.DefaultLineFields {
		if f.Attribute == "allow" {
			return strings.Split(f.Value, ",")
		}
	}
	t.Fatal("app.DefaultLineFields allows no codec")
	return nil
}

// TestAgentTemplateIsThePushedLine: the [agent-webrtc] template spells out
// the endpoint the app pushes at every login (app.DefaultLineFields), field
// for field, codec order included.
func TestAgentTemplateIsThePushedLine(t *testing.T) {
	var tmpl *section
	for _, s := range readConf(t, "pjsip.conf") {
		if s.name == "agent-webrtc" && s.template {
			tmpl = &s
		}
	}
	if tmpl == nil {
		t.Fatal("no [agent-webrtc](!) template in pjsip.conf")
	}
	for _, f := range app.DefaultLineFields {
		if got := tmpl.get(f.Attribute); got != f.Value {
			t.Errorf("[agent-webrtc] %s = %q, the app pushes %q", f.Attribute, got, f.Value)
		}
	}
}

// TestCodecOrder: the agents' lines offer G.711 first, in the trunk's own
// order, so a call between a browser and a customer needs no translation
// (docs/deploy.md, About codecs); Opus, if offered, comes after them.
func TestCodecOrder(t *testing.T) {
	var trunk []string
	for _, s := range readConf(t, "pjsip.conf") {
		if s.name == "pstn-trunk" && s.template {
			trunk = strings.Split(s.get("allow"), ",")
		}
	}
	line := lineCodecs(t)
	if len(trunk) == 0 || len(line) < len(trunk) {
		t.Fatalf("trunk codecs %v, line codecs %v", trunk, line)
	}
	for i, c := range trunk {
		if line[i] != c {
			t.Fatalf("the line offers %v: want the trunk's %v first", line, trunk)
		}
	}
	for _, c := range line[len(trunk):] {
		if c != "opus" {
			t.Errorf("the line offers %s after G.711; only opus is documented", c)
		}
	}
}

// TestQuietStartFiles: what a clean start needs of the files kept only for
// it (docs/deploy.md): each exists; acl.conf and stasis.conf hold no section
// (Asterisk reports an empty one as an error); AMI, CDRs and CEL stay off.
func TestQuietStartFiles(t *testing.T) {
	for _, f := range []string{"acl.conf", "ccss.conf", "cdr.conf", "cel.conf", "features.conf", "geolocation.conf", "indications.conf",
		"manager.conf", "pjproject.conf", "stasis.conf", "udptl.conf", "websocket_client.conf"} {
		if _, err := os.Stat(f); err != nil {
			t.Errorf("%s: %v", f, err)
		}
	}
	for _, f := range []string{"acl.conf", "stasis.conf"} {
		if s := readConf(t, f); len(s) != 0 {
			t.Errorf("%s has sections %v: an empty one is an error at start", f, s)
		}
	}
	off := map[string]string{"manager.conf": "enabled", "cdr.conf": "enable", "cel.conf": "enable"}
	for f, key := range off {
		for _, s := range readConf(t, f) {
			if s.name == "general" && s.get(key) != "no" {
				t.Errorf("%s [general] %s = %q, want no", f, key, s.get(key))
			}
		}
	}
}
