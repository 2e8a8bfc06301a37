package typeset

import (
	"strings"
	"unicode"
)

// Characters that must not begin a line (GB/T 15834-2011 §5.1, W3C clreq),
// full-width and half-width forms.
const noStart = "，。、；：？！）］｝〕〗〉》」』】’”·～％‰℃°・︰" + "!%),.:;?]}"

// Characters that must not end a line.
const noEnd = "（［｛〔〖〈《「『【‘“￥＄" + "([{$¥"

// Closing marks whose ink sits on the left of the em box, so part of the
// box can be given up inside a line.
const squeezable = "，。、；：）］｝〕〗〉》」』】’”"

// IsNoStart reports whether r may not begin a line.
func IsNoStart(r rune) bool { return !isIdeograph(r) && strings.ContainsRune(noStart, r) }

// IsNoEnd reports whether r may not end a line.
func IsNoEnd(r rune) bool { return !isIdeograph(r) && strings.ContainsRune(noEnd, r) }

// isIdeograph reports whether r is a CJK unified ideograph, none of which
// is a mark: most of what is set, and asked about for every glyph drawn,
// is answered without looking through the marks.
func isIdeograph(r rune) bool { return r >= 0x4E00 && r <= 0x9FFF }

// IsOpening reports whether r is an opening mark, whose ink sits on the
// right of its box.
func IsOpening(r rune) bool { return IsNoEnd(r) }

// IsWide reports whether r takes a full grid cell: ideographs, kana, hangul
// and full-width punctuation. Everything else (Latin letters, digits,
// half-width marks) is proportional.
func IsWide(r rune) bool {
	switch {
	case r == '“' || r == '”' || r == '‘' || r == '’' || r == '—' || r == '…' || r == '·':
		// Ambiguous-width marks are full-width in Chinese text.
		return true
	case r >= 0x2E80 && r <= 0x9FFF, r >= 0xAC00 && r <= 0xD7AF, r >= 0xF900 && r <= 0xFAFF,
		r >= 0xFE30 && r <= 0xFE4F, r >= 0xFF01 && r <= 0xFF60, r >= 0xFFE0 && r <= 0xFFE6,
		r >= 0x20000:
		return true
	}
	return false
}

// isWord reports whether r belongs to a Latin/digit run that is kept whole.
func isWord(r rune) bool {
	return r < 0x2000 && !unicode.IsSpace(r) && !IsWide(r)
}

// Params are the geometry of one paragraph. Units are the caller's (mm).
type Params struct {
	Width  float64 // the text block's width
	Indent float64 // first-line indent
	Em     float64 // the body's character pitch, for squeezing and spacing
	Ragged bool    // set every line flush left (titles, table cells)
}

// Line is one set line: runes [Start, End) of the paragraph with the x of
// each rune measured from the left edge of the text block.
type Line struct {
	Start, End int
	X          []float64
	// Shrink is how much of the advance of each rune was given up by
	// squeezing, so that an opening mark can be drawn shifted left.
	Shrink []float64
	// Forced is set when no permitted break fitted and the line was cut
	// where it was full; the rules are then broken because they must be.
	Forced bool
	// Last marks a paragraph's last line, which is set flush left.
	Last bool
}

// Advance gives the width of rune i of the paragraph in the units of
// Params; by index, because the face that draws a rune (and so a Latin
// letter's width) may differ along a paragraph.
type Advance func(i int) float64

const eps = 1e-6

// Break cuts a paragraph into lines no wider than p.Width, keeping the
// line-start and line-end rules, numbers with their measure words, Latin
// runs and doubled dashes and ellipses whole. A line that overflows is
// first squeezed (a closing mark gives up half its box), and only then is
// a character carried to the next line. Every line but the last is
// justified to the full width.
func Break(text []rune, p Params, adv Advance) []Line {
	n := len(text)
	if n == 0 {
		return nil
	}
	ok := breakable(text)
	var lines []Line
	start := 0
	for start < n {
		indent := 0.0
		if start == 0 {
			indent = p.Indent
		}
		avail := p.Width - indent
		best, bestAny := -1, -1
		nat, mid := 0.0, 0.0 // natural width; what the marks before the last can give
		for b := start + 1; b <= n; b++ {
			nat += adv(b - 1)
			if b-1 > start {
				nat += gap(text[b-2], text[b-1], p.Em)
				mid += shrinkCap(text, start, b-2, b, p.Em)
			}
			squeeze := mid + shrinkCap(text, start, b-1, b, p.Em)
			fits := nat-squeeze <= avail+eps
			if fits {
				bestAny = b
				if b == n || ok[b] {
					best = b
				}
			}
			if nat-squeeze-p.Em > avail {
				break
			}
		}
		forced := false
		end := best
		if end < 0 {
			end = bestAny
			forced = true
			if end < 0 {
				end = start + 1
			}
		}
		lines = append(lines, Line{Start: start, End: end, Forced: forced})
		start = end
	}
	lines[len(lines)-1].Last = true
	pullLonelyLast(text, lines, ok, p, adv)
	for i := range lines {
		place(text, &lines[i], p, adv, lines[i].Start == 0)
	}
	return lines
}

// breakable[i] reports whether a line may start at rune i.
func breakable(text []rune) []bool {
	ok := make([]bool, len(text)+1)
	measured := make([]bool, len(text))
	for i := 0; i < len(text); i++ {
		if isDigit(text[i]) {
			// Glue the measure word after the number's last digit.
			j := i
			for j+1 < len(text) && (isDigit(text[j+1]) || (text[j+1] == '.' && j+2 < len(text) && isDigit(text[j+2]))) {
				j++
			}
			if w := measureAt(text, j+1); w > 0 {
				for k := j + 1; k < j+1+w; k++ {
					measured[k] = true
				}
			}
			i = j
		}
	}
	for i := 1; i < len(text); i++ {
		a, b := text[i-1], text[i]
		switch {
		case IsNoStart(b), IsNoEnd(a):
		case measured[i]:
		case isWord(a) && isWord(b):
		case a == b && (a == '—' || a == '…' || a == '⸺'):
		case unicode.IsSpace(b):
			// Break after a space, not before, so lines don't start blank.
		default:
			ok[i] = true
		}
	}
	return ok
}

func isDigit(r rune) bool { return (r >= '0' && r <= '9') || (r >= '０' && r <= '９') }

// measureAt is the length of the measure word at text[i], 0 if none. A
// measure word stays on the line of the number before it. Longest first, so
// that 場次 wins over 場; both scripts, since Simplified text is converted
// before it is set.
func measureAt(text []rune, i int) int {
	measureWords := [...]string{
		"場次", "萬元", "億元", "万元", "亿元", "餘戶", "餘人", "餘個", "余戶", "余人", "余户", "余個", "余个",
		"萬", "億", "万", "亿", "餘", "余", "多", "個", "个", "件", "戶", "户", "人", "項", "项", "場", "场", "次",
		"家", "條", "条", "篇", "字", "份", "元", "台", "臺", "名", "年", "月", "日", "天", "倍", "期", "批",
		"處", "处", "所", "座", "畝", "亩", "噸", "吨", "米", "歲", "岁", "%", "％", "‰", "℃",
	}
	for _, w := range measureWords {
		rs := []rune(w)
		if i+len(rs) > len(text) {
			continue
		}
		if string(text[i:i+len(rs)]) == w {
			return len(rs)
		}
	}
	return 0
}

// gap is the space between a Latin run and Chinese: up to a quarter em by
// the rules; an eighth reads well at body size.
func gap(a, b rune, em float64) float64 {
	if (isWord(a) && IsWide(b) && !IsNoStart(b)) || (IsWide(a) && !IsNoEnd(a) && isWord(b)) {
		return em / 8
	}
	return 0
}

// shrinkCap is how much of rune i's box may be given up on a line
// [start,end): a quarter for a full-width mark (its ink fills less than half
// the box). The marks that open and end a line give up nothing: their box
// would cross the type area, and a mark squeezed there is a mark squashed.
func shrinkCap(text []rune, start, i, end int, em float64) float64 {
	r := text[i]
	if !IsWide(r) || i == start || i == end-1 {
		return 0
	}
	if strings.ContainsRune(squeezable, r) || IsOpening(r) {
		return em / 4
	}
	return 0
}

// squeezeCap is how much the line [start,end) may shrink.
func squeezeCap(text []rune, start, end int, em float64) float64 {
	c := 0.0
	for i := start; i < end; i++ {
		c += shrinkCap(text, start, i, end, em)
	}
	return c
}

// pullLonelyLast gives a paragraph's one-character last line a companion
// from the line above, so no line holds a single character.
func pullLonelyLast(text []rune, lines []Line, ok []bool, p Params, adv Advance) {
	k := len(lines) - 1
	if k < 1 || lines[k].End-lines[k].Start != 1 || lines[k-1].Forced {
		return
	}
	prev := &lines[k-1]
	for b := lines[k].Start - 1; b > prev.Start+1; b-- {
		if !ok[b] {
			continue
		}
		w := 0.0
		for i := b; i < lines[k].End; i++ {
			w += adv(i)
			if i > b {
				w += gap(text[i-1], text[i], p.Em)
			}
		}
		if w <= p.Width+eps {
			prev.End = b
			lines[k].Start = b
		}
		return
	}
}

// place fixes the x of each rune: squeezed when the line overflows,
// stretched evenly over the gaps between characters, by at most maxStretch,
// when it is short and not the last, never inside a Latin run or a doubled
// dash.
func place(text []rune, l *Line, p Params, adv Advance, first bool) {
	n := l.End - l.Start
	l.X = make([]float64, n)
	l.Shrink = make([]float64, n)
	adv0 := make([]float64, n)
	gaps := make([]float64, n) // gaps[i]: space before rune i
	nat := 0.0
	for i := 0; i < n; i++ {
		r := text[l.Start+i]
		adv0[i] = adv(l.Start + i)
		if i > 0 {
			gaps[i] = gap(text[l.Start+i-1], r, p.Em)
		}
		nat += adv0[i] + gaps[i]
	}
	x0 := 0.0
	if first {
		x0 = p.Indent
	}
	over := nat - (p.Width - x0)
	if over > eps {
		// Every mark gives up the same share of what it can.
		total := squeezeCap(text, l.Start, l.End, p.Em)
		if total > eps {
			f := minf(1, over/total)
			for i := 0; i < n; i++ {
				l.Shrink[i] = f * shrinkCap(text, l.Start, l.Start+i, l.End, p.Em)
			}
			over -= f * total
		}
	}
	stretch := 0.0
	if !l.Last && !p.Ragged && over < -eps {
		slots := 0
		for i := 1; i < n; i++ {
			if stretchable(text[l.Start+i-1], text[l.Start+i]) {
				slots++
			}
		}
		if slots > 0 {
			stretch = min(-over/float64(slots), maxStretch*p.Em)
		}
	}
	x := x0
	for i := 0; i < n; i++ {
		if i > 0 {
			x += gaps[i]
			if stretch > 0 && stretchable(text[l.Start+i-1], text[l.Start+i]) {
				x += stretch
			}
		}
		l.X[i] = x
		x += adv0[i] - l.Shrink[i]
	}
}

// maxStretch is the most space, in ems, justifying may add between two
// characters: beyond it a line reads as letter-spaced ("全 縣 共 舉 辦"), and
// a line short by more keeps the rest at its end.
const maxStretch = 0.25

func stretchable(a, b rune) bool {
	if isWord(a) && isWord(b) {
		return false
	}
	if a == b && (a == '—' || a == '…') {
		return false
	}
	return true
}

func minf(a, b float64) float64 {
	if a < b {
		return a
	}
	return b
}
