//go:build linux

package inbox

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// A unit's copy that pauses for longer than twice the settle time is
// claimed and judged half done; the copy then goes on writing through the
// descriptor it holds. The archive must hold exactly the bytes judged,
// and the finished file come back to the inbox as a new arrival.
// (Linux only: elsewhere a file open for writing is not claimed at all,
// and the case across disks needs /dev/shm.)
func TestStalledWriterIsArchivedAsJudged(t *testing.T) {
	half, rest := []byte("the first half, judged;"), []byte(" the rest, written after the claim")
	tests := []struct {
		name string
		// duringMove: the writer goes on between the archive rename and
		// the look after it, not between the read and the archive.
		duringMove bool
		// stamp: the request carries the size and time read, else the
		// file is hashed; keep: it carries the bytes judged.
		stamp, keep bool
		across      bool // the archive on another file system
		// inPlace: the writer rewrites the bytes it wrote and puts the
		// time back, as a copy over a preallocated file can look.
		inPlace bool
		taken   bool // a new file took the name in the inbox meanwhile
		wantErr error
		arrival string
	}{
		{name: "written after the read", stamp: true, keep: true, arrival: "報表.xlsx"},
		{name: "written during the move", duringMove: true, stamp: true, keep: true, arrival: "報表.xlsx"},
		{name: "checked by hash", keep: true, arrival: "報表.xlsx"},
		{name: "judged bytes not kept", stamp: true, wantErr: ErrChanged, arrival: "報表.xlsx"},
		{name: "its name taken in the inbox", stamp: true, keep: true, taken: true, arrival: "報表-2.xlsx"},
		{name: "across disks", stamp: true, keep: true, across: true, arrival: "報表.xlsx"},
		{name: "across disks, rewritten in place", stamp: true, keep: true, across: true, inPlace: true, arrival: "報表.xlsx"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ws := newWorkspace(t, 10)
			if tt.across {
				ws.Config.Paths.Archive = tmpfsDir(t)
			}
			c := &clock{t: t0}
			in := New(ws, c.now)
			path := filepath.Join(ws.InboxDir(), "Z01", "報表.xlsx")
			write(t, path, nil)
			w, err := os.OpenFile(path, os.O_WRONLY, 0)
			if err != nil {
				t.Fatal(err)
			}
			defer w.Close()
			if _, err := w.Write(half); err != nil {
				t.Fatal(err)
			}
			// The writer pauses past twice the settle time.
			var ready []Candidate
			for _, at := range []time.Duration{0, 20 * time.Second} {
				c.set(t0.Add(at))
				if ready, _, err = in.Scan(context.Background()); err != nil {
					t.Fatal(err)
				}
			}
			if len(ready) != 1 {
				t.Fatalf("%d ready, want the half file", len(ready))
			}
			cl, err := claimOne(in, ready[0])
			if err != nil {
				t.Fatal(err)
			}

			// The batch reads and judges the claim.
			f, err := os.Open(cl.Path)
			if err != nil {
				t.Fatal(err)
			}
			info, err := f.Stat()
			f.Close()
			if err != nil {
				t.Fatal(err)
			}
			data, err := os.ReadFile(cl.Path)
			if err != nil || string(data) != string(half) {
				t.Fatalf("read %q, %v", data, err)
			}
			final := string(half) + string(rest)
			goOn := func(string) {
				if !tt.inPlace {
					if _, err := w.Write(rest); err != nil {
						t.Fatal(err)
					}
					return
				}
				final = strings.ToUpper(string(half))
				if _, err := w.WriteAt([]byte(final), 0); err != nil {
					t.Fatal(err)
				}
				if err := os.Chtimes(cl.Path, info.ModTime(), info.ModTime()); err != nil {
					t.Fatal(err)
				}
			}
			if tt.duringMove {
				in.afterMove = goOn
			} else {
				goOn("")
			}
			if tt.taken {
				write(t, path, []byte("a new file under the same name"))
			}
			req := ArchiveRequest{Claim: cl, Period: "2008-11", Unit: "Z01", SHA256: sum(half)}
			if tt.stamp {
				req.Size, req.ModTime = info.Size(), info.ModTime()
			}
			if tt.keep {
				req.Judged = data
			}
			res, err := in.ArchiveGroup([]ArchiveRequest{req})
			if err != nil {
				t.Fatal(err)
			}
			r := res[0]
			if !errors.Is(r.Err, tt.wantErr) || (tt.wantErr == nil) != (r.Err == nil) {
				t.Fatalf("result %+v, want error %v", r, tt.wantErr)
			}

			folder := filepath.Join(in.archive, "rejected", "2008-11")
			var want []string
			if tt.wantErr == nil {
				want = []string{"Z01" + UnitSep + archiveName(cl.OrigName, cl.ReceivedAt, sum(half))}
				if r.Path != filepath.Join(folder, want[0]) {
					t.Errorf("archived at %q, want %q", r.Path, want[0])
				}
				if got, err := os.ReadFile(r.Path); err != nil || string(got) != string(half) {
					t.Errorf("archive holds %q (%v), want the judged %q", got, err, half)
				}
			}
			if got := dirNames(t, folder); strings.Join(got, " ") != strings.Join(want, " ") {
				t.Errorf("archive folder holds %q, want %q", got, want)
			}
			if left := dirNames(t, in.claimedDir()); len(left) != 0 {
				t.Errorf("left in work: %q", left)
			}
			if want := filepath.Join(in.inbox, "Z01", tt.arrival); r.Arrival != want {
				t.Fatalf("arrival %q, want %q", r.Arrival, want)
			}
			// The writer's last bytes land in the arrival: the same file.
			if _, err := w.Write([]byte(".")); err != nil {
				t.Fatal(err)
			}
			if got, err := os.ReadFile(r.Arrival); err != nil || string(got) != final+"." {
				t.Errorf("arrival holds %q (%v), want %q", got, err, final+".")
			}
			if tt.taken {
				if got, _ := os.ReadFile(path); string(got) != "a new file under the same name" {
					t.Errorf("the file under the arrival's name now holds %q", got)
				}
			}
			// The arrival settles afresh.
			if ready, waiting, err := in.Scan(context.Background()); err != nil || len(ready) != 0 || waiting == 0 {
				t.Errorf("next scan: %d ready, %d waiting, %v; want the arrival waiting", len(ready), waiting, err)
			}
		})
	}
}

// A batch killed after it archived the judged bytes, before the changed
// file went back, is finished by the next, which did not judge the file
// (no stamp) and has not the bytes: the archived copy is found by its
// hash and the file still goes back.
func TestChangedClaimIsFinishedAfterACrash(t *testing.T) {
	for _, archived := range []bool{true, false} {
		ws := newWorkspace(t, 0)
		in := New(ws, func() time.Time { return t0 })
		judged := []byte("judged")
		cl := claimed(t, in, "Z01", "報表.xlsx", []byte("judged, then more"))
		dst := filepath.Join(ws.ArchiveDir(), "accepted", "2008-11", "Z01"+UnitSep+archiveName(cl.OrigName, cl.ReceivedAt, sum(judged)))
		if archived {
			write(t, dst, judged)
		}
		res, err := New(ws, nil).ArchiveGroup([]ArchiveRequest{{Claim: cl, Accepted: true, Period: "2008-11", Unit: "Z01", SHA256: sum(judged)}})
		if err != nil {
			t.Fatal(err)
		}
		r := res[0]
		if archived && (r.Err != nil || r.Path != dst) || !archived && (!errors.Is(r.Err, ErrChanged) || r.Path != "") {
			t.Errorf("archived %v before: result %+v", archived, r)
		}
		if got, err := os.ReadFile(r.Arrival); err != nil || string(got) != "judged, then more" {
			t.Errorf("archived %v before: arrival %s holds %q, %v", archived, r.Arrival, got, err)
		}
		if got, _ := os.ReadFile(dst); archived && string(got) != string(judged) {
			t.Errorf("archive holds %q", got)
		}
	}
}

// tmpfsDir is a folder on /dev/shm, a tmpfs, for archives that must be
// copied to.
func tmpfsDir(t *testing.T) string {
	t.Helper()
	dir, err := os.MkdirTemp("/dev/shm", "countybrief-archive-")
	if err != nil {
		t.Fatalf("this test needs a tmpfs at /dev/shm: %v", err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	return dir
}

func dirNames(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		t.Fatal(err)
	}
	var out []string
	for _, e := range entries {
		out = append(out, e.Name())
	}
	return out
}
