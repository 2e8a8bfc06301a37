package templates

import (
	"embed"
	"fmt"
	"io/fs"
	"math"
	"strconv"
	"strings"
	"text/template"
	"time"
)

//go:embed *.tmpl
var files embed.FS

// Defaults returns the default template files.
func Defaults() fs.FS { return files }

// Main is the template executed for a briefing; the others are its parts.
const Main = "briefing.tmpl"

// Funcs returns the helpers every briefing template may call.
func Funcs() template.FuncMap {
	return template.FuncMap{
		"count":   Count,
		"approx":  Approx,
		"wan":     Wan,
		"atleast": AtLeast,
		"percent": Percent,
		"date":    Date,
		"join":    strings.Join,
		"figure":  Figure,
	}
}

// Figure writes a figure as a clerk wrote it on the form: 12 not 12.0,
// and at most two decimals for computed figures such as per-member
// averages (3003.003… → 3003, 1.254 → 1.25). Rule messages print every
// figure this way unless they call another helper.
func Figure(v float64) string {
	if v != math.Trunc(v) && !math.IsInf(v, 0) && !math.IsNaN(v) {
		v = math.Round(v*100) / 100
	}
	return strconv.FormatFloat(v, 'f', -1, 64)
}

// Count writes a count in Arabic digits without grouping (1954, 227) and a
// decimal with at most one place.
func Count(v float64) string {
	if math.IsNaN(v) {
		return Absent
	}
	if v == math.Trunc(v) && math.Abs(v) < 1e15 {
		return strconv.FormatInt(int64(v), 10)
	}
	return strconv.FormatFloat(math.Round(v*10)/10, 'f', -1, 64)
}

// Fixed writes v with exactly places decimals (5485.6, 5522.0 for one
// place), so that the figures of one indicator line up: an indicator's
// places come from the catalogue (workspace.Indicator.Places).
func Fixed(v float64, places int) string {
	if math.IsNaN(v) {
		return Absent
	}
	return strconv.FormatFloat(v, 'f', places, 64)
}

// Approx floors a total to a round figure and marks it with 餘 (1536 →
// 1500餘, 7208 → 7000餘, 180 → 180), never more than MaxApproxDrop below
// it: "more than 150" for 180 people undersells what the units did. The
// figure is the multiple of the coarsest step 5, 2 or 1 × 10ⁿ that keeps
// within that bound. A total under 100, or one already round, is written
// exactly.
func Approx(v float64) string {
	if math.IsNaN(v) || v < 100 {
		return Count(v)
	}
	if r := approxFloor(v); r < v {
		return Count(r) + "餘"
	}
	return Count(v)
}

// MaxApproxDrop is how far below a total Approx may go, as a share of it.
const MaxApproxDrop = 0.05

// approxFloor is v (at least 100) floored to the coarsest step that keeps
// within MaxApproxDrop. The loop ends by step 5 at the latest, which drops
// less than 5, under 5% of 100.
func approxFloor(v float64) float64 {
	for step := math.Pow10(int(math.Floor(math.Log10(v)))); ; step /= 10 {
		for _, m := range []float64{5, 2, 1} {
			if r := math.Floor(v/(m*step)) * m * step; r > 0 && v-r <= MaxApproxDrop*v {
				return r
			}
		}
	}
}

// Wan writes an amount of yuan in 萬 with one decimal (113000 → 11.3萬);
// the caller writes the 元.
func Wan(v float64) string {
	if math.IsNaN(v) {
		return Absent
	}
	return strconv.FormatFloat(math.Round(v/1000)/10, 'f', 1, 64) + "萬"
}

// AtLeast floors a per-member figure to a figure the prose can promise
// with 以上: to the thousand, hundred, ten or unit by its size (5123 →
// 5000, 1.3 → 1); under 1 it keeps one decimal, floored.
func AtLeast(v float64) string {
	switch {
	case math.IsNaN(v):
		return Absent
	case v >= 1000:
		return Count(math.Floor(v/1000) * 1000)
	case v >= 100:
		return Count(math.Floor(v/100) * 100)
	case v >= 10:
		return Count(math.Floor(v/10) * 10)
	case v >= 1:
		return Count(math.Floor(v))
	case v <= 0:
		return "0"
	}
	return strconv.FormatFloat(math.Floor(v*10)/10, 'f', 1, 64)
}

// Percent writes part/whole as a percentage with one decimal (53.0%); an
// empty whole gives "0%".
func Percent(part, whole float64) string {
	if math.IsNaN(part) || math.IsNaN(whole) {
		return Absent
	}
	if whole == 0 {
		return "0%"
	}
	return strconv.FormatFloat(part/whole*100, 'f', 1, 64) + "%"
}

// Date writes a date the official way, year in full, no zero padding:
// 2008年12月3日. It takes a time.Time or a "2006-01-02" string (as
// county_facts hold them).
func Date(v any) (string, error) {
	var t time.Time
	switch d := v.(type) {
	case time.Time:
		t = d
	case string:
		var err error
		if t, err = time.Parse("2006-01-02", d); err != nil {
			return "", fmt.Errorf("date %q: want 2006-01-02", d)
		}
	default:
		return "", fmt.Errorf("date of %T: want a time or a 2006-01-02 string", v)
	}
	return fmt.Sprintf("%d年%d月%d日", t.Year(), int(t.Month()), t.Day()), nil
}

// Absent is how a figure that does not exist (a ratio over nothing) is
// written: the view passes such a figure as NaN, and every helper writes
// Absent for it rather than a number nobody counted.
const Absent = "—"
