package render

import (
	"math"
	"strings"
	"testing"

	"countybrief/pipeline/render/typeset"
	"countybrief/pipeline/workspace"
)

// TestOneFaceForMarks: every full-width mark of the briefing, in the
// body, the run-in heads (摘要：), the headings, the note and the tables,
// is drawn in one face, the one the breaker's squeezing assumes: a body
// in cwTeX 仿宋, whose marks are centred, takes them from the 宋 that
// places them at the edges of the box.
func TestOneFaceForMarks(t *testing.T) {
	for _, lang := range []string{workspace.Traditional, workspace.Simplified} {
		t.Run(lang, func(t *testing.T) {
			ws := testWorkspace(t, lang)
			pdf, _ := render(t, newRenderer(t, ws), domainBriefing(t, ws))
			face := ""
			marks := 0
			for r, fonts := range glyphFonts(t, pdf) {
				if !typeset.IsMark(r) {
					continue
				}
				marks++
				for font := range fonts {
					if face == "" {
						face = font
					}
					if font != face {
						t.Errorf("%c drawn in %s, other marks in %s", r, font, face)
					}
				}
			}
			if marks < 8 {
				t.Fatalf("only %d kinds of marks drawn; the sample briefing has more", marks)
			}
			if face != "arplsungtilgb" {
				t.Errorf("marks drawn in %s, want the 宋 that places them (arplsungtilgb)", face)
			}
		})
	}
}

// TestBodyCentredInCells (issue 15.3): cwTeX 仿宋's ideographs are 0.92
// em wide on a grid of 0.987 em; each keeps its own width, centred in its
// cell, rather than sitting at the cell's left with all the spare room on
// its right. Read from the PDF: every body ideograph that opens a line
// (continuation lines are flush left, and unstretched at their start)
// stands half the spare room in from the text block's edge.
func TestBodyCentredInCells(t *testing.T) {
	ws := testWorkspace(t, workspace.Traditional)
	pdf, _ := render(t, newRenderer(t, ws), domainBriefing(t, ws))
	lay := ws.Config.Layout
	left := lay.MarginLeft / mmPerPt
	pitch := lay.CharPitch() / mmPerPt
	want := (pitch - 0.92*lay.BodySize) / 2
	checked := 0
	walkGlyphs(t, pdf, func(font string, r rune, _ bool, x float64) {
		// Within 1.5 pt of the edge: a table's first column starts a
		// quarter em further in.
		if !strings.HasSuffix(font, "cwtexfangsong") || !typeset.IsWide(r) || typeset.IsMark(r) || x < left-0.01 || x >= left+1.5 {
			return
		}
		checked++
		if off := x - left; math.Abs(off-want) > 0.02 {
			t.Errorf("%c opens a line %.2f pt into its cell, want %.2f (centred)", r, off, want)
		}
	})
	if checked < 10 {
		t.Fatalf("only %d body lines found opening with an ideograph", checked)
	}
}
