package pipeline

import (
	"context"
	"fmt"

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
