package asterisksim

import (
	"maps"
	"net/http"
	"slices"
)

// The REST handlers of one resource take the simulator's lock and look the
// resource up by the id in their path; these helpers do both the way
// Asterisk does.

// withLocked runs a REST handler's body under the simulator's lock with the
// resource the request names: find looks it up by id and answers Asterisk's
// error (404, or 409 for a channel outside Stasis) when it cannot.
func withLocked[T any](s *Sim, find func(id string) (T, *response), id string, do func(T) response) response {
	s.mu.Lock()
	defer s.mu.Unlock()
	x, bad := find(id)
	if bad != nil {
		return *bad
	}
	return do(x)
}

// withFound is withLocked for a resource that only has to exist.
func withFound[T any](s *Sim, m map[string]*T, id, notFound string, do func(*T) response) response {
	find := func(id string) (*T, *response) { return lookup(m, id, notFound) }
	return withLocked(s, find, id, do)
}

// lookup finds a resource by id, or answers 404 with Asterisk's message.
func lookup[T any](m map[string]*T, id, notFound string) (*T, *response) {
	x := m[id]
	if x == nil {
		r := fail(http.StatusNotFound, notFound)
		return nil, &r
	}
	return x, nil
}

// byOrder lists resources in the order they were made, as Asterisk lists them.
func byOrder[T any](m map[string]*T, order func(*T) int) []*T {
	list := slices.Collect(maps.Values(m))
	slices.SortFunc(list, func(a, b *T) int { return order(a) - order(b) })
	return list
}
