package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"countybrief/pipeline/ledger"
	"countybrief/pipeline/render"
)

// TestKillAnywhere kills a real `countybrief run` (SIGKILL, as a power cut
// would) at many points of a batch over the sample county: between files,
// inside a file's processing, and while the outputs are written. After one
// more batch, every file must be in exactly one place, the ledger must
// hold one row per file, and the totals must equal those of a clean run.
func TestKillAnywhere(t *testing.T) {
	bin, template, inputs := killRegion(t)
	clean, span := cleanRuns(t, bin, template, 3)
	want := totals(t, clean)

	// Kill at moments spread over the whole of a clean batch's time
	// (start-up, claiming, reading, recording, archiving, rendering), then
	// after some files are reported done.
	type point struct {
		afterFiles int
		pause      time.Duration
	}
	var points []point
	const spread = 25
	for i := range spread {
		points = append(points, point{0, span * 9 / 10 * time.Duration(i) / spread})
	}
	for k := inputs / 4; k <= inputs; k += inputs / 4 {
		points = append(points, point{k, 0})
	}
	if len(points) < 20 {
		t.Fatalf("only %d kill points", len(points))
	}
	killedMidway := 0
	for _, p := range points {
		ws := copyTree(t, template)
		if killRun(t, bin, ws, p.afterFiles, p.pause) {
			killedMidway++
		}
		runCmd(t, bin, "run", "--workspace", ws, "--settle", "0")
		checkOnePlace(t, ws, inputs)
		if got := totals(t, ws); !equalTotals(got, want) {
			t.Errorf("kill after %d files +%v: totals differ from a clean run", p.afterFiles, p.pause)
		}
	}
	// The kill points are worth something only if most of them landed
	// while the batch was still working.
	if killedMidway < len(points)*2/3 {
		t.Errorf("only %d of %d kills landed before the batch ended", killedMidway, len(points))
	}
}

// killRegion builds the binary and a demo region (demo's flags extra) for
// batches to be killed in; inputs: the files in its inbox.
func killRegion(t *testing.T, extra ...string) (bin, template string, inputs int) {
	t.Helper()
	if runtime.GOOS == "windows" {
		t.Fatal("this test sends SIGKILL and runs on Unix; Windows builds are checked by cross-compiling")
	}
	bin = buildBinary(t)
	template = filepath.Join(t.TempDir(), "template")
	runCmd(t, bin, append(append([]string{"demo"}, extra...), "--no-run", template)...)
	return bin, template, countFiles(t, filepath.Join(template, "inbox"))
}

// cleanRuns runs n clean batches, each on its own copy of template, and
// returns the last copy and the fastest batch's time: the span kills are
// spread over, so that on a busy machine they still land inside a batch
// rather than after it.
func cleanRuns(t *testing.T, bin, template string, n int) (clean string, span time.Duration) {
	t.Helper()
	span = time.Duration(1<<63 - 1)
	for range n {
		clean = copyTree(t, template)
		began := time.Now()
		runCmd(t, bin, "run", "--workspace", clean, "--settle", "0")
		span = min(span, time.Since(began))
	}
	return clean, span
}

// killRun starts a batch and kills it after n "file done" log lines and a
// pause. It reports whether the process was still running when killed.
func killRun(t *testing.T, bin, ws string, n int, pause time.Duration) bool {
	t.Helper()
	cmd := exec.Command(bin, "run", "--workspace", ws, "--settle", "0", "-v")
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := 0
	sc := bufio.NewScanner(stderr)
	for done < n && sc.Scan() {
		if strings.Contains(sc.Text(), `msg="file done"`) {
			done++
		}
	}
	time.Sleep(pause)
	killed := cmd.Process.Kill() == nil
	go io.Copy(io.Discard, stderr)
	err = cmd.Wait()
	return killed && err != nil && strings.Contains(err.Error(), "killed")
}

// checkOnePlace asserts that no file is left in the inbox or work folder,
// that the archive holds each input once, that the ledger holds one row
// per archived file, that every rejected file has its 退回 copy and note,
// and that no temporary file is left in the outbox.
func checkOnePlace(t *testing.T, ws string, inputs int) {
	t.Helper()
	if n := countFiles(t, filepath.Join(ws, "inbox")); n != 0 {
		t.Errorf("%d files left in the inbox", n)
	}
	if n := countFiles(t, filepath.Join(ws, "work", "claimed")); n != 0 {
		t.Errorf("%d files left in work/claimed", n)
	}
	archived := countFiles(t, filepath.Join(ws, "archive"))
	if archived != inputs {
		t.Errorf("archive holds %d files, want %d", archived, inputs)
	}
	led, err := ledger.Open(context.Background(), filepath.Join(ws, "ledger.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer led.Close()
	rows := 0
	codes, err := os.ReadDir(filepath.Join(ws, "inbox"))
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range codes {
		h, err := led.History(context.Background(), c.Name())
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range h {
			if r.ArchivePath == "" {
				t.Errorf("ledger row %d (%s) has no archive path", r.ID, r.OrigName)
			}
		}
		rows += len(h)
	}
	if rows != archived {
		t.Errorf("ledger has %d rows for %d archived files", rows, archived)
	}
	rejected, _ := filepath.Glob(filepath.Join(ws, "archive", "rejected", "*", "*@*.xlsx"))
	if len(rejected) == 0 {
		t.Error("no rejected file archived: the sample's faults are missing")
	}
	for _, f := range rejected {
		unit, name, _ := strings.Cut(filepath.Base(f), "@")
		stem := strings.TrimSuffix(name, ".xlsx")
		for _, ext := range []string{".xlsx", ".txt"} {
			if p := filepath.Join(ws, "outbox", "returns", unit, stem+"-審核意見"+ext); !fileExists(p) {
				t.Errorf("退回 %s missing", p)
			}
		}
	}
	filepath.WalkDir(filepath.Join(ws, "outbox"), func(path string, d os.DirEntry, err error) error {
		if err == nil && strings.HasSuffix(d.Name(), ".tmp") {
			t.Errorf("temporary file left in the outbox: %s", path)
		}
		return nil
	})
}

func fileExists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

// totals reads the county column of the totals workbook.
func totals(t *testing.T, ws string) map[string]string {
	t.Helper()
	f, err := excelize.OpenFile(filepath.Join(ws, "outbox", "2008-12", "草稿", "匯總表.xlsx"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := f.GetRows(render.SheetTotals, excelize.Options{RawCellValue: true})
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, r := range rows {
		out[strings.Join(r[:min(3, len(r))], "/")] = strings.Join(r, "|")
	}
	return out
}

func equalTotals(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

// binary is the countybrief built once for the process-level tests.
var binary struct {
	once sync.Once
	path string
	err  error
}

func buildBinary(t *testing.T) string {
	t.Helper()
	binary.once.Do(func() {
		dir, err := os.MkdirTemp("", "countybrief-bin-")
		if err != nil {
			binary.err = err
			return
		}
		binary.path = filepath.Join(dir, "countybrief")
		if out, err := exec.Command("go", "build", "-o", binary.path, ".").CombinedOutput(); err != nil {
			binary.err = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if binary.err != nil {
		t.Fatal(binary.err)
	}
	return binary.path
}

func runCmd(t *testing.T, bin string, args ...string) {
	t.Helper()
	out, err := exec.Command(bin, args...).CombinedOutput()
	if err != nil {
		t.Fatalf("countybrief %s: %v\n%s", strings.Join(args, " "), err, out)
	}
}

func countFiles(t *testing.T, dir string) int {
	t.Helper()
	n := 0
	err := filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
		if os.IsNotExist(err) {
			return nil
		}
		if err == nil && !d.IsDir() && !strings.HasPrefix(d.Name(), ".") {
			n++
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// copyTree copies a workspace so that every kill starts from the same state.
func copyTree(t *testing.T, src string) string {
	t.Helper()
	return copyTreeTo(t, src, filepath.Join(t.TempDir(), "ws"))
}

// copyTreeTo copies the workspace src to dst, times included.
func copyTreeTo(t *testing.T, src, dst string) string {
	t.Helper()
	var paths []string
	err := filepath.WalkDir(src, func(path string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		paths = append(paths, path)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(paths)
	for _, path := range paths {
		rel, _ := filepath.Rel(src, path)
		target := filepath.Join(dst, rel)
		st, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		if st.IsDir() {
			if err := os.MkdirAll(target, 0o755); err != nil {
				t.Fatal(err)
			}
			continue
		}
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(target, data, 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.Chtimes(target, st.ModTime(), st.ModTime()); err != nil {
			t.Fatal(err)
		}
	}
	return dst
}
