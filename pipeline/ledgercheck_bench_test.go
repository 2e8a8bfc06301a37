package pipeline

import (
	"context"
	"fmt"
	"os"
	"testing"
	"time"

	"countybrief/pipeline/ledger"
	"countybrief/pipeline/vocab"
	"countybrief/pipeline/workspace"
)

// BenchmarkCheckLedger73000 is what a run pays, before it starts, to
// know that the ledger of a province's 73,000 accepted files is sound:
// with the full check (the day's first run, or a file changed from
// outside), and when the mark vouches for the file.
func BenchmarkCheckLedger73000(b *testing.B) {
	ws, ctx := ledger73000(b)
	for _, full := range []bool{true, false} {
		b.Run(fmt.Sprintf("full=%v", full), func(b *testing.B) {
			if err := CheckLedger(ctx, ws); err != nil {
				b.Fatal(err)
			}
			for b.Loop() {
				if full {
					if err := os.Remove(ledgerMarkPath(ws)); err != nil {
						b.Fatal(err)
					}
				}
				if err := CheckLedger(ctx, ws); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkMigrateArchivePaths73000 is what a run pays to learn that
// none of 73,000 archive paths needs rewriting: every run before the
// mark recorded that the migration ran, once a day since.
func BenchmarkMigrateArchivePaths73000(b *testing.B) {
	ws, ctx := ledger73000(b)
	led, err := ledger.Open(ctx, ws.LedgerPath())
	if err != nil {
		b.Fatal(err)
	}
	defer led.Close()
	for _, once := range []bool{false, true} {
		b.Run(fmt.Sprintf("once=%v", once), func(b *testing.B) {
			if err := CheckLedger(ctx, ws); err != nil {
				b.Fatal(err)
			}
			for b.Loop() {
				if !once {
					if n, err := MigrateArchivePaths(ctx, ws, led); n != 0 || err != nil {
						b.Fatal(n, err)
					}
				} else if err := migrateArchivePathsOnce(ctx, ws, led); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// ledger73000 is a workspace whose ledger holds one accepted file of 28
// figures for each of 73,000 units, as a province's cold batch leaves it.
func ledger73000(b *testing.B) (*workspace.Workspace, context.Context) {
	b.Helper()
	ctx := context.Background()
	ws, err := Init(b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	led, err := ledger.Open(ctx, ws.LedgerPath())
	if err != nil {
		b.Fatal(err)
	}
	defer led.Close()
	at := time.Date(2008, 12, 4, 9, 0, 0, 0, time.UTC)
	recs := make([]ledger.Record, 0, 1000)
	for u := range 73000 {
		unit := fmt.Sprintf("U%05d", u)
		vs := make(map[string]float64, 28)
		for i := range 28 {
			vs[fmt.Sprintf("indicator_code_%02d", i)] = float64((u*7+i*13)%500 + i)
		}
		recs = append(recs, ledger.Record{
			ClaimName: unit + ".xlsx", UnitCode: unit, Period: ws.Config.Period, Status: vocab.FileAccepted,
			OrigName: unit + ".xlsx", ArchivePath: "archive/" + ws.Config.Period + "/" + unit + "/" + unit + ".xlsx",
			SHA256: fmt.Sprintf("%064d", u), ReceivedAt: at, Values: vs,
		})
		if len(recs) == cap(recs) {
			if _, err := led.RecordBatch(ctx, recs); err != nil {
				b.Fatal(err)
			}
			recs = recs[:0]
		}
	}
	if _, err := led.RecordBatch(ctx, recs); err != nil {
		b.Fatal(err)
	}
	return ws, ctx
}
