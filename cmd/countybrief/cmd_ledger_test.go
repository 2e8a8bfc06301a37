package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"countybrief/pipeline"
)

// TestLedgerRebuild runs `countybrief ledger rebuild` in-process on the
// sample county after a batch, its ledger deleted.
func TestLedgerRebuild(t *testing.T) {
	ctx := context.Background()
	ws := sampleCounty(t)
	if _, err := pipeline.Publish(ctx, ws, pipeline.PublishOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(ws.LedgerPath()); err != nil {
		t.Fatal(err)
	}
	ledgerCmd := func(args ...string) (int, string) { return inProcess(append([]string{"ledger"}, args...)...) }

	code, out := ledgerCmd("rebuild", "--workspace", ws.Dir)
	if code != 0 {
		t.Fatalf("exit %d\n%s", code, out)
	}
	for _, want := range []string{"已從存檔重建台帳", "接收 73", "報送期 2008-12", "最後一期是第1期", "下一期是第2期",
		"賬號沒有帶過來", "不存在", "countybrief users add"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}

	// A file the rebuild cannot place: listed, left alone, exit 1; the
	// ledger it replaces is kept aside.
	stray := filepath.Join(ws.ArchiveDir(), "accepted", "未命名.xlsx")
	if err := os.WriteFile(stray, []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	code, out = ledgerCmd("rebuild", "--workspace", ws.Dir)
	// The ledger it replaces reads: its accounts (none) are carried.
	if code != 1 || !strings.Contains(out, stray) || !strings.Contains(out, "原台帳已改名保留") || !strings.Contains(out, "0 個賬號和 0 條操作記錄已從原台帳帶過來") {
		t.Errorf("exit %d, want 1 naming %s and the kept ledger:\n%s", code, stray, out)
	}
	if _, err := os.Stat(stray); err != nil {
		t.Errorf("the stray file: %v", err)
	}

	for _, args := range [][]string{nil, {"mend"}, {"rebuild", "extra"}, {"rebuild", "--bogus"}} {
		if code, out := ledgerCmd(args...); code != 2 {
			t.Errorf("ledger %v: exit %d, want 2\n%s", args, code, out)
		}
	}
}

// TestLedgerSubcommandHelp: each subcommand's -h shows its own usage
// line, and `ledger -h` both.
func TestLedgerSubcommandHelp(t *testing.T) {
	tests := []struct {
		args      []string
		want, not []string
	}{
		{[]string{"ledger", "rebuild", "-h"}, []string{"ledger rebuild [--workspace"}, []string{"ledger copy"}},
		{[]string{"ledger", "copy", "-h"}, []string{"ledger copy --to"}, []string{"ledger rebuild"}},
		{[]string{"ledger", "-h"}, []string{"ledger rebuild [--workspace", "ledger copy --to"}, nil},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			code, out := inProcess(tt.args...)
			if code != 0 {
				t.Errorf("exit %d, want 0 for help", code)
			}
			for _, w := range tt.want {
				if !strings.Contains(out, w) {
					t.Errorf("help lacks %q:\n%s", w, out)
				}
			}
			for _, n := range tt.not {
				if strings.Contains(out, n) {
					t.Errorf("help shows another subcommand's usage %q:\n%s", n, out)
				}
			}
		})
	}
}
