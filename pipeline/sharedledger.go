package pipeline

import (
	"context"
	"fmt"
	"io/fs"

	"countybrief/pipeline/ledger"
	"countybrief/pipeline/workspace"
)

// holdSharedLedger is holdWorkspace for a ledger on PostgreSQL, which the
// office's machines share. The workspace's lock file locks only the
// machine it is on, so the batch lock is the ledger's own (an advisory
// lock held for the batch): two machines never run a batch at once, and
// a machine that dies mid-batch gives it up with its session.
func holdSharedLedger(ctx context.Context, ws *workspace.Workspace, wait bool) (*ledger.Ledger, func(), error) {
	led, err := ledger.Open(ctx, ws.LedgerPath())
	if err != nil {
		return nil, nil, fmt.Errorf("open ledger: %w", err)
	}
	unlock, err := led.LockBatch(ctx, wait)
	if err != nil {
		led.Close()
		return nil, nil, err
	}
	release := func() { unlock(); led.Close() }
	if err := CheckLedger(ctx, ws); err != nil {
		release()
		return nil, nil, err
	}
	return led, release, nil
}

// CopyLedger copies the workspace's SQLite ledger, whole, into the empty
// ledger at to (a postgres:// URL), holding the workspace's batch lock
// so that no batch writes the file meanwhile, and returns each table's
// row count and hash, the same in both. The workspace still uses its
// file until config.yaml's paths.ledger names to.
func CopyLedger(ctx context.Context, ws *workspace.Workspace, to string) ([]ledger.TableCopy, error) {
	unlock, err := lockWorkspace(ctx, ws, false)
	if err != nil {
		return nil, err
	}
	defer unlock()
	if !fileExists(ws.LedgerPath()) {
		return nil, fmt.Errorf("%s: %w", ws.LedgerPath(), fs.ErrNotExist)
	}
	from, err := ledger.Open(ctx, ws.LedgerPath())
	if err != nil {
		return nil, fmt.Errorf("open ledger: %w", err)
	}
	defer from.Close()
	dst, err := ledger.Open(ctx, to)
	if err != nil {
		return nil, fmt.Errorf("open target ledger: %w", err)
	}
	defer dst.Close()
	return ledger.Copy(ctx, from, dst)
}
