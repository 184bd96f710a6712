package asterisksim

import (
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
