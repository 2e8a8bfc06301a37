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
	}
}

// Count writes a count in Arabic digits without grouping (1954, 227) and a
// decimal with at most one place.
func Count(v float64) string {
	if v == math.Trunc(v) && math.Abs(v) < 1e15 {
		return strconv.FormatInt(int64(v), 10)
	}
	return strconv.FormatFloat(math.Round(v*10)/10, 'f', -1, 64)
}

// Approx floors a large total to a round figure and marks it with 余:
// four-digit totals to the 500 (1536 → 1500余, 7208 → 7000余), three-digit
// to the 50, and so on. A total that is already round, or under 100, is
// written exactly.
func Approx(v float64) string {
	if v < 100 {
		return Count(v)
	}
	digits := int(math.Floor(math.Log10(v))) + 1
	step := 5 * math.Pow10(digits-2)
	round := math.Floor(v/step) * step
	if round == v {
		return Count(v)
	}
	return Count(round) + "余"
}

// Wan writes an amount of yuan in 萬 with one decimal (113000 → 11.3萬);
// the caller writes the 元.
func Wan(v float64) string {
	return strconv.FormatFloat(math.Round(v/1000)/10, 'f', 1, 64) + "萬"
}

// AtLeast floors a per-member figure to a figure the prose can promise
// with 以上: to the thousand, hundred, ten or unit by its size (5123 →
// 5000, 1.3 → 1); under 1 it keeps one decimal, floored.
func AtLeast(v float64) string {
	switch {
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
