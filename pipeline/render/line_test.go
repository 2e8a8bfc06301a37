package render

import (
	"bytes"
	"image"
	"image/png"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"countybrief/pipeline/merge"
	"countybrief/pipeline/workspace"
)

// lineTemplate is a briefing of a title and one line chart.
const lineTemplate = ".title\n各期查找和解決問題\n\n.chart line indicators=problems_found,problems_solved 圖1　全縣歷期查找和解決問題\n"

// lineWorkspace is a workspace whose briefing is lineTemplate.
func lineWorkspace(t *testing.T) *workspace.Workspace {
	t.Helper()
	ws := testWorkspace(t, "")
	if err := os.MkdirAll(ws.TemplatesDir(), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(ws.TemplatesDir(), "briefing.tmpl"), []byte(lineTemplate), 0o644); err != nil {
		t.Fatal(err)
	}
	return ws
}

func past(issue int, period string, all map[string]float64) PastIssue {
	return PastIssue{Issue: issue, Period: period, Totals: merge.Totals{All: all}}
}

// TestLineChartOverPeriods: three earlier periods (2008-10 issued twice,
// the later issue counting) and the current issue are drawn in issue
// order, labelled by period; problems_solved, absent from the first
// issue, is a gap (—), not 0. The PDF reads back as the text twin, and
// its page has the red line of the second indicator across the plot.
func TestLineChartOverPeriods(t *testing.T) {
	ws := lineWorkspace(t)
	r := newRenderer(t, ws)
	b := domainBriefing(t, ws)
	b.Issue = 5
	b.History = []PastIssue{
		past(1, "2008-09", map[string]float64{"problems_found": 101}),
		past(2, "2008-10", map[string]float64{"problems_found": 888, "problems_solved": 999}),
		past(3, "2008-10", map[string]float64{"problems_found": 133, "problems_solved": 57}),
		past(4, "2008-11", map[string]float64{"problems_found": 140, "problems_solved": 66}),
	}
	pdf, text := render(t, r, b)
	want := "圖1　全縣歷期查找和解決問題\n查找突出問題　其中已解決\n2008-09\t101\t—\n2008-10\t133\t57\n2008-11\t140\t66\n2008-12\t149\t79\n"
	if !strings.Contains(text, want) {
		t.Errorf("text twin lacks\n%s\ngot:\n%s", want, text)
	}
	if strings.Contains(text, "888") || strings.Contains(text, "999") {
		t.Error("the superseded issue of 2008-10 is charted")
	}
	path := writeTemp(t, "line.pdf", pdf)
	raw := run(t, "pdftotext", "-raw", "-enc", "UTF-8", path, "-")
	if got, want := squash(raw), squash(text); got != want {
		i := firstDiff(got, want)
		t.Errorf("pdftotext differs from the text twin at rune %d:\n pdf: %s\ntext: %s", i, around(got, i), around(want, i))
	}
	for _, w := range []string{"2008-09", "2008-10", "2008-11", "2008-12", "101", "133", "140", "149", "57", "66", "79"} {
		if !strings.Contains(raw, w) {
			t.Errorf("PDF text lacks %q", w)
		}
	}
	if missing, _ := uncoveredGlyphs(t, pdf); len(missing) > 0 {
		t.Errorf("drawn as .notdef: %v", missing)
	}
	cols, rows := redSpread(t, page1(t, path))
	// The legend's swatch is a few pixels each way; the line spans three
	// of the four periods and climbs from 57 to 79.
	if cols < 100 || rows < 10 {
		t.Errorf("red drawn over %d columns and %d rows, want the second indicator's line across the plot", cols, rows)
	}
}

// TestLineChartAlone: with no earlier issue (the trial run, a first
// issue) the chart is one point per indicator, with no NaN anywhere.
func TestLineChartAlone(t *testing.T) {
	ws := lineWorkspace(t)
	r := newRenderer(t, ws)
	b := domainBriefing(t, ws)
	_, text := render(t, r, b)
	if want := "查找突出問題　其中已解決\n2008-12\t149\t79\n"; !strings.HasSuffix(text, want) {
		t.Errorf("text twin ends\n%s\nwant it to end\n%s", text, want)
	}
	var buf bytes.Buffer
	if _, err := r.pdf(&buf, b, false); err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(buf.Bytes(), []byte("NaN")) {
		t.Error("the PDF draws at NaN")
	}
	if _, err := r.pdf(io.Discard, sampleBriefing(ws), false); err != nil {
		t.Errorf("trial run: %v", err)
	}
}

// page1 renders the first page at 60 dpi.
func page1(t *testing.T, pdf string) image.Image {
	t.Helper()
	out := filepath.Join(t.TempDir(), "page")
	run(t, "pdftoppm", "-r", "60", "-png", "-f", "1", "-l", "1", "-singlefile", pdf, out)
	f, err := os.Open(out + ".png")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatal(err)
	}
	return img
}

// redSpread is how many columns and rows hold a pixel of the second
// series' red.
func redSpread(t *testing.T, img image.Image) (cols, rows int) {
	t.Helper()
	xs, ys := map[int]bool{}, map[int]bool{}
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			r, g, bl, _ := img.At(x, y).RGBA()
			if r>>8 > 150 && g>>8 < 110 && bl>>8 < 110 {
				xs[x], ys[y] = true, true
			}
		}
	}
	return len(xs), len(ys)
}
