package typeset

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"

	"golang.org/x/image/font"
	"golang.org/x/image/font/sfnt"
	"golang.org/x/image/math/fixed"
)

// debianSet loads the fonts CI installs, failing loudly when they are not.
func debianSet(t testing.TB) *Set {
	t.Helper()
	s, err := Discover(nil, "linux")
	if err != nil {
		t.Fatalf("discover fonts: %v (install: apt-get install %s)", err, debianPackages)
	}
	for _, role := range Roles() {
		if len(s.Own(role)) == 0 {
			t.Fatalf("no %s font found: apt-get install %s", role, debianPackages)
		}
	}
	return s
}

func TestDiscoverDebian(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Fatalf("the Debian font test runs on Linux; GOOS=%s", runtime.GOOS)
	}
	s := debianSet(t)
	want := map[string]string{
		Fangsong: "cwfs.ttf",
		Hei:      "wqy-zenhei.ttc",
		Kai:      "gkai00mp.ttf",
		Song:     "gbsn00lp.ttf",
		Title:    "gbsn00lp.ttf",
	}
	for role, file := range want {
		if got := filepath.Base(s.Own(role)[0].Path); got != file {
			t.Errorf("%s: first face %s, want %s", role, got, file)
		}
	}
	trad := []rune("學習實踐活動簡報綏陽縣發")
	simp := []rune("学习实践活动简报绥阳县发")
	cases := []struct {
		role string
		text []rune
		want string
	}{
		{Fangsong, trad, "cwfs.ttf"},
		// One rare character of a name leaves the body face in place; Pick
		// takes the next face for it alone.
		{Fangsong, append([]rune("枧壩鎮"), trad...), "cwfs.ttf"},
		// cwfs.ttf has no Simplified characters: the whole text moves to
		// the first face of the chain that can set all of it.
		{Fangsong, simp, "gbsn00lp.ttf"},
		{Kai, simp, "gkai00mp.ttf"},
		{Hei, trad, "wqy-zenhei.ttc"},
	}
	for _, c := range cases {
		if got := filepath.Base(s.Primary(c.role, c.text).Path); got != c.want {
			t.Errorf("Primary(%s, %q) = %s, want %s", c.role, string(c.text), got, c.want)
		}
	}
	if err := s.Check(Fangsong, append(trad, simp...)); err != nil {
		t.Errorf("check: %v", err)
	}
}

func TestCheckNamesMissing(t *testing.T) {
	s := debianSet(t)
	// U+1F600 lies beyond the Basic Multilingual Plane, which fpdf cannot map.
	err := s.Check(Fangsong, []rune("正文😀正文"))
	var me *MissingError
	if !errors.As(err, &me) || len(me.Runes) != 1 || !strings.Contains(err.Error(), "U+1F600") {
		t.Fatalf("Check = %v, want a MissingError naming U+1F600", err)
	}
}

func TestConfiguredFontMustLoad(t *testing.T) {
	bad := filepath.Join(t.TempDir(), "bad.ttf")
	if err := os.WriteFile(bad, []byte("not a font at all"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := Discover(map[string]string{Hei: bad}, "linux")
	if err == nil || !strings.Contains(err.Error(), "fonts.hei") || !strings.Contains(err.Error(), "bad.ttf") {
		t.Fatalf("Discover with a bad configured font: %v", err)
	}
	_, err = Discover(map[string]string{"heii": "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc"}, "linux")
	if err == nil || !strings.Contains(err.Error(), "fonts.heii：沒有這種字體角色") {
		t.Fatalf("Discover with a misspelt role: %v", err)
	}
	gone := filepath.Join(t.TempDir(), "simfang.ttf")
	_, err = Discover(map[string]string{Fangsong: gone}, "linux")
	if err == nil || !strings.Contains(err.Error(), "fonts.fangsong：字體文件 "+gone+" 不存在") {
		t.Fatalf("Discover with a configured font that is not there: %v", err)
	}
}

func TestNoFontSaid(t *testing.T) {
	_, err := discover(nil, "linux", []string{t.TempDir()})
	if err == nil || !strings.Contains(err.Error(), "沒有找到任何中文") {
		t.Fatalf("Discover = %v", err)
	}
}

func TestFacesOfCollection(t *testing.T) {
	// Both Debian collections have tables that are not 4-byte aligned, so
	// sfnt refuses them as collections; each face is laid out afresh and
	// must parse, with its own name and the glyphs we need.
	tests := []struct {
		path, pkg string
		faces     int
		want      []string
	}{
		{"/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc", "fonts-wqy-zenhei", 3, []string{"WenQuanYi Zen Hei", "WenQuanYi Zen Hei Mono"}},
		{"/usr/share/fonts/truetype/arphic/uming.ttc", "fonts-arphic-uming", 4, []string{"AR PL UMing CN", "AR PL UMing TW"}},
	}
	for _, tt := range tests {
		if _, err := os.Stat(tt.path); err != nil {
			t.Fatalf("%v (apt-get install %s)", err, tt.pkg)
		}
		names := map[string]bool{}
		for i := 0; i < tt.faces; i++ {
			f, err := LoadFace(tt.path, i)
			if err != nil {
				t.Fatalf("face %d: %v", i, err)
			}
			names[f.Family] = true
			for _, r := range "綏学" {
				if !f.Has(r) || f.Advance(r) <= 0 {
					t.Errorf("%s face %d (%s) has no %c", tt.path, i, f.Family, r)
				}
			}
			checkSubset(t, f, []rune("綏学"), '一')
		}
		for _, w := range tt.want {
			if !names[w] {
				t.Errorf("%s: faces %v, none named %q", tt.path, names, w)
			}
		}
		if _, err := LoadFace(tt.path, tt.faces); err == nil {
			t.Errorf("%s: face beyond the collection: no error", tt.path)
		}
	}
	for _, junk := range [][]byte{[]byte("ttcf\x00\x01\x00\x00\x00\x00\x00\x05"), []byte("OTTO\x00\x00\x00\x00\x00\x00\x00\x00"), {}} {
		if _, err := readLayout(bytes.NewReader(junk), int64(len(junk)), 0); err == nil {
			t.Errorf("readLayout(%q): no error", junk)
		}
	}
}

// checkSubset checks that the subset of f for runes is a TrueType file
// with the outlines and advances the face has for runes, that it has few
// glyphs, and that other, not asked for, is not in it.
func checkSubset(t *testing.T, f *Face, runes []rune, other rune) {
	t.Helper()
	data, err := f.Subset(runes)
	if err != nil {
		t.Fatalf("%s subset: %v", f.Key(), err)
	}
	sub, err := sfnt.Parse(data)
	if err != nil {
		t.Fatalf("%s subset: parse: %v", f.Key(), err)
	}
	if sub.NumGlyphs() < len(runes)+1 || sub.NumGlyphs() > 4*len(runes)+1 {
		t.Errorf("%s subset of %d characters has %d glyphs", f.Key(), len(runes), sub.NumGlyphs())
	}
	face := faceFont(t, f)
	var b sfnt.Buffer
	for _, r := range runes {
		g, err := sub.GlyphIndex(&b, r)
		if err != nil || g == 0 {
			t.Errorf("%s subset: %c is glyph %d (%v)", f.Key(), r, g, err)
			continue
		}
		if adv, _ := sub.GlyphAdvance(&b, g, fixed.I(1000), font.HintingNone); adv != f.adv[f.gids[r]] {
			t.Errorf("%s subset: %c advances %v, in the face %v", f.Key(), r, adv, f.adv[f.gids[r]])
		}
		got, err := sub.LoadGlyph(&b, g, fixed.I(100), nil)
		if err != nil || len(got) == 0 {
			t.Errorf("%s subset: no outline for %c (%v)", f.Key(), r, err)
			continue
		}
		got = slices.Clone(got)
		want, err := face.LoadGlyph(&b, sfnt.GlyphIndex(f.gids[r]), fixed.I(100), nil)
		if err != nil || !slices.Equal(got, want) {
			t.Errorf("%s subset: outline of %c differs from the face's (%v)", f.Key(), r, err)
		}
	}
	// The names a subset keeps are the face's own; the rest are dropped.
	if got, err := sub.Name(&b, sfnt.NameIDFamily); err != nil || got != f.Family {
		t.Errorf("%s subset: family %q (%v), want %q", f.Key(), got, err, f.Family)
	}
	if got, err := sub.Name(&b, sfnt.NameIDLicense); !errors.Is(err, sfnt.ErrNotFound) {
		t.Errorf("%s subset: licence text %q (%v) kept", f.Key(), got, err)
	}
	if g, err := sub.GlyphIndex(&b, other); err != nil || g != 0 {
		t.Errorf("%s subset: %c, not asked for, is glyph %d (%v)", f.Key(), other, g, err)
	}
}

// faceFont parses the whole face, as sfnt sees it.
func faceFont(t *testing.T, f *Face) *sfnt.Font {
	t.Helper()
	fnt, err := sfnt.ParseReaderAt(openFace(t, f))
	if err != nil {
		t.Fatal(err)
	}
	return fnt
}

func FuzzReadLayout(f *testing.F) {
	f.Add([]byte("ttcf\x00\x01\x00\x00\x00\x00\x00\x01\x00\x00\x00\x10\x00\x01\x00\x00\x00\x01\x00\x00\x00\x00\x00\x00glyf\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x04"), 0)
	f.Add([]byte("\x00\x01\x00\x00\x00\x00"), 0)
	if data, err := os.ReadFile("/usr/share/fonts/truetype/liberation2/LiberationSerif-Regular.ttf"); err == nil {
		f.Add(data[:4096], 0)
	}
	f.Fuzz(func(t *testing.T, data []byte, index int) {
		r := bytes.NewReader(data)
		l, err := readLayout(r, int64(len(data)), index)
		if err != nil {
			return
		}
		if int64(len(l.dir)) > l.size {
			t.Fatalf("directory of %d bytes in a file of %d", len(l.dir), l.size)
		}
		for _, tb := range l.tables {
			if tb.src+tb.size > int64(len(data)) || tb.dst+tb.size > l.size {
				t.Fatalf("table %q out of bounds", tb.tag)
			}
		}
		fr, err := newFaceReader(r, l)
		if err != nil {
			return
		}
		// sfnt must refuse what is broken, through our reader, without
		// panicking.
		_, _ = sfnt.ParseReaderAt(fr)
	})
}

func FuzzComponents(f *testing.F) {
	f.Add(compositeOf3And7)
	f.Add([]byte("\x00\x01\x00\x00\x00\x00\x00\x00\x00\x00"))
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, p := range components(data) {
			if p+2 > len(data) {
				t.Fatalf("component glyph at %d of %d bytes", p, len(data))
			}
		}
	})
}

// compositeOf3And7 is a composite glyph of glyphs 3 and 7, the first with
// word arguments and a scale.
var compositeOf3And7 = []byte("\xff\xff\x00\x00\x00\x00\x00\x00\x00\x00\x00\x29\x00\x03\x00\x00\x00\x00\x40\x00\x00\x00\x00\x07\x00\x00")

func TestComponents(t *testing.T) {
	got := components(compositeOf3And7)
	if len(got) != 2 || got[0] != 12 || got[1] != 22 {
		t.Errorf("components at %v, want [12 22]", got)
	}
	if got := components(compositeOf3And7[:20]); len(got) != 1 {
		t.Errorf("components of a cut composite at %v, want the first only", got)
	}
}

// TestOutlinesReadOnce proves a face's outlines are read when a render
// first needs them and not again: finding the fonts reads none, a subset
// reads the glyphs it draws, and once read they no longer need the file.
func TestOutlinesReadOnce(t *testing.T) {
	const src = "/usr/share/fonts/truetype/arphic-gbsn00lp/gbsn00lp.ttf"
	orig, err := os.ReadFile(src)
	if err != nil {
		t.Fatalf("%v (apt-get install fonts-arphic-gbsn00lp)", err)
	}
	path := filepath.Join(t.TempDir(), "song.ttf")
	if err := os.WriteFile(path, orig, 0o644); err != nil {
		t.Fatal(err)
	}
	s, err := Discover(map[string]string{Song: path}, "linux")
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range s.Faces() {
		if f.out.tables != nil || len(f.out.glyphs) != 0 {
			t.Errorf("%s: outlines read while finding fonts", f.Key())
		}
	}
	song := s.Own(Song)[0]
	if song.Path != path {
		t.Fatalf("song face %s, want the configured %s", song.Key(), path)
	}
	drawn := []rune("宋體一二")
	data, err := song.Subset(drawn)
	if err != nil {
		t.Fatal(err)
	}
	if len(data) > len(orig)/10 {
		t.Errorf("subset of 4 characters is %d bytes, the face %d", len(data), len(orig))
	}
	for _, f := range s.Faces() {
		if read := f.out.tables != nil; read != (f == song) {
			t.Errorf("%s: outlines read = %v after a subset of the song face", f.Key(), read)
		}
	}
	if err := os.Remove(path); err != nil {
		t.Fatal(err)
	}
	again, err := song.Subset(drawn)
	if err != nil || !bytes.Equal(again, data) {
		t.Fatalf("second subset of the same characters went back to the file: %v", err)
	}
	if _, err := song.Subset([]rune("三")); err == nil {
		t.Fatal("a new character with the file gone: no error")
	}
	// A font replaced under a running process: its glyph offsets no longer
	// hold, so nothing more is read from it.
	if err := os.WriteFile(path, orig[:len(orig)-4], 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := song.Subset([]rune("三")); !errors.Is(err, errFontChanged) {
		t.Fatalf("a new character from a changed file: %v, want %v", err, errFontChanged)
	}
}

// TestSubsetComposite checks that a composite glyph comes with the glyphs
// it is built from, without which it would be drawn blank.
func TestSubsetComposite(t *testing.T) {
	const path = "/usr/share/fonts/truetype/liberation2/LiberationSerif-Regular.ttf"
	f, err := LoadFace(path, 0)
	if err != nil {
		t.Fatalf("%v (apt-get install fonts-liberation2)", err)
	}
	if _, err := f.Subset(nil); err != nil {
		t.Fatal(err)
	}
	var composite rune
	for r := rune(0xC0); r < 0x180 && composite == 0; r++ {
		if !f.Has(r) {
			continue
		}
		if _, err := f.Subset([]rune{r}); err != nil {
			t.Fatal(err)
		}
		if len(components(f.out.glyphs[f.gids[r]])) > 0 {
			composite = r
		}
	}
	if composite == 0 {
		t.Fatal("no composite glyph among the accented letters of Liberation Serif")
	}
	fresh, err := LoadFace(path, 0)
	if err != nil {
		t.Fatal(err)
	}
	checkSubset(t, fresh, []rune{composite}, 'x')
}

func TestConfiguredFaceOfCollection(t *testing.T) {
	const wqy = "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc"
	s, err := Discover(map[string]string{Hei: wqy + "#1", Kai: "/usr/share/fonts/truetype/lxgw-wenkai/LXGWWenKai-Regular.ttf"}, "linux")
	if err != nil {
		t.Fatalf("%v (apt-get install fonts-wqy-zenhei fonts-lxgw-wenkai)", err)
	}
	hei := s.Own(Hei)[0]
	if hei.Path != wqy || hei.Index != 1 || hei.Source != "config" || !strings.Contains(hei.Family, "WenQuanYi") {
		t.Errorf("configured hei = %s (%s, %s)", hei.Key(), hei.Family, hei.Source)
	}
	if got := s.Own(Kai)[0].Family; got != "LXGW WenKai" {
		t.Errorf("configured kai = %s, want LXGW WenKai first", got)
	}
	if _, err := Discover(map[string]string{Hei: wqy + "#9"}, "linux"); err == nil || !strings.Contains(err.Error(), "face 9") {
		t.Errorf("face 9 of a 3-face collection: %v", err)
	}
}

func TestSplitFace(t *testing.T) {
	tests := []struct {
		in, path string
		index    int
	}{
		{"/usr/share/fonts/a.ttc#2", "/usr/share/fonts/a.ttc", 2},
		{`C:\Windows\Fonts\simsun.ttc#1`, `C:\Windows\Fonts\simsun.ttc`, 1},
		{`C:\Windows\Fonts\simfang.ttf`, `C:\Windows\Fonts\simfang.ttf`, 0},
		{"/fonts/odd#name.ttf", "/fonts/odd#name.ttf", 0},
	}
	for _, tt := range tests {
		if p, i := SplitFace(tt.in); p != tt.path || i != tt.index {
			t.Errorf("SplitFace(%q) = %q, %d", tt.in, p, i)
		}
	}
}

// debianPackages provide every role on Debian.
const debianPackages = "fonts-arphic-gbsn00lp fonts-arphic-gkai00mp fonts-arphic-uming fonts-arphic-ukai fonts-wqy-zenhei fonts-lxgw-wenkai fonts-cwtex-fs fonts-liberation2"

// TestMarksFace: the face for marks is the first that sets them at the
// edges of a full em, as the breaker squeezes them. cwTeX 仿宋 centres
// its marks in 0.92 em and gives “” a third of an em, so the Debian
// body's marks come from its first fallback that places them.
func TestMarksFace(t *testing.T) {
	s := debianSet(t)
	byFile := map[string]*Face{}
	for _, f := range s.Faces() {
		byFile[filepath.Base(f.Path)] = f
	}
	cwfs, gbsn, gkai := byFile["cwfs.ttf"], byFile["gbsn00lp.ttf"], byFile["gkai00mp.ttf"]
	if cwfs == nil || gbsn == nil || gkai == nil {
		t.Fatalf("want cwfs.ttf, gbsn00lp.ttf and gkai00mp.ttf: apt-get install %s", debianPackages)
	}
	tests := []struct {
		name  string
		faces []*Face
		want  *Face
	}{
		{"centred marks skipped", []*Face{cwfs, gbsn, gkai}, gbsn},
		{"first placing face wins", []*Face{gkai, gbsn}, gkai},
		{"none places them", []*Face{cwfs}, nil},
		{"the body's chain", append([]*Face{cwfs}, s.Chain(Fangsong)...), gbsn},
	}
	for _, tc := range tests {
		if got := Marks(tc.faces); got != tc.want {
			t.Errorf("%s: Marks = %v, want %v", tc.name, got, tc.want)
		}
	}
	for _, r := range "，。、；：）」”" {
		if !IsMark(r) {
			t.Errorf("IsMark(%c) = false", r)
		}
		if _, right, _ := gbsn.inkX(r); right > gbsn.Advance(r)/2 {
			t.Errorf("%c of gbsn00lp: ink to %.2f em, want in the left half", r, right)
		}
	}
	for _, r := range "甲a1—" {
		if IsMark(r) {
			t.Errorf("IsMark(%c) = true", r)
		}
	}
}
