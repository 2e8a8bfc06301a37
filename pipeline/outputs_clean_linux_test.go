package pipeline_test

import (
	"context"
	"errors"
	"os"
	"testing"

	"golang.org/x/sys/unix"

	"countybrief/pipeline"
)

// After a batch, every output it wrote (the 退回 copies and the draft) is
// on the disk: not one page of them is still dirty or being written in
// the page cache (cachestat). The batch writes them without waiting for
// the disk and flushes them once (syncOutputs); without that flush, the
// kernel writes them back some 30 seconds later.
func TestOutputsAreOnTheDisk(t *testing.T) {
	dir := t.TempDir()
	var fs unix.Statfs_t
	if err := unix.Statfs(dir, &fs); err != nil {
		t.Fatal(err)
	}
	if fs.Type == unix.TMPFS_MAGIC {
		t.Skip("the temporary folder is on tmpfs, whose pages are never written back: set TMPDIR to a disk")
	}
	ws := county(t, dir)
	if _, err := pipeline.Run(context.Background(), ws, pipeline.Options{Now: syncNow}); err != nil {
		t.Fatal(err)
	}
	files := listFiles(t, ws.OutboxDir())
	if len(files) == 0 {
		t.Fatal("the batch wrote no output")
	}
	for _, p := range files {
		f, err := os.Open(p)
		if err != nil {
			t.Fatal(err)
		}
		var st unix.Cachestat_t
		err = unix.Cachestat(uint(f.Fd()), &unix.CachestatRange{}, &st, 0)
		f.Close()
		if errors.Is(err, unix.ENOSYS) {
			t.Skip("the kernel has no cachestat (Linux 6.5 or later)")
		}
		if err != nil {
			t.Fatal(err)
		}
		if st.Dirty != 0 || st.Writeback != 0 {
			t.Errorf("%s: %d pages dirty and %d being written after the batch", p, st.Dirty, st.Writeback)
		}
	}
}
