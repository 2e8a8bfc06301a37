package pipeline

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"countybrief/pipeline/ledger"
	"countybrief/pipeline/vocab"
)

// TestMigrateArchivePathsOnce: the rows are rewritten unless the mark
// says the migration ran since the last full check, and then it does.
func TestMigrateArchivePathsOnce(t *testing.T) {
	for _, tt := range []struct {
		name     string
		migrated bool
		want     string
	}{
		{"not yet since the check", false, "archive/a.xlsx"},
		{"already since the check", true, ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			ws, err := Init(t.TempDir())
			if err != nil {
				t.Fatal(err)
			}
			led, err := ledger.Open(ctx, ws.LedgerPath())
			if err != nil {
				t.Fatal(err)
			}
			defer led.Close()
			abs, err := filepath.Abs(filepath.Join(ws.Dir, "archive", "a.xlsx"))
			if err != nil {
				t.Fatal(err)
			}
			if _, err := led.RecordBatch(ctx, []ledger.Record{{ClaimName: "a", UnitCode: "J01", Period: "2008-12", OrigName: "a.xlsx",
				ArchivePath: abs, SHA256: "a", Status: vocab.FileAccepted, ReceivedAt: time.Now()}}); err != nil {
				t.Fatal(err)
			}
			if err := writeLedgerMark(ws, ledgerMark{Checked: "2008-12-04", Migrated: tt.migrated}); err != nil {
				t.Fatal(err)
			}
			if err := migrateArchivePathsOnce(ctx, ws, led); err != nil {
				t.Fatal(err)
			}
			want := tt.want
			if want == "" {
				want = abs
			}
			h, err := led.History(ctx, "J01")
			if err != nil {
				t.Fatal(err)
			}
			if filepath.ToSlash(h[0].ArchivePath) != filepath.ToSlash(want) {
				t.Errorf("archive path %q, want %q", h[0].ArchivePath, want)
			}
			if m, present, _ := readLedgerMark(ws); !present || !m.Migrated {
				t.Errorf("the mark %+v (present %v) does not say the migration ran", m, present)
			}
		})
	}
}

// TestFirstRunLeavesTheMark: the run that makes a workspace's ledger
// leaves a mark vouching for it, so that the next run neither reads the
// whole file nor rewrites its archive paths (at 73,000 units, 0.26 s of a
// quiet batch).
func TestFirstRunLeavesTheMark(t *testing.T) {
	ctx := context.Background()
	ws, err := Init(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Run(ctx, ws, Options{}); err != nil {
		t.Fatal(err)
	}
	m, present, vouches := readLedgerMark(ws)
	if !present || !vouches || !m.Migrated || m.Checked != time.Now().UTC().Format(time.DateOnly) {
		t.Errorf("after the first run: mark %+v, present %v, vouches %v; want one vouching for today's check and the migration", m, present, vouches)
	}
}
