package report

import (
	"errors"
	"fmt"
	"sort"
	"time"
)

// Granularity is the size of a report's buckets.
type Granularity string

// The bucket sizes.
const (
	Day  Granularity = "day"
	Hour Granularity = "hour"
)

// Limits of a period: long periods make big pages and slow queries, and an
// hour per row only makes sense for a few days.
const (
	MaxDays     = 93
	MaxHourDays = 7
)

// ErrBadPeriod is wrapped by every error of ParsePeriod; the rest of the
// message says what is wrong in words for the user.
var ErrBadPeriod = errors.New("bad period")

func badPeriod(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrBadPeriod, fmt.Sprintf(format, args...))
}

// Period is what a report covers: [From, To), both local midnights in Loc,
// cut into buckets of one day or one hour.
type Period struct {
	From, To    time.Time
	Granularity Granularity
	Loc         *time.Location
}

const dateLayout = "2006-01-02"

// ParsePeriod reads a period from a form: the first and the last day
// (YYYY-MM-DD, both included) and "day" or "hour". It allows at most MaxDays
// days, and hours for at most MaxHourDays days.
func ParsePeriod(from, to string, g Granularity, loc *time.Location) (Period, error) {
	if loc == nil {
		return Period{}, badPeriod("no time zone")
	}
	first, err := parseDay(from, loc)
	if err != nil {
		return Period{}, badPeriod("the first day %s", err)
	}
	last, err := parseDay(to, loc)
	if err != nil {
		return Period{}, badPeriod("the last day %s", err)
	}
	if g != Day && g != Hour {
		return Period{}, badPeriod("show the figures per day or per hour")
	}
	if last.Before(first) {
		return Period{}, badPeriod("the last day (%s) is before the first (%s)", to, from)
	}
	end := time.Date(last.Year(), last.Month(), last.Day()+1, 0, 0, 0, 0, loc)
	days := daysBetween(first, end)
	if days > MaxDays {
		return Period{}, badPeriod("a report covers at most %d days; this one has %d", MaxDays, days)
	}
	if g == Hour && days > MaxHourDays {
		return Period{}, badPeriod("figures per hour are for at most %d days; choose per day, or fewer days", MaxHourDays)
	}
	return Period{From: first, To: end, Granularity: g, Loc: loc}, nil
}

func parseDay(s string, loc *time.Location) (time.Time, error) {
	if len(s) != len(dateLayout) {
		return time.Time{}, errors.New("is not a date like 2026-01-31")
	}
	d, err := time.ParseInLocation(dateLayout, s, loc)
	if err != nil {
		return time.Time{}, errors.New("is not a date like 2026-01-31")
	}
	if d.Year() < 2000 || d.Year() > 9998 {
		return time.Time{}, errors.New("is out of range")
	}
	return d, nil
}

// daysBetween counts the calendar days from a to b (local midnights; a day
// with a daylight-saving change is still one day).
func daysBetween(a, b time.Time) int {
	ua := time.Date(a.Year(), a.Month(), a.Day(), 0, 0, 0, 0, time.UTC)
	ub := time.Date(b.Year(), b.Month(), b.Day(), 0, 0, 0, 0, time.UTC)
	return int(ub.Sub(ua) / (24 * time.Hour))
}

// Days is the number of days the period covers.
func (p Period) Days() int { return daysBetween(p.From, p.To) }

// FirstDay and LastDay are the period's days as a form shows them.
func (p Period) FirstDay() string { return p.From.Format(dateLayout) }

// LastDay is the last day the period includes.
func (p Period) LastDay() string { return p.To.AddDate(0, 0, -1).Format(dateLayout) }

// Bucket is one day or hour of a period: [Start, End).
type Bucket struct {
	Start, End time.Time
	Label      string // "2026-01-31", or "2026-01-31 14:00" (with the UTC offset where a period has two)
}

// Buckets cuts the period into its days or hours, in order. Days run from
// local midnight to local midnight (23 or 25 hours on daylight-saving
// days); hours are hours of real time, so the hour repeated when clocks go
// back is two buckets.
func (p Period) Buckets() []Bucket {
	var out []Bucket
	switch p.Granularity {
	case Hour:
		for t := p.From; t.Before(p.To); t = t.Add(time.Hour) {
			out = append(out, Bucket{Start: t, End: t.Add(time.Hour)})
		}
	default:
		for i := 0; ; i++ {
			s := time.Date(p.From.Year(), p.From.Month(), p.From.Day()+i, 0, 0, 0, 0, p.Loc)
			if !s.Before(p.To) {
				break
			}
			out = append(out, Bucket{Start: s, End: time.Date(s.Year(), s.Month(), s.Day()+1, 0, 0, 0, 0, p.Loc)})
		}
	}
	layout := dateLayout
	if p.Granularity == Hour {
		layout = "2006-01-02 15:04"
		_, first := p.From.In(p.Loc).Zone()
		for _, b := range out {
			if _, off := b.Start.In(p.Loc).Zone(); off != first {
				layout += " -07:00"
				break
			}
		}
	}
	for i := range out {
		out[i].Label = out[i].Start.In(p.Loc).Format(layout)
	}
	return out
}

// bucketer finds the bucket of a time.
type bucketer []Bucket

// of returns the index of the bucket that holds t, or -1 outside the period.
func (bs bucketer) of(t time.Time) int {
	i := sort.Search(len(bs), func(i int) bool { return bs[i].End.After(t) })
	if i == len(bs) || t.Before(bs[i].Start) {
		return -1
	}
	return i
}
