package hours

import (
	"errors"
	"strings"
	"testing"
	"time"
	_ "time/tzdata" // the zones below, also on a machine without tzdata
)

func zone(t *testing.T, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

func mustParse(t *testing.T, weekly, exceptions string) Schedule {
	t.Helper()
	s, err := Parse(weekly, exceptions)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestParseRefusesWithTheLine(t *testing.T) {
	for _, tc := range []struct {
		name, weekly, exceptions, want string
	}{
		{"unknown day", "mon-fri 08:00-12:00\nholiday 09:00-10:00", "", `weekly schedule, line 2 ("holiday 09:00-10:00"): "holiday" is not a day`},
		{"day twice", "mon-fri 08:00-12:00\nwed 13:00-14:00", "", "wed is given on line 1 already"},
		{"no spans", "mon", "", `give spans like 08:00-12:00, or "closed"`},
		{"not a span", "mon 08:00", "", `"08:00" is not a span`},
		{"hour 25", "mon 08:00-25:00", "", `"25:00" is not a time of day`},
		{"one-digit hour", "mon 8:00-12:00", "", `"8:00" is not a time`},
		{"60 minutes", "mon 08:60-12:00", "", `"08:60" is not a time`},
		{"24:00 as a start", "mon 24:00-02:00", "", `"24:00" is not a time of day`},
		{"empty span", "mon 08:00-08:00", "", "08:00-08:00 is empty"},
		{"overlap", "mon 08:00-12:00 11:00-13:00", "", "11:00-13:00 overlaps 08:00-12:00"},
		{"a span after an overnight one", "mon 22:00-02:00 23:00-23:30", "", "overlaps"},
		{"HTML", "<b>mon</b> 08:00-12:00", "", `"<b>mon</b>" is not a day`},
		{"bad date", "", "2026-02-30 closed", `exceptions, line 1 ("2026-02-30 closed"): "2026-02-30" is not a date`},
		{"date twice", "", "2026-12-25 closed\n\n2026-12-25 09:00-10:00", "exceptions, line 3"},
		{"date without spans", "", "2026-12-25", "give spans"},
		{"too many spans", "mon 01:00-01:01 02:00-02:01 03:00-03:01 04:00-04:01 05:00-05:01 06:00-06:01 07:00-07:01 08:00-08:01 09:00-09:01 10:00-10:01 11:00-11:01 12:00-12:01 13:00-13:01", "", "at most 12 spans"},
		{"too many lines", strings.Repeat("\n", MaxLines) + "mon closed", "", "more than 400 lines"},
	} {
		_, err := Parse(tc.weekly, tc.exceptions)
		if !errors.Is(err, ErrSyntax) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want an ErrSyntax mentioning %q", tc.name, err, tc.want)
		}
	}
}

func TestTextRoundTrip(t *testing.T) {
	for _, tc := range []struct{ weekly, exceptions, wantWeekly, wantExceptions string }{
		{"", "", "", ""},
		{"MON-FRI  08:00-12:00 13:00-18:00 # office\nsat 09:00-13:00\n", "2026-12-25 closed # Christmas\n2026-12-24 08:00-12:00",
			"mon-fri 08:00-12:00 13:00-18:00\nsat 09:00-13:00\nsun closed", "2026-12-24 08:00-12:00\n2026-12-25 closed"},
		{"fri-mon 22:00-06:00", "", "mon,fri-sun 22:00-06:00\ntue-thu closed", ""},
		{"mon,wed,fri 00:00-24:00\ntue,thu closed", "", "mon,wed,fri 00:00-24:00\ntue,thu,sat-sun closed", ""},
		{"daily 09:00-17:00", "", "daily 09:00-17:00", ""},
	} {
		s := mustParse(t, tc.weekly, tc.exceptions)
		w, e := s.String()
		if w != tc.wantWeekly || e != tc.wantExceptions {
			t.Errorf("%q, %q printed as\n%q, %q; want\n%q, %q", tc.weekly, tc.exceptions, w, e, tc.wantWeekly, tc.wantExceptions)
		}
		again := mustParse(t, w, e)
		if w2, e2 := again.String(); w2 != w || e2 != e {
			t.Errorf("not stable: %q %q", w2, e2)
		}
	}
}

// TestOpenAndNext: whether the queue is open at an instant, and when that
// changes, around lunch breaks, weekends, spans past midnight, exceptions
// and daylight-saving changes.
func TestOpenAndNext(t *testing.T) {
	berlin, newYork := zone(t, "Europe/Berlin"), zone(t, "America/New_York")
	office := "mon-fri 08:00-12:00 13:00-18:00\nsat 09:00-13:00"
	for _, tc := range []struct {
		name               string
		weekly, exceptions string
		loc                *time.Location
		at                 string // local wall time, with its offset where it is ambiguous
		open               bool
		next               string // local wall time of the change, "" for never
	}{
		{"Monday morning", office, "", berlin, "2026-12-07 09:30", true, "2026-12-07 12:00 CET"},
		{"at the opening minute", office, "", berlin, "2026-12-07 08:00", true, "2026-12-07 12:00 CET"},
		{"the minute before", office, "", berlin, "2026-12-07 07:59", false, "2026-12-07 08:00 CET"},
		{"lunch", office, "", berlin, "2026-12-07 12:00", false, "2026-12-07 13:00 CET"},
		{"Friday evening", office, "", berlin, "2026-12-11 18:00", false, "2026-12-12 09:00 CET"},
		{"Saturday afternoon: closed until Monday", office, "", berlin, "2026-12-12 13:00", false, "2026-12-14 08:00 CET"},
		{"Christmas: closed", office, "2026-12-25 closed", berlin, "2026-12-25 10:00", false, "2026-12-26 09:00 CET"},
		{"Christmas Eve: special hours", office, "2026-12-24 08:00-12:00", berlin, "2026-12-24 12:30", false, "2026-12-25 08:00 CET"},
		{"Christmas Eve and Day", office, "2026-12-24 08:00-12:00\n2026-12-25 closed", berlin, "2026-12-24 12:30", false, "2026-12-26 09:00 CET"},
		{"an exception of a closed day opens it", office, "2026-12-13 10:00-12:00", berlin, "2026-12-13 09:00", false, "2026-12-13 10:00 CET"},

		{"night shift, before midnight", "fri 22:00-06:00", "", berlin, "2026-12-11 23:59", true, "2026-12-12 06:00 CET"},
		{"night shift, after midnight", "fri 22:00-06:00", "", berlin, "2026-12-12 05:59", true, "2026-12-12 06:00 CET"},
		{"night shift over an exception closed day", "fri 22:00-06:00", "2026-12-12 closed", berlin, "2026-12-12 01:00", true, "2026-12-12 06:00 CET"},
		{"night shift ended", "fri 22:00-06:00", "", berlin, "2026-12-12 06:00", false, "2026-12-18 22:00 CET"},
		{"midnight joining two spans is no change", "fri 18:00-24:00\nsat 00:00-02:00", "", berlin, "2026-12-11 23:00", true, "2026-12-12 02:00 CET"},
		{"24:00 closes at midnight", "mon 20:00-24:00", "", berlin, "2026-12-07 23:59", true, "2026-12-08 00:00 CET"},

		// spring: 2026-03-29 02:00 CET → 03:00 CEST
		{"spring: opening in the skipped hour waits for the jump", "sun 02:30-05:00", "", berlin, "2026-03-29 01:59", false, "2026-03-29 03:00 CEST"},
		{"spring: open after the jump", "sun 02:30-05:00", "", berlin, "2026-03-29 03:00", true, "2026-03-29 05:00 CEST"},
		{"spring: a night across the change is an hour shorter", "sat 22:00-06:00", "", berlin, "2026-03-29 01:00", true, "2026-03-29 06:00 CEST"},
		{"spring: 08:00 is 08:00 summer time", office, "", berlin, "2026-03-30 07:00", false, "2026-03-30 08:00 CEST"},
		// autumn: 2026-10-25 03:00 CEST → 02:00 CET
		{"autumn: open through the repeated hour", "sun 02:30-05:00", "", berlin, "2026-10-25 02:45", true, "2026-10-25 05:00 CET"},
		{"autumn: a night across the change is an hour longer", "sat 22:00-06:00", "", berlin, "2026-10-25 01:00", true, "2026-10-25 06:00 CET"},
		{"autumn: closing in the repeated hour closes the first time", "sun 00:00-02:30", "", berlin, "2026-10-25 02:15 +0200", true, "2026-10-25 02:30 CEST"},
		{"autumn: and stays closed in the second pass", "sun 00:00-02:30", "", berlin, "2026-10-25 02:15 +0100", false, "2026-11-01 00:00 CET"},
		// New York: 2026-03-08 02:00 EST → 03:00 EDT; 2026-11-01 02:00 EDT → 01:00 EST
		{"New York spring", "sun 01:00-02:30", "", newYork, "2026-03-08 01:30", true, "2026-03-08 03:00 EDT"},
		{"New York autumn", "sun 01:30-03:00", "", newYork, "2026-11-01 00:59", false, "2026-11-01 01:30 EDT"},

		{"always open", "", "", berlin, "2026-12-07 03:00", true, ""},
		{"never open", "daily closed", "", berlin, "2026-12-07 03:00", false, ""},
		{"open only on one date next year", "daily closed", "2027-06-01 10:00-11:00", berlin, "2026-12-07 03:00", false, "2027-06-01 10:00 CEST"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := mustParse(t, tc.weekly, tc.exceptions)
			layout := "2006-01-02 15:04"
			if len(tc.at) > len(layout) {
				layout += " -0700"
			}
			at, err := time.ParseInLocation(layout, tc.at, tc.loc)
			if err != nil {
				t.Fatal(err)
			}
			if got := s.Open(at, tc.loc); got != tc.open {
				t.Errorf("open at %s: %v, want %v", tc.at, got, tc.open)
			}
			next, ok := s.Next(at, tc.loc)
			got := ""
			if ok {
				got = next.In(tc.loc).Format("2006-01-02 15:04 MST")
				if s.Open(next, tc.loc) == tc.open {
					t.Errorf("nothing changes at %s", got)
				}
				if s.Open(next.Add(-time.Second), tc.loc) != tc.open {
					t.Errorf("it changed before %s", got)
				}
			}
			if got != tc.next {
				t.Errorf("next change %q, want %q", got, tc.next)
			}
		})
	}
}

// TestWallInstant: a wall-clock time skipped by a spring change is the
// moment of the jump; one repeated in autumn is its first pass.
func TestWallInstant(t *testing.T) {
	berlin := zone(t, "Europe/Berlin")
	for _, tc := range []struct {
		date  Date
		clock Clock
		want  string // UTC
	}{
		{Date{2026, 3, 29}, 2*60 + 30, "2026-03-29T01:00:00Z"},
		{Date{2026, 3, 29}, 3 * 60, "2026-03-29T01:00:00Z"},
		{Date{2026, 3, 29}, 1*60 + 59, "2026-03-29T00:59:00Z"},
		{Date{2026, 10, 25}, 2*60 + 30, "2026-10-25T00:30:00Z"},
		{Date{2026, 10, 25}, 3 * 60, "2026-10-25T02:00:00Z"},
		{Date{2026, 12, 31}, endOfDay, "2026-12-31T23:00:00Z"},
	} {
		if got := wallInstant(tc.date, tc.clock, berlin).UTC().Format(time.RFC3339); got != tc.want {
			t.Errorf("%s %s: %s, want %s", tc.date, tc.clock, got, tc.want)
		}
	}
}

func FuzzParse(f *testing.F) {
	f.Add("mon-fri 08:00-12:00 13:00-18:00\nsat 09:00-13:00", "2026-12-25 closed")
	f.Add("fri-mon 22:00-06:00", "2026-02-29 00:00-24:00")
	f.Add("daily closed # comment", "")
	f.Fuzz(func(t *testing.T, weekly, exceptions string) {
		s, err := Parse(weekly, exceptions)
		if err != nil {
			return
		}
		w, e := s.String()
		again, err := Parse(w, e)
		if err != nil {
			t.Fatalf("the printed form %q %q does not parse: %v", w, e, err)
		}
		if w2, e2 := again.String(); w2 != w || e2 != e {
			t.Fatalf("printing is not stable: %q %q then %q %q", w, e, w2, e2)
		}
		at := time.Date(2026, 3, 29, 1, 30, 0, 0, time.UTC)
		if next, ok := s.Next(at, time.UTC); ok && s.Open(next, time.UTC) == s.Open(at, time.UTC) {
			t.Fatalf("Next %v changes nothing", next)
		}
	})
}
