package pipeline_test

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"countybrief/pipeline"
)

// TestLedgerCheckSchedule: a run checks the whole ledger file when it was
// changed since the last run that held the lock left it, or when the
// last full check was on another day; a file the mark vouches for (same
// size and time, checked today) is not read whole. Damage is put in a
// table CheckLedger does not otherwise read, so that only the full check
// can find it.
func TestLedgerCheckSchedule(t *testing.T) {
	for _, tt := range []struct {
		name                 string
		timePutBack, checked bool // the file's time restored; the mark's day moved back
		wantLost             bool
	}{
		{"changed since the last run", false, false, true},
		{"changed with its time put back, checked today", true, false, false},
		{"changed with its time put back, checked yesterday", true, true, true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			ws, _, _ := buildDemo(t, 0)
			// The run that made the ledger left the mark
			// (TestFirstRunLeavesTheMark); a second one restamps it.
			if _, err := pipeline.Run(ctx, ws, pipeline.Options{}); err != nil {
				t.Fatal(err)
			}
			mark := filepath.Join(ws.WorkDir(), "ledger.checked")
			if tt.checked {
				// Numbers kept as written: a time in nanoseconds does not
				// survive a float64.
				var m map[string]any
				f, err := os.Open(mark)
				if err == nil {
					dec := json.NewDecoder(f)
					dec.UseNumber()
					err = dec.Decode(&m)
					f.Close()
				}
				if err != nil {
					t.Fatalf("the run left no mark: %v", err)
				}
				m["checked"] = "2000-01-01"
				data, err := json.Marshal(m)
				if err == nil {
					err = os.WriteFile(mark, data, 0o644)
				}
				if err != nil {
					t.Fatal(err)
				}
			}
			before, err := os.Stat(ws.LedgerPath())
			if err != nil {
				t.Fatal(err)
			}
			destroyTable("web_actions")(t, ws.LedgerPath())
			if tt.timePutBack {
				if err := os.Chtimes(ws.LedgerPath(), before.ModTime(), before.ModTime()); err != nil {
					t.Fatal(err)
				}
			}
			err = pipeline.CheckLedger(ctx, ws)
			if lost := errors.Is(err, pipeline.ErrLedgerLost); lost != tt.wantLost || (!lost && err != nil) {
				t.Errorf("CheckLedger = %v, want lost %v", err, tt.wantLost)
			}
			if _, err := os.Stat(mark); tt.wantLost && err == nil {
				t.Errorf("the mark still vouches for a damaged ledger")
			}
		})
	}
}
