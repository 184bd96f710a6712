// Package hours is a queue's opening hours: a weekly schedule of spans per
// day and dated exceptions, in the tenant's time zone. It is pure logic: it
// parses and prints the schedule's text form and tells, for an instant,
// whether the queue is open and when that changes next. Times come from the
// caller.
//
// # Text form
//
// The weekly schedule has one rule a line: days, then spans, or "closed":
//
//	mon-fri 08:00-12:00 13:00-18:00
//	sat 09:00-13:00
//	sun closed
//
// Days are mon tue wed thu fri sat sun, a range (mon-fri, fri-mon) or a
// list (mon,wed,fri), or "daily". A day not named is closed; a day named
// twice is an error. An empty schedule is open all week. The exceptions
// have one date a line, with its own spans or "closed", replacing that
// date's weekly rule:
//
//	2026-12-24 08:00-12:00
//	2026-12-25 closed
//
// Text after # is a comment. A span is from-to in 24-hour wall-clock time;
// "24:00" ends a span at midnight, and a span whose end is not after its
// start runs past midnight into the next day (22:00-06:00): it belongs to
// the day it starts on, whatever the next day's rule.
//
// # Daylight saving
//
// A span is the interval of instants from its start to its end, each the
// first instant the wall clock shows it: a start in the hour a spring
// change skips begins when the clock jumps (02:30 on a day that goes from
// 02:00 to 03:00 opens at 03:00), and a span over the hour an autumn change
// repeats stays open through both passes of that hour.
package hours

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
)

// ErrSyntax is wrapped by every error Parse returns; the message names the
// line and what is wrong with it.
var ErrSyntax = errors.New("opening hours")

// Clock is a wall-clock time of day in minutes after midnight, 0 to 1440
// (24:00, the end of the day).
type Clock int

const endOfDay Clock = 24 * 60

func (c Clock) String() string { return fmt.Sprintf("%02d:%02d", c/60, c%60) }

// Span is one opening: From to To on its day; To ≤ From runs into the next
// day.
type Span struct{ From, To Clock }

// overnight: the span runs past midnight.
func (s Span) overnight() bool { return s.To <= s.From }

func (s Span) String() string { return s.From.String() + "-" + s.To.String() }

// Date is a calendar date.
type Date struct {
	Year  int
	Month time.Month
	Day   int
}

func dateOf(t time.Time) Date { y, m, d := t.Date(); return Date{y, m, d} }

func (d Date) String() string { return fmt.Sprintf("%04d-%02d-%02d", d.Year, d.Month, d.Day) }

// add moves the date by n days.
func (d Date) add(n int) Date {
	return dateOf(time.Date(d.Year, d.Month, d.Day+n, 12, 0, 0, 0, time.UTC))
}

func (d Date) weekday() time.Weekday {
	return time.Date(d.Year, d.Month, d.Day, 12, 0, 0, 0, time.UTC).Weekday()
}

// Schedule is a queue's opening hours. The zero value is open all week.
type Schedule struct {
	// Weekly says whether a weekly schedule was given; without one every
	// day is open all day.
	Weekly bool
	// Week holds each weekday's spans (by time.Weekday); a day without
	// spans is closed.
	Week [7][]Span
	// Exceptions replace a date's weekly spans (none: closed that date).
	Exceptions map[Date][]Span
}

// AlwaysOpen reports whether the schedule never closes.
func (s Schedule) AlwaysOpen() bool { return !s.Weekly && len(s.Exceptions) == 0 }

// spansOf are a date's spans.
func (s Schedule) spansOf(d Date) []Span {
	if spans, ok := s.Exceptions[d]; ok {
		return spans
	}
	if !s.Weekly {
		return []Span{{0, endOfDay}}
	}
	return s.Week[d.weekday()]
}

var dayNames = [7]string{"sun", "mon", "tue", "wed", "thu", "fri", "sat"}

// dayOrder is the week as people write it, Monday first.
var dayOrder = [7]time.Weekday{time.Monday, time.Tuesday, time.Wednesday, time.Thursday, time.Friday, time.Saturday, time.Sunday}

// Limits of the text form.
const (
	MaxLines       = 400 // of each field
	maxSpansPerDay = 12
)

// Parse reads a weekly schedule and its exceptions. Its errors wrap
// ErrSyntax and name the field and line.
func Parse(weekly, exceptions string) (Schedule, error) {
	var s Schedule
	seen := map[time.Weekday]int{}
	for n, line := range lines(weekly) {
		if line == "" {
			continue
		}
		if n >= MaxLines {
			return Schedule{}, fmt.Errorf("%w: weekly schedule: more than %d lines", ErrSyntax, MaxLines)
		}
		dayText, rest, _ := strings.Cut(line, " ")
		days, err := parseDays(dayText)
		if err != nil {
			return Schedule{}, lineErr("weekly schedule", n, line, err)
		}
		spans, err := parseSpans(rest)
		if err != nil {
			return Schedule{}, lineErr("weekly schedule", n, line, err)
		}
		for _, d := range days {
			if first, twice := seen[d]; twice {
				return Schedule{}, lineErr("weekly schedule", n, line, fmt.Errorf("%s is given on line %d already", dayNames[d], first+1))
			}
			seen[d] = n
			s.Week[d] = spans
		}
		s.Weekly = true
	}
	for n, line := range lines(exceptions) {
		if line == "" {
			continue
		}
		if n >= MaxLines {
			return Schedule{}, fmt.Errorf("%w: exceptions: more than %d lines", ErrSyntax, MaxLines)
		}
		dateText, rest, _ := strings.Cut(line, " ")
		t, err := time.Parse(time.DateOnly, dateText)
		if err != nil {
			return Schedule{}, lineErr("exceptions", n, line, fmt.Errorf("%q is not a date: write it as 2026-12-25", dateText))
		}
		spans, err := parseSpans(rest)
		if err != nil {
			return Schedule{}, lineErr("exceptions", n, line, err)
		}
		d := dateOf(t)
		if _, twice := s.Exceptions[d]; twice {
			return Schedule{}, lineErr("exceptions", n, line, fmt.Errorf("%s is given twice", d))
		}
		if s.Exceptions == nil {
			s.Exceptions = make(map[Date][]Span)
		}
		s.Exceptions[d] = spans
	}
	return s, nil
}

// lines splits a field into lines without comments and spaces.
func lines(text string) []string {
	var out []string
	for _, l := range strings.Split(text, "\n") {
		l, _, _ = strings.Cut(l, "#")
		out = append(out, strings.Join(strings.Fields(strings.ToLower(l)), " "))
	}
	return out
}

func lineErr(field string, n int, line string, err error) error {
	if len(line) > 60 {
		line = line[:60] + "…"
	}
	return fmt.Errorf("%w: %s, line %d (%q): %v", ErrSyntax, field, n+1, line, err)
}

func dayIndex(name string) (time.Weekday, bool) {
	i := slices.Index(dayNames[:], name)
	return time.Weekday(i), i >= 0
}

// parseDays reads "mon", "mon-fri", "fri-mon", "mon,wed" or "daily".
func parseDays(text string) ([]time.Weekday, error) {
	if text == "daily" {
		return dayOrder[:], nil
	}
	var out []time.Weekday
	for part := range strings.SplitSeq(text, ",") {
		from, to, isRange := strings.Cut(part, "-")
		a, ok := dayIndex(from)
		if !ok {
			return nil, fmt.Errorf("%q is not a day: write mon, tue, wed, thu, fri, sat, sun, a range like mon-fri, or daily", from)
		}
		if !isRange {
			out = append(out, a)
			continue
		}
		b, ok := dayIndex(to)
		if !ok {
			return nil, fmt.Errorf("%q is not a day: write mon, tue, wed, thu, fri, sat, sun, a range like mon-fri, or daily", to)
		}
		for d := a; ; d = (d + 1) % 7 {
			out = append(out, d)
			if d == b {
				break
			}
		}
	}
	return out, nil
}

// parseSpans reads "closed" or spans like "08:00-12:00 13:00-18:00".
func parseSpans(text string) ([]Span, error) {
	if text == "closed" {
		return []Span{}, nil
	}
	if text == "" {
		return nil, errors.New(`give spans like 08:00-12:00, or "closed"`)
	}
	var out []Span
	for part := range strings.SplitSeq(text, " ") {
		from, to, ok := strings.Cut(part, "-")
		if !ok {
			return nil, fmt.Errorf("%q is not a span: write it as 08:00-12:00", part)
		}
		a, err := parseClock(from, false)
		if err != nil {
			return nil, err
		}
		b, err := parseClock(to, true)
		if err != nil {
			return nil, err
		}
		sp := Span{a, b}
		if a == b {
			return nil, fmt.Errorf("%s is empty: from and to are the same time", sp)
		}
		out = append(out, sp)
	}
	if len(out) > maxSpansPerDay {
		return nil, fmt.Errorf("at most %d spans a day", maxSpansPerDay)
	}
	slices.SortFunc(out, func(x, y Span) int { return int(x.From - y.From) })
	for i := 1; i < len(out); i++ {
		prev := out[i-1]
		if prev.overnight() || out[i].From < prev.To {
			return nil, fmt.Errorf("%s overlaps %s", out[i], prev)
		}
	}
	return out, nil
}

// parseClock reads HH:MM (24:00 only as an end).
func parseClock(text string, end bool) (Clock, error) {
	h, m, ok := strings.Cut(text, ":")
	hh, err1 := strconv.Atoi(h)
	mm, err2 := strconv.Atoi(m)
	switch {
	case !ok || len(h) != 2 || len(m) != 2 || err1 != nil || err2 != nil || hh < 0 || mm < 0 || mm > 59:
		return 0, fmt.Errorf("%q is not a time: write it as 08:30 (24-hour clock)", text)
	case hh == 24 && mm == 0 && end:
		return endOfDay, nil
	case hh > 23:
		return 0, fmt.Errorf("%q is not a time of day (00:00 to 23:59, or 24:00 as an end)", text)
	}
	return Clock(hh*60 + mm), nil
}

// String returns the schedule's text form: weekly, Monday first, days with
// the same spans on one line; the exceptions by date.
func (s Schedule) String() (weekly, exceptions string) {
	var w []string
	if s.Weekly {
		done := map[time.Weekday]bool{}
		for i, d := range dayOrder {
			if done[d] {
				continue
			}
			group := []time.Weekday{d}
			for _, o := range dayOrder[i+1:] {
				if !done[o] && slices.Equal(s.Week[o], s.Week[d]) {
					group = append(group, o)
				}
			}
			for _, g := range group {
				done[g] = true
			}
			w = append(w, daysText(group)+" "+spansText(s.Week[d]))
		}
	}
	dates := make([]Date, 0, len(s.Exceptions))
	for d := range s.Exceptions {
		dates = append(dates, d)
	}
	slices.SortFunc(dates, func(a, b Date) int { return strings.Compare(a.String(), b.String()) })
	var e []string
	for _, d := range dates {
		e = append(e, d.String()+" "+spansText(s.Exceptions[d]))
	}
	return strings.Join(w, "\n"), strings.Join(e, "\n")
}

// daysText writes days (in week order) as ranges where they follow each
// other: "mon-fri", "mon,wed".
func daysText(days []time.Weekday) string {
	if len(days) == 7 {
		return "daily"
	}
	pos := func(d time.Weekday) int { return slices.Index(dayOrder[:], d) }
	var parts []string
	for i := 0; i < len(days); {
		j := i
		for j+1 < len(days) && pos(days[j+1]) == pos(days[j])+1 {
			j++
		}
		switch {
		case j == i:
			parts = append(parts, dayNames[days[i]])
		default:
			parts = append(parts, dayNames[days[i]]+"-"+dayNames[days[j]])
		}
		i = j + 1
	}
	return strings.Join(parts, ",")
}

func spansText(spans []Span) string {
	if len(spans) == 0 {
		return "closed"
	}
	parts := make([]string, len(spans))
	for i, sp := range spans {
		parts[i] = sp.String()
	}
	return strings.Join(parts, " ")
}

// Open tells whether the queue is open at an instant, its schedule read in
// loc.
func (s Schedule) Open(at time.Time, loc *time.Location) bool {
	if s.AlwaysOpen() {
		return true
	}
	today := dateOf(at.In(loc))
	for _, d := range []Date{today.add(-1), today} {
		for _, sp := range s.spansOf(d) {
			from, to := s.interval(d, sp, loc)
			if !at.Before(from) && at.Before(to) {
				return true
			}
		}
	}
	return false
}

// horizon bounds how far Next looks for a change (a schedule closed for
// most of a year still opens within it).
const horizon = 400

// Next returns the first instant after at when the queue opens (if it is
// closed at at) or closes (if open); false when that does not happen within
// about a year (a schedule that never closes, or never opens).
func (s Schedule) Next(at time.Time, loc *time.Location) (time.Time, bool) {
	if s.AlwaysOpen() {
		return time.Time{}, false
	}
	now := s.Open(at, loc)
	today := dateOf(at.In(loc))
	for i := -1; i <= horizon; i++ {
		d := today.add(i)
		var edges []time.Time
		for _, sp := range s.spansOf(d) {
			from, to := s.interval(d, sp, loc)
			edges = append(edges, from, to)
		}
		slices.SortFunc(edges, func(a, b time.Time) int { return a.Compare(b) })
		for _, e := range edges {
			if e.After(at) && s.Open(e, loc) != now {
				return e, true
			}
		}
	}
	return time.Time{}, false
}

// interval is a span of date d as instants.
func (s Schedule) interval(d Date, sp Span, loc *time.Location) (from, to time.Time) {
	from = wallInstant(d, sp.From, loc)
	if sp.overnight() {
		to = wallInstant(d.add(1), sp.To, loc)
	} else {
		to = wallInstant(d, sp.To, loc)
	}
	return from, to
}

// wallInstant is the first instant at which loc's wall clock shows clock on
// date d: the earlier one of an hour repeated by an autumn change, the end of
// the gap for a time a spring change skips.
func wallInstant(d Date, clock Clock, loc *time.Location) time.Time {
	if clock == endOfDay {
		d, clock = d.add(1), 0
	}
	wall := time.Date(d.Year, d.Month, d.Day, int(clock/60), int(clock%60), 0, 0, time.UTC)
	var found []time.Time
	for _, probe := range []time.Duration{-26 * time.Hour, 26 * time.Hour} {
		_, off := wall.Add(probe).In(loc).Zone()
		t := wall.Add(-time.Duration(off) * time.Second)
		if sameWall(t.In(loc), wall) {
			found = append(found, t)
		}
	}
	if len(found) > 0 {
		return slices.MinFunc(found, func(a, b time.Time) int { return a.Compare(b) })
	}
	// in a gap: the first instant whose wall clock is at or after it, found
	// between the two readings (the gap is at most a few hours)
	_, offBefore := wall.Add(-26 * time.Hour).In(loc).Zone()
	_, offAfter := wall.Add(26 * time.Hour).In(loc).Zone()
	lo, hi := wall.Add(-time.Duration(max(offBefore, offAfter))*time.Second), wall.Add(-time.Duration(min(offBefore, offAfter))*time.Second)
	for hi.Sub(lo) > time.Second {
		mid := lo.Add(hi.Sub(lo) / 2)
		if wallOf(mid.In(loc)).Before(wall) {
			lo = mid
		} else {
			hi = mid
		}
	}
	return hi
}

// wallOf reads a time's wall clock as if it were UTC, for comparisons.
func wallOf(t time.Time) time.Time {
	return time.Date(t.Year(), t.Month(), t.Day(), t.Hour(), t.Minute(), t.Second(), t.Nanosecond(), time.UTC)
}

func sameWall(t, wall time.Time) bool { return wallOf(t).Equal(wall) }
