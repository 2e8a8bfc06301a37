//go:build linux

package inbox

import (
	"os"
	"testing"
	"time"
)

// A writer that rewrites a claimed file in place after its read, the
// same size, and puts its modification time back (rsync --inplace -t,
// or a copy over a preallocated file, can look so): the archive must
// still hold the bytes judged and put the file back. Size and
// modification time alone would pass it; its change time tells.
func TestClaimRewrittenWithItsTimePutBack(t *testing.T) {
	orig := []byte("judged form, judged form, judged form")
	ws := newWorkspace(t, 0)
	in := New(ws, func() time.Time { return t0 })
	cl := claimed(t, in, "Z01", "報表.xlsx", orig)
	data, sha, info, err := ReadClaim(cl.Path, 1<<20)
	if err != nil {
		t.Fatal(err)
	}
	w, err := os.OpenFile(cl.Path, os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	if _, err := w.WriteAt([]byte("J"), 0); err != nil {
		t.Fatal(err)
	}
	if err := os.Chtimes(cl.Path, info.ModTime(), info.ModTime()); err != nil {
		t.Fatal(err)
	}
	r := archiveRead(t, in, cl, sha, info, data)
	if r.Err != nil {
		t.Fatal(r.Err)
	}
	checkHolds(t, r.Path, sha)
	if r.Arrival == "" {
		t.Error("the rewritten file was archived as judged; its new bytes are not back in the inbox")
	}
}
