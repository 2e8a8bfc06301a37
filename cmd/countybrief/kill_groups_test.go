package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"countybrief/pipeline/ledger"
	"countybrief/pipeline/vocab"
)

// TestKillAcrossGroups kills a real `countybrief run` over a region of
// several groups of files, where TestKillAnywhere's county fits in one:
// while one group is read and the next claimed beside it, while earlier
// groups are moved and later ones still wait in the inbox, while the last
// group is moved and its 退回 copies written beside the draft, and while
// the draft is written; and stops it (SIGTERM) at such moments, after
// which no file may be left in work/ and the files not claimed stay in
// the inbox. After one more batch every file must be in one place, the
// ledger must hold one row per file whose archive path holds exactly the
// bytes of its SHA-256, every rejected file must have its 退回 copy and
// note, the run must be completed, and the totals must equal a clean
// run's. Last, a unit's writer changes files once they are claimed
// (writeWhileClaimed).
func TestKillAcrossGroups(t *testing.T) {
	bin, template, inputs := killRegion(t, "--units", "1460")

	// A group holds at most 8 MiB of files, so a region of more than
	// twice that is cut into three groups or more whatever the group's
	// count of files.
	const groupBytes = 8 << 20
	if n := treeBytes(t, filepath.Join(template, "inbox")); n <= 2*groupBytes {
		t.Fatalf("the region's forms hold %d bytes, too few for three groups of %d", n, groupBytes)
	}

	clean, span := cleanRuns(t, bin, template, 2)
	want := totals(t, clean)
	checkOnePlace(t, clean, inputs)
	checkArchiveMatchesLedger(t, clean)

	// Every rejected file of a clean run has a 退回 copy and a note.
	returns := treeFiles(t, filepath.Join(clean, "outbox", "returns"))
	if returns == 0 {
		t.Fatal("a clean run wrote no 退回 copies")
	}
	draft := filepath.Join("outbox", "2008-12", "草稿", "匯總表.xlsx")

	// when decides the kill from what the batch has done so far.
	// stop: SIGTERM, as serve's stop or Ctrl-C, rather than SIGKILL.
	type point struct {
		name  string
		when  func(s batchState) bool
		pause time.Duration
		stop  bool
	}
	var points []point
	for i := range 3 {
		points = append(points, point{"at a moment of a clean batch", nil, span * time.Duration(i) / 3, false})
	}
	midway := func(s batchState) bool {
		return s.archived > 0 && s.claimed+s.archived < inputs
	}
	lastInWork := func(s batchState) bool {
		return s.claimed > 0 && s.claimed+s.archived == inputs
	}
	returnsDue := func(s batchState) bool {
		return s.archived == inputs && s.returns < returns && !s.draft
	}
	allArchived := func(s batchState) bool { return s.archived == inputs && !s.draft }
	// A third of the region (some 490 files) is more than the group a
	// stop may still claim beside the group being read (256 files or 8
	// MiB): stopped then, the batch leaves files in the inbox.
	early := func(s batchState) bool { return midway(s) && inputs-s.claimed-s.archived >= inputs/3 }
	points = append(points,
		point{"an early group moved, a later one in the inbox", midway, 0, false},
		point{"an early group moved, a later one in the inbox", func(s batchState) bool { return s.archived >= inputs/3 && midway(s) }, 0, false},
		point{"every file claimed, the last groups in work", lastInWork, 0, false},
		point{"every file claimed, the last groups in work", lastInWork, 3 * time.Millisecond, false},
		point{"every file claimed, the last groups in work", func(s batchState) bool { return lastInWork(s) && s.archived > inputs/2 }, 0, false},
		point{"every file archived, 退回 copies due, no draft yet", returnsDue, 0, false},
		point{"every file archived, no draft yet", allArchived, 0, false},
		point{"every file archived, no draft yet", allArchived, span / 20, false},
		point{"every file archived, no draft yet", allArchived, span / 8, false},
		point{"stopped: an early group moved, most files in the inbox", early, 0, true},
		point{"stopped: every file claimed, the last groups in work", lastInWork, 0, true},
		point{"stopped: every file archived, no draft yet", allArchived, 0, true},
	)

	landed := map[string]int{}
	killedMidway := 0
	for _, p := range points {
		ws := copyTree(t, template)
		var fired, killed bool
		switch {
		case p.when == nil:
			killed = killRun(t, bin, ws, 0, p.pause)
			fired = killed
		case p.stop:
			var at batchState
			fired, at = stopWhen(t, bin, ws, inputs, draft, p.when)
			killed = fired
			if fired {
				checkStopped(t, ws, inputs, at)
			}
		default:
			fired, killed = killWhen(t, bin, ws, inputs, draft, p.when, p.pause)
		}
		if killed {
			killedMidway++
			if fired {
				landed[p.name]++
			}
		}
		runCmd(t, bin, "run", "--workspace", ws, "--settle", "0")
		checkOnePlace(t, ws, inputs)
		checkArchiveMatchesLedger(t, ws)
		checkCompleted(t, ws)
		if got := totals(t, ws); !equalTotals(got, want) {
			t.Errorf("kill %s +%v: totals differ from a clean run", p.name, p.pause)
		}
	}
	if killedMidway < len(points)*2/3 {
		t.Errorf("only %d of %d kills landed before the batch ended", killedMidway, len(points))
	}
	// The moments of overlapping groups last a group's reading each and
	// must be hit; the 退回 copies and the draft may end together on a
	// fast machine, so one of those moments is enough.
	for _, name := range []string{
		"an early group moved, a later one in the inbox",
		"every file claimed, the last groups in work",
		"stopped: an early group moved, most files in the inbox",
		"stopped: every file claimed, the last groups in work",
	} {
		if landed[name] == 0 {
			t.Errorf("no kill landed %s", name)
		}
	}
	if landed["every file archived, 退回 copies due, no draft yet"]+landed["every file archived, no draft yet"] == 0 {
		t.Error("no kill landed after the last group was archived and before the draft")
	}
	t.Logf("%d points, %d killed midway, by moment %v", len(points), killedMidway, landed)

	t.Run("files written to once claimed", func(t *testing.T) {
		writeWhileClaimed(t, bin, template, inputs, draft)
	})
}

// writeWhileClaimed runs a batch while a unit's writer appends to some of
// its files once they are claimed: a file of a group claimed ahead, as
// soon as it is in work/ (changed before its read), and one of an early
// group once the archive has begun (changed after its read, before its
// move, unless it was read later). Whatever the batch saw, each ledger
// row's archive path must hold the bytes of its SHA-256, no file may be
// left in work/, and a changed file that went back to the inbox must be
// taken by the next batch.
func writeWhileClaimed(t *testing.T, bin, template string, inputs int, draft string) {
	ws := copyTree(t, template)
	units, err := os.ReadDir(filepath.Join(ws, "inbox"))
	if err != nil {
		t.Fatal(err)
	}
	type target struct {
		suffix string // of its name in work/claimed: _<len>_<unit><name>
		when   func(s batchState) bool
	}
	var targets []target
	for i, at := range []int{len(units) / 5, len(units) / 2, len(units) - 1} {
		unit := units[at].Name()
		files, err := os.ReadDir(filepath.Join(ws, "inbox", unit))
		if err != nil || len(files) == 0 {
			t.Fatalf("unit %s: %v", unit, err)
		}
		tg := target{suffix: fmt.Sprintf("_%d_%s%s", len(unit), unit, files[0].Name()), when: func(batchState) bool { return true }}
		if i == 0 {
			tg.when = func(s batchState) bool { return s.archived > 0 }
		}
		targets = append(targets, tg)
	}
	cmd := exec.Command(bin, "run", "--workspace", ws, "--settle", "0")
	cmd.Stdout, cmd.Stderr = io.Discard, io.Discard
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	claimedDir := filepath.Join(ws, "work", "claimed")
	written, raced := 0, 0
	done := make([]bool, len(targets))
poll:
	for {
		select {
		case err := <-exited:
			if err != nil {
				t.Fatalf("batch: %v", err)
			}
			break poll
		default:
		}
		names, _ := readNames(claimedDir)
		s := stateOf(t, ws, inputs, draft)
		for i, tg := range targets {
			if done[i] || !tg.when(s) {
				continue
			}
			for _, name := range names {
				if !strings.HasSuffix(name, tg.suffix) {
					continue
				}
				done[i] = true
				switch appendIfStill(filepath.Join(claimedDir, name)) {
				case appended:
					written++
				case movedMeanwhile:
					raced++
				}
			}
		}
		time.Sleep(100 * time.Microsecond)
	}
	t.Logf("%d of %d files written to while claimed, %d moved as they were written", written, len(targets), raced)
	if written == 0 {
		t.Fatal("no file was written to while claimed: the test showed nothing")
	}
	if raced == 0 {
		// A write that met the file in the archive, after the archive's
		// last look, changes what was archived: no batch can tell.
		checkArchiveMatchesLedger(t, ws)
	}
	if n := countFiles(t, claimedDir); n != 0 {
		t.Errorf("%d files left in work/claimed", n)
	}
	back := countFiles(t, filepath.Join(ws, "inbox"))
	t.Logf("%d changed files went back to the inbox", back)
	runCmd(t, bin, "run", "--workspace", ws, "--settle", "0")
	if n := countFiles(t, filepath.Join(ws, "inbox")); n != 0 {
		t.Errorf("%d files left in the inbox after the next batch (%d went back)", n, back)
	}
	if raced == 0 {
		checkArchiveMatchesLedger(t, ws)
	}
	checkCompleted(t, ws)
}

// appendIfStill's outcomes.
const (
	appended = iota
	gone
	movedMeanwhile
)

// appendIfStill appends to the file at path, as its writer would, and
// tells whether the file was still there after the write.
func appendIfStill(path string) int {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		return gone
	}
	defer f.Close()
	if _, err := f.Write([]byte("written after the claim")); err != nil {
		return gone
	}
	st, err := f.Stat()
	if err != nil {
		return gone
	}
	if now, err := os.Lstat(path); err != nil || !os.SameFile(st, now) {
		return movedMeanwhile
	}
	return appended
}

func readNames(dir string) ([]string, error) {
	f, err := os.Open(dir)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return f.Readdirnames(-1)
}

// batchState is what a batch has done so far, as seen from outside:
// files in work/claimed and in the archive (the rest are in the inbox),
// 退回 files written, and whether the draft's totals are written.
type batchState struct {
	claimed, archived, returns int
	draft                      bool
}

// watchUntil starts a batch and looks at its state every few hundred
// microseconds until when holds (fired) or the batch ends by itself.
// exited gives the batch's end.
func watchUntil(t *testing.T, bin, ws string, inputs int, draft string, when func(batchState) bool) (cmd *exec.Cmd, exited chan error, fired bool, at batchState) {
	t.Helper()
	cmd = exec.Command(bin, "run", "--workspace", ws, "--settle", "0")
	cmd.Stdout, cmd.Stderr = io.Discard, io.Discard
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited = make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	for {
		select {
		case err := <-exited:
			exited <- err
			return cmd, exited, false, at
		default:
		}
		if at = stateOf(t, ws, inputs, draft); when(at) {
			return cmd, exited, true, at
		}
		time.Sleep(200 * time.Microsecond)
	}
}

// stopWhen starts a batch and sends it SIGTERM once when holds of its
// state, then waits for it to end by itself. fired: when held while the
// batch ran; at: the state then.
func stopWhen(t *testing.T, bin, ws string, inputs int, draft string, when func(batchState) bool) (fired bool, at batchState) {
	t.Helper()
	cmd, exited, fired, at := watchUntil(t, bin, ws, inputs, draft, when)
	if !fired {
		<-exited
		return false, at
	}
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case <-exited:
	case <-time.After(2 * time.Minute):
		cmd.Process.Kill()
		<-exited
		t.Fatalf("a stopped batch did not end in two minutes")
	}
	return true, at
}

// checkStopped asserts what a batch stopped in state at leaves: no file
// in work/, every archived file in the ledger once with its bytes, every
// other file still in the inbox, and, stopped with files left to claim,
// files left in the inbox: the stop ended the claiming.
func checkStopped(t *testing.T, ws string, inputs int, at batchState) {
	t.Helper()
	if n := countFiles(t, filepath.Join(ws, "work", "claimed")); n != 0 {
		t.Errorf("stopped: %d claimed files left in work/", n)
	}
	archived := countFiles(t, filepath.Join(ws, "archive"))
	inbox := countFiles(t, filepath.Join(ws, "inbox"))
	if archived+inbox != inputs {
		t.Errorf("stopped: %d archived and %d in the inbox, want %d in all", archived, inbox, inputs)
	}
	if left := inputs - at.claimed - at.archived; left >= inputs/3 && inbox == 0 {
		t.Errorf("stopped with %d of %d files in the inbox, yet the batch took them all", left, inputs)
	}
	checkArchiveMatchesLedger(t, ws)
	led, err := ledger.Open(context.Background(), filepath.Join(ws, "ledger.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer led.Close()
	if run, err := led.LastRun(context.Background()); err != nil || run == nil || run.Status != vocab.RunStopped {
		t.Errorf("stopped: last run %+v (%v), want %s", run, err, vocab.RunStopped)
	}
}

// stateOf looks at a batch's state from outside.
func stateOf(t *testing.T, ws string, inputs int, draft string) batchState {
	s := batchState{
		claimed:  entries(filepath.Join(ws, "work", "claimed")),
		archived: entries(filepath.Join(ws, "archive", "accepted", "2008-12")) + entries(filepath.Join(ws, "archive", "rejected", "2008-12")),
	}
	// The 退回 copies and the draft come only once every file is in the
	// archive: look for them only then.
	if s.archived == inputs {
		s.returns = treeFiles(t, filepath.Join(ws, "outbox", "returns"))
		s.draft = fileExists(filepath.Join(ws, draft))
	}
	return s
}

// killWhen starts a batch and kills it, after pause, once when holds of
// its state. fired: when held while the batch ran; killed: the process
// was still running when killed.
func killWhen(t *testing.T, bin, ws string, inputs int, draft string, when func(batchState) bool, pause time.Duration) (fired, killed bool) {
	t.Helper()
	cmd, exited, fired, _ := watchUntil(t, bin, ws, inputs, draft, when)
	if !fired {
		<-exited
		return false, false
	}
	time.Sleep(pause)
	sent := cmd.Process.Kill() == nil
	err := <-exited
	return true, sent && err != nil && strings.Contains(err.Error(), "killed")
}

// treeFiles counts the files under dir, leaving out temporary ones.
func treeFiles(t *testing.T, dir string) int {
	t.Helper()
	n := 0
	filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() && !strings.HasSuffix(d.Name(), ".tmp") && !strings.HasPrefix(d.Name(), ".") {
			n++
		}
		return nil
	})
	return n
}

// entries counts a folder's entries, none when it is missing, leaving out
// temporary files.
func entries(dir string) int {
	f, err := os.Open(dir)
	if err != nil {
		return 0
	}
	defer f.Close()
	names, _ := f.Readdirnames(-1)
	n := 0
	for _, name := range names {
		if !strings.HasPrefix(name, ".") && !strings.HasSuffix(name, ".tmp") {
			n++
		}
	}
	return n
}

func treeBytes(t *testing.T, dir string) int64 {
	t.Helper()
	var n int64
	err := filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		info, err := d.Info()
		n += info.Size()
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// checkArchiveMatchesLedger asserts that every ledger row's archive path
// names a file holding exactly the bytes of the row's SHA-256, and that
// no two rows name one file.
func checkArchiveMatchesLedger(t *testing.T, ws string) {
	t.Helper()
	ctx := context.Background()
	led, err := ledger.Open(ctx, filepath.Join(ws, "ledger.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer led.Close()
	units, err := os.ReadDir(filepath.Join(ws, "inbox"))
	if err != nil {
		t.Fatal(err)
	}
	named := map[string]int64{}
	for _, u := range units {
		rows, err := led.History(ctx, u.Name())
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range rows {
			path := r.ArchivePath
			if !filepath.IsAbs(path) {
				path = filepath.Join(ws, filepath.FromSlash(path))
			}
			if other, ok := named[path]; ok {
				t.Errorf("ledger rows %d and %d both name %s", other, r.ID, r.ArchivePath)
			}
			named[path] = r.ID
			data, err := os.ReadFile(path)
			if err != nil {
				t.Errorf("ledger row %d (%s): %v", r.ID, r.OrigName, err)
				continue
			}
			if sum := sha256.Sum256(data); hex.EncodeToString(sum[:]) != r.SHA256 {
				t.Errorf("ledger row %d (%s): %s holds other bytes than its SHA-256 %s", r.ID, r.OrigName, r.ArchivePath, r.SHA256)
			}
		}
	}
}

// checkCompleted asserts that the last run is marked completed.
func checkCompleted(t *testing.T, ws string) {
	t.Helper()
	if status := lastRunStatus(t, ws); status != vocab.RunCompleted {
		t.Errorf("last run %s, want %s", status, vocab.RunCompleted)
	}
}
