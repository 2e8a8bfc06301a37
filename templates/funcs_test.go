package templates

import (
	"math"
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestHelpers(t *testing.T) {
	tests := []struct {
		name string
		got  string
		want string
	}{
		{"count int", Count(227), "227"},
		{"count big", Count(1954), "1954"},
		{"count decimal", Count(11.34), "11.3"},
		{"fixed none", Fixed(5521.6, 0), "5522"},
		{"fixed one keeps its zero", Fixed(5522, 1), "5522.0"},
		{"fixed rounds", Fixed(1.26, 1), "1.3"},
		{"approx households", Approx(1536), "1500餘"},
		{"approx people", Approx(7208), "7000餘"},
		{"approx exact", Approx(1500), "1500"},
		{"approx small", Approx(57), "57"},
		{"approx three digits", Approx(236), "230餘"},
		{"approx round three digits", Approx(180), "180"},
		{"approx just over a round figure", Approx(1099), "1050餘"},
		{"approx five digits", Approx(12345), "12000餘"},
		{"wan", Wan(113000), "11.3萬"},
		{"wan rounds", Wan(112960), "11.3萬"},
		{"atleast notes", AtLeast(5123.4), "5000"},
		{"atleast reflections", AtLeast(1.27), "1"},
		{"atleast hundreds", AtLeast(345), "300"},
		{"atleast under one", AtLeast(0.87), "0.8"},
		{"atleast nothing", AtLeast(0), "0"},
		{"percent", Percent(79, 149), "53.0%"},
		{"percent of nothing", Percent(3, 0), "0%"},
		{"figure whole", Figure(12), "12"},
		{"figure zero", Figure(0), "0"},
		{"figure negative", Figure(-300), "-300"},
		{"figure decimal", Figure(2.5), "2.5"},
		{"figure two places", Figure(5123.456789), "5123.46"},
		{"figure large", Figure(1733200), "1733200"},
		{"figure huge", Figure(1e12), "1000000000000"},
		{"figure infinite", Figure(math.Inf(1)), "+Inf"},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("%s = %q, want %q", tt.name, tt.got, tt.want)
		}
	}
	for _, in := range []any{time.Date(2008, 12, 3, 0, 0, 0, 0, time.UTC), "2008-12-03"} {
		if got, err := Date(in); err != nil || got != "2008年12月3日" {
			t.Errorf("Date(%v) = %q, %v", in, got, err)
		}
	}
	for _, bad := range []any{"12/3/2008", 20081203} {
		if _, err := Date(bad); err == nil {
			t.Errorf("Date(%v): no error", bad)
		}
	}
}

// TestApproxStaysClose checks every whole total from 100 to 200,000 and a
// spread of fractional ones: the figure is never above the total, never
// more than MaxApproxDrop below it, and carries 餘 exactly when it is
// below.
func TestApproxStaysClose(t *testing.T) {
	check := func(v float64) {
		got := Approx(v)
		r, err := strconv.ParseFloat(strings.TrimSuffix(got, "餘"), 64)
		switch {
		case err != nil:
			t.Fatalf("Approx(%v) = %q: not a number", v, got)
		case r > v || r < (1-MaxApproxDrop)*v:
			t.Fatalf("Approx(%v) = %q: outside [%v, %v]", v, got, (1-MaxApproxDrop)*v, v)
		case strings.HasSuffix(got, "餘") != (r < v):
			t.Fatalf("Approx(%v) = %q: 餘 must mark a figure below the total", v, got)
		}
	}
	for v := 100; v <= 200_000; v++ {
		check(float64(v))
	}
	for v := 100.25; v < 1e9; v *= 1.37 {
		check(math.Round(v*100) / 100)
	}
}
