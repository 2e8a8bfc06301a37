package render

import (
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
