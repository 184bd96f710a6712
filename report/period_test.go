package report

import (
	"errors"
	"strings"
	"testing"
	"time"
	_ "time/tzdata" // the zones below, also on a machine without tzdata
)

func TestParsePeriod(t *testing.T) {
	loc := time.FixedZone("UTC-5", -5*3600)
	tests := []struct {
		name, from, to string
		g              Granularity
		days           int
		err            string // "" for none
	}{
		{name: "one day per hour", from: "2026-03-09", to: "2026-03-09", g: Hour, days: 1},
		{name: "a week per hour", from: "2026-03-01", to: "2026-03-07", g: Hour, days: 7},
		{name: "93 days per day", from: "2026-01-01", to: "2026-04-03", g: Day, days: 93},
		{name: "over a year end", from: "2025-12-31", to: "2026-01-01", g: Day, days: 2},
		{name: "leap day", from: "2028-02-29", to: "2028-02-29", g: Day, days: 1},
		{name: "94 days", from: "2026-01-01", to: "2026-04-04", g: Day, err: "at most 93 days"},
		{name: "8 days per hour", from: "2026-03-01", to: "2026-03-08", g: Hour, err: "per hour are for at most 7 days"},
		{name: "reversed", from: "2026-03-09", to: "2026-03-08", g: Day, err: "before the first"},
		{name: "not a date", from: "yesterday", to: "2026-03-08", g: Day, err: "first day is not a date"},
		{name: "no such day", from: "2026-02-30", to: "2026-03-08", g: Day, err: "first day is not a date"},
		{name: "empty", from: "2026-03-01", to: "", g: Day, err: "last day is not a date"},
		{name: "time attached", from: "2026-03-01T00:00", to: "2026-03-02", g: Day, err: "not a date"},
		{name: "html", from: "<b>2026</b>", to: "2026-03-02", g: Day, err: "not a date"},
		{name: "year 0001", from: "0001-01-01", to: "0001-01-02", g: Day, err: "out of range"},
		{name: "unknown granularity", from: "2026-03-01", to: "2026-03-02", g: "week", err: "per day or per hour"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := ParsePeriod(tt.from, tt.to, tt.g, loc)
			if tt.err != "" {
				if !errors.Is(err, ErrBadPeriod) || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("err = %v, want ErrBadPeriod saying %q", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if p.Days() != tt.days || p.FirstDay() != tt.from || p.LastDay() != tt.to {
				t.Fatalf("period %s..%s of %d days, want %s..%s of %d", p.FirstDay(), p.LastDay(), p.Days(), tt.from, tt.to, tt.days)
			}
			if h, m, s := p.From.In(loc).Clock(); h+m+s != 0 || p.From.Location() != loc {
				t.Fatalf("From = %v, want local midnight", p.From)
			}
			want := tt.days
			if tt.g == Hour {
				want *= 24
			}
			if n := len(p.Buckets()); n != want {
				t.Fatalf("%d buckets, want %d", n, want)
			}
		})
	}
}

func TestBucketsAcrossDaylightSaving(t *testing.T) {
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Fatal(err)
	}
	kolkata, err := time.LoadLocation("Asia/Kolkata")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name      string
		loc       *time.Location
		day       string
		g         Granularity
		n         int
		first     string         // label of the first bucket
		labels    map[int]string // of some buckets by index
		length    time.Duration  // of the whole period
		startsUTC string         // of the first bucket
	}{
		// clocks go forward at 02:00: 23 hours; the labels carry the offset
		{"spring forward per hour", berlin, "2026-03-29", Hour, 23, "2026-03-29 00:00 +01:00",
			map[int]string{1: "2026-03-29 01:00 +01:00", 2: "2026-03-29 03:00 +02:00", 22: "2026-03-29 23:00 +02:00"}, 23 * time.Hour, "2026-03-28T23:00:00Z"},
		// clocks go back at 03:00: 25 hours, 02:00 comes twice
		{"fall back per hour", berlin, "2026-10-25", Hour, 25, "2026-10-25 00:00 +02:00",
			map[int]string{2: "2026-10-25 02:00 +02:00", 3: "2026-10-25 02:00 +01:00", 24: "2026-10-25 23:00 +01:00"}, 25 * time.Hour, "2026-10-24T22:00:00Z"},
		{"fall back per day", berlin, "2026-10-25", Day, 1, "2026-10-25", nil, 25 * time.Hour, "2026-10-24T22:00:00Z"},
		// half-hour offset: hours still start at local :00
		{"half-hour zone", kolkata, "2026-03-09", Hour, 24, "2026-03-09 00:00", map[int]string{1: "2026-03-09 01:00", 23: "2026-03-09 23:00"}, 24 * time.Hour, "2026-03-08T18:30:00Z"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := ParsePeriod(tt.day, tt.day, tt.g, tt.loc)
			if err != nil {
				t.Fatal(err)
			}
			bs := p.Buckets()
			if len(bs) != tt.n || bs[0].Label != tt.first || p.To.Sub(p.From) != tt.length || bs[0].Start.UTC().Format(time.RFC3339) != tt.startsUTC {
				t.Fatalf("%d buckets from %q (%s), period %v; want %d from %q (%s), %v",
					len(bs), bs[0].Label, bs[0].Start.UTC().Format(time.RFC3339), p.To.Sub(p.From), tt.n, tt.first, tt.startsUTC, tt.length)
			}
			for i := 1; i < len(bs); i++ {
				if !bs[i].Start.Equal(bs[i-1].End) {
					t.Fatalf("gap between bucket %d and %d", i-1, i)
				}
			}
			if !bs[len(bs)-1].End.Equal(p.To) {
				t.Fatalf("last bucket ends %v, period %v", bs[len(bs)-1].End, p.To)
			}
			for i, want := range tt.labels {
				if got := bs[i].Label; got != want {
					t.Errorf("bucket %d is %q, want %q", i, got, want)
				}
			}
		})
	}
}

func TestBucketOf(t *testing.T) {
	p, err := ParsePeriod("2026-03-09", "2026-03-10", Day, time.UTC)
	if err != nil {
		t.Fatal(err)
	}
	bs := bucketer(p.Buckets())
	at := func(s string) time.Time { tm, _ := time.Parse(time.RFC3339Nano, s); return tm }
	tests := []struct {
		t    string
		want int
	}{
		{"2026-03-08T23:59:59.999Z", -1},
		{"2026-03-09T00:00:00Z", 0},
		{"2026-03-09T23:59:59.999Z", 0},
		{"2026-03-10T00:00:00Z", 1},
		{"2026-03-10T23:59:59.999Z", 1},
		{"2026-03-11T00:00:00Z", -1},
	}
	for _, tt := range tests {
		if got := bs.of(at(tt.t)); got != tt.want {
			t.Errorf("bucket of %s = %d, want %d", tt.t, got, tt.want)
		}
	}
}

// FuzzParsePeriod: any input is refused with ErrBadPeriod or gives a period
// within the limits whose buckets tile it.
func FuzzParsePeriod(f *testing.F) {
	f.Add("2026-03-09", "2026-03-10", "hour", "Europe/Berlin")
	f.Add("2026-10-25", "2026-10-25", "hour", "America/New_York")
	f.Add("2026-01-01", "2026-04-03", "day", "UTC")
	f.Add("9998-12-31", "9998-12-31", "day", "Pacific/Kiritimati")
	f.Add("2026-13-01", "x", "week", "")
	f.Fuzz(func(t *testing.T, from, to, g, zone string) {
		loc, err := time.LoadLocation(zone)
		if err != nil || strings.ContainsAny(zone, "/.") && len(zone) > 64 {
			return
		}
		p, err := ParsePeriod(from, to, Granularity(g), loc)
		if err != nil {
			if !errors.Is(err, ErrBadPeriod) {
				t.Fatalf("error without ErrBadPeriod: %v", err)
			}
			return
		}
		if !p.From.Before(p.To) || p.Days() < 1 || p.Days() > MaxDays || p.Granularity == Hour && p.Days() > MaxHourDays {
			t.Fatalf("period %v..%v (%d days, %s) out of limits", p.From, p.To, p.Days(), p.Granularity)
		}
		bs := p.Buckets()
		if len(bs) == 0 || !bs[0].Start.Equal(p.From) || !bs[len(bs)-1].End.Equal(p.To) {
			t.Fatalf("buckets do not cover the period")
		}
		for i := 1; i < len(bs); i++ {
			if !bs[i].Start.Equal(bs[i-1].End) || !bs[i].Start.After(bs[i-1].Start) {
				t.Fatalf("buckets %d and %d do not tile", i-1, i)
			}
		}
	})
}
