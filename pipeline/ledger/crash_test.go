package ledger

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// The test binary doubles as a process to kill: with helperEnv set it opens
// the ledger, commits one record, opens a large write transaction and
// waits to be killed.
const (
	helperEnv     = "COUNTYBRIEF_LEDGER_HELPER"
	helperPathEnv = "COUNTYBRIEF_LEDGER_HELPER_PATH"
)

func TestMain(m *testing.M) {
	if os.Getenv(helperEnv) == "hold-batch-lock" {
		fmt.Fprintln(os.Stderr, holdBatchLock(os.Getenv(helperPathEnv)))
		os.Exit(2)
	}
	if os.Getenv(helperEnv) == "hold-transaction" {
		if err := holdTransaction(os.Getenv(helperPathEnv)); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(2)
		}
		return
	}
	code := m.Run()
	pgServer.Stop()
	os.Exit(code)
}

func holdTransaction(path string) error {
	ctx := context.Background()
	l, err := Open(ctx, path)
	if err != nil {
		return err
	}
	if _, err := l.RecordBatch(ctx, []Record{sub("committed", "U01", "2008-12", acc, 0, 1)}); err != nil {
		return err
	}
	committedWAL, err := fileSize(path + "-wal")
	if err != nil {
		return err
	}
	// A tiny page cache makes SQLite spill the open transaction's pages
	// into the WAL, so the kill leaves uncommitted frames on disk for the
	// reopen to ignore, not just pages in memory.
	if _, err := l.w.ExecContext(ctx, `PRAGMA cache_size = 8`); err != nil {
		return err
	}
	batch := make([]Record, 300)
	for i := range batch {
		batch[i] = sub(fmt.Sprintf("lost-%03d", i), "U02", "2008-12", acc, i+1, 2)
		batch[i].Values = bigValues(i)
	}
	ps, err := prepared(batch...)
	if err != nil {
		return err
	}
	full, err := l.fullInserts(ctx, ps)
	if err != nil {
		return err
	}
	tx, err := l.w.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	if _, err := l.insert(ctx, tx, ps, full); err != nil {
		return err
	}
	fmt.Printf("holding %d\n", committedWAL)
	select {}
}

// startHelper starts this test binary as the helper process of mode on the
// ledger at setting and returns the first line it prints, which it prints
// once it holds what the test will kill it holding. The process is killed
// when the test ends if the test has not killed it already.
func startHelper(t *testing.T, mode, setting string) (*exec.Cmd, string) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), helperEnv+"="+mode, helperPathEnv+"="+setting)
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
	})
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil {
		t.Fatalf("helper said %q: %v", line, err)
	}
	return cmd, line
}

func fileSize(path string) (int64, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return 0, err
	}
	return fi.Size(), nil
}

func TestKilledMidTransactionIsConsistentOnReopen(t *testing.T) {
	ctx := context.Background()
	// No handle of this process stays open: the reopen must rebuild its
	// view of the WAL from the files the killed process left, as the next
	// night's batch would.
	path := filepath.Join(t.TempDir(), "ledger.db")
	cmd, line := startHelper(t, "hold-transaction", path)
	committedWAL, err := strconv.ParseInt(strings.TrimSpace(strings.TrimPrefix(line, "holding ")), 10, 64)
	if err != nil {
		t.Fatalf("helper said %q", line)
	}
	holdingWAL, err := fileSize(path + "-wal")
	if err != nil {
		t.Fatal(err)
	}
	if holdingWAL <= committedWAL {
		t.Errorf("WAL is %d bytes with the transaction open, %d after the commit: the test did not put uncommitted frames on disk", holdingWAL, committedWAL)
	}
	// SIGKILL on Unix, TerminateProcess on Windows: no deferred code runs.
	if err := cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	if err := cmd.Wait(); err == nil {
		t.Fatal("helper exited cleanly; it should have been killed")
	}
	t.Logf("WAL: %d bytes after the commit, %d with the transaction open", committedWAL, holdingWAL)

	l, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	var check string
	if err := l.r.QueryRowContext(ctx, `PRAGMA integrity_check`).Scan(&check); err != nil || check != "ok" {
		t.Fatalf("integrity_check = %q, %v", check, err)
	}
	if r, err := l.ByClaim(ctx, "committed"); err != nil || r == nil || r.Values["marker"] != 1 {
		t.Errorf("committed record after the kill = %+v, %v", r, err)
	}
	for _, claim := range []string{"lost-000", "lost-299"} {
		if r, err := l.ByClaim(ctx, claim); err != nil || r != nil {
			t.Errorf("uncommitted %s after the kill = %+v, %v; want nil", claim, r, err)
		}
	}
	var values int
	if err := l.r.QueryRowContext(ctx, `SELECT count(*) FROM submission_values`).Scan(&values); err != nil || values != 2 {
		t.Errorf("submission_values holds %d rows, %v; want the committed record's 2", values, err)
	}
	// The file is writable again: recovery records the lost claims.
	mustRecord(t, l, sub("lost-000", "U02", "2008-12", acc, 1, 2))
	if cur, err := l.Current(ctx, "2008-12"); err != nil || len(cur) != 2 {
		t.Errorf("Current after recovery = %d units, %v; want 2", len(cur), err)
	}
}
