package render

import (
	"image/color"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"

	"countybrief/pipeline/workspace"
)

// TestReportingChartStacks: chart 2 as the PDF prints it has, per unit
// kind, counts that add up to the kind's units, and no "0" for a state
// the kind does not have.
func TestReportingChartStacks(t *testing.T) {
	for _, lang := range []string{workspace.Traditional, workspace.Simplified} {
		t.Run(lang, func(t *testing.T) {
			ws := testWorkspace(t, lang)
			r := newRenderer(t, ws)
			b := domainBriefing(t, ws)
			units := map[string]int{}
			for _, u := range b.Units {
				k, err := r.conv(u.Unit.Kind)
				if err != nil {
					t.Fatal(err)
				}
				units[k]++
			}
			pdf, _ := render(t, r, b)
			raw := run(t, "pdftotext", "-raw", "-enc", "UTF-8", writeTemp(t, "b.pdf", pdf), "-")
			caption, err := r.conv("圖2")
			if err != nil {
				t.Fatal(err)
			}
			start := strings.Index(raw, caption)
			if start < 0 {
				t.Fatalf("no %s in the PDF", caption)
			}
			// The chart runs to the next heading, the appendix's.
			chart := strings.SplitN(raw[start:], "\n附件", 2)[0]
			got := map[string]int{}
			kind := ""
			for _, tok := range strings.Fields(chart) {
				if _, ok := units[tok]; ok {
					kind = tok
					continue
				}
				n, err := strconv.Atoi(tok)
				if err != nil || kind == "" {
					continue
				}
				if n == 0 {
					t.Errorf("%s: a \"0\" label in chart 2", kind)
				}
				got[kind] += n
			}
			for k, n := range units {
				if got[k] != n {
					t.Errorf("chart 2's counts for %s add up to %d, want its %d units", k, got[k], n)
				}
			}
		})
	}
}

// chartsTemplate puts charts 1 and 2 of the default template on page 1.
const chartsTemplate = ".title\n圖表\n" +
	"\n.chart bar indicators=problems_found,problems_solved 圖1　各類單位查找和解決問題情況\n" +
	"\n.chart reporting 圖2　各類單位報送情況\n"

// chartPage renders the two charts of the default template on page 1 of
// a briefing and returns the PDF's path and its words there.
func chartPage(t *testing.T, ws *workspace.Workspace) (string, []bboxBox) {
	t.Helper()
	if err := os.MkdirAll(ws.TemplatesDir(), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(ws.TemplatesDir(), "briefing.tmpl"), []byte(chartsTemplate), 0o644); err != nil {
		t.Fatal(err)
	}
	pdf, _ := render(t, newRenderer(t, ws), domainBriefing(t, ws))
	path := writeTemp(t, "charts.pdf", pdf)
	var words []bboxBox
	for _, m := range bboxWord.FindAllStringSubmatch(run(t, "pdftotext", "-bbox", "-enc", "UTF-8", "-f", "1", "-l", "1", path, "-"), -1) {
		var w bboxBox
		for i, v := range []*float64{&w.x0, &w.y0, &w.x1, &w.y1} {
			*v, _ = strconv.ParseFloat(m[i+1], 64)
		}
		w.text = m[5]
		words = append(words, w)
	}
	return path, words
}

// bboxBox is a word of pdftotext -bbox, in points.
type bboxBox struct {
	x0, y0, x1, y1 float64
	text           string
}

// TestChartTextAtLeastWuhao: an office setting its tables in 9 pt still
// gets charts whose legends, labels and figures are at least 10.5 pt
// (五號) tall, as pdftotext measures the words.
func TestChartTextAtLeastWuhao(t *testing.T) {
	const wuhao = 10.5
	ws := testWorkspace(t, workspace.Traditional)
	ws.Config.Layout.TableSize = 9
	_, words := chartPage(t, ws)
	checked := 0
	for _, w := range words {
		if w.text == "圖表" || strings.HasPrefix(w.text, "圖") || strings.HasPrefix(w.text, "各類單位") {
			continue // the title and the captions, at body size
		}
		checked++
		if h := w.y1 - w.y0; h < wuhao-0.05 {
			t.Errorf("%q is %.2f pt tall, want at least %.1f", w.text, h, wuhao)
		}
	}
	if checked < 12 {
		t.Fatalf("only %d chart words found: %v", checked, words)
	}
}

// TestBarChartReadsInGrey: printed in black and white, chart 1's two
// series stay apart: on the page rendered in grey, each category's bars
// differ in grey level or in texture (hatching), and every bar shows on
// white paper.
func TestBarChartReadsInGrey(t *testing.T) {
	ws := testWorkspace(t, workspace.Traditional)
	path, words := chartPage(t, ws)
	const dpi = 150
	out := filepath.Join(t.TempDir(), "page")
	run(t, "pdftoppm", "-gray", "-r", strconv.Itoa(dpi), "-png", "-f", "1", "-l", "1", "-singlefile", path, out)
	f, err := os.Open(out + ".png")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatal(err)
	}
	px := func(pt float64) int { return int(pt * dpi / 72) }
	// Chart 1 lies between its caption and chart 2's; its category labels
	// end at the axis, its figures sit at the ends of the bars, centred on them.
	top, bottom, axis := 0.0, 0.0, 0.0
	var figures []bboxBox
	for _, w := range words {
		switch {
		case strings.HasPrefix(w.text, "圖1"):
			top = w.y1
		case strings.HasPrefix(w.text, "圖2"):
			bottom = w.y0
		}
	}
	for _, w := range words {
		if w.y0 < top || w.y1 > bottom {
			continue
		}
		if _, err := strconv.Atoi(w.text); err == nil {
			figures = append(figures, w)
		} else if w.text == "鄉鎮" || w.text == "縣直" {
			axis = max(axis, w.x1)
		}
	}
	if len(figures) != 4 || axis == 0 {
		t.Fatalf("chart 1: %d figures (want 2 kinds × 2 series), axis at %.1f pt", len(figures), axis)
	}
	sort.Slice(figures, func(i, j int) bool { return figures[i].y0 < figures[j].y0 })
	type look struct{ mean, std float64 }
	bar := func(w bboxBox) look {
		y := px((w.y0 + w.y1) / 2)
		var sum, sq, n float64
		for x := px(axis + 10); x < px(axis+60); x++ {
			for dy := -2; dy <= 2; dy++ {
				v := float64(color.GrayModel.Convert(img.At(x, y+dy)).(color.Gray).Y)
				sum, sq, n = sum+v, sq+v*v, n+1
			}
		}
		mean := sum / n
		return look{mean, math.Sqrt(max(sq/n-mean*mean, 0))}
	}
	for i := 0; i < len(figures); i += 2 {
		a, b := bar(figures[i]), bar(figures[i+1])
		for _, l := range []look{a, b} {
			if l.mean > 245 && l.std < 10 {
				t.Errorf("a bar of category %d is white paper (grey %.0f ± %.0f)", i/2+1, l.mean, l.std)
			}
		}
		if math.Abs(a.mean-b.mean) < 60 && math.Abs(a.std-b.std) < 30 {
			t.Errorf("category %d: the series' bars look alike in grey (%.0f ± %.0f and %.0f ± %.0f)", i/2+1, a.mean, a.std, b.mean, b.std)
		}
		t.Logf("category %d: grey %.0f ± %.0f and %.0f ± %.0f", i/2+1, a.mean, a.std, b.mean, b.std)
	}
}

// TestLongCategoryNames: a unit kind too long for the room before the
// axis wraps, every line of it drawn (the first alone used to be), and
// the axis moves in for a name that fits a third of the text block.
func TestLongCategoryNames(t *testing.T) {
	for _, kind := range []string{"行業主管部門", "縣直機關企事業單位和人民團體派出機構"} {
		t.Run(kind, func(t *testing.T) {
			ws := testWorkspace(t, workspace.Traditional)
			b := domainBriefing(t, ws)
			rename := func(k string) string {
				if k == "縣直" {
					return kind
				}
				return k
			}
			for i := range ws.Units {
				ws.Units[i].Kind = rename(ws.Units[i].Kind)
			}
			for i := range ws.Kinds {
				ws.Kinds[i] = rename(ws.Kinds[i])
			}
			for i := range b.Units {
				b.Units[i].Unit.Kind = rename(b.Units[i].Unit.Kind)
			}
			for i := range b.Reported {
				b.Reported[i].Unit.Kind = rename(b.Reported[i].Unit.Kind)
			}
			if err := os.MkdirAll(ws.TemplatesDir(), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(ws.TemplatesDir(), "briefing.tmpl"), []byte(chartsTemplate), 0o644); err != nil {
				t.Fatal(err)
			}
			pdf, text := render(t, newRenderer(t, ws), b)
			path := writeTemp(t, "charts.pdf", pdf)
			raw := squash(run(t, "pdftotext", "-raw", "-enc", "UTF-8", path, "-"))
			if got := strings.Count(raw, kind); got != 2 {
				t.Errorf("the PDF names %s %d times, want once in each chart:\n%s", kind, got, raw)
			}
			if want := squash(text); raw != want {
				i := firstDiff(raw, want)
				t.Errorf("pdftotext differs from the text twin at rune %d:\n pdf: %s\ntext: %s", i, around(raw, i), around(want, i))
			}
			checkTypeArea(t, ws.Config.Layout, run(t, "pdftotext", "-bbox", "-enc", "UTF-8", path, "-"))
		})
	}
}
