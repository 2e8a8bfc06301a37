package pipeline_test

import (
	"context"
	"errors"
	"os"
	"testing"

	"countybrief/internal/pgtest"
	"countybrief/pipeline"
	"countybrief/pipeline/demo"
	"countybrief/pipeline/ledger"
	"countybrief/pipeline/lock"
	"countybrief/pipeline/workspace"
)

// The workspace keeps a postgres:// ledger setting as written, exactly
// when the ledger takes it for PostgreSQL; anything else is a path in the
// workspace.
func TestLedgerSettingKinds(t *testing.T) {
	ws := &workspace.Workspace{Dir: t.TempDir(), Config: &workspace.Config{}}
	for _, setting := range []string{
		"postgres://office@db/ledger", "postgresql://office@db/ledger", "ledger.db",
		"postgres/ledger.db", "data/postgres:/x.db", "Postgres://office@db/ledger",
	} {
		ws.Config.Paths.Ledger = setting
		kept := ws.LedgerPath() == setting
		if kept != ledger.IsPostgres(setting) {
			t.Errorf("%q: the workspace keeps it as written: %v; the ledger takes it for PostgreSQL: %v",
				setting, kept, ledger.IsPostgres(setting))
		}
	}
}

// A batch on a workspace whose ledger is on PostgreSQL: it runs, it is
// refused while another machine holds the ledger's batch lock (whatever
// the workspace's lock file says), and a fresh database beside a full
// archive is a lost ledger, as a missing file is.
func TestBatchOnASharedLedger(t *testing.T) {
	ctx := context.Background()
	srv := pgtest.New(t)
	ws, _, err := demo.Build(t.TempDir(), demo.Options{Seed: 1, Init: pipeline.Init})
	if err != nil {
		t.Fatal(err)
	}
	ws.Config.SettleSeconds = 0
	ws.Config.Paths.Ledger = srv.Database(t)

	other, err := ledger.Open(ctx, ws.LedgerPath())
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	release, err := other.LockBatch(ctx, false)
	if err != nil {
		t.Fatal(err)
	}
	_, err = pipeline.Run(ctx, ws, pipeline.Options{})
	var held *lock.HeldError
	if !errors.As(err, &held) || held.Holder.PID != os.Getpid() {
		t.Fatalf("Run while another holds the ledger's lock = %v, want a *lock.HeldError naming it", err)
	}
	release()

	sum, err := pipeline.Run(ctx, ws, pipeline.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if sum.Accepted == 0 {
		t.Fatalf("the batch accepted nothing: %+v", sum)
	}
	if has, err := other.HasSubmissions(ctx); err != nil || !has {
		t.Errorf("the shared ledger after the batch: has submissions %v, %v", has, err)
	}

	ws.Config.Paths.Ledger = srv.Database(t)
	if _, err := pipeline.Run(ctx, ws, pipeline.Options{}); !errors.Is(err, pipeline.ErrLedgerLost) {
		t.Errorf("Run on an empty database beside a full archive = %v, want ErrLedgerLost", err)
	}
	if _, err := pipeline.RebuildLedger(ctx, ws, pipeline.RebuildOptions{}); err == nil {
		t.Error("RebuildLedger rebuilt a ledger on PostgreSQL in place")
	}
}
