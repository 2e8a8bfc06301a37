package xlsxscan

import (
	"errors"
	"fmt"
	"reflect"
	"regexp"
	"strings"
	"testing"
)

// sheetOf wraps cells XML in a worksheet of one row per entry.
func sheetOf(rows ...string) string {
	var b strings.Builder
	b.WriteString(`<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="` + nsMain + `"><sheetData>`)
	for i, r := range rows {
		fmt.Fprintf(&b, `<row r="%d">%s</row>`, i+1, r)
	}
	b.WriteString(`</sheetData></worksheet>`)
	return b.String()
}

// rowsRead is what Rows gives of a sheet, with the empty formulas it
// noted, or the error.
type rowsRead struct {
	rows    []string
	formula [][2]int
	merges  []string
	err     error
}

func readSheet(text string, sst []string, lim Limits) rowsRead {
	return readSheetCached(text, sst, lim, nil)
}

// readSheetCached reads a sheet as a Book opened with cache does.
func readSheetCached(text string, sst []string, lim Limits, cache *Cache) rowsRead {
	b := &Book{lim: lim, parts: map[string]*sharedPart{"s": {text: text}}, sheets: []sheet{{name: "S", part: "s"}}, sst: sst, scratch: new(Scratch), cache: cache}
	var got rowsRead
	got.err = b.Rows("S", func(row int, cells []string) error {
		got.rows = append(got.rows, fmt.Sprintf("%d:%q", row, cells))
		return nil
	})
	got.formula = b.sheets[0].emptyFormulas
	got.merges = b.sheets[0].merges
	return got
}

// slowTags makes every start tag of row, c, v, si and t take a space
// before its end, which the plain readers (plainRow, plainCell, plainSI) leave to the
// scanner: the same document read token by token.
var slowTags = regexp.MustCompile(`<(row|c|v|si|t)((?:\s[^<>"'/]*(?:"[^"<>]*"|'[^'<>]*')?)*)(/?)>`)

func slow(doc string) string { return slowTags.ReplaceAllString(doc, "<$1$2 $3>") }

// TestPlainCellsReadAsTokens reads cells written the usual way, which
// plainCell reads, and the same cells written so that the scanner reads
// them token by token: both give the same rows, the same formulas noted
// and the same refusals.
func TestPlainCellsReadAsTokens(t *testing.T) {
	sst := []string{"代碼", "數值", "x_x0041_"}
	for _, tc := range []struct {
		name  string
		cells string
		ok    bool
	}{
		{"shared strings and numbers", `<c r="A1" s="1" t="s"><v>0</v></c><c r="B1" s="2"><v>12.5</v></c><c r="C1" t="s"><v>1</v></c>`, true},
		{"empty and self-closed", `<c r="A1" s="1"></c><c r="B1" s="1"/><c r="C1"><v>3</v></c>`, true},
		{"no reference", `<c><v>1</v></c><c s="3"/><c t="n"><v>2</v></c>`, true},
		{"empty value", `<c r="A1"><v></v></c><c r="B1" t="s"><v></v></c>`, true},
		{"index out of range", `<c r="A1" t="s"><v>9</v></c><c r="B1" t="s"><v>x</v></c>`, true},
		{"value with a tag end", `<c r="A1" t="str"><v>a>b</v></c>`, true},
		{"value with a newline", "<c r=\"A1\" t=\"str\"><v>a\nb</v></c>", true},
		{"entity", `<c r="A1" t="str"><v>a&amp;b</v></c>`, true},
		{"carriage return", "<c r=\"A1\" t=\"str\"><v>a\r\nb</v></c>", true},
		{"chinese value", `<c r="A1" t="str"><v>數值</v></c>`, true},
		{"other attribute", `<c r="A1" cm="1"><v>1</v></c>`, true},
		{"prefixed reference", `<c x:r="A1" xmlns:x="u"><v>1</v></c>`, true},
		{"formula with value", `<c r="A1"><f>1+1</f><v>2</v></c>`, true},
		{"formula without value", `<c r="A1"><f>1+1</f></c>`, true},
		{"inline string", `<c r="A1" t="inlineStr"><is><t>內</t></is></c>`, true},
		{"style not a number", `<c r="A1" s="x"><v>1</v></c>`, false},
		{"style with a sign", `<c r="A1" s="+1"><v>1</v></c>`, true},
		{"reference twice", `<c r="A1" r="B1"><v>1</v></c>`, false},
		{"reference by two names", `<c r="A1" x:r="B1" xmlns:x="u"><v>1</v></c>`, false},
		{"type twice", `<c r="A1" t="s" t="n"><v>1</v></c>`, false},
		{"style twice", `<c r="A1" s="1" s="1"><v>1</v></c>`, false},
		{"reference of another row", `<c r="A2"><v>1</v></c>`, false},
		{"columns backwards", `<c r="B1"><v>1</v></c><c r="A1"><v>1</v></c>`, false},
		{"lower-case reference", `<c r="a1"><v>1</v></c>`, false},
		{"two values", `<c r="A1"><v>1</v><v>2</v></c>`, false},
		{"unclosed value", `<c r="A1"><v>1</c>`, false},
		{"bad entity", `<c r="A1"><v>&bogus;</v></c>`, false},
		{"control character", "<c r=\"A1\"><v>\x01</v></c>", false},
		{"cdata end", `<c r="A1"><v>]]></v></c>`, false},
		{"bad value quote", `<c r="A1<"><v>1</v></c>`, false},
		{"unknown child", `<c r="A1"><x/></c>`, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			doc := sheetOf(tc.cells, `<c r="A2"><v>7</v></c>`)
			fast, tokens := readSheet(doc, sst, testLimits), readSheet(slow(doc), sst, testLimits)
			if slow(doc) == doc {
				t.Fatal("slowTags changed nothing")
			}
			if !reflect.DeepEqual(fast, tokens) {
				t.Errorf("read\n%+v\nand token by token\n%+v", fast, tokens)
			}
			if ok := fast.err == nil; ok != tc.ok {
				t.Errorf("err %v, want ok %v", fast.err, tc.ok)
			}
			if fast.err != nil && !errors.Is(fast.err, ErrUnsupported) {
				t.Errorf("err %v, want ErrUnsupported", fast.err)
			}
		})
	}
}

// TestPlainReadersCountElements: the plain readers count the elements
// and depth they pass as the scanner does, so a limit refuses the same
// documents read either way.
func TestPlainReadersCountElements(t *testing.T) {
	doc := sheetOf(`<c r="A1" t="s"><v>0</v></c><c r="B1" s="1"/><c r="C1"></c>`, `<c r="A2"><v>7</v></c>`)
	elements := strings.Count(doc, "<") - strings.Count(doc, "</") - 1 // less the declaration
	sst := `<?xml version="1.0" encoding="UTF-8"?><sst xmlns="` + nsMain + `"><si><t>a</t></si><si><t xml:space="preserve"> b </t></si><si><t>c&amp;</t></si></sst>`
	sstElements := 7
	for _, tc := range []struct {
		name   string
		lim    Limits
		ok     bool
		sstOK  bool
		doSST  bool
		doRows bool
	}{
		{"elements enough", Limits{MaxDepth: 64, MaxElements: elements}, true, false, false, true},
		{"one element short", Limits{MaxDepth: 64, MaxElements: elements - 1}, false, false, false, true},
		{"depth enough", Limits{MaxDepth: 5, MaxElements: 1000}, true, false, false, true},
		{"depth one short", Limits{MaxDepth: 4, MaxElements: 1000}, false, false, false, true},
		{"strings: elements enough", Limits{MaxDepth: 64, MaxElements: sstElements}, false, true, true, false},
		{"strings: one element short", Limits{MaxDepth: 64, MaxElements: sstElements - 1}, false, false, true, false},
		{"strings: depth enough", Limits{MaxDepth: 3, MaxElements: 1000}, false, true, true, false},
		{"strings: depth one short", Limits{MaxDepth: 2, MaxElements: 1000}, false, false, true, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.doRows {
				fast, tokens := readSheet(doc, []string{"s"}, tc.lim), readSheet(slow(doc), []string{"s"}, tc.lim)
				if !reflect.DeepEqual(fast, tokens) {
					t.Errorf("read\n%+v\nand token by token\n%+v", fast, tokens)
				}
				if ok := fast.err == nil; ok != tc.ok {
					t.Errorf("err %v, want ok %v", fast.err, tc.ok)
				}
			}
			if tc.doSST {
				fast, ferr := parseSST(sst, tc.lim)
				tokens, terr := parseSST(slow(sst), tc.lim)
				if !reflect.DeepEqual(fast, tokens) || (ferr == nil) != (terr == nil) {
					t.Errorf("strings %q %v, token by token %q %v", fast, ferr, tokens, terr)
				}
				if ok := ferr == nil; ok != tc.sstOK {
					t.Errorf("strings err %v, want ok %v", ferr, tc.sstOK)
				}
				if ferr == nil && !reflect.DeepEqual(fast, []string{"a", " b ", "c&"}) {
					t.Errorf("strings %q", fast)
				}
			}
		})
	}
}

// TestPlainSharedStrings reads shared strings written the usual way and
// token by token: the same strings, or the same refusal.
func TestPlainSharedStrings(t *testing.T) {
	for _, tc := range []struct {
		name, items string
		ok          bool
	}{
		{"plain", `<si><t>代碼</t></si><si><t></t></si><si><t xml:space="preserve"> a </t></si>`, true},
		{"escapes", `<si><t>a_x0041_b</t></si><si><t>x&lt;y</t></si><si><t>a` + "\r\n" + `b</t></si>`, true},
		{"runs", `<si><r><t>a</t></r><r><rPr><b/></rPr><t>b</t></r></si><si><t>h</t><rPh sb="0" eb="1"><t>p</t></rPh></si>`, true},
		{"whitespace between", "<si><t>a</t></si>\n<si><t>b</t></si>", true},
		{"other attribute on t", `<si><t foo="1">a</t></si>`, true},
		{"two texts", `<si><t>a</t><t>b</t></si>`, false},
		{"unclosed", `<si><t>a</si>`, false},
		{"bad character", "<si><t>\x02</t></si>", false},
		{"cdata end", `<si><t>]]></t></si>`, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			doc := `<?xml version="1.0" encoding="UTF-8"?><sst xmlns="` + nsMain + `">` + tc.items + `</sst>`
			fast, ferr := parseSST(doc, testLimits)
			tokens, terr := parseSST(slow(doc), testLimits)
			if slow(doc) == doc {
				t.Fatal("slowTags changed nothing")
			}
			if !reflect.DeepEqual(fast, tokens) || (ferr == nil) != (terr == nil) {
				t.Errorf("strings %q %v, token by token %q %v", fast, ferr, tokens, terr)
			}
			if ok := ferr == nil; ok != tc.ok {
				t.Errorf("err %v, want ok %v", ferr, tc.ok)
			}
		})
	}
}

// FuzzPlainReaders reads arbitrary sheets and string tables as they are
// and token by token: the plain readers must never read otherwise than
// the scanner.
func FuzzPlainReaders(f *testing.F) {
	f.Add(sheetOf(`<c r="A1" s="1" t="s"><v>0</v></c><c r="B1" s="2"/><c r="C1"></c>`, `<c r="A2"><v>7</v></c>`))
	f.Add(sheetOf(`<c r="A1" t="str"><v>a&amp;b</v></c><c><v>1</v></c>`))
	f.Add(`<?xml version="1.0" encoding="UTF-8"?><sst xmlns="` + nsMain + `"><si><t>a</t></si><si><t xml:space="preserve"> b </t></si></sst>`)
	sst := []string{"a", "b"}
	f.Fuzz(func(t *testing.T, doc string) {
		tokens := slow(doc)
		if tokens == doc {
			return
		}
		if fast, slow := readSheet(doc, sst, testLimits), readSheet(tokens, sst, testLimits); !reflect.DeepEqual(fast, slow) {
			t.Fatalf("read\n%+v\nand token by token\n%+v", fast, slow)
		}
		lim := Limits{MaxDepth: 4, MaxElements: 40}
		if fast, slow := readSheet(doc, sst, lim), readSheet(tokens, sst, lim); !reflect.DeepEqual(fast, slow) {
			t.Fatalf("within %+v read\n%+v\nand token by token\n%+v", lim, fast, slow)
		}
		fast, ferr := parseSST(doc, testLimits)
		slow, serr := parseSST(tokens, testLimits)
		if !reflect.DeepEqual(fast, slow) || (ferr == nil) != (serr == nil) {
			t.Fatalf("strings %q %v, token by token %q %v", fast, ferr, slow, serr)
		}
	})
}

// tailHeads are sheets up to the end of their sheetData, to which a tail
// is added: of different lengths, one with a prefixed root.
var tailHeads = []string{
	`<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="` + nsMain + `"><sheetData><row r="1"><c r="A1"><v>1</v></c></row></sheetData>`,
	`<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="` + nsMain + `"><mergeCells><mergeCell ref="A1:A2"/></mergeCells><sheetData><row r="1"><c r="A1"><v>1</v></c><c r="B1"/></row><row r="2"><c r="A2" t="s"><v>0</v></c></row><row r="3"/></sheetData>`,
	`<?xml version="1.0" encoding="UTF-8"?><x:worksheet xmlns:x="` + nsMain + `"><x:sheetData><x:row r="1"><x:c r="A1"><x:v>1</x:v></x:c></x:row></x:sheetData>`,
}

// readTails reads each head with tail, several times over, through one
// cache and without any: a tail taken from the cache must read as it
// reads when scanned, whatever the head before it.
func readTails(t *testing.T, tail string, lim Limits) {
	cache := NewCache()
	for _, i := range []int{0, 0, 0, 1, 2, 1, 0, 2} {
		doc := tailHeads[i] + tail
		want, got := readSheet(doc, []string{"s"}, lim), readSheetCached(doc, []string{"s"}, lim, cache)
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("head %d: read through the cache\n%+v\nscanned\n%+v", i, got, want)
		}
	}
}

// TestSheetTailFromCache: a tail met before is taken from the cache with
// the same rows, merges and refusals, the element limit counted, and the
// root it closes checked.
func TestSheetTailFromCache(t *testing.T) {
	for _, tc := range []struct {
		name, tail string
		lim        Limits
	}{
		{"merges and validations", `<mergeCells count="2"><mergeCell ref="A1:F1"></mergeCell><mergeCell ref="B2"/></mergeCells><dataValidations><dataValidation error="「數值」只能填0" sqref="C8"><formula1>0</formula1></dataValidation></dataValidations></worksheet>`, testLimits},
		{"prefixed root", `<x:mergeCells><x:mergeCell ref="A1:B1"/></x:mergeCells></x:worksheet>`, testLimits},
		{"merge without ref", `<mergeCells><mergeCell/><mergeCell ref="A1" ref2="x"/></mergeCells></worksheet>`, testLimits},
		{"second sheetData", `<sheetData/></worksheet>`, testLimits},
		{"malformed", `<mergeCells></worksheet>`, testLimits},
		{"elements near the limit", `<a/><b/><c/><d/><e/></worksheet>`, Limits{MaxDepth: 64, MaxElements: 16}},
		{"depth", `<a><b><c/></b></a></worksheet>`, Limits{MaxDepth: 4, MaxElements: 1000}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			readTails(t, tc.tail, tc.lim)
		})
	}
	cache := NewCache()
	doc := tailHeads[0] + `<mergeCells><mergeCell ref="A1:B1"/></mergeCells></worksheet>`
	for range 3 {
		readSheetCached(doc, nil, testLimits, cache)
	}
	if len(cache.tails) != 1 {
		t.Errorf("%d tails cached after three sheets with one tail, want 1", len(cache.tails))
	}
}

// FuzzSheetTail reads arbitrary tails after sheets of different heads,
// through the cache and scanned.
func FuzzSheetTail(f *testing.F) {
	f.Add(`<mergeCells><mergeCell ref="A1:B2"/></mergeCells></worksheet>`)
	f.Add(`<x:mergeCells><x:mergeCell ref="A1:B1"/></x:mergeCells></x:worksheet>`)
	f.Add(`<dataValidations><dataValidation sqref="C8"><formula1>0</formula1></dataValidation></dataValidations></worksheet>`)
	f.Fuzz(func(t *testing.T, tail string) {
		readTails(t, tail, testLimits)
		readTails(t, tail, Limits{MaxDepth: 5, MaxElements: 14})
	})
}

// TestSharedStringIndex reads a shared string's index as excelize does:
// trimmed, a bad one as 0, one out of range as empty.
func TestSharedStringIndex(t *testing.T) {
	sst := []string{"零", "一", "二"}
	for _, tc := range []struct{ v, want string }{
		{"1", "一"}, {"01", "一"}, {" 2 ", "二"}, {"1.0", "零"}, {"x", "零"},
		{"-1", ""}, {"3", ""}, {"9999999999", ""},
	} {
		got := readSheet(sheetOf(`<c r="A1" t="s"><v>`+tc.v+`</v></c>`), sst, testLimits)
		want := []string{fmt.Sprintf("1:%q", []string{tc.want})}
		if tc.want == "" {
			want = []string{`1:[]`}
		}
		if got.err != nil || !reflect.DeepEqual(got.rows, want) {
			t.Errorf("index %q: %v %v, want %v", tc.v, got.rows, got.err, want)
		}
	}
}
