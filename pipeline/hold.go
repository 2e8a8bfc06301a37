package pipeline

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"countybrief/pipeline/ledger"
	"countybrief/pipeline/lock"
	"countybrief/pipeline/workspace"

	"github.com/sirupsen/logrus"
)

// lockWorkspace takes the one-batch-at-a-time lock of the workspace; with
// wait it queues behind the holder, else a held lock fails at once with a
// *lock.HeldError naming the holder. release gives it back.
func lockWorkspace(ctx context.Context, ws *workspace.Workspace, wait bool) (release func(), err error) {
	if err := os.MkdirAll(ws.WorkDir(), 0o755); err != nil {
		return nil, fmt.Errorf("create work folder: %w", err)
	}
	lk, err := lock.Acquire(ctx, filepath.Join(ws.WorkDir(), LockFile), wait)
	if err != nil {
		return nil, err
	}
	return func() { lk.Release() }, nil
}

// holdWorkspace is what every command that writes the ledger does first:
// take the lock, refuse a ledger lost beside a full archive (it would
// renumber the briefings from 第1期 and forget every file; the error says
// how to rebuild), and open the ledger. release closes the ledger and
// gives the lock back.
func holdWorkspace(ctx context.Context, ws *workspace.Workspace, wait bool) (*ledger.Ledger, func(), error) {
	return holdWorkspaceBeside(ctx, ws, wait, func() {})
}

// holdWorkspaceBeside is holdWorkspace that runs beside once the
// workspace is locked, on another goroutine while the ledger file is
// checked and opened (a batch scans its inbox meanwhile), and returns
// when both are done. A ledger on PostgreSQL is the lock itself: beside
// runs once it is held.
func holdWorkspaceBeside(ctx context.Context, ws *workspace.Workspace, wait bool, beside func()) (*ledger.Ledger, func(), error) {
	if ledger.IsPostgres(ws.LedgerPath()) {
		led, release, err := holdSharedLedger(ctx, ws, wait)
		if err == nil {
			beside()
		}
		return led, release, err
	}
	unlock, err := lockWorkspace(ctx, ws, wait)
	if err != nil {
		return nil, nil, err
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		beside()
	}()
	led, err := openLedger(ctx, ws)
	<-done
	if err != nil {
		unlock()
		return nil, nil, err
	}
	return led, func() { led.Close(); restampLedgerMark(ws); unlock() }, nil
}

// openLedger checks the workspace's ledger file (CheckLedger) and opens it.
func openLedger(ctx context.Context, ws *workspace.Workspace) (*ledger.Ledger, error) {
	if err := CheckLedger(ctx, ws); err != nil {
		return nil, err
	}
	led, err := ledger.Open(ctx, ws.LedgerPath())
	if err != nil {
		return nil, fmt.Errorf("open ledger: %w", err)
	}
	return led, nil
}

// callerDefaults fills what a caller of Run or Publish may leave out: the
// clock, and a logger that discards.
func callerDefaults(now *func() time.Time, log *logrus.FieldLogger) {
	if *now == nil {
		*now = time.Now
	}
	if *log == nil {
		l := logrus.New()
		l.SetOutput(io.Discard)
		*log = l
	}
}
