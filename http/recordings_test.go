package http

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/ccaas/ccaas"
	"github.com/ccaas/ccaas/app"
	"github.com/ccaas/ccaas/ari"
)

// recordingAgents has one session per tenant and one recording of tenant
// 1; like the app, it answers a recording only to a session of its tenant.
type recordingAgents struct {
	fakeAccounts
	sessions map[string]*app.Session
	file     []byte
}

func (a recordingAgents) Session(id string) (*app.Session, bool) {
	s, ok := a.sessions[id]
	return s, ok
}

func (a recordingAgents) RecordingFile(_ context.Context, s *app.Session, id ccaas.RecordingID) (ccaas.Recording, *ari.RecordingFile, error) {
	if s.Tenant != 1 || id != "rc1-00000000000000aa" {
		return ccaas.Recording{}, nil, app.ErrNoSuchRecording
	}
	rec := ccaas.Recording{ID: id, Tenant: 1, Kind: ccaas.RecordingVoicemail, Format: "wav", Seconds: 2,
		Created: time.Date(2026, 12, 7, 10, 0, 0, 0, time.UTC)}
	return rec, &ari.RecordingFile{Data: a.file, ContentType: "audio/wav"}, nil
}

// TestRecordingServed: a voicemail's audio reaches the session's page whole
// or by ranges (a player seeking), typed, never cached; another tenant's
// session, a made-up id and no session get nothing.
func TestRecordingServed(t *testing.T) {
	file := []byte("RIFF" + strings.Repeat("0123456789", 100))
	agents := recordingAgents{file: file, sessions: map[string]*app.Session{
		"own":   {ID: "own", Tenant: 1},
		"other": {ID: "other", Tenant: 2},
	}}
	srv := httptest.NewServer(New(Config{Agents: agents}))
	defer srv.Close()
	get := func(cookie, id string, header ...string) (*http.Response, string) {
		t.Helper()
		req, _ := http.NewRequest(http.MethodGet, srv.URL+"/api/recordings/"+id, nil)
		if cookie != "" {
			req.AddCookie(&http.Cookie{Name: SessionCookie, Value: cookie})
		}
		for i := 0; i+1 < len(header); i += 2 {
			req.Header.Set(header[i], header[i+1])
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		return resp, string(body)
	}
	const id = "rc1-00000000000000aa"

	resp, body := get("own", id)
	if resp.StatusCode != 200 || body != string(file) {
		t.Fatalf("whole file: %d, %d bytes", resp.StatusCode, len(body))
	}
	for h, want := range map[string]string{
		"Content-Type": "audio/wav", "Cache-Control": "private, no-store", "Accept-Ranges": "bytes",
		"Content-Disposition": `inline; filename="voicemail-` + id + `.wav"`, "X-Content-Type-Options": "nosniff",
		"Content-Length": fmt.Sprint(len(file)), "Last-Modified": "Mon, 07 Dec 2026 10:00:00 GMT",
	} {
		if got := resp.Header.Get(h); got != want {
			t.Errorf("%s: %q, want %q", h, got, want)
		}
	}

	resp, body = get("own", id, "Range", "bytes=4-13")
	if resp.StatusCode != http.StatusPartialContent || body != "0123456789" || resp.Header.Get("Content-Range") != fmt.Sprintf("bytes 4-13/%d", len(file)) {
		t.Errorf("range: %d %q %q", resp.StatusCode, body, resp.Header.Get("Content-Range"))
	}
	resp, _ = get("own", id, "Range", "bytes=5000-")
	if resp.StatusCode != http.StatusRequestedRangeNotSatisfiable {
		t.Errorf("a range past the end: %d, want 416", resp.StatusCode)
	}

	for _, tc := range []struct{ name, cookie, id string }{
		{"another tenant's session", "other", id},
		{"an id of nothing", "own", "rc1-00000000000000ab"},
		{"an id that is a path", "own", "..%2f..%2fetc%2fpasswd"},
	} {
		if resp, body := get(tc.cookie, tc.id); resp.StatusCode != 404 || strings.Contains(body, "RIFF") {
			t.Errorf("%s: %d %s, want 404", tc.name, resp.StatusCode, body)
		}
	}
	if resp, _ := get("", id); resp.StatusCode != 401 {
		t.Errorf("without a session: %d, want 401", resp.StatusCode)
	}
}
