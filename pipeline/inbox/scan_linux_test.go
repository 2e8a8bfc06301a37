//go:build linux

package inbox

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"

	"golang.org/x/sys/unix"
)

// The descriptor reader must find in a unit folder exactly what the
// portable walk through os.ReadDir finds, whatever the folder holds.
func TestReadUnitMatchesWalk(t *testing.T) {
	outside := t.TempDir()
	write(t, filepath.Join(outside, "secret.xlsx"), []byte("secret"))
	tests := []struct {
		name  string
		make  func(t *testing.T, dir string)
		empty bool
	}{
		{"files, junk, links, a pipe and folders", func(t *testing.T, dir string) {
			for _, p := range []string{"a.xlsx", "報表 (2).xlsx", "~$a.xlsx", ".DS_Store", "x.tmp", "sub/b.xlsx",
				"sub/deep/c.xlsx", "sub/deep/deeper/d.xlsx", ".snapshot/e.xlsx", "@eaDir/f.xlsx", "empty.xlsx"} {
				write(t, filepath.Join(dir, filepath.FromSlash(p)), []byte(p))
			}
			if err := os.Symlink(filepath.Join(outside, "secret.xlsx"), filepath.Join(dir, "link.xlsx")); err != nil {
				t.Fatal(err)
			}
			if err := os.Symlink(outside, filepath.Join(dir, "linkdir")); err != nil {
				t.Fatal(err)
			}
			if err := syscall.Mkfifo(filepath.Join(dir, "pipe.xlsx"), 0o644); err != nil {
				t.Fatal(err)
			}
		}, false},
		// More entries than one getdents buffer holds.
		{"a thousand long names", func(t *testing.T, dir string) {
			for i := range 1000 {
				write(t, filepath.Join(dir, fmt.Sprintf("%s-%04d.xlsx", strings.Repeat("月報", 20), i)), []byte{byte(i)})
			}
		}, false},
		{"only junk and links", func(t *testing.T, dir string) {
			write(t, filepath.Join(dir, "~$a.xlsx"), nil)
			write(t, filepath.Join(dir, "@eaDir", "a.xlsx"), nil)
			if err := os.Symlink(outside, filepath.Join(dir, "linkdir")); err != nil {
				t.Fatal(err)
			}
		}, true},
		{"an empty folder in it", func(t *testing.T, dir string) {
			if err := os.Mkdir(filepath.Join(dir, "sub"), 0o755); err != nil {
				t.Fatal(err)
			}
		}, false},
		{"nothing", func(*testing.T, string) {}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ws := newWorkspace(t, 0)
			in := New(ws, nil)
			dir := filepath.Join(ws.InboxDir(), "U1")
			if err := os.Mkdir(dir, 0o755); err != nil {
				t.Fatal(err)
			}
			tt.make(t, dir)
			top, err := os.Open(ws.InboxDir())
			if err != nil {
				t.Fatal(err)
			}
			defer top.Close()
			var fast, slow listing
			stamp, empty := in.readUnit(context.Background(), top.Fd(), "U1", true, newDirBuf(), &fast)
			entries, err := os.ReadDir(dir)
			in.walkEntries(context.Background(), entries, err, dir, "U1", "U1", 1, &slow)
			if !slices.EqualFunc(fast.files, slow.files, func(a, b found) bool { return a == b }) {
				t.Errorf("files\n%+v\nwant\n%+v", fast.files, slow.files)
			}
			if len(fast.problems)+len(slow.problems) != 0 {
				t.Errorf("problems %v, walk's %v", fast.problems, slow.problems)
			}
			if empty != tt.empty {
				t.Errorf("empty = %v, want %v", empty, tt.empty)
			}
			var st unix.Stat_t
			if err := unix.Stat(dir, &st); err != nil {
				t.Fatal(err)
			}
			if want := stampOfStat(&st); stamp != want {
				t.Errorf("stamp %+v, want %+v", stamp, want)
			}
		})
	}
}

// A unit folder replaced by a link after the inbox was listed (to a
// folder anywhere on the machine) is not read through the link.
func TestReadUnitRefusesALinkedFolder(t *testing.T) {
	ws := newWorkspace(t, 0)
	in := New(ws, nil)
	outside := t.TempDir()
	write(t, filepath.Join(outside, "secret.xlsx"), []byte("secret"))
	if err := os.Symlink(outside, filepath.Join(ws.InboxDir(), "U1")); err != nil {
		t.Fatal(err)
	}
	top, err := os.Open(ws.InboxDir())
	if err != nil {
		t.Fatal(err)
	}
	defer top.Close()
	var l listing
	if _, empty := in.readUnit(context.Background(), top.Fd(), "U1", true, newDirBuf(), &l); empty || len(l.files)+len(l.problems) != 0 {
		t.Errorf("read through the link: empty %v, files %+v, problems %v", empty, l.files, l.problems)
	}
}

// appendDirent appends a linux_dirent64 as getdents writes it.
func appendDirent(b []byte, ino uint64, typ uint8, name string) []byte {
	size := (direntHead + len(name) + 1 + 7) &^ 7
	rec := make([]byte, size)
	binary.NativeEndian.PutUint64(rec, ino)
	binary.NativeEndian.PutUint16(rec[16:], uint16(size))
	rec[18] = typ
	copy(rec[direntHead:], name)
	return append(b, rec...)
}

// parseDirents never reads past its buffer and never gives an empty
// name, a name with NUL, "." or ".."; entries written as getdents writes
// them come back as written.
func FuzzParseDirents(f *testing.F) {
	f.Add([]byte("a.xlsx/報表.xlsx/./../b"))
	f.Add(appendDirent(appendDirent(nil, 1, unix.DT_DIR, "."), 2, unix.DT_REG, "a.xlsx"))
	f.Add([]byte{1, 2, 3})
	f.Fuzz(func(t *testing.T, data []byte) {
		_ = parseDirents(data, func(name []byte, typ uint8) {
			if len(name) == 0 || bytes.IndexByte(name, 0) >= 0 || string(name) == "." || string(name) == ".." {
				t.Errorf("gave %q", name)
			}
		})
		var buf []byte
		var want []string
		for i, name := range strings.Split(strings.ReplaceAll(string(data), "\x00", ""), "/") {
			if len(name) > 255 {
				name = name[:255]
			}
			buf = appendDirent(buf, uint64(i+1), uint8(i%16), name)
			if name != "" && name != "." && name != ".." {
				want = append(want, fmt.Sprintf("%s %d", name, i%16))
			}
		}
		var got []string
		if err := parseDirents(buf, func(name []byte, typ uint8) { got = append(got, fmt.Sprintf("%s %d", name, typ)) }); err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(got, want) {
			t.Errorf("got %q, want %q", got, want)
		}
	})
}
