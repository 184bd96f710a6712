package asterisksim

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"

	"github.com/ccaas/ccaas/ari"
)

// Push configuration (PUT /asterisk/config/dynamic/res_pjsip/{type}/{id}) as
// a real Asterisk 22 answers it with sorcery.conf stacking a writable memory
// store under the read-only pjsip.conf one for endpoint, auth and aor:
// pushed objects live in memory and vanish on Restart; objects from the
// static configuration (AddEndpoint) are read-only (403).

// sorcery_defaults.json holds the full attribute lists a fresh endpoint,
// auth and aor get, in the order Asterisk 22.11 answered them.
//
//go:embed sorcery_defaults.json
var sorceryDefaultsJSON []byte

var sorceryDefaults = func() map[string][]ari.ConfigTuple {
	var m map[string][]ari.ConfigTuple
	if err := json.Unmarshal(sorceryDefaultsJSON, &m); err != nil {
		panic("asterisksim: sorcery_defaults.json: " + err.Error())
	}
	return m
}()

const configClass = "res_pjsip"

// sorceryTypes are res_pjsip's object types; only those with defaults
// (endpoint, auth, aor) are writable.
var sorceryTypes = map[string]bool{
	"endpoint": true, "auth": true, "aor": true, "contact": true, "identify": true,
	"transport": true, "global": true, "system": true, "domain_alias": true, "registration": true,
}

type sorceryKey struct{ typ, id string }

type sorceryObject struct {
	fields []ari.ConfigTuple // in the defaults' order
}

func (o *sorceryObject) get(attr string) string {
	for _, f := range o.fields {
		if f.Attribute == attr {
			return f.Value
		}
	}
	return ""
}

func (o *sorceryObject) set(attr, value string) bool {
	for i := range o.fields {
		if o.fields[i].Attribute == attr {
			o.fields[i].Value = value
			return true
		}
	}
	return false
}

// webrtcImplies is what webrtc=yes switches on.
var webrtcImplies = map[string]string{
	"use_avpf": "true", "ice_support": "true", "media_use_received_transport": "true",
	"rtcp_mux": "true", "bundle": "true", "media_encryption": "dtls",
	"dtls_verify": "Fingerprint", "dtls_setup": "actpass",
}

func parseBool(v string) bool {
	switch strings.ToLower(v) {
	case "yes", "true", "y", "t", "1", "on":
		return true
	}
	return false
}

// apply sets the pushed fields as Asterisk stores them: booleans read back
// as true/false (webrtc as yes/no, an unknown value counting as no), codecs
// as "(ulaw|alaw)". It reports the first unknown attribute.
func (o *sorceryObject) apply(fields []ari.ConfigTuple) (unknown string) {
	for _, f := range fields {
		switch f.Attribute {
		case "disallow":
			if f.Value == "all" {
				o.set("allow", "(nothing)")
			}
			continue
		case "allow":
			var codecs []string
			if cur := strings.Trim(o.get("allow"), "()"); cur != "nothing" && cur != "" {
				codecs = strings.Split(cur, "|")
			}
			for c := range strings.SplitSeq(f.Value, ",") {
				if c = strings.TrimSpace(c); c != "" && !slices.Contains(codecs, c) {
					codecs = append(codecs, c)
				}
			}
			o.set("allow", "("+strings.Join(codecs, "|")+")")
			continue
		case "webrtc":
			o.set("webrtc", map[bool]string{true: "yes", false: "no"}[parseBool(f.Value)])
			continue
		case "dtls_auto_generate_cert":
			o.set(f.Attribute, map[bool]string{true: "Yes", false: "No"}[parseBool(f.Value)])
			continue
		}
		cur, known := "", false
		for _, g := range o.fields {
			if g.Attribute == f.Attribute {
				cur, known = g.Value, true
				break
			}
		}
		if !known {
			return f.Attribute
		}
		if cur == "true" || cur == "false" {
			o.set(f.Attribute, fmt.Sprint(parseBool(f.Value)))
		} else {
			o.set(f.Attribute, f.Value)
		}
	}
	if o.get("webrtc") == "yes" {
		for k, v := range webrtcImplies {
			o.set(k, v)
		}
	}
	return ""
}

// configTarget checks class and type: 404 with Asterisk's messages.
func configTarget(q *request) (typ, id string, bad *response) {
	class, typ, id := q.path["configClass"], q.path["objectType"], q.path["id"]
	switch {
	case class != configClass:
		r := fail(http.StatusNotFound, fmt.Sprintf("configClass '%s' not found", class))
		return "", "", &r
	case !sorceryTypes[typ]:
		r := fail(http.StatusNotFound, fmt.Sprintf("objectType '%s' not found", typ))
		return "", "", &r
	}
	return typ, id, nil
}

// staticObjectLocked synthesises the read-only pjsip.conf object of an
// endpoint added with AddEndpoint: its endpoint, auth and aor share its name.
func (s *Sim) staticObjectLocked(typ, id string) *sorceryObject {
	ep := s.endpoints["PJSIP/"+id]
	if ep == nil || ep.pushed || sorceryDefaults[typ] == nil {
		return nil
	}
	o := &sorceryObject{fields: slices.Clone(sorceryDefaults[typ])}
	switch typ {
	case "endpoint":
		o.set("context", ep.context)
		o.set("aors", id)
		o.set("auth", id)
		o.set("callerid", fmt.Sprintf("%q <%s>", ep.callerID.Name, ep.callerID.Number))
	case "auth":
		o.set("username", id)
	}
	return o
}

// onConfig runs do under the lock with the object type and id of a dynamic
// configuration request, once its class and type are known to exist.
func (s *Sim) onConfig(q *request, do func(typ, id string) response) response {
	typ, id, bad := configTarget(q)
	if bad != nil {
		return *bad
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return do(typ, id)
}

func (s *Sim) getConfig(q *request) response {
	return s.onConfig(q, func(typ, id string) response {
		o := s.sorcery[sorceryKey{typ, id}]
		if o == nil {
			o = s.staticObjectLocked(typ, id)
		}
		if o == nil {
			return fail(http.StatusNotFound, fmt.Sprintf("Object with id '%s' not found", id))
		}
		return okJSON(o.fields)
	})
}

func (s *Sim) putConfig(q *request) response {
	return s.onConfig(q, func(typ, id string) response { return s.putConfigLocked(q, typ, id) })
}

func (s *Sim) putConfigLocked(q *request, typ, id string) response {
	var fields []ari.ConfigTuple
	if raw, has := q.body["fields"]; has {
		if err := json.Unmarshal(raw, &fields); err != nil {
			return fail(http.StatusBadRequest, "Error parsing request body")
		}
	}
	if sorceryDefaults[typ] == nil {
		return fail(http.StatusForbidden, fmt.Sprintf("Cannot create sorcery objects of type '%s'", typ))
	}
	if s.staticObjectLocked(typ, id) != nil {
		return fail(http.StatusForbidden, fmt.Sprintf("Cannot update sorcery objects of type '%s'", typ))
	}
	key := sorceryKey{typ, id}
	old := s.sorcery[key]
	o := &sorceryObject{fields: slices.Clone(sorceryDefaults[typ])}
	if old != nil {
		o.fields = slices.Clone(old.fields)
	}
	if unknown := o.apply(fields); unknown != "" {
		verb := "Creation"
		if old != nil {
			verb = "Update"
		}
		return fail(http.StatusBadRequest, fmt.Sprintf("%s of object '%s' failed field value validation", verb, id))
	}
	s.sorcery[key] = o
	if typ == "endpoint" {
		s.pushEndpointLocked(id, o)
	}
	return okJSON(o.fields)
}

// pushEndpointLocked creates or updates the endpoint of a pushed
// configuration. With Config.AutoAnswerPushed a simulated browser phone
// registers at once and auto-answers.
func (s *Sim) pushEndpointLocked(id string, o *sorceryObject) {
	name := "PJSIP/" + id
	ep := s.endpoints[name]
	created := ep == nil
	if created {
		ep = &endpoint{tech: "PJSIP", resource: id, pushed: true, behaviour: BehaviourAnswer}
		s.endpoints[name] = ep
	}
	ep.context = o.get("context")
	ep.webrtc = o.get("webrtc") == "yes"
	ep.callerID = ari.CallerID{}
	if cid := o.get("callerid"); cid != "" && cid != "<unknown>" {
		ep.callerID = parseCallerID(cid)
	}
	if created && s.cfg.AutoAnswerPushed {
		s.registerLocked(ep)
	}
}

func (s *Sim) deleteConfig(q *request) response {
	return s.onConfig(q, func(typ, id string) response {
		key := sorceryKey{typ, id}
		if s.sorcery[key] == nil {
			if s.staticObjectLocked(typ, id) != nil {
				return fail(http.StatusForbidden, fmt.Sprintf("Could not delete object with id '%s'", id))
			}
			return fail(http.StatusNotFound, fmt.Sprintf("Object with id '%s' not found", id))
		}
		delete(s.sorcery, key)
		if typ == "endpoint" {
			if ep := s.endpoints["PJSIP/"+id]; ep != nil && ep.pushed {
				s.dropEndpointLocked(ep)
			}
		}
		return noContent()
	})
}
