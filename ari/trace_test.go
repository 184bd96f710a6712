package ari

import (
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/ccaas/ccaas/internal/aritrace"
	"github.com/ccaas/ccaas/internal/syncbuf"
)

// traceLine is one line of a recorded Asterisk 22 trace (testdata/traces).
type traceLine = aritrace.Line

// readTrace loads a scenario's lines; the raw JSON of bodies and events is
// kept byte for byte.
func readTrace(t testing.TB, scenario string) []traceLine {
	t.Helper()
	lines, err := aritrace.Read(filepath.Join("testdata", "traces", scenario+".jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	return lines
}

// exchange returns request id's req and resp lines from a scenario.
func exchange(t testing.TB, scenario string, id int) (req, resp traceLine) {
	t.Helper()
	var haveReq, haveResp bool
	for _, l := range readTrace(t, scenario) {
		if l.ID != id {
			continue
		}
		switch l.Dir {
		case "req":
			req, haveReq = l, true
		case "resp":
			resp, haveResp = l, true
		}
	}
	if !haveReq || !haveResp {
		t.Fatalf("%s: no request/response pair with id %d", scenario, id)
	}
	return req, resp
}

// recordedEvents returns a scenario's events as the socket delivered them.
func recordedEvents(t testing.TB, scenario string) []traceLine {
	t.Helper()
	var evs []traceLine
	for _, l := range readTrace(t, scenario) {
		if l.Dir == "event" {
			evs = append(evs, l)
		}
	}
	if len(evs) == 0 {
		t.Fatalf("%s: no events", scenario)
	}
	return evs
}

// received is what a test server saw of one REST request.
type received struct {
	Method      string
	Path        string // escaped, relative to /ari
	Query       map[string][]string
	Body        []byte
	Auth        string
	ContentType string
}

// restServer answers every request with status, contentType and body, and
// reports each request it got on the returned channel.
func restServer(t *testing.T, status int, contentType string, body []byte) (*Client, <-chan received) {
	t.Helper()
	got := make(chan received, 16)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		user, pass, _ := r.BasicAuth()
		got <- received{
			Method:      r.Method,
			Path:        strings.TrimPrefix(r.URL.EscapedPath(), "/ari"),
			Query:       r.URL.Query(),
			Body:        b,
			Auth:        user + ":" + pass,
			ContentType: r.Header.Get("Content-Type"),
		}
		if contentType != "" {
			w.Header().Set("Content-Type", contentType)
		}
		w.WriteHeader(status)
		_, _ = w.Write(body)
	}))
	t.Cleanup(srv.Close)
	return newTestClient(t, srv.URL), got
}

// replayServer answers with a recorded response, bytes as recorded.
func replayServer(t *testing.T, resp traceLine) (*Client, <-chan received) {
	t.Helper()
	var body []byte
	switch {
	case resp.Body != nil:
		body = resp.Body
	case resp.BodyText != nil:
		body = []byte(*resp.BodyText)
	}
	return restServer(t, resp.Status, resp.ContentType, body)
}

// newTestClient is a client for a test server's ARI root, with the traces'
// credentials and a log that goes to the test.
func newTestClient(t testing.TB, serverURL string) *Client {
	t.Helper()
	c, err := New(Config{
		URL:            serverURL + "/ari",
		Username:       "ccaas",
		Password:       "ccaas",
		Application:    "ccaas",
		RequestTimeout: 5 * time.Second,
		Logger:         testLogger(t, nil),
	})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// nextRequest waits for the request the server received.
func nextRequest(t *testing.T, got <-chan received) received {
	t.Helper()
	select {
	case r := <-got:
		return r
	default:
		t.Fatal("the server received no request")
		return received{}
	}
}

// assertSameRequest compares what the client sent with a recorded request:
// method, escaped path, query values and (semantically) the JSON body.
func assertSameRequest(t *testing.T, want traceLine, got received) {
	t.Helper()
	if got.Method != want.Method || got.Path != want.Path {
		t.Errorf("request = %s %s, trace has %s %s", got.Method, got.Path, want.Method, want.Path)
	}
	wantQuery := map[string][]string{}
	for k, v := range want.Query {
		wantQuery[k] = []string{v}
	}
	if len(got.Query) != 0 || len(wantQuery) != 0 {
		if !reflect.DeepEqual(got.Query, wantQuery) {
			t.Errorf("query = %v, trace has %v", got.Query, wantQuery)
		}
	}
	switch {
	case want.Body == nil && len(got.Body) != 0:
		t.Errorf("body = %s, trace sends none", got.Body)
	case want.Body != nil:
		if !jsonEqual(t, got.Body, want.Body) {
			t.Errorf("body = %s, trace has %s", got.Body, want.Body)
		}
		if got.ContentType != "application/json" {
			t.Errorf("Content-Type = %q, want application/json", got.ContentType)
		}
	}
	if got.Auth != "ccaas:ccaas" {
		t.Errorf("basic auth = %q, want ccaas:ccaas", got.Auth)
	}
}

func jsonEqual(t *testing.T, a, b []byte) bool {
	t.Helper()
	var va, vb any
	if err := json.Unmarshal(a, &va); err != nil {
		t.Errorf("body %q is not JSON: %v", a, err)
		return false
	}
	if err := json.Unmarshal(b, &vb); err != nil {
		t.Fatalf("trace body %q is not JSON: %v", b, err)
	}
	return reflect.DeepEqual(va, vb)
}

// testLogger collects the client's log in buf (a new one when nil) and
// shows it when the test fails. It never calls t.Log from the client's
// goroutines, which may outlive a failing test by a moment.
func testLogger(t testing.TB, buf *syncbuf.Buffer) *slog.Logger {
	if buf == nil {
		buf = &syncbuf.Buffer{}
	}
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("client log:\n%s", buf.String())
		}
	})
	return slog.New(slog.NewTextHandler(buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
}
