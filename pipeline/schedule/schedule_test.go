package schedule

import (
	"strings"
	"testing"
	"time"
)

func mustLoc(t testing.TB, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Fatalf("load zone %s (Debian package tzdata): %v", name, err)
	}
	return loc
}

func TestNext(t *testing.T) {
	tests := []struct {
		name, zone, spec, from string
		want                   []string // RFC 3339 with the zone's offset
	}{
		{"plain night", "Asia/Shanghai", "0 2 * * *", "2026-01-10T12:00:00+08:00",
			[]string{"2026-01-11T02:00:00+08:00", "2026-01-12T02:00:00+08:00"}},
		{"spring forward: 02:00 runs when the clocks jump", "America/New_York", "0 2 * * *", "2026-03-06T12:00:00-05:00",
			[]string{"2026-03-07T02:00:00-05:00", "2026-03-08T03:00:00-04:00", "2026-03-09T02:00:00-04:00"}},
		{"spring forward: 02:30 runs when the clocks jump", "America/New_York", "30 2 * * *", "2026-03-07T12:00:00-05:00",
			[]string{"2026-03-08T03:00:00-04:00", "2026-03-09T02:30:00-04:00"}},
		{"spring forward: skipped half-hours and 03:00 are one run", "America/New_York", "*/30 * * * *", "2026-03-08T01:00:00-05:00",
			[]string{"2026-03-08T01:30:00-05:00", "2026-03-08T03:00:00-04:00", "2026-03-08T03:30:00-04:00"}},
		{"fall back: 01:30 runs once", "America/New_York", "30 1 * * *", "2026-10-31T12:00:00-04:00",
			[]string{"2026-11-01T01:30:00-04:00", "2026-11-02T01:30:00-05:00"}},
		{"fall back: 02:00 runs once", "America/New_York", "0 2 * * *", "2026-10-31T12:00:00-04:00",
			[]string{"2026-11-01T02:00:00-05:00", "2026-11-02T02:00:00-05:00"}},
		{"fall back: the repeated hour is not walked twice", "America/New_York", "*/30 1 * * *", "2026-11-01T00:00:00-04:00",
			[]string{"2026-11-01T01:00:00-04:00", "2026-11-01T01:30:00-04:00", "2026-11-02T01:00:00-05:00"}},
		{"fall back: from inside the second pass", "America/New_York", "*/15 1 * * *", "2026-11-01T01:20:00-05:00",
			[]string{"2026-11-02T01:00:00-05:00"}},
		{"Berlin spring forward", "Europe/Berlin", "0 2 * * *", "2026-03-28T12:00:00+01:00",
			[]string{"2026-03-29T03:00:00+02:00", "2026-03-30T02:00:00+02:00"}},
		{"Berlin fall back", "Europe/Berlin", "30 2 * * *", "2026-10-24T12:00:00+02:00",
			[]string{"2026-10-25T02:30:00+02:00", "2026-10-26T02:30:00+01:00"}},
		{"half-hour shift, fall back", "Australia/Lord_Howe", "45 1 * * *", "2026-04-04T12:00:00+11:00",
			[]string{"2026-04-05T01:45:00+11:00", "2026-04-06T01:45:00+10:30"}},
		{"half-hour shift, spring forward", "Australia/Lord_Howe", "15 2 * * *", "2026-10-03T12:00:00+10:30",
			[]string{"2026-10-04T02:30:00+11:00", "2026-10-05T02:15:00+11:00"}},
		{"seconds field", "UTC", "*/20 * * * * *", "2026-01-01T00:00:05Z",
			[]string{"2026-01-01T00:00:20Z", "2026-01-01T00:00:40Z", "2026-01-01T00:01:00Z"}},
		{"CRON_TZ overrides the zone", "Asia/Shanghai", "CRON_TZ=Europe/Berlin 0 2 * * *", "2026-01-10T12:00:00+01:00",
			[]string{"2026-01-11T02:00:00+01:00"}},
		{"day of month or day of week", "UTC", "0 2 13 * 5", "2026-02-10T00:00:00Z",
			[]string{"2026-02-13T02:00:00Z", "2026-02-20T02:00:00Z", "2026-02-27T02:00:00Z", "2026-03-06T02:00:00Z", "2026-03-13T02:00:00Z"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := Parse(tt.spec, mustLoc(t, tt.zone))
			if err != nil {
				t.Fatal(err)
			}
			at, err := time.Parse(time.RFC3339, tt.from)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for range tt.want {
				at = s.Next(at)
				got = append(got, at.Format(time.RFC3339))
			}
			if strings.Join(got, " ") != strings.Join(tt.want, " ") {
				t.Errorf("got  %v\nwant %v", got, tt.want)
			}
		})
	}
}

func TestPrev(t *testing.T) {
	tests := []struct {
		name, zone, spec, at, want string
	}{
		{"earlier today", "Asia/Shanghai", "0 2 * * *", "2026-01-10T08:00:00+08:00", "2026-01-10T02:00:00+08:00"},
		{"yesterday", "Asia/Shanghai", "0 2 * * *", "2026-01-10T01:59:59+08:00", "2026-01-09T02:00:00+08:00"},
		{"exactly now", "Asia/Shanghai", "0 2 * * *", "2026-01-10T02:00:00+08:00", "2026-01-10T02:00:00+08:00"},
		{"every second", "UTC", "* * * * * *", "2026-01-10T02:00:00.5Z", "2026-01-10T02:00:00Z"},
		{"yearly", "UTC", "0 0 1 1 *", "2026-06-01T00:00:00Z", "2026-01-01T00:00:00Z"},
		{"leap day", "UTC", "0 0 29 2 *", "2027-06-01T00:00:00Z", "2024-02-29T00:00:00Z"},
		{"spring-forward night", "America/New_York", "30 2 * * *", "2026-03-08T04:00:00-04:00", "2026-03-08T03:00:00-04:00"},
		{"fall-back night, second pass", "America/New_York", "30 1 * * *", "2026-11-01T01:45:00-05:00", "2026-11-01T01:30:00-04:00"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := Parse(tt.spec, mustLoc(t, tt.zone))
			if err != nil {
				t.Fatal(err)
			}
			at, err := time.Parse(time.RFC3339Nano, tt.at)
			if err != nil {
				t.Fatal(err)
			}
			if got := s.Prev(at).Format(time.RFC3339); got != tt.want {
				t.Errorf("Prev(%s) = %s, want %s", tt.at, got, tt.want)
			}
		})
	}
}

func TestParseRefuses(t *testing.T) {
	tests := []struct{ spec, want string }{
		{"", "parse schedule"},
		{"0 25 * * *", "parse schedule"},
		{"every night", "parse schedule"},
		{"@every 5m", "interval"},
		{"0 0 30 2 *", "never fires"},
		{"CRON_TZ=Mars/Olympus 0 2 * * *", "parse schedule"},
	}
	for _, tt := range tests {
		t.Run(tt.spec, func(t *testing.T) {
			_, err := Parse(tt.spec, time.UTC)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Parse(%q) error = %v, want it to contain %q", tt.spec, err, tt.want)
			}
		})
	}
}

func BenchmarkPrevEverySecond(b *testing.B) {
	s, err := Parse("* * * * * *", time.UTC)
	if err != nil {
		b.Fatal(err)
	}
	at := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	for b.Loop() {
		s.Prev(at)
	}
}

func BenchmarkNextNightly(b *testing.B) {
	s, err := Parse("0 2 * * *", mustLoc(b, "America/New_York"))
	if err != nil {
		b.Fatal(err)
	}
	at := time.Date(2026, 11, 1, 5, 59, 0, 0, time.UTC)
	for b.Loop() {
		s.Next(at)
	}
}
