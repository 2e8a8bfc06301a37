package typeset

import (
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"golang.org/x/image/font/sfnt"
)

// debianSet loads the fonts CI installs, failing loudly when they are not.
func debianSet(t testing.TB) *Set {
	t.Helper()
	s, err := Discover(nil, "linux")
	if err != nil {
		t.Fatalf("discover fonts: %v (install: apt-get install %s)", err, DebianPackages)
	}
	for _, role := range Roles() {
		if len(s.Own(role)) == 0 {
			t.Fatalf("no %s font found: apt-get install %s", role, DebianPackages)
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
	if err == nil || !strings.Contains(err.Error(), "fonts.heii: not a font role") {
		t.Fatalf("Discover with a misspelt role: %v", err)
	}
}

func TestNoFontNamesPackages(t *testing.T) {
	_, err := discover(nil, "linux", []string{t.TempDir()})
	if err == nil || !strings.Contains(err.Error(), "fonts-arphic-gbsn00lp") {
		t.Fatalf("Discover = %v", err)
	}
}

func TestExtractFace(t *testing.T) {
	// Both Debian collections have tables that are not 4-byte aligned, so
	// sfnt refuses them as collections; the extracted faces are realigned
	// and must parse, each with its own name and the glyphs we need.
	tests := []struct {
		path, pkg string
		faces     int
		want      []string
	}{
		{"/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc", "fonts-wqy-zenhei", 3, []string{"WenQuanYi Zen Hei", "WenQuanYi Zen Hei Mono"}},
		{"/usr/share/fonts/truetype/arphic/uming.ttc", "fonts-arphic-uming", 4, []string{"AR PL UMing CN", "AR PL UMing TW"}},
	}
	var b sfnt.Buffer
	for _, tt := range tests {
		data, err := os.ReadFile(tt.path)
		if err != nil {
			t.Fatalf("%v (apt-get install %s)", err, tt.pkg)
		}
		if _, err := sfnt.ParseCollection(data); err == nil {
			t.Logf("sfnt now parses %s directly", tt.path)
		}
		names := map[string]bool{}
		for i := 0; i < tt.faces; i++ {
			f := extracted(t, data, i)
			name, _ := f.Name(&b, sfnt.NameIDFamily)
			names[name] = true
			for _, r := range "綏学" {
				if g, _ := f.GlyphIndex(&b, r); g == 0 {
					t.Errorf("%s face %d (%s) has no %c", tt.path, i, name, r)
				}
			}
		}
		for _, w := range tt.want {
			if !names[w] {
				t.Errorf("%s: faces %v, none named %q", tt.path, names, w)
			}
		}
		if _, err := ExtractFace(data, tt.faces); err == nil {
			t.Errorf("%s: face beyond the collection: no error", tt.path)
		}
	}
	for _, junk := range [][]byte{[]byte("ttcf\x00\x01\x00\x00\x00\x00\x00\x05"), []byte("OTTO\x00\x00\x00\x00\x00\x00\x00\x00"), {}} {
		if _, err := ExtractFace(junk, 0); err == nil {
			t.Errorf("ExtractFace(%q): no error", junk)
		}
	}
}

func extracted(t *testing.T, data []byte, i int) *sfnt.Font {
	t.Helper()
	ttf, err := ExtractFace(data, i)
	if err != nil {
		t.Fatalf("face %d: %v", i, err)
	}
	if IsCollection(ttf) {
		t.Fatalf("face %d still a collection", i)
	}
	f, err := sfnt.Parse(ttf)
	if err != nil {
		t.Fatalf("face %d: parse extracted: %v", i, err)
	}
	return f
}

func FuzzExtractFace(f *testing.F) {
	f.Add([]byte("ttcf\x00\x01\x00\x00\x00\x00\x00\x01\x00\x00\x00\x10\x00\x01\x00\x00\x00\x01\x00\x00\x00\x00\x00\x00glyf\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x04"), 0)
	f.Add([]byte("\x00\x01\x00\x00\x00\x00"), 0)
	f.Fuzz(func(t *testing.T, data []byte, index int) {
		out, err := ExtractFace(data, index)
		if err == nil && len(out) < 12 {
			t.Fatalf("extracted %d bytes without error", len(out))
		}
	})
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
