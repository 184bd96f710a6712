package ari

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestRoute(t *testing.T) {
	tests := []struct {
		name, path, want string
	}{
		{name: "answer", path: "/channels/cust-1/answer", want: "/channels/{id}/answer"},
		{name: "channel", path: "/channels/1795519685.18", want: "/channels/{id}"},
		{name: "list", path: "/channels", want: "/channels"},
		{name: "query ignored", path: "/channels/c1/mute?direction=in", want: "/channels/{id}/mute"},
		{name: "fragment ignored", path: "/bridges/b1#x", want: "/bridges/{id}"},
		{name: "literal beats id", path: "/channels/create", want: "/channels/create"},
		{name: "id named like a literal", path: "/channels/create/answer", want: "/channels/{id}/answer"},
		{name: "escaped slash stays in the id", path: "/channels/a%2Fb%2Fc/answer", want: "/channels/{id}/answer"},
		{name: "endpoint", path: "/endpoints/PJSIP/line-0042", want: "/endpoints/{tech}/{resource}"},
		{name: "config", path: "/asterisk/config/dynamic/res_pjsip/endpoint/line-1", want: "/asterisk/config/dynamic/{class}/{type}/{id}"},
		{name: "subscription", path: "/applications/ccaas/subscription", want: "/applications/{name}/subscription"},
		{name: "bridge moves", path: "/bridges/call-7/addChannel", want: "/bridges/{id}/addChannel"},
		{name: "snoop with id", path: "/channels/c1/snoop/s1", want: "/channels/{id}/snoop/{snoopId}"},
		{name: "HTML and quotes in the id", path: `/channels/<script>"x"/answer`, want: "/channels/{id}/answer"},
		{name: "dotdot as id", path: "/channels/../answer", want: "/channels/{id}/answer"},
		{name: "empty", path: "", want: RouteOther},
		{name: "root", path: "/", want: RouteOther},
		{name: "no leading slash", path: "channels/c1", want: RouteOther},
		{name: "trailing slash", path: "/channels/", want: RouteOther},
		{name: "double slash", path: "/channels//answer", want: RouteOther},
		{name: "unknown operation", path: "/channels/c1/explode", want: RouteOther},
		{name: "unknown resource", path: "/widgets/w1", want: RouteOther},
		{name: "operation as resource", path: "/answer", want: RouteOther},
		{name: "too deep", path: "/channels/c1/play/p1/x/y/z", want: RouteOther},
		{name: "many slashes", path: strings.Repeat("/a", 10000), want: RouteOther},
		{name: "long id", path: "/channels/" + strings.Repeat("x", 100000) + "/answer", want: "/channels/{id}/answer"},
		{name: "invalid UTF-8 id", path: "/channels/\xff\xfe/hold", want: "/channels/{id}/hold"},
		{name: "case matters", path: "/Channels/c1", want: RouteOther},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Route(tt.path); got != tt.want {
				t.Fatalf("Route(%q) = %q, want %q", tt.path, got, tt.want)
			}
		})
	}
}

// TestRouteEveryRoute fills each route's placeholders with ids (also ids
// spelled like a literal of the same position) and expects the route back.
func TestRouteEveryRoute(t *testing.T) {
	for _, r := range routes {
		for _, id := range []string{"x-1", "create", "refer", "user"} {
			var segs []string
			for seg := range strings.SplitSeq(r, "/") {
				if strings.HasPrefix(seg, "{") {
					seg = id
				}
				segs = append(segs, seg)
			}
			path := strings.Join(segs, "/")
			got := Route(path)
			if got == r {
				continue
			}
			// an id that spells a literal of its place is that literal's
			// route, as Asterisk would read it too
			if id != "x-1" && got != RouteOther && strings.Count(got, "{") < strings.Count(r, "{") {
				continue
			}
			t.Errorf("Route(%q) = %q, want %q", path, got, r)
		}
	}
}

func FuzzRoute(f *testing.F) {
	for _, s := range []string{"/channels/c1/answer", "/channels/create", "/", "", "//", "/channels/c1?x=/y", "/endpoints/PJSIP/1001/refer"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, path string) {
		got := Route(path)
		if got != RouteOther && !slices.Contains(routes, got) {
			t.Fatalf("Route(%q) = %q: not one of the known routes", path, got)
		}
	})
}

type observation struct {
	method, route string
	status        int
	d             time.Duration
}

// TestObserve checks the client reports each sent request with its route
// and status, and nothing for a request refused before any I/O.
func TestObserve(t *testing.T) {
	var mu sync.Mutex
	var seen []observation
	observe := func(method, route string, status int, d time.Duration) {
		mu.Lock()
		defer mu.Unlock()
		seen = append(seen, observation{method, route, status, d})
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.Contains(r.URL.Path, "gone") {
			w.WriteHeader(http.StatusNotFound)
			w.Write([]byte(`{"message":"Channel not found"}`))
			return
		}
		w.WriteHeader(http.StatusNoContent)
	}))
	defer srv.Close()
	c, err := New(Config{URL: srv.URL + "/ari", Application: "ccaas", Observe: observe})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if err := c.Answer(ctx, "cust/1"); err != nil {
		t.Fatal(err)
	}
	if err := c.Hangup(ctx, "gone-1", ""); !errors.Is(err, ErrNotFound) {
		t.Fatalf("hangup: %v", err)
	}
	if err := c.Answer(ctx, ".."); !errors.Is(err, ErrInvalidRequest) {
		t.Fatalf("answer ..: %v", err)
	}

	// nothing listens: no status
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	dead, err := New(Config{URL: "http://" + addr + "/ari", Application: "ccaas", Observe: observe})
	if err != nil {
		t.Fatal(err)
	}
	if err := dead.AddChannel(ctx, "b1", "c1"); err == nil {
		t.Fatal("addChannel to a closed port succeeded")
	}

	want := []observation{
		{method: "POST", route: "/channels/{id}/answer", status: 204},
		{method: "DELETE", route: "/channels/{id}", status: 404},
		{method: "POST", route: "/bridges/{id}/addChannel", status: 0},
	}
	mu.Lock()
	defer mu.Unlock()
	if len(seen) != len(want) {
		t.Fatalf("observed %+v, want %+v", seen, want)
	}
	for i, o := range seen {
		if o.method != want[i].method || o.route != want[i].route || o.status != want[i].status || o.d <= 0 {
			t.Errorf("observation %d = %+v, want %+v with a positive duration", i, o, want[i])
		}
	}
}

func BenchmarkRoute(b *testing.B) {
	for b.Loop() {
		Route("/channels/cust-0123456789abcdef/answer")
	}
}
