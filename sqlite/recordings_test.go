package sqlite

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ccaas/ccaas"
)

// TestRecordings: a recording's record round-trips; another tenant's is
// not found and not deleted; a tenant's retention decides which are
// expired, to the millisecond.
func TestRecordings(t *testing.T) {
	db := openTest(t)
	ctx := context.Background()
	one, two := twoTenants(t, db)
	now := time.Date(2026, 12, 24, 12, 0, 0, 0, time.UTC)
	if err := db.SetSettings(ctx, two.ID, ccaas.Settings{RecordingRetentionDays: 7}); err != nil {
		t.Fatal(err)
	}
	rec := func(id string, tenant ccaas.TenantID, age time.Duration) ccaas.Recording {
		r := ccaas.Recording{ID: ccaas.RecordingID(id), Tenant: tenant, Kind: ccaas.RecordingVoicemail, Call: "c1-0000000000000001",
			Format: "wav", Seconds: 12, Created: now.Add(-age)}
		if err := db.AddRecording(ctx, r); err != nil {
			t.Fatal(err)
		}
		return r
	}
	day := 24 * time.Hour
	old1 := rec("rc1-old", one.ID, 30*day+time.Millisecond) // just past one's default 30 days
	rec("rc1-new", one.ID, 30*day-time.Millisecond)
	old2 := rec("rc2-old", two.ID, 8*day) // two keeps 7 days
	rec("rc2-new", two.ID, 6*day)
	if err := db.AddRecording(ctx, old1); !errors.Is(err, ccaas.ErrDuplicate) {
		t.Errorf("the same id again: %v, want ErrDuplicate", err)
	}

	got, err := db.Recording(ctx, one.ID, "rc1-old")
	if err != nil || got != old1 {
		t.Fatalf("round trip: %+v %v, want %+v", got, err, old1)
	}
	if _, err := db.Recording(ctx, two.ID, "rc1-old"); !errors.Is(err, ccaas.ErrNotFound) {
		t.Errorf("another tenant's recording: %v, want ErrNotFound", err)
	}

	expired, err := db.ExpiredRecordings(ctx, now, 10)
	if err != nil {
		t.Fatal(err)
	}
	if want := []ccaas.Recording{old1, old2}; !slices.Equal(expired, want) {
		t.Fatalf("expired %+v, want %+v (oldest first)", expired, want)
	}
	if expired, _ := db.ExpiredRecordings(ctx, now, 1); len(expired) != 1 || expired[0].ID != "rc1-old" {
		t.Errorf("limit 1: %+v", expired)
	}

	if err := db.DeleteRecordings(ctx, two.ID, []ccaas.RecordingID{"rc1-old", "rc2-old", "no-such"}); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Recording(ctx, one.ID, "rc1-old"); err != nil {
		t.Errorf("tenant two deleted tenant one's recording: %v", err)
	}
	if _, err := db.Recording(ctx, two.ID, "rc2-old"); !errors.Is(err, ccaas.ErrNotFound) {
		t.Errorf("deleted recording: %v", err)
	}
	cfg, err := db.TenantConfig(ctx, one.ID)
	if err != nil || cfg.Settings.RecordingRetentionDays != ccaas.DefaultRecordingRetentionDays {
		t.Errorf("retention of a tenant that never set it: %d %v", cfg.Settings.RecordingRetentionDays, err)
	}
}

// TestExpiredRecordingsUseIndex: the sweep searches each tenant's
// recordings through their index, never scanning the table.
func TestExpiredRecordingsUseIndex(t *testing.T) {
	db := openTest(t)
	text := strings.Join(queryPlan(t, db, expiredQuery, "2026-12-24 12:00:00.000", 10), "\n")
	if !strings.Contains(text, "SEARCH r USING INDEX recordings_tenant_created (tenant_id=? AND created_at<?)") || strings.Contains(text, "SCAN r") {
		t.Errorf("plan:\n%s", text)
	}
}
