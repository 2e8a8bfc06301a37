package render

import (
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"testing"

	"countybrief/pipeline/workspace"
)

// pageNumberPart is a word of "— 12 —", which pdftotext may split.
var pageNumberPart = regexp.MustCompile(`^[—\d]+$`)

var bboxWord = regexp.MustCompile(`<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)</word>`)

// TestGlyphsInsideTypeArea reads the box of every word pdftotext finds
// (each glyph's advance, not only its ink) over the sample county and the
// stress text, in both scripts, and fails on any that crosses the GB/T 9704
// type area; the page number alone sits below it.
func TestGlyphsInsideTypeArea(t *testing.T) {
	for _, lang := range []string{workspace.Traditional, workspace.Simplified} {
		for _, stress := range []bool{false, true} {
			name := lang + "/sample"
			if stress {
				name = lang + "/stress"
			}
			t.Run(name, func(t *testing.T) {
				ws := testWorkspace(t, lang)
				if stress {
					if err := os.MkdirAll(ws.TemplatesDir(), 0o755); err != nil {
						t.Fatal(err)
					}
					if err := os.WriteFile(filepath.Join(ws.TemplatesDir(), "briefing.tmpl"), []byte(stressTemplate()), 0o644); err != nil {
						t.Fatal(err)
					}
				}
				pdf, _ := render(t, newRenderer(t, ws), domainBriefing(t, ws))
				checkTypeArea(t, ws.Config.Layout, run(t, "pdftotext", "-bbox", "-enc", "UTF-8", writeTemp(t, "b.pdf", pdf), "-"))
			})
		}
	}
}

func checkTypeArea(t *testing.T, lay workspace.Layout, bbox string) {
	t.Helper()
	const tol = 0.01 // mm: pdftotext's rounding
	left, right := lay.MarginLeft, lay.MarginLeft+lay.TextWidth
	top, bottom := lay.MarginTop, lay.MarginTop+lay.TextHeight
	page, words, worst := 0, 0, 0.0
	for _, m := range regexp.MustCompile(`<page |<word [^\n]*`).FindAllString(bbox, -1) {
		if m == "<page " {
			page++
			continue
		}
		w := bboxWord.FindStringSubmatch(m)
		if w == nil {
			continue
		}
		var box [4]float64
		for i := range box {
			v, _ := strconv.ParseFloat(w[i+1], 64)
			box[i] = v * mmPerPt
		}
		if pageNumberPart.MatchString(w[5]) && box[1] > bottom {
			continue
		}
		words++
		over := max(left-box[0], box[2]-right, top-box[1], box[3]-bottom)
		worst = max(worst, over)
		if over > tol {
			t.Errorf("page %d: %q at x %.2f–%.2f, y %.2f–%.2f mm crosses the type area %.0f–%.0f × %.0f–%.0f mm by %.2f mm",
				page, w[5], box[0], box[2], box[1], box[3], left, right, top, bottom, over)
		}
	}
	if words == 0 {
		t.Fatal("pdftotext found no words")
	}
	t.Logf("%d words on %d pages; farthest out %.3f mm", words, page, worst)
}
