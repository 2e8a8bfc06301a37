//go:build linux

package inbox

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"countybrief/pipeline/internal/testuser"
)

// A folder or file Scan cannot read is named, and every other unit's
// files are still found.
func TestScanGoesOnPastUnreadableFolders(t *testing.T) {
	if !testuser.Nobody(t) {
		return
	}
	ws := newWorkspace(t, 0)
	inbox := ws.InboxDir()
	for _, p := range []string{"Z01/a.xlsx", "Z02/b.xlsx", "Z03/c.xlsx", "Z04/d.xlsx", "Z04/sub/e.xlsx", "top.xlsx", "Z05/f.xlsx"} {
		write(t, filepath.Join(inbox, filepath.FromSlash(p)), []byte(p))
	}
	testuser.Chmod(t, filepath.Join(inbox, "Z02"), 0)     // cannot be listed
	testuser.Chmod(t, filepath.Join(inbox, "Z03"), 0o444) // listed, but its files cannot be looked at
	testuser.Chmod(t, filepath.Join(inbox, "Z04", "sub"), 0)
	in := New(ws, nil)
	ready, _, err := in.Scan(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if got, want := strings.Join(names(ready), " "), "Z01/a.xlsx Z04/d.xlsx Z05/f.xlsx /top.xlsx"; got != want {
		t.Errorf("ready %q, want %q", got, want)
	}
	want := []Problem{
		{Path: filepath.Join(inbox, "Z02"), Folder: "Z02"},
		{Path: filepath.Join(inbox, "Z03", "c.xlsx"), Folder: "Z03"},
		{Path: filepath.Join(inbox, "Z04", "sub"), Folder: "Z04"},
	}
	got := in.Unreadable()
	if len(got) != len(want) {
		t.Fatalf("unreadable %+v, want %+v", got, want)
	}
	for i, p := range got {
		if p.Path != want[i].Path || p.Folder != want[i].Folder || !errors.Is(p.Err, fs.ErrPermission) {
			t.Errorf("unreadable[%d] = %+v, want %s in %s, a permission error", i, p, want[i].Path, want[i].Folder)
		}
	}
	// The next scan reports afresh.
	for _, p := range []string{"Z02", "Z03", "Z04/sub"} {
		testuser.Chmod(t, filepath.Join(inbox, filepath.FromSlash(p)), 0o755)
	}
	if ready, _, err := in.Scan(context.Background()); err != nil || len(ready) != 7 || len(in.Unreadable()) != 0 {
		t.Errorf("once readable: %d ready, %v unreadable, %v", len(ready), in.Unreadable(), err)
	}
}

// A folder unreadable for one scan keeps its files' settle time.
func TestUnreadableFolderKeepsItsSightings(t *testing.T) {
	if !testuser.Nobody(t) {
		return
	}
	ws := newWorkspace(t, 10)
	dir := filepath.Join(ws.InboxDir(), "Z01")
	write(t, filepath.Join(dir, "a.xls"), []byte("a"))
	c := &clock{}
	for _, s := range []struct {
		at       time.Duration
		mode     fs.FileMode
		ready    int
		problems int
	}{
		{0, 0o755, 0, 0},
		{5 * time.Second, 0, 0, 1},
		{10 * time.Second, 0o755, 1, 0},
	} {
		testuser.Chmod(t, dir, s.mode)
		c.set(t0.Add(s.at))
		in := New(ws, c.now)
		ready, _, err := in.Scan(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if len(ready) != s.ready || len(in.Unreadable()) != s.problems {
			t.Errorf("at t0+%v: %d ready, unreadable %v; want %d ready, %d unreadable", s.at, len(ready), in.Unreadable(), s.ready, s.problems)
		}
	}
}

// A file nobody may open (mode 000) is still claimed, recovered and
// archived by rename, alongside the others and without failing them; a
// second archive call finds it. Across disks, where the archive must
// copy it, it fails alone.
func TestUnreadableFileIsClaimedAndArchived(t *testing.T) {
	if !testuser.Nobody(t) {
		return
	}
	for _, tt := range []struct {
		name   string
		files  int  // readable ones beside the unreadable one
		across bool // archive on another file system (/dev/shm)
	}{
		{"few files, flushed one by one", 2, false},
		{"many files, flushed per file system", manyFiles, false},
		{"across disks", 2, true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			ws := newWorkspace(t, 0)
			if tt.across {
				ws.Config.Paths.Archive = tmpfsDir(t)
			}
			// Folders made before, so that a few files are flushed one by one.
			for _, unit := range []string{"Z01", "Z02"} {
				if err := os.MkdirAll(filepath.Join(ws.ArchiveDir(), "rejected", "2008-11", unit), 0o755); err != nil {
					t.Fatal(err)
				}
			}
			in := New(ws, func() time.Time { return t0 })
			locked := filepath.Join(ws.InboxDir(), "Z01", "locked.xlsx")
			write(t, locked, []byte("cannot be read"))
			testuser.Chmod(t, locked, 0)
			for i := range tt.files {
				write(t, filepath.Join(ws.InboxDir(), "Z02", fmt.Sprintf("f%02d.xlsx", i)), []byte(fmt.Sprint(i)))
			}
			cands, _, err := in.Scan(context.Background())
			if err != nil || len(cands) != tt.files+1 {
				t.Fatalf("scan: %d ready, %v", len(cands), err)
			}
			if _, err := os.ReadFile(locked); !errors.Is(err, fs.ErrPermission) {
				t.Fatalf("the locked file can be read (%v): the test proves nothing", err)
			}
			claims, errs, err := in.ClaimAll(cands)
			if err != nil || errors.Join(errs...) != nil {
				t.Fatalf("claim: %v %v", err, errs)
			}
			recovered, err := New(ws, nil).Recover(context.Background())
			if err != nil || len(recovered) != len(claims) {
				t.Fatalf("recover: %d of %d claims, %v", len(recovered), len(claims), err)
			}
			var reqs []ArchiveRequest
			for _, c := range claims {
				// As a batch does: the stamp of what it read, or of a
				// file it could not open.
				info, err := os.Lstat(c.Path)
				if err != nil {
					t.Fatal(err)
				}
				data, err := os.ReadFile(c.Path)
				if c.Folder == "Z01" && errors.Is(err, fs.ErrPermission) {
					data, err = nil, nil
				}
				if err != nil {
					t.Fatal(err)
				}
				reqs = append(reqs, ArchiveRequest{Claim: c, Period: "2008-11", Unit: c.Folder, SHA256: sum(data),
					Size: info.Size(), ModTime: info.ModTime()})
			}
			for range 2 { // the second time as a batch finishing the first's work
				res, err := in.ArchiveGroup(reqs)
				if err != nil {
					t.Fatalf("archive: %v", err)
				}
				for i, r := range reqs {
					if r.Claim.Folder == "Z01" && tt.across {
						if !errors.Is(res[i].Err, fs.ErrPermission) {
							t.Errorf("copy of the locked file: %v, want a permission error", res[i].Err)
						}
						if _, err := os.Lstat(r.Claim.Path); err != nil {
							t.Errorf("the locked file left work: %v", err)
						}
						continue
					}
					if res[i].Err != nil {
						t.Errorf("%s: %v", r.Claim.OrigName, res[i].Err)
					} else if _, err := os.Lstat(res[i].Path); err != nil {
						t.Errorf("%s: %v", r.Claim.OrigName, err)
					}
				}
			}
		})
	}
}
