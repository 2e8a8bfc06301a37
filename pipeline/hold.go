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
	if ledger.IsPostgres(ws.LedgerPath()) {
		return holdSharedLedger(ctx, ws, wait)
	}
	unlock, err := lockWorkspace(ctx, ws, wait)
	if err != nil {
		return nil, nil, err
	}
	if err := CheckLedger(ctx, ws); err != nil {
		unlock()
		return nil, nil, err
	}
	led, err := ledger.Open(ctx, ws.LedgerPath())
	if err != nil {
		unlock()
		return nil, nil, fmt.Errorf("open ledger: %w", err)
	}
	return led, func() { led.Close(); restampLedgerMark(ws); unlock() }, nil
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
