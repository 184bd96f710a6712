package asterisksim

import (
	"encoding/json"
	"errors"
	"net/http"
	"strings"
)

func (s *Sim) listApplications(*request) response {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := []applicationJSON{}
	for _, name := range sortedKeys(s.apps) {
		out = append(out, s.apps[name].snapshot())
	}
	return okJSON(out)
}

func (s *Sim) getApplication(q *request) response {
	s.mu.Lock()
	defer s.mu.Unlock()
	a := s.apps[q.path["applicationName"]]
	if a == nil {
		return fail(http.StatusNotFound, "Application not found")
	}
	return okJSON(a.snapshot())
}

// eventSource is a parsed "channel:<id>", "bridge:<id>" or
// "endpoint:<tech>[/<resource>]".
type eventSource struct{ scheme, id string }

func parseSources(q *request) ([]eventSource, *response) {
	raw := q.list("eventSource")
	if len(raw) == 0 {
		r := fail(http.StatusBadRequest, "Missing parameter eventSource")
		return nil, &r
	}
	out := make([]eventSource, 0, len(raw))
	for _, src := range raw {
		scheme, id, _ := strings.Cut(src, ":")
		switch scheme {
		case "channel", "bridge", "endpoint", "deviceState":
		default:
			r := fail(http.StatusBadRequest, "Invalid event source URI scheme")
			return nil, &r
		}
		out = append(out, eventSource{scheme: scheme, id: id})
	}
	return out, nil
}

// subscribe is POST /applications/{app}/subscription?eventSource=…. An
// endpoint subscription brings registration events and duplicates most
// events of the endpoint's channels (see channelAppsLocked).
func (s *Sim) subscribe(q *request) response {
	sources, bad := parseSources(q)
	if bad != nil {
		return *bad
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	a := s.apps[q.path["applicationName"]]
	if a == nil {
		return fail(http.StatusNotFound, "Application not found")
	}
	for _, src := range sources {
		if !s.sourceExistsLocked(src) {
			return fail(http.StatusUnprocessableEntity, "Event source does not exist")
		}
	}
	for _, src := range sources {
		switch src.scheme {
		case "channel":
			a.channels[src.id]++
		case "bridge":
			a.bridges[src.id]++
		case "endpoint":
			a.endpoints[src.id] = true
		}
	}
	return okJSON(a.snapshot())
}

func (s *Sim) sourceExistsLocked(src eventSource) bool {
	switch src.scheme {
	case "channel":
		return s.channels[src.id] != nil
	case "bridge":
		return s.bridges[src.id] != nil
	case "endpoint":
		if !strings.Contains(src.id, "/") {
			for _, ep := range s.endpoints {
				if ep.tech == src.id {
					return true
				}
			}
			return false
		}
		return s.endpoints[src.id] != nil
	}
	return false
}

func (s *Sim) unsubscribe(q *request) response {
	sources, bad := parseSources(q)
	if bad != nil {
		return *bad
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	a := s.apps[q.path["applicationName"]]
	if a == nil {
		return fail(http.StatusNotFound, "Application not found")
	}
	for _, src := range sources {
		var subscribed bool
		switch src.scheme {
		case "channel":
			subscribed = a.channels[src.id] > 0
		case "bridge":
			subscribed = a.bridges[src.id] > 0
		case "endpoint":
			subscribed = a.endpoints[src.id]
		}
		if !subscribed {
			return fail(http.StatusUnprocessableEntity, "Event source was not subscribed to")
		}
	}
	for _, src := range sources {
		switch src.scheme {
		case "channel":
			if a.channels[src.id]--; a.channels[src.id] <= 0 {
				delete(a.channels, src.id)
			}
		case "bridge":
			delete(a.bridges, src.id)
		case "endpoint":
			delete(a.endpoints, src.id)
		}
	}
	return okJSON(a.snapshot())
}

// filterEvents is PUT /applications/{app}/eventFilter, with Asterisk's rules
// (app.c, app_event_filter_set): no body or {} empties both lists; a key
// that is present sets its list (an empty array empties it), a missing key
// leaves its list alone; a bare array sets both lists. Each item must be an
// object with a non-empty string "type", else 400 and nothing changes.
func (s *Sim) filterEvents(q *request) response {
	s.mu.Lock()
	defer s.mu.Unlock()
	a := s.apps[q.path["applicationName"]]
	if a == nil {
		return fail(http.StatusNotFound, "Application not found")
	}
	allowed, disallowed := a.allowed, a.disallowed
	var err error
	switch {
	case len(q.raw) == 0 || (q.body != nil && len(q.body) == 0):
		allowed, disallowed = nil, nil
	case q.body != nil:
		if raw, ok := q.body["allowed"]; ok {
			if allowed, err = filterList(raw); err != nil {
				return fail(http.StatusBadRequest, "Invalid format definition")
			}
		}
		if raw, ok := q.body["disallowed"]; ok {
			if disallowed, err = filterList(raw); err != nil {
				return fail(http.StatusBadRequest, "Invalid format definition")
			}
		}
	default:
		if q.raw[0] != '[' {
			return fail(http.StatusBadRequest, "Invalid format definition")
		}
		if allowed, err = filterList(q.raw); err != nil {
			return fail(http.StatusBadRequest, "Invalid format definition")
		}
		disallowed = allowed
	}
	a.allowed, a.disallowed = allowed, disallowed
	return okJSON(a.snapshot())
}

var errFilterFormat = errors.New("event filter: want an array of objects with a type")

// filterList parses one list of an event filter.
func filterList(raw json.RawMessage) ([]any, error) {
	var items []any
	if json.Unmarshal(raw, &items) != nil {
		return nil, errFilterFormat
	}
	for _, it := range items {
		obj, ok := it.(map[string]any)
		if !ok {
			return nil, errFilterFormat
		}
		if t, ok := obj["type"].(string); !ok || t == "" {
			return nil, errFilterFormat
		}
	}
	return items, nil
}

// allows applies the event filter: a disallowed type is never sent; with an
// allowed list, only the types on it are.
func (a *app) allows(typ string) bool {
	if filterHas(a.disallowed, typ) {
		return false
	}
	return len(a.allowed) == 0 || filterHas(a.allowed, typ)
}

func filterHas(list []any, typ string) bool {
	for _, it := range list {
		if obj, ok := it.(map[string]any); ok && obj["type"] == typ {
			return true
		}
	}
	return false
}
