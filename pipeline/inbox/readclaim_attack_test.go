//go:build linux

package inbox

import (
	"bytes"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"
)

// A claimed file changed by a writer that still holds it, before
// ReadClaim reads it or after, and archived the batch's way (the stamp
// and the bytes ReadClaim gave): the archive holds exactly the bytes
// whose SHA-256 was judged, and a file changed after its read is back in
// the inbox with its new bytes. (Linux only, as the stalled writer's
// test: elsewhere a file open for writing is not claimed.)
func TestClaimChangedAroundItsRead(t *testing.T) {
	orig := bytes.Repeat([]byte("judged form "), 4<<10)
	changes := []struct {
		name string
		do   func(w *os.File) error
	}{
		{"grown", func(w *os.File) error { _, err := w.WriteAt([]byte("more"), int64(len(orig))); return err }},
		{"cut short", func(w *os.File) error { return w.Truncate(int64(len(orig) / 2)) }},
		{"emptied", func(w *os.File) error { return w.Truncate(0) }},
		{"rewritten in place", func(w *os.File) error { _, err := w.WriteAt(bytes.ToUpper(orig), 0); return err }},
		{"one byte rewritten in place", func(w *os.File) error { _, err := w.WriteAt([]byte("J"), 0); return err }},
		// Size and modification time alone would pass it (rsync
		// --inplace -t can look so); its change time tells.
		{"one byte rewritten in place, its time put back", func(w *os.File) error {
			st, err := w.Stat()
			if err != nil {
				return err
			}
			if _, err := w.WriteAt([]byte("J"), 0); err != nil {
				return err
			}
			return os.Chtimes(w.Name(), st.ModTime(), st.ModTime())
		}},
	}
	for _, afterRead := range []bool{false, true} {
		for _, ch := range changes {
			name := ch.name + " before the read"
			if afterRead {
				name = ch.name + " after the read"
			}
			t.Run(name, func(t *testing.T) {
				in, cl, w := claimedForWriting(t, orig)
				defer w.Close()
				if !afterRead {
					if err := ch.do(w); err != nil {
						t.Fatal(err)
					}
				}
				data, sha, info, err := ReadClaim(cl.Path, 1<<20)
				if err != nil {
					t.Fatal(err)
				}
				if sum(data) != sha {
					t.Fatalf("ReadClaim's hash is not its bytes'")
				}
				if afterRead {
					if err := ch.do(w); err != nil {
						t.Fatal(err)
					}
				}
				final, err := os.ReadFile(cl.Path)
				if err != nil {
					t.Fatal(err)
				}
				r := archiveRead(t, in, cl, sha, info, data)
				if r.Err != nil {
					t.Fatalf("archive: %v", r.Err)
				}
				checkHolds(t, r.Path, sha)
				switch {
				case !afterRead && r.Arrival != "":
					t.Errorf("a file changed before its read went back to the inbox (%s)", r.Arrival)
				case !afterRead && sum(final) != sha:
					t.Errorf("judged other bytes than the file held when read")
				case afterRead && r.Arrival == "":
					t.Errorf("a file changed after its read was archived as judged, its new bytes lost")
				case afterRead:
					if got, err := os.ReadFile(r.Arrival); err != nil || !bytes.Equal(got, final) {
						t.Errorf("arrival %s holds %d bytes (%v), want the changed file's %d", r.Arrival, len(got), err, len(final))
					}
				}
				if left := dirNames(t, in.claimedDir()); len(left) != 0 {
					t.Errorf("left in work: %q", left)
				}
			})
		}
	}
}

// A writer that goes on writing while ReadClaim reads (growing the file,
// or rewriting it in place) and stops before the archive: whatever
// ReadClaim returned, the archive holds exactly the bytes of its hash, or
// nothing when those bytes were not kept (over the limit), and the file
// is archived as judged only when it still holds the judged bytes.
func TestClaimWrittenDuringItsRead(t *testing.T) {
	orig := bytes.Repeat([]byte("0123456789abcdef"), 64<<10) // 1 MiB
	for _, tc := range []struct {
		name  string
		limit int64
		grow  bool
	}{
		{"grown while read", 4 << 20, true},
		{"rewritten while read", 4 << 20, false},
		{"grown while hashed past the limit", 1 << 10, true},
		{"rewritten while hashed past the limit", 1 << 10, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for round := range 20 {
				in, cl, w := claimedForWriting(t, orig)
				stop := make(chan struct{})
				var wg sync.WaitGroup
				wg.Add(1)
				go func() {
					defer wg.Done()
					chunk := bytes.Repeat([]byte{'A' + byte(round%26)}, 4<<10)
					// Growth is bounded to keep the test short (ReadClaim
					// hashes no further than the size its status gave).
					for off := int64(0); off < 8<<20; off += int64(len(chunk)) {
						select {
						case <-stop:
							return
						default:
						}
						at := off % int64(len(orig))
						if tc.grow {
							at = int64(len(orig)) + off
						}
						if _, err := w.WriteAt(chunk, at); err != nil {
							t.Error(err)
							return
						}
					}
				}()
				data, sha, info, rerr := ReadClaim(cl.Path, tc.limit)
				close(stop)
				wg.Wait()
				w.Close()
				if rerr != nil {
					t.Fatal(rerr)
				}
				final, err := os.ReadFile(cl.Path)
				if err != nil {
					t.Fatal(err)
				}
				r := archiveRead(t, in, cl, sha, info, data)
				switch {
				case errors.Is(r.Err, ErrChanged) && data == nil:
					if r.Path != "" {
						t.Errorf("round %d: nothing was kept to archive, yet %s is archived", round, r.Path)
					}
				case r.Err != nil:
					t.Fatalf("round %d: archive: %v", round, r.Err)
				default:
					checkHolds(t, r.Path, sha)
				}
				if r.Arrival == "" && sum(final) != sha {
					t.Errorf("round %d: the file was archived as judged, but it holds other bytes than judged", round)
				}
				if r.Arrival != "" {
					if got, err := os.ReadFile(r.Arrival); err != nil || !bytes.Equal(got, final) {
						t.Errorf("round %d: arrival holds %d bytes (%v), want the written file's %d", round, len(got), err, len(final))
					}
				}
			}
		})
	}
}

// claimedForWriting claims a file of orig's bytes in a new workspace and
// opens it for writing, as a unit's writer still holding it would.
func claimedForWriting(t *testing.T, orig []byte) (*Inbox, Claim, *os.File) {
	t.Helper()
	in := New(newWorkspace(t, 0), func() time.Time { return t0 })
	cl := claimed(t, in, "Z01", "報表.xlsx", orig)
	w, err := os.OpenFile(cl.Path, os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	return in, cl, w
}

// archiveRead archives one claim as the batch asks for a file it read
// (info from ReadClaim).
func archiveRead(t *testing.T, in *Inbox, cl Claim, sha string, info fs.FileInfo, data []byte) ArchiveResult {
	t.Helper()
	res, err := in.ArchiveGroup([]ArchiveRequest{{Claim: cl, Accepted: true, Period: "2008-11", Unit: "Z01",
		SHA256: sha, Size: info.Size(), ModTime: info.ModTime(), ChangeTime: ChangeTime(info), Judged: data}})
	if err != nil {
		t.Fatal(err)
	}
	return res[0]
}

// checkHolds asserts that path holds exactly the bytes of sha, and that
// it is the only file of its archive folder.
func checkHolds(t *testing.T, path, sha string) {
	t.Helper()
	got, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("archive: %v", err)
	}
	if sum(got) != sha {
		t.Errorf("%s holds %d bytes whose hash is not the judged %s", filepath.Base(path), len(got), sha[:8])
	}
	if names := dirNames(t, filepath.Dir(path)); len(names) != 1 {
		t.Errorf("archive folder holds %q, want one file", names)
	}
}
