package typeset

import (
	"os"
	"testing"

	"golang.org/x/image/font"
	"golang.org/x/image/font/sfnt"
	"golang.org/x/image/math/fixed"
)

// TestMetricsAsSfnt: the character map and the advances read from the
// tables are what sfnt gives, character by character and glyph by glyph,
// on every face found, among them faces of collections and format 4 and
// format 12 character maps.
func TestMetricsAsSfnt(t *testing.T) {
	s := debianSet(t)
	formats := map[uint16]bool{}
	for _, f := range s.Faces() {
		t.Run(f.Key(), func(t *testing.T) {
			fnt := faceFont(t, f)
			var b sfnt.Buffer
			if f.NumGlyphs() != fnt.NumGlyphs() {
				t.Fatalf("%d glyphs, sfnt says %d", f.NumGlyphs(), fnt.NumGlyphs())
			}
			bad := 0
			for r := rune(0); r <= 0xFFFF && bad < 5; r++ {
				g, err := fnt.GlyphIndex(&b, r)
				if err != nil || int(g) >= f.NumGlyphs() {
					g = 0
				}
				if f.gids[r] != uint16(g) {
					t.Errorf("U+%04X: glyph %d, sfnt says %d", r, f.gids[r], g)
					bad++
				}
			}
			for g := 0; g < f.NumGlyphs() && bad < 10; g++ {
				a, err := fnt.GlyphAdvance(&b, sfnt.GlyphIndex(g), fixed.I(1000), font.HintingNone)
				if err != nil || a != f.adv[g] {
					t.Errorf("glyph %d: advance %v, sfnt says %v (%v)", g, f.adv[g], a, err)
					bad++
				}
			}
			formats[cmapFormat(t, f)] = true
		})
	}
	if !formats[4] || !formats[12] {
		t.Errorf("character map formats read: %v, want 4 and 12 among them", formats)
	}
}

// cmapFormat is the format of the subtable the face's characters came from.
func cmapFormat(t *testing.T, f *Face) uint16 {
	t.Helper()
	fr := openFace(t, f)
	cmap := fr.held["cmap"]
	var gids [0x10000]uint16
	if !bmpGlyphs(cmap, f.NumGlyphs(), &gids) {
		return 0
	}
	// The subtable bmpGlyphs read is the widest; find its format the same way.
	best, format := 0, uint16(0)
	for i := range int(u16(cmap[2:])) {
		rec := cmap[4+8*i:]
		if w := encodingWidth(u16(rec), u16(rec[2:])); w > best {
			if fm := u16(cmap[u32(rec[4:]):]); fm == 4 || fm == 12 {
				best, format = w, fm
			}
		}
	}
	return format
}

// openFace reads the face's table directory, as LoadFace does.
func openFace(t *testing.T, f *Face) *faceReader {
	t.Helper()
	file, err := os.Open(f.Path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { file.Close() })
	st, err := file.Stat()
	if err != nil {
		t.Fatal(err)
	}
	l, err := readLayout(file, st.Size(), f.Index)
	if err != nil {
		t.Fatal(err)
	}
	fr, err := newFaceReader(file, l)
	if err != nil {
		t.Fatal(err)
	}
	return fr
}
