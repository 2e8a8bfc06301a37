package main

import (
	"context"
	"slices"
	"strings"
	"testing"

	"countybrief/internal/pgtest"
	"countybrief/pipeline"
	"countybrief/pipeline/ledger"
)

// pgServer is this test process's PostgreSQL server, started by the first
// test that needs one.
var pgServer pgtest.Lazy

// TestLedgerCopy moves the sample county's ledger, after a batch and a
// published issue, to PostgreSQL with `countybrief ledger copy`.
func TestLedgerCopy(t *testing.T) {
	ctx := context.Background()
	ws := sampleCounty(t)
	if _, err := pipeline.Publish(ctx, ws, pipeline.PublishOptions{}); err != nil {
		t.Fatal(err)
	}
	// Trust authentication takes any password; the point is that none
	// is printed.
	url := strings.Replace(pgServer.Server(t).Database(t), "test@", "test:s3cret@", 1)
	ledgerCmd := func(args ...string) (int, string) { return inProcess(append([]string{"ledger"}, args...)...) }

	code, out := ledgerCmd("copy", "--to", url, "--workspace", ws.Dir)
	if code != 0 {
		t.Fatalf("exit %d\n%s", code, out)
	}
	if strings.Contains(out, "s3cret") {
		t.Errorf("the output shows the password:\n%s", out)
	}
	file, err := ledger.Open(ctx, ws.LedgerPath())
	if err != nil {
		t.Fatal(err)
	}
	defer file.Close()
	want, err := file.TableHashes(ctx)
	if err != nil {
		t.Fatal(err)
	}
	pg, err := ledger.Open(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer pg.Close()
	got, err := pg.TableHashes(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(got, want) {
		t.Errorf("after the copy PostgreSQL holds %v, the file %v", got, want)
	}
	for _, tc := range want {
		if tc.Table == "submissions" && tc.Rows < 73 {
			t.Errorf("the file holds %d submissions, want the sample county's 73 or more", tc.Rows)
		}
		if !strings.Contains(out, tc.SHA256) {
			t.Errorf("output lacks %s's hash %s:\n%s", tc.Table, tc.SHA256, out)
		}
	}

	code, out = ledgerCmd("copy", "--to", url, "--workspace", ws.Dir)
	if code != 1 || !strings.Contains(out, "不是空的") {
		t.Errorf("a second copy: exit %d, want 1 saying the target is not empty\n%s", code, out)
	}
	for _, args := range [][]string{{"copy"}, {"copy", "--to", "other.db"}, {"copy", "--to", url, "extra"}} {
		if code, out := ledgerCmd(append(args, "--workspace", ws.Dir)...); code != 2 {
			t.Errorf("ledger %v: exit %d, want 2\n%s", args, code, out)
		}
	}
}
