package pipeline

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"countybrief/pipeline/demo"
	"countybrief/pipeline/inbox"
)

// TestFirstScanIsNotCutShortByAStop: the inbox's first scan, which runs
// while the ledger opens, lists every settled file even when a stop came
// first, as the scans after it do (they run under the batch's work
// context); the stop only keeps the files from being claimed.
func TestFirstScanIsNotCutShortByAStop(t *testing.T) {
	ws, _, err := demo.Build(t.TempDir(), demo.Options{Seed: 1, Init: Init})
	if err != nil {
		t.Fatal(err)
	}
	ws.Config.SettleSeconds = 0
	files, err := filepath.Glob(filepath.Join(ws.InboxDir(), "*", "*.xlsx"))
	if err != nil || len(files) == 0 {
		t.Fatalf("the sample county's inbox holds no forms: %v", err)
	}
	for _, stopped := range []bool{false, true} {
		ctx, cancel := context.WithCancel(context.Background())
		if stopped {
			cancel()
		}
		b := &batch{ws: ws, opts: Options{FilesOnly: true}, inbox: inbox.New(ws, time.Now)}
		b.firstScan(ctx)
		ready, _, err := b.scan(ctx)
		cancel()
		if err != nil || len(ready) < len(files) {
			t.Errorf("stopped %t: the first scan found %d files (%v), want the inbox's %d", stopped, len(ready), err, len(files))
		}
	}
}
