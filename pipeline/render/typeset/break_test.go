package typeset

import (
	"math"
	"strings"
	"testing"
	"unicode/utf8"
)

// gridAdvance is a body font on a grid: wide runes one em, the rest half.
func gridAdvance(r rune) float64 {
	if IsWide(r) {
		return 1
	}
	return 0.5
}

func gridOf(rs []rune) Advance {
	return func(i int) float64 { return gridAdvance(rs[i]) }
}

func setLines(text string, p Params) ([]string, []Line) {
	rs := []rune(text)
	ls := Break(rs, p, gridOf(rs))
	out := make([]string, len(ls))
	for i, l := range ls {
		out[i] = string(rs[l.Start:l.End])
	}
	return out, ls
}

func TestBreak(t *testing.T) {
	p := Params{Width: 10, Indent: 2, Em: 1}
	tests := []struct {
		name string
		text string
		p    Params
		want []string
	}{
		{
			name: "plain grid",
			text: "一二三四五六七八一二三四五六七八九十",
			want: []string{"一二三四五六七八", "一二三四五六七八九十"},
		},
		{
			name: "closing mark squeezed onto the full line",
			// Nine boxes on an 8-em first line: each of the four marks
			// inside the line gives up a quarter, so 。 fits without a push.
			text: "一，二、三」，四。一二三四五",
			want: []string{"一，二、三」，四。", "一二三四五"},
		},
		{
			name: "closing mark pushes a character down",
			text: "一二三四五六七八」。一二三",
			want: []string{"一二三四五六七", "八」。一二三"},
		},
		{
			name: "opening mark never ends a line",
			text: "一二三四五六七「八九十」一二三",
			want: []string{"一二三四五六七", "「八九十」一二三"},
		},
		{
			name: "number stays with its measure word",
			text: "一二三四五六227場次，一二三",
			want: []string{"一二三四五六", "227場次，一二三"},
		},
		{
			name: "money in wan yuan kept whole",
			text: "一二三四五六七11.3萬元。",
			want: []string{"一二三四五六七", "11.3萬元。"},
		},
		{
			name: "percent kept with its number",
			text: "一二三四五六七87.6%，好",
			want: []string{"一二三四五六七", "87.6%，好"},
		},
		{
			name: "double dash not split",
			text: "一二三四五六七——八九十",
			want: []string{"一二三四五六七", "——八九十"},
		},
		{
			name: "ellipsis not split",
			text: "一二三四五六七……八九十",
			want: []string{"一二三四五六七", "……八九十"},
		},
		{
			name: "latin run whole",
			text: "一二三四五六GB/T 9704",
			want: []string{"一二三四五六", "GB/T 9704"},
		},
		{
			name: "lonely last character pulled",
			text: "一二三四五六七八一二三四五六七八九十一",
			want: []string{"一二三四五六七八", "一二三四五六七八九", "十一"},
		},
		{
			name: "half-width closing not at start",
			text: "一二三四五六七八abc)一二",
			want: []string{"一二三四五六七八", "abc)一二"},
		},
		{
			name: "unavoidable: one run longer than the line",
			text: "ABCDEFGHIJKLMNOPQRSTUVWXYZ",
			p:    Params{Width: 5, Em: 1},
			want: []string{"ABCDEFGHIJ", "KLMNOPQRST", "UVWXYZ"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pp := p
			if tt.p.Width > 0 {
				pp = tt.p
			}
			got, ls := setLines(tt.text, pp)
			if strings.Join(got, "|") != strings.Join(tt.want, "|") {
				t.Errorf("lines\n got %q\nwant %q", got, tt.want)
			}
			checkLines(t, []rune(tt.text), ls, pp)
		})
	}
}

// checkLines asserts what must hold for any paragraph: nothing lost, no
// forbidden start or end unless forced, full lines justified to the width,
// no line wider than the block.
func checkLines(t *testing.T, rs []rune, ls []Line, p Params) {
	t.Helper()
	var b strings.Builder
	for i, l := range ls {
		b.WriteString(string(rs[l.Start:l.End]))
		if l.End <= l.Start {
			t.Fatalf("line %d empty", i)
		}
		forcedHere := l.Forced || (i > 0 && ls[i-1].Forced)
		if i > 0 && IsNoStart(rs[l.Start]) && !forcedHere {
			t.Errorf("line %d starts with %q", i, rs[l.Start])
		}
		if i < len(ls)-1 && IsNoEnd(rs[l.End-1]) && !l.Forced {
			t.Errorf("line %d ends with %q", i, rs[l.End-1])
		}
		n := l.End - l.Start
		right := l.X[n-1] + gridAdvance(rs[l.End-1]) - l.Shrink[n-1]
		if right > p.Width+1e-6 && !l.Forced {
			t.Errorf("line %d %q is %.3f wide, block %.3f", i, string(rs[l.Start:l.End]), right, p.Width)
		}
		if !l.Last && !l.Forced && n > 1 && math.Abs(right-p.Width) > 1e-6 && hasStretch(rs[l.Start:l.End]) && lineStretch(rs, l, p) < maxStretch*p.Em-1e-6 {
			t.Errorf("line %d %q not justified: right edge %.3f", i, string(rs[l.Start:l.End]), right)
		}
	}
	if b.String() != string(rs) {
		t.Errorf("lines joined = %q, want %q", b.String(), string(rs))
	}
}

// lineStretch is the widest space justifying added between two runes of
// the line.
func lineStretch(rs []rune, l Line, p Params) float64 {
	most := 0.0
	for i := 1; i < l.End-l.Start; i++ {
		a, b := rs[l.Start+i-1], rs[l.Start+i]
		natural := l.X[i-1] + gridAdvance(a) - l.Shrink[i-1] + gap(a, b, p.Em)
		most = max(most, l.X[i]-natural)
	}
	return most
}

func hasStretch(rs []rune) bool {
	for i := 1; i < len(rs); i++ {
		if stretchable(rs[i-1], rs[i]) {
			return true
		}
	}
	return false
}

// stress hits every rule at a line end on the 28-character grid.
const stress = "全縣73個參學單位選定典型培育點73個，查找突出問題149個，已解決79個（其中「邊學邊改」解決的佔87.6%），" +
	"為群眾辦實事32件——受益群眾1500余戶7000余人……領導幹部共作專題輔導227場次；投入幫扶資金11.3萬元。" +
	"《走出機關深入基層為一線分憂工作機制》、「流動黨員教育管理工作機制」等11項新機制：“兩手抓、兩不誤”！" +
	"黨員人均讀書筆記5000字以上，撰寫學習心得1篇以上？GB/T 9704-2012（黨政機關公文格式）。"

func TestBreakStress(t *testing.T) {
	for _, width := range []float64{28, 27, 20, 13, 9, 5} {
		p := Params{Width: width, Indent: 2, Em: 1}
		rs := []rune(stress)
		ls := Break(rs, p, gridOf(rs))
		checkLines(t, rs, ls, p)
		most := 0.0
		for i, l := range ls {
			line := string(rs[l.Start:l.End])
			if s := lineStretch(rs, l, p); s > maxStretch*p.Em+1e-6 {
				t.Errorf("width %v line %d %q stretched %.3f em between two characters", width, i, line, s)
			} else {
				most = max(most, s)
			}
			for _, whole := range []string{"227場次", "11.3萬元", "87.6%", "5000字", "1篇", "——", "……", "GB/T"} {
				if cutThrough(rs, l, whole) && !l.Forced {
					t.Errorf("width %v line %d %q cuts %q", width, i, line, whole)
				}
			}
		}
		t.Logf("width %v: widest justifying space %.3f em", width, most)
	}
}

// cutThrough reports whether the line ends inside an occurrence of whole.
func cutThrough(rs []rune, l Line, whole string) bool {
	s := string(rs)
	w := utf8.RuneCountInString(whole)
	for off := 0; ; {
		k := strings.Index(s[off:], whole)
		if k < 0 {
			return false
		}
		start := utf8.RuneCountInString(s[:off+k])
		if l.End > start && l.End < start+w {
			return true
		}
		off += k + len(whole)
	}
}

func FuzzBreak(f *testing.F) {
	for _, s := range []string{stress, "一", "（（（（（（（（（（（（（（", "，，，，，，，，，，，，，", "a b c", "——————————————", "１２３４５６７８９０個人", ""} {
		f.Add(s, 7.0)
	}
	f.Fuzz(func(t *testing.T, s string, width float64) {
		if !utf8.ValidString(s) || width < 1 || width > 100 || math.IsNaN(width) {
			return
		}
		p := Params{Width: width, Indent: 2, Em: 1}
		rs := []rune(s)
		ls := Break(rs, p, gridOf(rs))
		var b strings.Builder
		for i, l := range ls {
			b.WriteString(string(rs[l.Start:l.End]))
			forcedHere := l.Forced || (i > 0 && ls[i-1].Forced)
			if i > 0 && IsNoStart(rs[l.Start]) && !forcedHere {
				t.Errorf("line %d starts with %q", i, rs[l.Start])
			}
			if i < len(ls)-1 && IsNoEnd(rs[l.End-1]) && !l.Forced {
				t.Errorf("line %d ends with %q", i, rs[l.End-1])
			}
		}
		if b.String() != s {
			t.Fatalf("lines joined = %q, want %q", b.String(), s)
		}
	})
}
