package main

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/sys/unix"
)

// TestFullDisk runs a batch over the sample county on a file system that
// fills up at points spread over the batch's writing (the lock, the new
// ledger, the records, the archive's notes, the 退回 copies, the draft and
// its caches), then frees the space and runs once more. A batch that
// fails must tell the clerk in Chinese that the disk is full and that no
// file is lost; the next batch must finish with every file in one place,
// the archive matching the ledger, the run completed and the totals of a
// clean run.
func TestFullDisk(t *testing.T) {
	bin, template, inputs := killRegion(t)
	clean, _ := cleanRuns(t, bin, template, 1)
	want := totals(t, clean)

	// How much a clean batch adds on the same kind of file system, in
	// its blocks: the points below are fractions of it.
	probe := smallDisk(t, 64<<20)
	ws := copyTreeTo(t, template, filepath.Join(probe, "ws"))
	before := usedBytes(t, probe)
	runCmd(t, bin, "run", "--workspace", ws, "--settle", "0")
	grew := usedBytes(t, probe) - before
	if grew <= 0 {
		t.Fatalf("a clean batch added %d bytes", grew)
	}

	failed, lostLog := 0, 0
	for _, part := range []int64{0, 2, 10, 25, 40, 55, 70, 85, 100} {
		free := grew * part / 100
		t.Run(fmt.Sprintf("%d%%", part), func(t *testing.T) {
			disk := smallDisk(t, 64<<20)
			ws := copyTreeTo(t, template, filepath.Join(disk, "ws"))
			ballast := leaveFree(t, disk, free)
			out, err := exec.Command(bin, "run", "--workspace", ws, "--settle", "0").CombinedOutput()
			if err != nil {
				failed++
				if !strings.Contains(string(out), "磁盤滿了") || !strings.Contains(string(out), "沒有丟失") {
					t.Errorf("%d bytes free: the batch failed without saying the disk is full:\n%s", free, out)
				}
			}
			// A log line that could not be written is counted and said
			// once, in Chinese, not printed by logrus in English.
			if strings.Contains(string(out), "Failed to fire hook") {
				t.Errorf("%d bytes free: logrus' English reached the clerk:\n%s", free, out)
			}
			if strings.Contains(string(out), "行沒寫進去") {
				lostLog++
			}
			if err := os.Remove(ballast); err != nil {
				t.Fatal(err)
			}
			runCmd(t, bin, "run", "--workspace", ws, "--settle", "0")
			checkOnePlace(t, ws, inputs)
			checkArchiveMatchesLedger(t, ws)
			checkCompleted(t, ws)
			if got := totals(t, ws); !equalTotals(got, want) {
				t.Errorf("%d bytes free, then room: totals differ from a clean run", free)
			}
		})
	}
	// The points are worth something only if most of them made a batch
	// fail somewhere.
	if failed < 6 {
		t.Errorf("only %d of the 9 fill points made the batch fail", failed)
	}
	if lostLog == 0 {
		t.Error("no fill point lost a log line: the log file's own full disk was never met")
	}
}

// smallDisk mounts a tmpfs of size bytes for the test, unmounted after it.
func smallDisk(t *testing.T, size int64) string {
	t.Helper()
	dir := t.TempDir()
	if err := unix.Mount("tmpfs", dir, "tmpfs", 0, fmt.Sprintf("size=%d", size)); err != nil {
		if errors.Is(err, unix.EPERM) {
			t.Skipf("mounting a tmpfs to fill needs root with CAP_SYS_ADMIN: %v", err)
		}
		t.Fatalf("mount tmpfs: %v", err)
	}
	t.Cleanup(func() {
		if err := unix.Unmount(dir, unix.MNT_DETACH); err != nil {
			t.Errorf("unmount %s: %v", dir, err)
		}
	})
	return dir
}

// usedBytes is what the file system at dir has in use.
func usedBytes(t *testing.T, dir string) int64 {
	t.Helper()
	var st unix.Statfs_t
	if err := unix.Statfs(dir, &st); err != nil {
		t.Fatal(err)
	}
	return int64(st.Blocks-st.Bfree) * int64(st.Bsize)
}

// leaveFree fills the file system at dir with a ballast file until free
// bytes (to the block) are left, and returns the ballast's path.
func leaveFree(t *testing.T, dir string, free int64) string {
	t.Helper()
	var st unix.Statfs_t
	if err := unix.Statfs(dir, &st); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "ballast")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if n := int64(st.Bavail)*int64(st.Bsize) - free; n > 0 {
		if err := unix.Fallocate(int(f.Fd()), 0, 0, n); err != nil {
			t.Fatalf("fill %s: %v", dir, err)
		}
	}
	return path
}
