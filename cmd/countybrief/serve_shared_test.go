package main

import (
	"bufio"
	"context"
	"database/sql"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	// database/sql's "pgx" driver, to read the shared ledger's tables.
	_ "github.com/jackc/pgx/v5/stdlib"
)

// TestTwoServesShareALedger runs two `countybrief serve` processes, as two
// machines of one office would: each its own workspace with its own work
// folder, sharing the inbox, archive and outbox folders (the office's
// share) and one PostgreSQL ledger, while forms arrive in waves. Every file must be judged exactly once: one "file done" among
// both processes' logs, one ledger row, one place in the archive; and no
// two batches may overlap in time, because the batch lock is the ledger's.
//
// What this does not test is the share itself: both processes see one
// local file system, where a rename is atomic. A network share must give
// the same (SMB and NFS do for a rename within one share).
func TestTwoServesShareALedger(t *testing.T) {
	bin := buildBinary(t)
	url := pgServer.Server(t).Database(t)
	ws := filepath.Join(t.TempDir(), "ws")
	runCmd(t, bin, "demo", "--no-run", ws)
	// The second machine's workspace: the same office files, its own work
	// folder (and so its own lock file) and logs, and the shared inbox,
	// archive, outbox and ledger. Only the ledger's lock can keep the two
	// apart.
	other := copyTree(t, ws)
	for _, d := range []string{"inbox", "archive", "outbox"} {
		if err := os.RemoveAll(filepath.Join(other, d)); err != nil {
			t.Fatal(err)
		}
	}
	shared := "\n  inbox: " + filepath.Join(ws, "inbox") + "\n  outbox: " + filepath.Join(ws, "outbox") +
		"\n  archive: " + filepath.Join(ws, "archive") + "\n  ledger: " + url + "\n"
	for _, dir := range []string{ws, other} {
		cfgPath := filepath.Join(dir, "config.yaml")
		cfg, err := os.ReadFile(cfgPath)
		if err != nil {
			t.Fatal(err)
		}
		edited := strings.Replace(string(cfg), "settle_seconds: 10", "settle_seconds: 0", 1)
		for _, line := range []string{"  inbox: inbox\n", "  outbox: outbox\n", "  archive: archive\n", "  ledger: ledger.db\n"} {
			edited = strings.Replace(edited, line, "", 1)
		}
		edited = strings.Replace(edited, "\npaths:\n", "\npaths:"+shared, 1)
		if strings.Count(edited, url) != 1 || strings.Contains(edited, "ledger.db") {
			t.Fatalf("config.yaml lacks the paths lines to edit:\n%s", edited)
		}
		if err := os.WriteFile(cfgPath, []byte(edited), 0o644); err != nil {
			t.Fatal(err)
		}
	}

	// Half the forms wait outside, to arrive in waves while both serve.
	inbox := filepath.Join(ws, "inbox")
	staged := filepath.Join(t.TempDir(), "staged")
	var all []string
	err := filepath.WalkDir(inbox, func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || strings.HasPrefix(d.Name(), ".") {
			return err
		}
		rel, _ := filepath.Rel(inbox, path)
		if len(all)%2 == 0 {
			if err := os.MkdirAll(filepath.Join(staged, filepath.Dir(rel)), 0o755); err != nil {
				return err
			}
			if err := os.Rename(path, filepath.Join(staged, rel)); err != nil {
				return err
			}
		}
		all = append(all, rel)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	total := len(all)
	// The staged half (every other file) arrives in three waves.
	waves := make([][]string, 3)
	for i := 0; i < total; i += 2 {
		waves[i/2%3] = append(waves[i/2%3], all[i])
	}

	type proc struct {
		cmd  *exec.Cmd
		done []string // unit/file of each "file done" line
		runs int      // "batch completed" lines
		wait sync.WaitGroup
	}
	var procs [2]*proc
	fileRe := regexp.MustCompile(`file="?([^" ]+)"?`)
	unitRe := regexp.MustCompile(`unit="?([^" ]+)"?`)
	for i := range procs {
		p := &proc{cmd: exec.Command(bin, "serve", "--workspace", []string{ws, other}[i], "--poll", "1s", "--lang", "en")}
		stderr, err := p.cmd.StderrPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := p.cmd.Start(); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { p.cmd.Process.Kill() })
		p.wait.Add(1)
		go func() {
			defer p.wait.Done()
			sc := bufio.NewScanner(stderr)
			for sc.Scan() {
				line := sc.Text()
				switch {
				case strings.Contains(line, `msg="file done"`):
					f, u := fileRe.FindStringSubmatch(line), unitRe.FindStringSubmatch(line)
					if f == nil || u == nil {
						t.Errorf("file done without file or unit: %s", line)
						continue
					}
					p.done = append(p.done, u[1]+"/"+f[1])
				case strings.Contains(line, `msg="batch completed"`):
					p.runs++
				case strings.Contains(line, "level=error"):
					t.Errorf("serve %d: %s", i, line)
				}
			}
		}()
		procs[i] = p
	}

	db, err := sql.Open("pgx", url)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	// Waiting, not timing: the deadline only turns a hang into a failure.
	waitFor := func(n int) {
		t.Helper()
		deadline := time.Now().Add(5 * time.Minute)
		for {
			var got int
			err := db.QueryRow(`SELECT count(*) FROM submissions`).Scan(&got)
			if err == nil && got >= n {
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("the ledger holds %d submissions (%v), want %d", got, err, n)
			}
			time.Sleep(200 * time.Millisecond)
		}
	}
	arrived := total - len(waves[0]) - len(waves[1]) - len(waves[2])
	waitFor(arrived)
	for _, w := range waves {
		for _, rel := range w {
			if err := os.Rename(filepath.Join(staged, rel), filepath.Join(inbox, rel)); err != nil {
				t.Fatal(err)
			}
		}
		arrived += len(w)
		waitFor(arrived)
	}
	// Let each process finish the poll it is in, then stop both as the
	// service manager would.
	time.Sleep(2 * time.Second)
	for i, p := range procs {
		if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
			t.Fatal(err)
		}
		p.wait.Wait()
		if err := p.cmd.Wait(); err != nil {
			t.Errorf("serve %d: %v", i, err)
		}
	}

	// Exactly once among both processes.
	seen := map[string]int{}
	for i, p := range procs {
		t.Logf("serve %d judged %d files in %d batches", i, len(p.done), p.runs)
		if p.runs == 0 {
			t.Errorf("serve %d completed no batch: the test did not run two services", i)
		}
		for _, f := range p.done {
			seen[f]++
		}
	}
	for _, rel := range all {
		key := filepath.ToSlash(rel)
		if seen[key] != 1 {
			t.Errorf("%s judged %d times, want once", key, seen[key])
		}
		delete(seen, key)
	}
	for f, n := range seen {
		t.Errorf("judged a file that was never sent: %s (%d times)", f, n)
	}

	// One ledger row and one place per file.
	var rows, distinct int
	if err := db.QueryRow(`SELECT count(*), count(DISTINCT unit_code || '/' || orig_name) FROM submissions`).Scan(&rows, &distinct); err != nil {
		t.Fatal(err)
	}
	if rows != total || distinct != total {
		t.Errorf("the ledger holds %d rows for %d distinct files, want %d of each", rows, distinct, total)
	}
	if n := countFiles(t, inbox); n != 0 {
		t.Errorf("%d files left in the inbox", n)
	}
	for _, dir := range []string{ws, other} {
		if n := countFiles(t, filepath.Join(dir, "work", "claimed")); n != 0 {
			t.Errorf("%d files left in %s/work/claimed", n, dir)
		}
	}
	if n := countFiles(t, filepath.Join(ws, "archive")); n != total {
		t.Errorf("the archive holds %d files, want %d", n, total)
	}

	// No two batches at once: every run finished (completed, or stopped by
	// the SIGTERM), and each began after the one before it ended.
	type span struct{ start, end int64 }
	var spans []span
	rs, err := db.QueryContext(context.Background(), `SELECT started_at, COALESCE(finished_at, 0), status FROM runs ORDER BY started_at`)
	if err != nil {
		t.Fatal(err)
	}
	for rs.Next() {
		var s span
		var status string
		if err := rs.Scan(&s.start, &s.end, &status); err != nil {
			t.Fatal(err)
		}
		// SIGTERM may land while a poll's batch runs (a loaded machine
		// stretches any wait): that run ends "stopped" after finishing
		// what it claimed, which the file counts above have checked.
		if status != "completed" && status != "stopped" || s.end == 0 {
			t.Errorf("a run ended %s (finished at %d)", status, s.end)
		}
		spans = append(spans, s)
	}
	if err := rs.Err(); err != nil {
		t.Fatal(err)
	}
	rs.Close()
	sort.Slice(spans, func(i, j int) bool { return spans[i].start < spans[j].start })
	for i := 1; i < len(spans); i++ {
		if spans[i].start < spans[i-1].end {
			t.Errorf("run %d began %v before run %d ended", i+1, time.Duration(spans[i-1].end-spans[i].start), i)
		}
	}
	if len(spans) < 2 {
		t.Errorf("%d runs recorded, want one per batch of both services", len(spans))
	}
}
