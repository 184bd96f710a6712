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

// onApp runs do with the request's application.
func (s *Sim) onApp(q *request, do func(*app) response) response {
	return withFound(s, s.apps, q.path["applicationName"], "Application not found", do)
}

func (s *Sim) getApplication(q *request) response {
	return s.onApp(q, func(a *app) response { return okJSON(a.snapshot()) })
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
	exists := func(_ *app, src eventSource) bool { return s.sourceExistsLocked(src) }
	return s.onSources(q, exists, "Event source does not exist", (*app).subscribe)
}

func (s *Sim) unsubscribe(q *request) response {
	return s.onSources(q, (*app).subscribed, "Event source was not subscribed to", (*app).unsubscribe)
}

// onSources applies change to the request's application for each of its
// event sources, once every source passes check (else 422 with msg and
// nothing changes), and answers the application.
func (s *Sim) onSources(q *request, check func(*app, eventSource) bool, msg string, change func(*app, eventSource)) response {
	sources, bad := parseSources(q)
	if bad != nil {
		return *bad
	}
	return s.onApp(q, func(a *app) response {
		for _, src := range sources {
			if !check(a, src) {
				return fail(http.StatusUnprocessableEntity, msg)
			}
		}
		for _, src := range sources {
			change(a, src)
		}
		return okJSON(a.snapshot())
	})
}

func (a *app) subscribe(src eventSource) {
	switch src.scheme {
	case "channel":
		a.channels[src.id]++
	case "bridge":
		a.bridges[src.id]++
	case "endpoint":
		a.endpoints[src.id] = true
	}
}

func (a *app) unsubscribe(src eventSource) {
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

// subscribed reports whether the application is subscribed to src.
func (a *app) subscribed(src eventSource) bool {
	switch src.scheme {
	case "channel":
		return a.channels[src.id] > 0
	case "bridge":
		return a.bridges[src.id] > 0
	case "endpoint":
		return a.endpoints[src.id]
	}
	return false
}

// filterEvents is PUT /applications/{app}/eventFilter, with Asterisk's rules
// (app.c, app_event_filter_set): no body or {} empties both lists; a key
// that is present sets its list (an empty array empties it), a missing key
// leaves its list alone; a bare array sets both lists. Each item must be an
// object with a non-empty string "type", else 400 and nothing changes.
func (s *Sim) filterEvents(q *request) response {
	return s.onApp(q, func(a *app) response { return setEventFilter(q, a) })
}

func setEventFilter(q *request, a *app) response {
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
