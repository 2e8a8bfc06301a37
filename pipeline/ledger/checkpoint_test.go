package ledger

import (
	"bytes"
	"context"
	"os"
	"testing"
	"time"

	"countybrief/pipeline/vocab"
)

// TestCheckpoint: a log of earlyCheckpoint bytes or more is copied into
// the ledger file by Checkpoint, a smaller one is left for Close, and
// either way what was committed reads back after the ledger is closed
// and opened again.
func TestCheckpoint(t *testing.T) {
	tests := []struct {
		name     string
		summary  int  // bytes of the run's summary, which the log holds
		wantCopy bool // whether Checkpoint copies the log into the file
	}{
		{name: "small log left for close", summary: 1 << 10},
		{name: "large log copied", summary: earlyCheckpoint + 1<<20, wantCopy: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			l, path := openTemp(t)
			run, err := l.StartRun(ctx, time.Now())
			if err != nil {
				t.Fatal(err)
			}
			summary := bytes.Repeat([]byte{'x'}, tt.summary)
			if err := l.FinishRun(ctx, run, vocab.RunCompleted, summary); err != nil {
				t.Fatal(err)
			}
			before := ledgerSize(t, path)
			if err := l.Checkpoint(ctx); err != nil {
				t.Fatal(err)
			}
			grew := ledgerSize(t, path) - before
			if copied := grew >= int64(tt.summary); copied != tt.wantCopy {
				t.Errorf("the ledger file grew %d bytes at Checkpoint with %d in the log; want copied %t", grew, tt.summary, tt.wantCopy)
			}
			if err := l.Close(); err != nil {
				t.Fatal(err)
			}
			if _, err := os.Stat(path + "-wal"); !os.IsNotExist(err) {
				t.Errorf("the log is still there after Close: %v", err)
			}
			again, err := Open(ctx, path)
			if err != nil {
				t.Fatal(err)
			}
			defer again.Close()
			r, err := again.LastRun(ctx)
			if err != nil || r == nil || r.ID != run || r.Status != vocab.RunCompleted || len(r.Summary) != tt.summary {
				t.Errorf("after reopening, LastRun = %v, %v; want run %d completed with its %d-byte summary", r, err, run, tt.summary)
			}
		})
	}
}

func ledgerSize(t *testing.T, path string) int64 {
	t.Helper()
	info, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	return info.Size()
}
