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
)

// ClaimAll and ArchiveGroup must leave each file in exactly one place,
// for one file and past the count where one flush per file system
// replaces per-file syncs.
func TestClaimAllArchiveGroup(t *testing.T) {
	for _, n := range []int{1, manyFiles} {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			ws := newWorkspace(t, 0)
			in := New(ws, func() time.Time { return t0 })
			for i := range n {
				write(t, filepath.Join(ws.InboxDir(), "Z01", fmt.Sprintf("f%03d.xlsx", i)), workbook(t, fmt.Sprint(i)))
			}
			cands, _, err := in.Scan(context.Background())
			if err != nil || len(cands) != n {
				t.Fatalf("scan: %d candidates, %v", len(cands), err)
			}
			// One candidate vanishes between the scan and the claim.
			if err := os.Remove(cands[0].Path); err != nil {
				t.Fatal(err)
			}
			claims, errs, err := in.ClaimAll(cands)
			if err != nil {
				t.Fatal(err)
			}
			if !errors.Is(errs[0], ErrGone) {
				t.Errorf("claim of a vanished file: %v, want ErrGone", errs[0])
			}
			var reqs []ArchiveRequest
			for i, c := range claims[1:] {
				if errs[i+1] != nil {
					t.Fatalf("claim %d: %v", i+1, errs[i+1])
				}
				data, err := os.ReadFile(c.Path)
				if err != nil {
					t.Fatal(err)
				}
				reqs = append(reqs, ArchiveRequest{Claim: c, Accepted: i%2 == 0, Period: "2008-12", Unit: "Z01", SHA256: sum(data)})
			}
			res, err := in.ArchiveGroup(reqs)
			if err != nil {
				t.Fatal(err)
			}
			for i, r := range res {
				if r.Err != nil {
					t.Fatalf("archive %d: %v", i, r.Err)
				}
				if _, err := os.Stat(r.Path); err != nil {
					t.Errorf("archived file missing: %v", err)
				}
			}
			if left, _ := os.ReadDir(filepath.Join(ws.WorkDir(), "claimed")); len(left) != 0 {
				t.Errorf("%d claims left in work", len(left))
			}
			// Archiving the same claims again finds the copies (crash recovery).
			again, err := in.ArchiveGroup(reqs)
			if err != nil {
				t.Fatal(err)
			}
			for i, r := range again {
				if r.Err != nil || r.Path != res[i].Path {
					t.Errorf("second archive of %d: %s, %v; want %s", i, r.Path, r.Err, res[i].Path)
				}
			}
		})
	}
}

// manyFiles is past safefile.Flush's handful, so the flush takes the syncfs path on Linux.
const manyFiles = 40

// ArchiveGroup makes each archive folder once per call whatever exists of
// it already, and moves the files rather than leaving a second name.
func TestArchiveGroupMakesFolders(t *testing.T) {
	tests := []struct {
		name    string
		prepare func(t *testing.T, archive string)
	}{
		{"no archive folder at all", func(t *testing.T, archive string) {
			if err := os.RemoveAll(archive); err != nil {
				t.Fatal(err)
			}
		}},
		{"the period exists", func(t *testing.T, archive string) {
			if err := os.MkdirAll(filepath.Join(archive, "accepted", "2008-11"), 0o755); err != nil {
				t.Fatal(err)
			}
		}},
		{"a unit folder of the old layout exists", func(t *testing.T, archive string) {
			if err := os.MkdirAll(filepath.Join(archive, "accepted", "2008-11", "Z01"), 0o755); err != nil {
				t.Fatal(err)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ws := newWorkspace(t, 0)
			in := New(ws, func() time.Time { return t0 })
			var reqs []ArchiveRequest
			for i, unit := range []string{"Z01", "Z01", "Z02"} {
				data := []byte(fmt.Sprint("content ", i))
				cl := claimed(t, in, unit, fmt.Sprintf("f%d.xlsx", i), data)
				reqs = append(reqs, ArchiveRequest{Claim: cl, Accepted: true, Period: "2008-11", Unit: unit, SHA256: sum(data)})
			}
			tt.prepare(t, ws.ArchiveDir())
			res, err := in.ArchiveGroup(reqs)
			if err != nil {
				t.Fatal(err)
			}
			for i, r := range res {
				if r.Err != nil {
					t.Fatalf("archive %d: %v", i, r.Err)
				}
				want := filepath.Join(ws.ArchiveDir(), "accepted", "2008-11")
				if filepath.Dir(r.Path) != want || !strings.HasPrefix(filepath.Base(r.Path), reqs[i].Unit+UnitSep) {
					t.Errorf("archived at %s, want in %s, named %s%s…", r.Path, want, reqs[i].Unit, UnitSep)
				}
				if b, err := os.ReadFile(r.Path); err != nil || sum(b) != reqs[i].SHA256 {
					t.Errorf("%s: content differs (%v)", r.Path, err)
				}
				if _, err := os.Lstat(reqs[i].Claim.Path); !errors.Is(err, fs.ErrNotExist) {
					t.Errorf("claim %s still in work: %v", reqs[i].Claim.Path, err)
				}
			}
		})
	}
}

// ClaimUnflushed's claims are made when it returns, before their flush:
// a batch killed then finds each file claimed (Recover), none left in the
// inbox; the flush then succeeds, and one that cannot flush (the claims'
// file system gone from under it, here their folder) fails rather than
// counting the claims durable. Recover, which flushes what it finds,
// still finds them once their unit's inbox folder is gone.
func TestClaimUnflushed(t *testing.T) {
	for _, tt := range []struct {
		name string
		n    int
		gone bool
	}{{"one", 1, false}, {"many", manyFiles, false}, {"flush fails", manyFiles, true}} {
		t.Run(tt.name, func(t *testing.T) {
			ws := newWorkspace(t, 0)
			in := New(ws, func() time.Time { return t0 })
			for i := range tt.n {
				write(t, filepath.Join(ws.InboxDir(), "Z01", fmt.Sprintf("f%03d.xlsx", i)), workbook(t, fmt.Sprint(i)))
			}
			cands, _, err := in.Scan(context.Background())
			if err != nil || len(cands) != tt.n {
				t.Fatalf("scan: %d candidates, %v", len(cands), err)
			}
			claims, errs, flush, err := in.ClaimUnflushed(cands)
			if err != nil {
				t.Fatal(err)
			}
			for i, e := range errs {
				if e != nil {
					t.Fatalf("claim %d: %v", i, e)
				}
			}
			// As a kill before the flush leaves them.
			found, err := New(ws, func() time.Time { return t0 }).Recover(context.Background())
			if err != nil || len(found) != len(claims) {
				t.Fatalf("Recover before the flush: %d claims, %v; want %d", len(found), err, len(claims))
			}
			if left, _, err := New(ws, func() time.Time { return t0 }).Scan(context.Background()); err != nil || len(left) != 0 {
				t.Fatalf("the inbox still offers %d files (%v)", len(left), err)
			}
			if tt.gone {
				if err := os.Rename(filepath.Join(ws.WorkDir(), "claimed"), filepath.Join(ws.WorkDir(), "moved")); err != nil {
					t.Fatal(err)
				}
				if err := flush(); err == nil {
					t.Error("flush of claims whose folder is gone succeeded")
				}
				return
			}
			if err := flush(); err != nil {
				t.Fatal(err)
			}
			// Recover flushes what it finds, the unit's inbox folder gone
			// since or not.
			if err := os.RemoveAll(filepath.Join(ws.InboxDir(), "Z01")); err != nil {
				t.Fatal(err)
			}
			if found, err := New(ws, func() time.Time { return t0 }).Recover(context.Background()); err != nil || len(found) != len(claims) {
				t.Fatalf("Recover without the unit's folder: %d claims, %v; want %d", len(found), err, len(claims))
			}
		})
	}
}
