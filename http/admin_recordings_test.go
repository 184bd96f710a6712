package http

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/ccaas/ccaas"
	"github.com/ccaas/ccaas/app"
	"github.com/ccaas/ccaas/ari"
	"github.com/ccaas/ccaas/sqlite"
)

// storedAudio stands in for the app's RecordingAudio: every recording of the
// store has 1000 bytes of audio (the app's own path to Asterisk is tested in
// package app and against a real Asterisk).
type storedAudio struct{ db *sqlite.DB }

func (s storedAudio) RecordingAudio(ctx context.Context, tenant ccaas.TenantID, id ccaas.RecordingID) (ccaas.Recording, *ari.RecordingFile, error) {
	rec, err := s.db.Recording(ctx, tenant, id)
	if err != nil {
		return rec, nil, app.ErrNoSuchRecording
	}
	return rec, &ari.RecordingFile{ContentType: "audio/x-wav", Data: []byte(strings.Repeat("RIFF", 250))}, nil
}

// TestRecordedCallsOnTheReports: admins find every recorded call of the
// period on the reports page (with who paused it and for how long) and play
// it, with ranges so a player seeks; a supervisor sees and hears only the
// calls an agent of their teams was on; another tenant's or another team's
// recording answers 404, as one that does not exist.
func TestRecordedCallsOnTheReports(t *testing.T) {
	f := newAdminFixture(t)
	ctx := context.Background()
	mk := func(ten ccaas.Tenant, user, ext, role, team string) ccaas.Agent {
		a, err := f.db.CreateAgent(ctx, ccaas.Agent{TenantID: ten.ID, Username: user, Name: strings.ToUpper(user[:1]) + user[1:], Extension: ext,
			PasswordHash: f.adminA.PasswordHash, Role: role, Team: team})
		if err != nil {
			t.Fatal(err)
		}
		return a
	}
	amy := mk(f.tA, "amy", "1011", ccaas.RoleAgent, "North")
	zed := mk(f.tA, "zed", "1012", ccaas.RoleAgent, "South")
	mk(f.tA, "sue", "1050", ccaas.RoleSupervisor, "North")
	at := time.Date(2026, 3, 9, 10, 0, 0, 0, time.UTC)
	call := func(ten ccaas.Tenant, id string, ag ccaas.AgentID, number string, rec string, pauses ...ccaas.RecordingPause) ccaas.CallRecord {
		return ccaas.CallRecord{ID: ccaas.CallID(id), Tenant: ten.ID, Direction: ccaas.DirInbound, Number: number, QueueName: "Sales", Arrived: at, Answered: at.Add(5 * time.Second),
			Ended: at.Add(2 * time.Minute), EndReason: ccaas.EndCallerHangup, Recording: ccaas.RecordingID(rec), RecordingSeconds: 100, RecordingPauses: pauses,
			Agents: []ccaas.CallAgent{{Agent: ag, Role: ccaas.PartAnswer, Offered: at, Joined: at.Add(5 * time.Second), Left: at.Add(2 * time.Minute), Outcome: ccaas.EndCallerHangup}}}
	}
	pause := ccaas.RecordingPause{Agent: amy.ID, Paused: at.Add(30 * time.Second), Resumed: at.Add(45 * time.Second)}
	if err := f.db.AppendRecords(ctx, ccaas.Records{Calls: []ccaas.CallRecord{
		call(f.tA, "c1-north", amy.ID, "<b>+4930111</b>", "rc1-aaaaaaaaaaaaaaaa", pause),
		call(f.tA, "c1-south", zed.ID, "+4930222", "rc1-bbbbbbbbbbbbbbbb"),
		call(f.tB, "c2-other", f.agentB.ID, "+4930333", "rc2-cccccccccccccccc"),
	}}); err != nil {
		t.Fatal(err)
	}

	admin := f.adminOfA()
	page := admin.get("/admin/reports?" + reportQueryUTC)
	for _, want := range []string{"Recorded calls", `src="/admin/recordings/rc1-aaaaaaaaaaaaaaaa"`, `src="/admin/recordings/rc1-bbbbbbbbbbbbbbbb"`,
		"Amy paused it at 10:00:30 for 0:15 (until 10:00:45)", "&lt;b&gt;&#43;4930111&lt;/b&gt;"} {
		if !strings.Contains(page.body, want) {
			t.Fatalf("admin's reports lack %q: %s", want, page.body)
		}
	}
	if strings.Contains(page.body, "rc2-") || strings.Contains(page.body, "<b>+4930111") {
		t.Fatal("another tenant's recording, or HTML unescaped")
	}
	if h := page.header.Get("Content-Security-Policy"); !strings.Contains(h, "media-src 'self'") {
		t.Fatalf("the page may not play its recordings: %s", h)
	}
	req, _ := http.NewRequest(http.MethodGet, admin.base+"/admin/recordings/rc1-aaaaaaaaaaaaaaaa", nil)
	req.Header.Set("Range", "bytes=100-199")
	if r := admin.do(req); r.status != http.StatusPartialContent || len(r.body) != 100 || r.header.Get("Content-Range") != "bytes 100-199/1000" ||
		r.header.Get("Content-Type") != "audio/x-wav" || r.header.Get("Cache-Control") != "private, no-store" {
		t.Fatalf("a range of the recording: %d %v (%d bytes)", r.status, r.header, len(r.body))
	}
	if r := admin.get("/admin/recordings/rc1-aaaaaaaaaaaaaaaa?download=1"); r.status != 200 || !strings.HasPrefix(r.header.Get("Content-Disposition"), "attachment;") {
		t.Fatalf("download: %d %v", r.status, r.header)
	}
	for _, id := range []string{"rc2-cccccccccccccccc", "rc1-nothere", "..%2F..%2Fetc%2Fpasswd", strings.Repeat("x", 300)} {
		if r := admin.get("/admin/recordings/" + id); r.status != 404 {
			t.Errorf("admin GET %s = %d", id, r.status)
		}
	}

	// the search: by agent, by (part of) the caller's number, by queue; hostile values refused
	for _, tc := range []struct {
		query        string
		north, south bool
		says         string
	}{
		{"&rec_agent=zed", false, true, ""},
		{"&rec_caller=4930111", true, false, ""},
		{"&rec_queue=Sales&rec_caller=%2B4930", true, true, ""},
		{"&rec_queue=Nope", false, false, "No recorded calls in this period that match the search."},
		{"&rec_agent=ghost", false, false, "There is no such agent: choose one from the list."},
		{"&rec_caller=" + strings.Repeat("9", 40), false, false, "Search a caller number of at most 32 characters."},
		{"&rec_caller=%3Cscript%3E", false, false, "No recorded calls in this period that match the search."},
	} {
		body := admin.get("/admin/reports?" + reportQueryUTC + tc.query).body
		if strings.Contains(body, "rc1-aaaaaaaaaaaaaaaa") != tc.north || strings.Contains(body, "rc1-bbbbbbbbbbbbbbbb") != tc.south || !strings.Contains(body, tc.says) {
			t.Errorf("search %s: north %v south %v, want %v %v and %q", tc.query, !tc.north, !tc.south, tc.north, tc.south, tc.says)
		}
		if strings.Contains(body, "<script>") {
			t.Fatal("the search echoed HTML")
		}
	}

	sue := f.loggedIn(kindTenantAdmin, "acme.example", "sue", testPassword)
	page = sue.get("/admin/reports?" + reportQueryUTC)
	if !strings.Contains(page.body, "rc1-aaaaaaaaaaaaaaaa") || strings.Contains(page.body, "rc1-bbbbbbbbbbbbbbbb") {
		t.Fatalf("the supervisor of North sees: %s", page.body)
	}
	if !strings.Contains(page.body, `<option value="amy">`) || strings.Contains(page.body, `<option value="zed">`) {
		t.Fatal("the supervisor's agent choices are not her team's")
	}
	if r := sue.get("/admin/recordings/rc1-aaaaaaaaaaaaaaaa"); r.status != 200 || len(r.body) != 1000 {
		t.Fatalf("her team's recording: %d", r.status)
	}
	for _, id := range []string{"rc1-bbbbbbbbbbbbbbbb", "rc2-cccccccccccccccc"} {
		if r := sue.get("/admin/recordings/" + id); r.status != 404 {
			t.Errorf("supervisor GET %s = %d, want 404", id, r.status)
		}
	}
	// an agent's session of the admin pages has none
	if r := f.browser().get("/admin/recordings/rc1-aaaaaaaaaaaaaaaa"); r.status != http.StatusSeeOther {
		t.Fatalf("without a login: %d", r.status)
	}
}
