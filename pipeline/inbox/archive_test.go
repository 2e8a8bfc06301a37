package inbox

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"
	"unicode"
	"unicode/utf8"
)

func sum(data []byte) string {
	h := sha256.Sum256(data)
	return hex.EncodeToString(h[:])
}

// claimed drops a file into the inbox and claims it.
func claimed(t *testing.T, in *Inbox, folder, name string, data []byte) Claim {
	t.Helper()
	write(t, filepath.Join(in.inbox, folder, name), data)
	ready, _, err := in.Scan(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range ready {
		if c.Folder == folder && c.Name == name {
			cl, err := claimOne(in, c)
			if err != nil {
				t.Fatal(err)
			}
			return cl
		}
	}
	t.Fatalf("%s/%s not ready", folder, name)
	return Claim{}
}

func TestArchivePlacesTheFile(t *testing.T) {
	data := []byte("the workbook")
	h := sum(data)
	tests := []struct {
		name, folder, orig, period, unit string
		accepted                         bool
		want                             string // under archive/
	}{
		{"accepted", "Z01", "縣財政局報表.xlsx", "2008-11", "Z01", true,
			"accepted/2008-11/Z01@縣財政局報表__20081205T101500Z__" + h[:8] + ".xlsx"},
		{"rejected from the top", "", "報表.XLSX", "2008-11", "_unknown", false,
			"rejected/2008-11/_unknown@報表__20081205T101500Z__" + h[:8] + ".xlsx"},
		{"hostile period and unit", "Z02", "a.xlsx", "../../x", "CON", false,
			"rejected/_unknown/_unknown@a__20081205T101500Z__" + h[:8] + ".xlsx"},
		{"no extension", "Z03", "報表", "2008-11", "Z03", true,
			"accepted/2008-11/Z03@報表__20081205T101500Z__" + h[:8]},
		{"a device name", "Z04", "con.xlsx", "2008-11", "Z04", true,
			"accepted/2008-11/Z04@_con__20081205T101500Z__" + h[:8] + ".xlsx"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ws := newWorkspace(t, 0)
			in := New(ws, func() time.Time { return t0 })
			cl := claimed(t, in, tt.folder, tt.orig, data)
			got, err := archiveOne(in, cl, tt.accepted, tt.period, tt.unit, h)
			if err != nil {
				t.Fatal(err)
			}
			if want := filepath.Join(ws.ArchiveDir(), filepath.FromSlash(tt.want)); got != want {
				t.Errorf("archived at %s\nwant        %s", got, want)
			}
			if b, err := os.ReadFile(got); err != nil || string(b) != string(data) {
				t.Errorf("archived content %q, %v", b, err)
			}
			if _, err := os.Stat(filepath.Join(ws.WorkDir(), "claimed", cl.Name)); !errors.Is(err, os.ErrNotExist) {
				t.Errorf("claim folder left in work: %v", err)
			}
		})
	}
}

// A period or unit read from a hostile or damaged file can never choose
// a path outside archive/: anything but a plain name is filed as
// _unknown.
func TestArchiveStaysInsideArchive(t *testing.T) {
	hostile := []string{"..", ".", "", "a/b", `a\b`, "/etc", "/tmp/x", "a\x00b", "../../../../tmp/x",
		"Z01/../..", `C:\Windows`, `\\server\share`, "C:", "..\u2215..", "\u202e..", strings.Repeat("../", 40)}
	ws := newWorkspace(t, 0)
	in := New(ws, func() time.Time { return t0 })
	for i, v := range hostile {
		for _, field := range []string{"period", "unit"} {
			data := []byte(fmt.Sprint(field, i))
			cl := claimed(t, in, "Z01", fmt.Sprintf("%s%d.xlsx", field, i), data)
			period, unit := "2008-11", "Z01"
			if field == "period" {
				period = v
			} else {
				unit = v
			}
			got, err := archiveOne(in, cl, false, period, unit, sum(data))
			if err != nil {
				t.Fatalf("%s %q: %v", field, v, err)
			}
			rel, err := filepath.Rel(ws.ArchiveDir(), got)
			if err != nil || !filepath.IsLocal(rel) {
				t.Fatalf("%s %q archived at %s, outside %s", field, v, got, ws.ArchiveDir())
			}
			want := filepath.Join("rejected", "2008-11", "_unknown@")
			if field == "period" {
				want = filepath.Join("rejected", "_unknown", "Z01@")
			}
			if !strings.HasPrefix(rel, want) {
				t.Errorf("%s %q archived as %s, want it under %s", field, v, rel, want)
			}
		}
	}
}

func TestArchiveNeverOverwrites(t *testing.T) {
	ws := newWorkspace(t, 0)
	in := New(ws, func() time.Time { return t0 })
	data := []byte("new content")
	cl := claimed(t, in, "Z01", "報表.xlsx", data)
	dir := filepath.Join(ws.ArchiveDir(), "accepted", "2008-11")
	base := "Z01@報表__20081205T101500Z__" + sum(data)[:8]
	// Files that happen to carry the names already, with other content.
	write(t, filepath.Join(dir, base+".xlsx"), []byte("someone else's"))
	write(t, filepath.Join(dir, base+"-2.xlsx"), []byte("and another"))
	got, err := archiveOne(in, cl, true, "2008-11", "Z01", sum(data))
	if err != nil {
		t.Fatal(err)
	}
	if want := filepath.Join(dir, base+"-3.xlsx"); got != want {
		t.Errorf("archived at %s, want %s", got, want)
	}
	for name, content := range map[string]string{base + ".xlsx": "someone else's", base + "-2.xlsx": "and another", base + "-3.xlsx": "new content"} {
		if b, err := os.ReadFile(filepath.Join(dir, name)); err != nil || string(b) != content {
			t.Errorf("%s holds %q (%v), want %q", name, b, err, content)
		}
	}
}

func TestArchiveIsIdempotent(t *testing.T) {
	data := []byte("content")
	tests := []struct {
		name  string
		crash func(t *testing.T, src, dst string) // what a killed batch left
	}{
		{"moved, not yet recorded", func(t *testing.T, src, dst string) {
			write(t, dst, data)
			os.Remove(src)
		}},
		{"linked, original not yet removed", func(t *testing.T, src, dst string) {
			if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.Link(src, dst); err != nil {
				t.Fatal(err)
			}
		}},
		{"copied across disks, original not yet removed", func(t *testing.T, src, dst string) {
			write(t, dst, data)
		}},
		{"nothing done yet", func(*testing.T, string, string) {}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ws := newWorkspace(t, 0)
			in := New(ws, func() time.Time { return t0 })
			cl := claimed(t, in, "Z01", "報表.xlsx", data)
			dst := filepath.Join(ws.ArchiveDir(), "rejected", "2008-11", "Z01@報表__20081205T101500Z__"+sum(data)[:8]+".xlsx")
			tt.crash(t, cl.Path, dst)
			// Recovery sees the claim (or not, when the file already left).
			got, err := archiveOne(New(ws, nil), cl, false, "2008-11", "Z01", sum(data))
			if err != nil {
				t.Fatal(err)
			}
			again, err := archiveOne(New(ws, nil), cl, false, "2008-11", "Z01", sum(data))
			if err != nil {
				t.Fatal(err)
			}
			if got != dst || again != dst {
				t.Errorf("archived at %s then %s, want %s both times", got, again, dst)
			}
			entries, _ := os.ReadDir(filepath.Dir(dst))
			if len(entries) != 1 {
				t.Errorf("archive folder holds %d files, want 1", len(entries))
			}
			if _, err := os.Stat(cl.Path); !errors.Is(err, os.ErrNotExist) {
				t.Errorf("original still in work: %v", err)
			}
		})
	}
}

func TestArchiveOfAVanishedClaimFails(t *testing.T) {
	ws := newWorkspace(t, 0)
	in := New(ws, func() time.Time { return t0 })
	data := []byte("content")
	cl := claimed(t, in, "Z01", "報表.xlsx", data)
	os.Remove(cl.Path)
	if _, err := archiveOne(in, cl, true, "2008-11", "Z01", sum(data)); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("archive = %v, want not-exist", err)
	}
}

func TestArchiveRefusesForgedClaims(t *testing.T) {
	ws := newWorkspace(t, 0)
	in := New(ws, nil)
	h := sum([]byte("x"))
	for _, c := range []Claim{
		{Name: "../../config", OrigName: "config.yaml"},
		{Name: "20081205T101500Z-1a2b3c4d", OrigName: "../../../config.yaml"},
		{Name: "20081205T101500Z-1a2b3c4d", Folder: "..", OrigName: "x"},
		{Name: "20081205T101500Z-1a2b3c4d", OrigName: "x", Path: filepath.Join(ws.Dir, "config.yaml")},
	} {
		if _, err := archiveOne(in, c, true, "p", "u", h); err == nil {
			t.Errorf("archive of %+v accepted a forged claim", c)
		}
	}
	cl := Claim{Name: "20081205T101500Z-1a2b3c4d", OrigName: "x"}
	if _, err := archiveOne(in, cl, true, "p", "u", "not a hash"); err == nil {
		t.Error("archive accepted a malformed hash")
	}
}

// TestArchiveAcrossFileSystems puts the archive on /dev/shm, a tmpfs, so
// that the move must copy.
func TestArchiveAcrossFileSystems(t *testing.T) {
	if runtime.GOOS != "linux" {
		// Elsewhere copyVerified is tested alone below.
		return
	}
	shm, err := os.MkdirTemp("/dev/shm", "countybrief-archive-")
	if err != nil {
		t.Fatalf("this test needs a tmpfs at /dev/shm: %v", err)
	}
	defer os.RemoveAll(shm)
	ws := newWorkspace(t, 0)
	probe := filepath.Join(ws.Dir, "config.yaml")
	if err := os.Link(probe, filepath.Join(shm, "probe")); !isCrossDevice(err) {
		t.Fatalf("/dev/shm is on the same file system as %s (%v): this test needs a separate tmpfs", ws.Dir, err)
	}
	ws.Config.Paths.Archive = shm
	in := New(ws, func() time.Time { return t0 })
	data := workbook(t, "across")
	cl := claimed(t, in, "Z01", "報表.xlsx", data)
	got, err := archiveOne(in, cl, true, "2008-11", "Z01", sum(data))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(got, shm) {
		t.Errorf("archived at %s, want under %s", got, shm)
	}
	if b, err := os.ReadFile(got); err != nil || sum(b) != sum(data) {
		t.Errorf("copy differs: %v", err)
	}
	if _, err := os.Stat(cl.Path); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("original kept after the copy: %v", err)
	}
	if again, err := archiveOne(in, cl, true, "2008-11", "Z01", sum(data)); err != nil || again != got {
		t.Errorf("second archive = %s, %v; want %s", again, err, got)
	}
	leftovers, _ := filepath.Glob(filepath.Join(filepath.Dir(got), ".*.tmp"))
	if len(leftovers) != 0 {
		t.Errorf("temp files left: %v", leftovers)
	}
}

func TestCopyVerified(t *testing.T) {
	dir := t.TempDir()
	src := filepath.Join(dir, "src")
	data := []byte("payload")
	write(t, src, data)
	tests := []struct {
		name    string
		size    int64
		sha     string
		existng bool
		wantErr func(error) bool
	}{
		{"good", int64(len(data)), sum(data), false, func(err error) bool { return err == nil }},
		{"hash differs", int64(len(data)), sum([]byte("other")), false, func(err error) bool { return err != nil && strings.Contains(err.Error(), "differs") }},
		{"size differs", 3, sum(data), false, func(err error) bool { return err != nil && strings.Contains(err.Error(), "differs") }},
		{"destination taken", int64(len(data)), sum(data), true, func(err error) bool { return errors.Is(err, os.ErrExist) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out := t.TempDir()
			dst := filepath.Join(out, "dst")
			if tt.existng {
				write(t, dst, []byte("keep me"))
			}
			err := copyVerified(src, dst, tt.size, tt.sha)
			if !tt.wantErr(err) {
				t.Fatalf("copyVerified: %v", err)
			}
			entries, _ := os.ReadDir(out)
			b, _ := os.ReadFile(dst)
			switch {
			case err == nil && (len(entries) != 1 || string(b) != string(data)):
				t.Errorf("after a good copy: %d entries, dst %q", len(entries), b)
			case tt.existng && string(b) != "keep me":
				t.Errorf("existing destination overwritten with %q", b)
			case err != nil && !tt.existng && len(entries) != 0:
				t.Errorf("a failed copy left %d entries", len(entries))
			}
		})
	}
}

func TestSafeName(t *testing.T) {
	tests := []struct{ in, want string }{
		{"2008-11", "2008-11"},
		{"2008年11月", "2008年11月"},
		{"Z01", "Z01"},
		{"J_12", "J_12"},
		{"v1.2", "v1.2"},
		{"../../x", unknown},
		{"..", unknown},
		{".", unknown},
		{"", unknown},
		{"a/b", unknown},
		{`a\b`, unknown},
		{"C:", unknown},
		{"a\x00b", unknown},
		{"a\nb", unknown},
		{"CON", unknown},
		{"con", unknown},
		{"Con.txt", unknown},
		{"NUL", unknown},
		{"LPT1", unknown},
		{"COM9", unknown},
		{"COM10", "COM10"},
		{"CONSOLE", "CONSOLE"},
		{".hidden", unknown},
		{"trailing.", unknown},
		{" space", unknown},
		{"a b", unknown},
		{"\xff\xfe", unknown},
		{"\u202e2008", unknown}, // right-to-left override
		{"２００８／１１", unknown},    // full-width solidus
		{strings.Repeat("x", 64), strings.Repeat("x", 64)},
		{strings.Repeat("x", 65), unknown},
		{unknown, unknown},
	}
	for _, tt := range tests {
		if got := safeName(tt.in); got != tt.want {
			t.Errorf("safeName(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestArchiveName(t *testing.T) {
	h := strings.Repeat("ab", 32)
	tests := []struct{ orig, want string }{
		{"縣財政局報表.xlsx", "縣財政局報表__20081205T101500Z__abababab.xlsx"},
		{"Report.XLSX", "Report__20081205T101500Z__abababab.xlsx"},
		{"報表.2008.11.xlsx", "報表.2008.11__20081205T101500Z__abababab.xlsx"},
		{"no-extension", "no-extension__20081205T101500Z__abababab"},
		{"odd.ext with space", "odd.ext with space__20081205T101500Z__abababab"},
		{"a:b*c?.xlsx", "a_b_c___20081205T101500Z__abababab.xlsx"},
		{"..xlsx", "未命名__20081205T101500Z__abababab.xlsx"},
		{"...", "未命名__20081205T101500Z__abababab"},
		{"CON.xlsx", "_CON__20081205T101500Z__abababab.xlsx"},
		{"aux.old.xlsx", "_aux.old__20081205T101500Z__abababab.xlsx"},
		{"bad\xffbyte.xlsx", "bad_byte__20081205T101500Z__abababab.xlsx"},
		{"tab\there.xlsx", "tabhere__20081205T101500Z__abababab.xlsx"},
		// Invisible characters go, wherever they are.
		{"報表\u202excod.exe", "報表xcod__20081205T101500Z__abababab.exe"},
		{"x.\u202exlsx", "x__20081205T101500Z__abababab.xlsx"},
		{"\u2066報表\u2069\u200e\u200f\u061c.xlsx", "報表__20081205T101500Z__abababab.xlsx"},
		{"報\u200b表\u200c\u200d\u2060\ufeff.xlsx", "報表__20081205T101500Z__abababab.xlsx"},
		{"a\u2028b\u2029c\u00ad\u3164.xlsx", "abc__20081205T101500Z__abababab.xlsx"},
		{"\u202a\u202b\u202c\u202d\u202e.xlsx", "未命名__20081205T101500Z__abababab.xlsx"},
		{"\u200b", "未命名__20081205T101500Z__abababab"},
		{"葛\U000E0100.xlsx", "葛\U000E0100__20081205T101500Z__abababab.xlsx"}, // a variation selector stays
	}
	for _, tt := range tests {
		if got := archiveName(tt.orig, t0, h); got != tt.want {
			t.Errorf("archiveName(%q) = %q, want %q", tt.orig, got, tt.want)
		}
	}
	long := archiveName(strings.Repeat("報", 100)+".xlsx", t0, h)
	if len(long) > 255 || !utf8.ValidString(long) {
		t.Errorf("long name is %d bytes, valid UTF-8 %v", len(long), utf8.ValidString(long))
	}
	if numbered(long, 12)[len(numbered(long, 12))-8:] != "-12.xlsx" {
		t.Errorf("numbered: %s", numbered(long, 12))
	}
}

func FuzzArchiveName(f *testing.F) {
	for _, s := range []string{"縣財政局報表.xlsx", "../../x", "CON", "a/b", "a\x00b", "...", ".xlsx", "LPT1.txt", "x.\u202exlsx", strings.Repeat("報", 90)} {
		f.Add(s)
	}
	h := strings.Repeat("0f", 32)
	root := filepath.Join("archive", "accepted")
	f.Fuzz(func(t *testing.T, s string) {
		for _, name := range []string{safeName(s), archiveName(s, t0, h), numbered(archiveName(s, t0, h), 7)} {
			if !isPlainName(name) || strings.ContainsAny(name, `/\:*?"<>|`) || filepath.Dir(filepath.Join(root, name)) != root {
				t.Fatalf("%q gives %q, not one plain path element", s, name)
			}
			if len(name) > 255 || !utf8.ValidString(name) || name[0] == '.' || strings.HasSuffix(name, ".") || strings.HasSuffix(name, " ") || isDeviceName(name) {
				t.Fatalf("%q gives %q, not a portable file name", s, name)
			}
			for _, r := range name {
				if unicode.In(r, unicode.Cc, unicode.Cf, unicode.Zl, unicode.Zp) {
					t.Fatalf("%q gives %q with an invisible character %U", s, name, r)
				}
			}
		}
		if safe := safeName(s); safe != s && safe != unknown || safeName(safe) != safe {
			t.Fatalf("safeName(%q) = %q", s, safeName(s))
		}
	})
}

// TestArchivedName: the 退回 copy's name drops the unit prefix of the flat
// layout, and keeps a name of the older layout, or another unit's, whole.
func TestArchivedName(t *testing.T) {
	tests := []struct{ path, unit, want string }{
		{"archive/rejected/2008-12/J03@初稿__20081205T101500Z__3a88725e.xlsx", "J03", "初稿__20081205T101500Z__3a88725e.xlsx"},
		{"archive/rejected/2008-12/_unknown@a@b__20081205T101500Z__3a88725e.xlsx", "", "a@b__20081205T101500Z__3a88725e.xlsx"},
		{"archive/rejected/2008-12/J03/初稿__20081205T101500Z__3a88725e.xlsx", "J03", "初稿__20081205T101500Z__3a88725e.xlsx"},
		{"archive/rejected/2008-12/J03@初稿.xlsx", "J04", "J03@初稿.xlsx"},
	}
	for _, tt := range tests {
		if got := ArchivedName(filepath.FromSlash(tt.path), tt.unit); got != tt.want {
			t.Errorf("ArchivedName(%s, %q) = %s, want %s", tt.path, tt.unit, got, tt.want)
		}
	}
}
