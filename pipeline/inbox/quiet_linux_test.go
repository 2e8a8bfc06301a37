//go:build linux

package inbox

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"countybrief/pipeline/internal/testuser"
	"countybrief/pipeline/safefile"
	"countybrief/pipeline/workspace"
)

// bareWorkspace is a workspace whose inbox holds none of the unit folders
// Init makes, so that the tests count only their own.
func bareWorkspace(t *testing.T) *workspace.Workspace {
	t.Helper()
	ws := newWorkspace(t, 0)
	if err := os.RemoveAll(ws.InboxDir()); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(ws.InboxDir(), 0o755); err != nil {
		t.Fatal(err)
	}
	return ws
}

// quietInbox is an Inbox over empty unit folders U1 and U2, on a clock that
// makes their stamps old enough to trust, after the scan that recorded
// them and one that skipped them.
func quietInbox(t *testing.T) (*workspace.Workspace, *Inbox) {
	t.Helper()
	ws := bareWorkspace(t)
	for _, u := range []string{"U1", "U2"} {
		if err := os.Mkdir(filepath.Join(ws.InboxDir(), u), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	top, err := os.Open(ws.InboxDir())
	if err != nil {
		t.Fatal(err)
	}
	defer top.Close()
	if !safefile.StampsHold(top.Fd()) {
		t.Skipf("the file system of %s (TMPDIR) keeps no folder stamps Scan trusts: run on ext4, xfs, btrfs, tmpfs or f2fs", ws.InboxDir())
	}
	in := New(ws, nil)
	in.fsNow = func() time.Time { return time.Now().Add(time.Minute) }
	scanQuiet(t, in, 0, 0)
	scanQuiet(t, in, 0, 2)
	return ws, in
}

// scanQuiet scans and checks how many files were ready and how many unit
// folders were skipped unread.
func scanQuiet(t *testing.T, in *Inbox, ready, skipped int) []Candidate {
	t.Helper()
	got, _, err := in.Scan(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	in.mu.Lock()
	s := in.skipped
	in.mu.Unlock()
	if len(got) != ready || s != skipped {
		t.Fatalf("%d ready %v, %d folders skipped; want %d ready, %d skipped", len(got), names(got), s, ready, skipped)
	}
	return got
}

// nextTick waits until the file system's clock has moved past dir's
// change time, so that a change made now gives dir another stamp. Without
// it a change in the tick the folder was made in would keep its stamp: the
// case quietMargin guards against, not the one these tests attack.
func nextTick(t *testing.T, dir string) {
	t.Helper()
	probe := filepath.Join(t.TempDir(), "tick")
	for {
		write(t, probe, nil)
		var p, d syscall.Stat_t
		if err := syscall.Stat(probe, &p); err != nil {
			t.Fatal(err)
		}
		if err := syscall.Stat(dir, &d); err != nil {
			t.Fatal(err)
		}
		if p.Ctim.Nano() > d.Ctim.Nano() {
			return
		}
		if err := os.Remove(probe); err != nil {
			t.Fatal(err)
		}
	}
}

// Whatever changes in a skipped folder is found by the next scan.
func TestQuietFolderIsReadAgainOnChange(t *testing.T) {
	for _, c := range []struct {
		name   string
		change func(t *testing.T, ws *workspace.Workspace, u1 string)
		want   string
	}{
		{"file dropped in", func(t *testing.T, _ *workspace.Workspace, u1 string) {
			write(t, filepath.Join(u1, "a.csv"), []byte("a"))
		}, "U1/a.csv"},
		{"file renamed in", func(t *testing.T, ws *workspace.Workspace, u1 string) {
			src := filepath.Join(ws.WorkDir(), "a.csv")
			write(t, src, []byte("a"))
			if err := os.Rename(src, filepath.Join(u1, "a.csv")); err != nil {
				t.Fatal(err)
			}
		}, "U1/a.csv"},
		{"junk file renamed to a real name", nil, "U1/a.csv"},
		{"subfolder with a file", func(t *testing.T, _ *workspace.Workspace, u1 string) {
			write(t, filepath.Join(u1, "sub", "a.csv"), []byte("a"))
		}, "U1/a.csv"},
		{"folder removed and made again", func(t *testing.T, _ *workspace.Workspace, u1 string) {
			if err := os.Remove(u1); err != nil {
				t.Fatal(err)
			}
			write(t, filepath.Join(u1, "a.csv"), []byte("a"))
		}, "U1/a.csv"},
		{"hard link made in", func(t *testing.T, ws *workspace.Workspace, u1 string) {
			src := filepath.Join(ws.WorkDir(), "a.csv")
			write(t, src, []byte("a"))
			if err := os.Link(src, filepath.Join(u1, "a.csv")); err != nil {
				t.Fatal(err)
			}
		}, "U1/a.csv"},
	} {
		t.Run(c.name, func(t *testing.T) {
			ws, in := quietInbox(t)
			u1 := filepath.Join(ws.InboxDir(), "U1")
			if c.change == nil { // the junk file is there from the start
				ws = bareWorkspace(t)
				u1 = filepath.Join(ws.InboxDir(), "U1")
				write(t, filepath.Join(u1, "~$a.csv"), []byte("a"))
				if err := os.Mkdir(filepath.Join(ws.InboxDir(), "U2"), 0o755); err != nil {
					t.Fatal(err)
				}
				in = New(ws, nil)
				in.fsNow = func() time.Time { return time.Now().Add(time.Minute) }
				scanQuiet(t, in, 0, 0)
				scanQuiet(t, in, 0, 2)
				c.change = func(t *testing.T, _ *workspace.Workspace, u1 string) {
					if err := os.Rename(filepath.Join(u1, "~$a.csv"), filepath.Join(u1, "a.csv")); err != nil {
						t.Fatal(err)
					}
				}
			}
			nextTick(t, u1)
			c.change(t, ws, u1)
			got := scanQuiet(t, in, 1, 1)
			if n := names(got); n[0] != c.want {
				t.Errorf("ready %v, want %s", n, c.want)
			}
		})
	}
}

// A skipped folder made unreadable is read, and reported, by the next
// scan: changing its permissions changes its stamp.
func TestQuietFolderMadeUnreadableIsReported(t *testing.T) {
	if !testuser.Nobody(t) {
		return
	}
	ws, in := quietInbox(t)
	u1 := filepath.Join(ws.InboxDir(), "U1")
	nextTick(t, u1)
	testuser.Chmod(t, u1, 0)
	scanQuiet(t, in, 0, 1)
	if got := in.Unreadable(); len(got) != 1 || got[0].Path != u1 || got[0].Folder != "U1" {
		t.Errorf("unreadable %+v, want U1 alone", got)
	}
	scanQuiet(t, in, 0, 1) // and again: an unreadable folder is never quiet
	if got := in.Unreadable(); len(got) != 1 {
		t.Errorf("unreadable %+v on the second scan, want U1", got)
	}
}

// A folder whose last change is within quietMargin of the scan that read
// it is read again by the next scan, even one in the same second: a file
// made in the same tick of the file system's clock would not change its
// stamp.
func TestQuietFolderTrustedOnlyPastTheMargin(t *testing.T) {
	for _, c := range []struct {
		after   time.Duration // from the folder's change to the scan
		skipped int
	}{
		{0, 0},
		{time.Second, 0},
		{quietMargin - time.Nanosecond, 0},
		{quietMargin, 1},
		{time.Hour, 1},
	} {
		t.Run(c.after.String(), func(t *testing.T) {
			ws := bareWorkspace(t)
			u1 := filepath.Join(ws.InboxDir(), "U1")
			if err := os.Mkdir(u1, 0o755); err != nil {
				t.Fatal(err)
			}
			var st syscall.Stat_t
			if err := syscall.Stat(u1, &st); err != nil {
				t.Fatal(err)
			}
			in := New(ws, nil)
			in.fsNow = func() time.Time { return time.Unix(0, st.Ctim.Nano()).Add(c.after) }
			scanQuiet(t, in, 0, 0)
			scanQuiet(t, in, 0, c.skipped)
		})
	}
}

// A state file that is missing, damaged or not one means every folder is
// read, and the scan writes a good one.
func TestQuietStateDamaged(t *testing.T) {
	for _, c := range []struct {
		name   string
		damage func([]byte) []byte
	}{
		{"missing", nil},
		{"empty", func([]byte) []byte { return nil }},
		{"truncated", func(b []byte) []byte { return b[:len(b)/2] }},
		{"one byte short", func(b []byte) []byte { return b[:len(b)-1] }},
		{"a bit flipped", func(b []byte) []byte { b[len(quietMagic)+10] ^= 4; return b }},
		{"garbage", func(b []byte) []byte { return bytes.Repeat([]byte{0xff}, len(b)) }},
		{"sightings instead", func([]byte) []byte { return []byte(`{"U1/a.csv":{"size":1}}`) }},
	} {
		t.Run(c.name, func(t *testing.T) {
			ws, in := quietInbox(t)
			path := filepath.Join(ws.WorkDir(), quietFile)
			data, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			if c.damage == nil {
				err = os.Remove(path)
			} else {
				err = os.WriteFile(path, c.damage(data), 0o644)
			}
			if err != nil {
				t.Fatal(err)
			}
			scanQuiet(t, in, 0, 0)
			scanQuiet(t, in, 0, 2)
		})
	}
}

// A well-formed state that names a folder with a stamp it does not have
// (another workspace's, or made up) does not make Scan skip it.
func TestQuietStateForeignStamp(t *testing.T) {
	_, in := quietInbox(t)
	q := in.loadQuiet()
	for i := range q.folders {
		q.folders[i].stamp.ino++
	}
	if err := in.saveQuiet(q); err != nil {
		t.Fatal(err)
	}
	scanQuiet(t, in, 0, 0)
}

// A clock set back past the time the state was written makes Scan read
// every folder, and trust the stamps again from the new time on.
func TestQuietClockBackwards(t *testing.T) {
	_, in := quietInbox(t) // written a minute ahead
	in.fsNow = func() time.Time { return time.Now().Add(30 * time.Second) }
	scanQuiet(t, in, 0, 0)
	if w := in.loadQuiet().written; w > in.fsNow().UnixNano() {
		t.Errorf("state written at %v, after the scan", time.Unix(0, w))
	}
	scanQuiet(t, in, 0, 2)
}

// Folders that hold something, or cannot be walked into, are never
// recorded quiet; the quiet ones come in name order.
func TestQuietRecordsOnlyEmptyFolders(t *testing.T) {
	ws := bareWorkspace(t)
	inbox := ws.InboxDir()
	for _, p := range []string{"A/a.csv", "B/sub/b.csv", "C/.DS_Store", "E/Thumbs.db"} {
		write(t, filepath.Join(inbox, filepath.FromSlash(p)), []byte("x"))
	}
	for _, p := range []string{"D", "F/@eaDir", "G/sub"} {
		if err := os.MkdirAll(filepath.Join(inbox, filepath.FromSlash(p)), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Symlink("/etc", filepath.Join(inbox, "H")); err != nil {
		t.Fatal(err)
	}
	in := New(ws, nil)
	in.fsNow = func() time.Time { return time.Now().Add(time.Minute) }
	scanQuiet(t, in, 2, 0)
	var got []string
	for _, f := range in.loadQuiet().folders {
		got = append(got, f.name)
	}
	if want := []string{"C", "D", "E", "F"}; !slices.Equal(got, want) {
		t.Errorf("quiet %v, want %v", got, want)
	}
	scanQuiet(t, in, 2, 4)
}

func FuzzDecodeQuiet(f *testing.F) {
	f.Add(encodeQuiet(quietState{written: 1, folders: []quietFolder{{"U1", dirStamp{1, 2, 3, 4}}, {"U2", dirStamp{}}}}))
	f.Add(encodeQuiet(quietState{}))
	f.Add([]byte(quietMagic + strings.Repeat("\x80", 20)))
	f.Fuzz(func(t *testing.T, data []byte) {
		q, err := decodeQuiet(data)
		if err != nil {
			return
		}
		if again := encodeQuiet(q); !bytes.Equal(again, data) {
			t.Errorf("decoded %+v, which encodes to %x, not %x", q, again, data)
		}
	})
}

// NoteEmptied lets the scan after a busy batch skip the folders the busy
// batch emptied, and never a folder that holds a file.
func TestNoteEmptied(t *testing.T) {
	for _, c := range []struct {
		name string
		// after runs between the claims and NoteEmptied, on the clock
		// the file system stamps with; then the clock moves a minute on
		// unless fresh.
		after  func(t *testing.T, ws *workspace.Workspace, in *Inbox)
		fresh  bool
		ready  []string
		skip   int
		before func(t *testing.T, ws *workspace.Workspace) // after NoteEmptied, before the scan
	}{
		{name: "emptied", skip: 3},
		{name: "claims too fresh", fresh: true, skip: 0},
		{name: "file dropped after the claims", after: func(t *testing.T, ws *workspace.Workspace, _ *Inbox) {
			write(t, filepath.Join(ws.InboxDir(), "U1", "new.csv"), []byte("n"))
		}, ready: []string{"U1/new.csv"}, skip: 2},
		{name: "file dropped after NoteEmptied", before: func(t *testing.T, ws *workspace.Workspace) {
			u1 := filepath.Join(ws.InboxDir(), "U1")
			nextTick(t, u1)
			write(t, filepath.Join(u1, "new.csv"), []byte("n"))
		}, ready: []string{"U1/new.csv"}, skip: 2},
		{name: "clock set back", after: func(t *testing.T, _ *workspace.Workspace, in *Inbox) {
			if err := in.saveQuiet(quietState{written: time.Now().Add(time.Hour).UnixNano()}); err != nil {
				t.Fatal(err)
			}
		}, skip: 0},
	} {
		t.Run(c.name, func(t *testing.T) {
			ws := bareWorkspace(t)
			for _, p := range []string{"U1/a.csv", "U2/b.csv", "U3/c.csv", "U4/d.csv", "U4/e.csv"} {
				write(t, filepath.Join(ws.InboxDir(), filepath.FromSlash(p)), []byte(p))
			}
			in := New(ws, nil)
			var ahead time.Duration
			in.fsNow = func() time.Time { return time.Now().Add(ahead) }
			ready := scanQuiet(t, in, 5, 0)
			// U4 keeps a file: only one of its two is claimed.
			_, errs, err := in.ClaimAll(ready[:4])
			if err != nil || errors.Join(errs...) != nil {
				t.Fatalf("claim: %v %v", err, errs)
			}
			if c.after != nil {
				c.after(t, ws, in)
			}
			if !c.fresh {
				ahead = time.Minute
			}
			if err := in.NoteEmptied(context.Background()); err != nil {
				t.Fatal(err)
			}
			if c.before != nil {
				c.before(t, ws)
			}
			got := scanQuiet(t, in, len(c.ready)+1, c.skip)
			want := append(slices.Clone(c.ready), "U4/e.csv")
			g := names(got)
			slices.Sort(g) // e.csv was first seen a scan earlier, maybe a second
			slices.Sort(want)
			if !slices.Equal(g, want) {
				t.Errorf("ready %v, want %v", g, want)
			}
		})
	}
}
