package lock

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

const helperEnv = "COUNTYBRIEF_LOCK_HELPER"

// TestMain doubles as the helper process that holds a lock until it is
// killed (or its stdin closes, so that a failed test leaves no orphan).
func TestMain(m *testing.M) {
	if path := os.Getenv(helperEnv); path != "" {
		l, err := Acquire(context.Background(), path, false)
		if err != nil {
			fmt.Println("error", err)
			os.Exit(2)
		}
		fmt.Println("locked", os.Getpid())
		io.Copy(io.Discard, os.Stdin)
		l.Release()
		os.Exit(0)
	}
	os.Exit(m.Run())
}

func TestSecondAcquireFailsNamingTheHolder(t *testing.T) {
	path := filepath.Join(t.TempDir(), "work", "batch.lock")
	before := time.Now().UTC().Truncate(time.Second)
	first, err := Acquire(context.Background(), path, false)
	if err != nil {
		t.Fatal(err)
	}
	defer first.Release()
	_, err = Acquire(context.Background(), path, false)
	var held *HeldError
	if !errors.Is(err, ErrLocked) || !errors.As(err, &held) {
		t.Fatalf("second Acquire: %v, want a HeldError wrapping ErrLocked", err)
	}
	if held.Holder.PID != os.Getpid() || held.Holder.Started.Before(before) {
		t.Errorf("holder = %+v, want pid %d started at or after %s", held.Holder, os.Getpid(), before)
	}
	for _, want := range []string{"pid " + strconv.Itoa(os.Getpid()), held.Holder.Started.Format(time.RFC3339)} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not name %q", err, want)
		}
	}
}

func TestReleaseLetsTheNextOneIn(t *testing.T) {
	path := filepath.Join(t.TempDir(), "batch.lock")
	for i := 0; i < 3; i++ {
		l, err := Acquire(context.Background(), path, false)
		if err != nil {
			t.Fatalf("round %d: %v", i, err)
		}
		if err := l.Release(); err != nil {
			t.Fatal(err)
		}
		if err := l.Release(); err != nil {
			t.Errorf("second Release: %v", err)
		}
	}
	if data, err := os.ReadFile(path); err != nil || len(data) != 0 {
		t.Errorf("released lock file holds %q (%v), want it empty", data, err)
	}
}

func TestWaitBlocksUntilReleased(t *testing.T) {
	path := filepath.Join(t.TempDir(), "batch.lock")
	first, err := Acquire(context.Background(), path, false)
	if err != nil {
		t.Fatal(err)
	}
	got := make(chan error, 1)
	go func() {
		l, err := Acquire(context.Background(), path, true)
		if err == nil {
			err = l.Release()
		}
		got <- err
	}()
	select {
	case err := <-got:
		t.Fatalf("waiting Acquire returned %v while the lock was held", err)
	default:
	}
	if err := first.Release(); err != nil {
		t.Fatal(err)
	}
	if err := <-got; err != nil {
		t.Fatalf("waiting Acquire after release: %v", err)
	}
}

func TestWaitGivesUpWhenCancelled(t *testing.T) {
	path := filepath.Join(t.TempDir(), "batch.lock")
	first, err := Acquire(context.Background(), path, false)
	if err != nil {
		t.Fatal(err)
	}
	defer first.Release()
	ctx, cancel := context.WithCancel(context.Background())
	got := make(chan error, 1)
	go func() {
		_, err := Acquire(ctx, path, true)
		got <- err
	}()
	cancel()
	err = <-got
	if !errors.Is(err, context.Canceled) || !errors.Is(err, ErrLocked) || !strings.Contains(err.Error(), "pid "+strconv.Itoa(os.Getpid())) {
		t.Fatalf("cancelled wait: %v, want it to wrap ErrLocked and context.Canceled and name the holder", err)
	}
}

func TestKilledHolderDoesNotBlock(t *testing.T) {
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "batch.lock")
	cmd := exec.Command(exe, "-test.run=^$")
	cmd.Env = append(os.Environ(), helperEnv+"="+path)
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	defer stdin.Close()
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil || !strings.HasPrefix(line, "locked ") {
		cmd.Process.Kill()
		cmd.Wait()
		t.Fatalf("helper said %q (%v)", line, err)
	}
	pid := cmd.Process.Pid

	_, err = Acquire(context.Background(), path, false)
	var held *HeldError
	if !errors.As(err, &held) || held.Holder.PID != pid {
		cmd.Process.Kill()
		cmd.Wait()
		t.Fatalf("while the helper holds it: %v, want held by pid %d", err, pid)
	}

	// Kill is SIGKILL on Unix and TerminateProcess on Windows: the helper
	// gets no chance to release anything.
	if err := cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	cmd.Wait()
	var stale Holder
	if data, err := os.ReadFile(path); err != nil || json.Unmarshal(data, &stale) != nil || stale.PID != pid {
		t.Fatalf("the killed holder's details should still be in the file: %q %v", data, err)
	}
	l, err := Acquire(context.Background(), path, false)
	if err != nil {
		t.Fatalf("after the holder was killed: %v", err)
	}
	defer l.Release()
	var now Holder
	if data, err := os.ReadFile(path); err != nil || json.Unmarshal(data, &now) != nil || now.PID != os.Getpid() {
		t.Errorf("lock file after taking over: %q %v, want our pid %d", data, err, os.Getpid())
	}
}

func TestAcquireReportsUnusablePath(t *testing.T) {
	dir := t.TempDir()
	blocker := filepath.Join(dir, "work")
	if err := os.WriteFile(blocker, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := Acquire(context.Background(), filepath.Join(blocker, "batch.lock"), false)
	if err == nil || errors.Is(err, ErrLocked) {
		t.Fatalf("lock under a file: %v, want a folder error", err)
	}
}
