package form

import (
	"strings"
	"testing"
	"unicode"

	"countybrief/pipeline/workspace"
)

func TestParseValue(t *testing.T) {
	count := workspace.Indicator{Label: "結成幫扶對子", Measure: "個", Type: workspace.TypeInteger}
	money := workspace.Indicator{Label: "投入幫扶資金", Measure: "元", Type: workspace.TypeDecimal}
	sessions := workspace.Indicator{Label: "領導幹部作專題輔導", Measure: "場次", Type: workspace.TypeInteger}
	chars := workspace.Indicator{Label: "黨員讀書筆記合計字數", Measure: "字", Type: workspace.TypeInteger}
	tests := []struct {
		in      string
		ind     workspace.Indicator
		want    float64
		blank   bool
		bad     bool
		measure string // the measure word warned of
	}{
		{"12", count, 12, false, false, ""},
		{" 12 ", count, 12, false, false, ""},
		{"１２", count, 12, false, false, ""},
		{"1,536", count, 1536, false, false, ""},
		{"1，536", count, 1536, false, false, ""},
		{"１，５３６", count, 1536, false, false, ""},
		{"12個", count, 12, false, false, ""},
		{"3場次", count, 3, false, false, "場次"},
		{"3 場次", count, 3, false, false, "場次"},
		{"-4", count, -4, false, false, ""},
		{"12.000000000000002", count, 12, false, false, ""},
		{"1E+3", count, 1000, false, false, ""},
		{"", count, 0, true, false, ""},
		{"\u3000", count, 0, true, false, ""},
		{"無", count, 0, true, false, ""},
		{"/", count, 0, true, false, ""},
		{"50%", count, 0, false, true, ""},
		{"50％", count, 0, false, true, ""},
		{"12.5", count, 0, false, true, ""},
		{"約12", count, 0, false, true, ""},
		{"12左右", count, 0, false, true, ""},
		{"1,5", count, 0, false, true, ""},
		{"NaN", count, 0, false, true, ""},
		{"Inf", count, 0, false, true, ""},
		{"1e400", count, 0, false, true, ""},
		{"3+4", count, 0, false, true, ""},
		{"#DIV/0!", count, 0, false, true, ""},
		{"5200.5", money, 5200.5, false, false, ""},
		{"5,200.50元", money, 5200.5, false, false, ""},
		{"0.5", money, 0.5, false, false, ""},
		// Measure words, Traditional and Simplified (issue 11.3).
		{"5个", count, 5, false, false, ""},
		{"5 個", count, 5, false, false, ""},
		{"3场次", sessions, 3, false, false, ""},
		{"3場", sessions, 3, false, false, ""},
		{"3场", sessions, 3, false, false, ""},
		{"5人", count, 5, false, false, "人"},
		{"5户", count, 5, false, false, "户"},
		{"5項", count, 5, false, false, "項"},
		{"5项", count, 5, false, false, "项"},
		{"5条", count, 5, false, false, "条"},
		{"5處", count, 5, false, false, "處"},
		{"5所", count, 5, false, false, "所"},
		{"5座", count, 5, false, false, "座"},
		{"2期", count, 2, false, false, "期"},
		{"5次", sessions, 5, false, false, "次"},
		{"11.3萬元", money, 113000, false, false, "萬元"},
		{"0.52万元", money, 5200, false, false, "万元"},
		{"170萬字", chars, 1700000, false, false, "萬字"},
		{"1.5萬", chars, 15000, false, false, "萬"},
		{"0.00001萬", count, 0, false, true, ""}, // 0.1 of a count
		{"5塊", count, 0, false, true, ""},
		{"5個半", count, 0, false, true, ""},
	}
	for _, tt := range tests {
		v, blank, measure, p := parseValue(tt.in, tt.ind)
		if (p != nil) != tt.bad || blank != tt.blank || (p == nil && v != tt.want) || measure != tt.measure {
			t.Errorf("parseValue(%q, %s) = %v, blank %v, measure %q, problem %v; want %v, blank %v, measure %q, bad %v", tt.in, tt.ind.Type, v, blank, measure, p, tt.want, tt.blank, tt.measure, tt.bad)
		}
		if p != nil && (p.msg == "" || p.fix == "") {
			t.Errorf("parseValue(%q): problem without message or fix", tt.in)
		}
	}
}

// TestSquashMatchesMap checks the quick path of squash against dropping
// spaces rune by rune.
func TestSquashMatchesMap(t *testing.T) {
	slow := func(s string) string {
		return strings.Map(func(r rune) rune {
			if unicode.IsSpace(r) || r == '\u3000' {
				return -1
			}
			return r
		}, s)
	}
	for r := rune(0x80); r < 0x10000; r++ {
		if isWideSpace(r) != unicode.IsSpace(r) {
			t.Errorf("isWideSpace(%U) = %v, unicode.IsSpace says %v", r, isWideSpace(r), unicode.IsSpace(r))
		}
	}
	for _, s := range []string{
		"", "members", "查找突出問題 ", "查找\u3000突出", "a\u00a0b", "a\u0085b", "x\u2003y", "「典型」",
		"—", "\u1680", "\tcode\n", "bad\xffutf8", "\xff\xfe", "\xe3\x80", "半角 全角　", "A\u202fB", "😀 ",
		"「四個一」、。", "\u2014\u200b\u205f", "\u2028\u2029", "\u200a\u200b", "\u3001\u3000", "\u1680\u1681",
		"\xc2", "\xe3\x80", "a\xe2", "\u00a0", "\u0085",
		"\xe4\xb8", "典\xe4", "典\xe4\xb8", "\xe4\xc0\x80", "\xe4\x80\x80", "\xec\xbf\xbf", "\xed\x9f\xbf", "\xec\x80",
	} {
		if got, want := squash(s), slow(s); got != want {
			t.Errorf("squash(%q) = %q, want %q", s, got, want)
		}
	}
	// Every character of three bytes, alone and beside a space.
	for r := rune(0x800); r < 0x10000; r++ {
		for _, s := range []string{string(r), "a" + string(r) + "b", string(r) + " " + string(r)} {
			if got, want := squash(s), slow(s); got != want {
				t.Errorf("squash(%q) = %q, want %q", s, got, want)
			}
		}
	}
}

// TestIsDecimalWithinPlainNumber: isDecimal only short-cuts plainNumber.
func TestIsDecimalWithinPlainNumber(t *testing.T) {
	for _, s := range []string{"0", "1536", "5200.5", "12.", ".5", "1.2.3", "", "1,536", "1e5", "-1", "+2", "１", "1 2"} {
		if isDecimal(s) && (!plainNumber.MatchString(s) || groupedNumber.MatchString(s)) {
			t.Errorf("isDecimal(%q) but the patterns disagree", s)
		}
	}
}
