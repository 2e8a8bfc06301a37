package render

import (
	"strings"
	"testing"

	"countybrief/pipeline/vocab"
	"countybrief/pipeline/workspace"
)

// TestRareCharacterFallsBackAlone names two units whose names hold a
// character cwTeX 仿宋 lacks (枧, 峁) and compares the face of every glyph
// with the same briefing where those characters are one cwTeX 仿宋 has
// (堌): only the rare characters change face.
func TestRareCharacterFallsBackAlone(t *testing.T) {
	glyphs := func(first, second string) (map[rune]map[string]int, string) {
		ws := testWorkspace(t, workspace.Traditional)
		b := domainBriefing(t, ws)
		renamed := map[string]string{}
		for i, u := range ws.Units {
			if u.Kind != "鄉鎮" || len(renamed) == 2 {
				continue
			}
			name := first + "壩鎮"
			if len(renamed) == 1 {
				name = second + "溝鄉"
			}
			renamed[u.Code] = name
			ws.Units[i].Name = name
		}
		for i := range b.Units {
			if name, ok := renamed[b.Units[i].Unit.Code]; ok {
				b.Units[i].Unit.Name = name
				b.Units[i].State = vocab.Missing
			}
		}
		pdf, text := render(t, newRenderer(t, ws), b)
		if missing, _ := uncoveredGlyphs(t, pdf); len(missing) > 0 {
			t.Errorf("drawn as .notdef: %v", missing)
		}
		return glyphFonts(t, pdf), text
	}
	rare, text := glyphs("枧", "峁")
	if !strings.Contains(text, "枧壩鎮") || !strings.Contains(text, "峁溝鄉") {
		t.Fatalf("the briefing does not name the units owing a file:\n%s", text)
	}
	plain, _ := glyphs("堌", "堌")
	for _, r := range []rune("枧峁") {
		for font := range rare[r] {
			if strings.Contains(font, "cwtex") {
				t.Errorf("%c drawn in %s, which lacks it", r, font)
			}
		}
	}
	if plain['堌']["cwtexfangsong"] == 0 {
		t.Errorf("堌 not drawn in the body face: %v", plain['堌'])
	}
	changed := 0
	for r, fonts := range plain {
		if r == '堌' {
			continue
		}
		for font, n := range fonts {
			if rare[r][font] != n {
				changed++
				t.Errorf("%c: %d in %s, %d with the rare names", r, n, font, rare[r][font])
			}
		}
	}
	t.Logf("%d characters, %d changed face", len(plain), changed)
}

// TestSimplifiedBodyInOneFace: cwTeX 仿宋 lacks a third of the Simplified
// characters, so a zh-Hans body is set in the fallback face alone rather
// than a patchwork of the two.
func TestSimplifiedBodyInOneFace(t *testing.T) {
	ws := testWorkspace(t, workspace.Simplified)
	pdf, _ := render(t, newRenderer(t, ws), domainBriefing(t, ws))
	for r, fonts := range glyphFonts(t, pdf) {
		if fonts["cwtexfangsong"] > 0 {
			t.Errorf("%c drawn in cwTeX 仿宋 in a Simplified briefing", r)
		}
	}
}
