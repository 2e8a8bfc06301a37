package schedule

import (
	"fmt"
	"time"

	"github.com/robfig/cron/v3"
)

// Schedule is a cron spec evaluated in one time zone.
type Schedule struct {
	// civil is the spec evaluated in UTC, where each instant stands for the
	// same wall-clock reading in loc: UTC has no daylight saving, so the
	// parser's own arithmetic is exact there.
	civil *cron.SpecSchedule
	loc   *time.Location
}

// Parse reads a cron spec: five fields (minute hour day-of-month month
// day-of-week), or six with a leading seconds field, or a descriptor such
// as @daily. A CRON_TZ= or TZ= prefix overrides loc; a nil loc is the local
// zone. "@every" is refused: it is an interval, not a time of day (use
// Options.Poll for intervals).
func Parse(spec string, loc *time.Location) (*Schedule, error) {
	p := cron.NewParser(cron.SecondOptional | cron.Minute | cron.Hour | cron.Dom | cron.Month | cron.Dow | cron.Descriptor)
	parsed, err := p.Parse(spec)
	if err != nil {
		return nil, fmt.Errorf("parse schedule %q: %w", spec, err)
	}
	ss, ok := parsed.(*cron.SpecSchedule)
	if !ok {
		return nil, fmt.Errorf("schedule %q is an interval, not a time of day", spec)
	}
	if loc == nil {
		loc = time.Local
	}
	if ss.Location != time.Local {
		loc = ss.Location
	}
	civil := *ss
	civil.Location = time.UTC
	s := &Schedule{civil: &civil, loc: loc}
	// The parser looks five years ahead; from a fixed date, so that whether
	// a spec is valid does not depend on the day it is checked.
	if civil.Next(time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)).IsZero() {
		return nil, fmt.Errorf("schedule %q never fires", spec)
	}
	return s, nil
}

// Next returns the first scheduled instant strictly after t, or the zero
// time when there is none within five years.
//
// The daylight-saving rule is stated in instant: every scheduled wall time
// maps to one instant, and the mapping never goes backwards, so walking
// wall times in order and taking the first instant after t neither skips
// nor repeats one.
func (s *Schedule) Next(t time.Time) time.Time {
	// Wall times before t's own wall reading map to instants at or before t
	// (the mapping is monotonic and t's reading maps to t or earlier), so
	// the walk starts there. It walks more than one step only through the
	// repeated hour of a fall-back night.
	for c := s.civil.Next(wall(t, s.loc).Add(-time.Second)); !c.IsZero(); c = s.civil.Next(c) {
		if at := s.instant(c); at.After(t) {
			return at
		}
	}
	return time.Time{}
}

// Prev returns the last scheduled instant at or before t, or the zero time
// when there is none within five years.
func (s *Schedule) Prev(t time.Time) time.Time {
	// Widening windows keep the walk short both for a spec that fires every
	// second and for one that fires once a year.
	for _, back := range []time.Duration{time.Minute, time.Hour, 25 * time.Hour, 32 * 24 * time.Hour, 367 * 24 * time.Hour, 5 * 367 * 24 * time.Hour} {
		var last time.Time
		for at := s.Next(t.Add(-back)); !at.IsZero() && !at.After(t); at = s.Next(at) {
			last = at
		}
		if !last.IsZero() {
			return last
		}
	}
	return time.Time{}
}

// instant maps a wall-clock reading (carried as a UTC time) to the instant
// it happens in s.loc. A reading skipped by a spring-forward change happens
// at the moment of the change; a reading that happens twice on a fall-back
// night happens at its first occurrence.
func (s *Schedule) instant(c time.Time) time.Time {
	y, mo, d := c.Date()
	h, mi, sec := c.Clock()
	t := time.Date(y, mo, d, h, mi, sec, 0, s.loc)
	// time.Date does not promise which side of a gap or an overlap it
	// picks, so both are checked rather than assumed.
	switch w := wall(t, s.loc); {
	case w.Before(c):
		_, end := t.ZoneBounds()
		return end
	case w.After(c):
		start, _ := t.ZoneBounds()
		return start
	}
	start, _ := t.ZoneBounds()
	if start.IsZero() {
		return t
	}
	_, cur := t.Zone()
	_, before := start.Add(-time.Second).Zone()
	if before > cur {
		if first := t.Add(-time.Duration(before-cur) * time.Second); first.Before(start) && wall(first, s.loc).Equal(c) {
			return first
		}
	}
	return t
}

// wall is t's wall-clock reading in loc, whole seconds, carried as UTC.
func wall(t time.Time, loc *time.Location) time.Time {
	t = t.In(loc)
	y, mo, d := t.Date()
	h, mi, sec := t.Clock()
	return time.Date(y, mo, d, h, mi, sec, 0, time.UTC)
}
