package pipeline_test

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"countybrief/pipeline"
	"countybrief/pipeline/form"
	"countybrief/pipeline/workspace"
)

// TestSimplifiedOutputNames: an office that publishes 第1期 in Traditional
// and then writes Simplified gets its draft, chase list and 第2期 under
// Simplified names, the Traditional draft gone; 第1期 keeps its names
// (publishing with nothing new writes no Simplified copy of it, reprint
// finds it), and a ledger rebuilt over the mix numbers on from both.
func TestSimplifiedOutputNames(t *testing.T) {
	ctx := context.Background()
	ws := county(t, t.TempDir())
	run(t, ws)
	first, err := pipeline.Publish(ctx, ws, pipeline.PublishOptions{})
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(ws.OutboxDir(), ws.Config.Period)
	before := listFiles(t, dir)

	// The change as the program sees it, config.yaml still as it was,
	// so that the issue's files are those 第1期 was rendered from.
	ws.Config.Language = workspace.Simplified
	again, err := pipeline.Publish(ctx, ws, pipeline.PublishOptions{})
	if err != nil || !again.NothingNew || again.Briefing != first.Briefing || again.TotalsWorkbook != first.TotalsWorkbook {
		t.Fatalf("publish with nothing new after the change: %+v, %v; want 第1期 as named (%s)", again, err, first.Briefing)
	}
	for _, p := range []string{first.Briefing, first.BriefingText} {
		if err := os.Remove(p); err != nil {
			t.Fatal(err)
		}
	}
	if again, err = pipeline.Publish(ctx, ws, pipeline.PublishOptions{}); err != nil || again.Briefing != first.Briefing || !fileExists(first.Briefing) {
		t.Fatalf("finishing 第1期 after the change: %+v, %v; want it written as %s", again, err, first.Briefing)
	}

	// The office's files say so too: 第2期 is rendered from them.
	cfg := filepath.Join(ws.Dir, workspace.ConfigFile)
	data, err := os.ReadFile(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(cfg, []byte(strings.Replace(string(data), "language: zh-Hant", "language: zh-Hans", 1)), 0o644); err != nil {
		t.Fatal(err)
	}
	u, _ := ws.Unit("J03")
	forge(t, ws, u, form.Identity{UnitCode: u.Code, UnitName: u.Name, Period: ws.Config.Period, FilledBy: "再報"}, filepath.Join(ws.InboxDir(), "J03", "更正.xlsx"))
	sum := run(t, ws)
	for _, tt := range []struct{ got, want string }{
		{sum.Draft, filepath.Join(dir, "草稿", "简报（草稿）.pdf")},
		{sum.DraftText, filepath.Join(dir, "草稿", "简报（草稿）.txt")},
		{sum.TotalsWorkbook, filepath.Join(dir, "草稿", "汇总表.xlsx")},
		{sum.AuditReport, filepath.Join(dir, "草稿", "审核报告.xlsx")},
		{sum.ChaseList, filepath.Join(dir, "催报退回名单.txt")},
	} {
		if tt.got != tt.want || !fileExists(tt.got) {
			t.Errorf("draft file %s (exists %v), want %s", tt.got, fileExists(tt.got), tt.want)
		}
	}
	for _, old := range []string{"草稿/簡報（草稿）.pdf", "草稿/簡報（草稿）.txt", "草稿/匯總表.xlsx", "草稿/審核報告.xlsx", "催報退回名單.txt"} {
		if !strings.Contains(strings.Join(before, "\n"), old) {
			t.Errorf("the Traditional draft had no %s: %v", old, before)
		}
		if fileExists(filepath.Join(dir, old)) {
			t.Errorf("the Traditional draft's %s is left beside the Simplified one", old)
		}
	}

	// 第2期 under the other script's name, from a restored backup, is
	// somebody's 第2期 too.
	stray := filepath.Join(dir, "簡報第2期.pdf")
	if err := os.WriteFile(stray, []byte("%PDF"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := pipeline.Publish(ctx, ws, pipeline.PublishOptions{}); !errors.Is(err, fs.ErrExist) {
		t.Errorf("publish beside a Traditional 第2期: %v, want it refused", err)
	}
	if err := os.Remove(stray); err != nil {
		t.Fatal(err)
	}
	second, err := pipeline.Publish(ctx, ws, pipeline.PublishOptions{})
	if err != nil || second.Issue != 2 {
		t.Fatalf("publish after the change: %+v, %v", second, err)
	}
	if filepath.Base(second.Briefing) != "简报第2期.pdf" || filepath.Base(second.BriefingText) != "简报第2期.txt" ||
		filepath.Base(second.TotalsWorkbook) != "汇总表第2期.xlsx" || !fileExists(second.Briefing) || !fileExists(second.TotalsWorkbook) {
		t.Errorf("第2期 named %s, %s, %s", second.Briefing, second.BriefingText, second.TotalsWorkbook)
	}
	for _, n := range []int{1, 2} {
		if rp, err := pipeline.Reprint(ctx, ws, n, pipeline.ReprintOptions{}); err != nil || !rp.Identical {
			t.Errorf("reprint of 第%d期: %+v, %v", n, rp, err)
		}
	}

	if err := os.Remove(ws.LedgerPath()); err != nil {
		t.Fatal(err)
	}
	if err := pipeline.CheckLedger(ctx, ws); err == nil || !strings.Contains(err.Error(), "第2期") || !strings.Contains(err.Error(), "简报第2期.pdf") {
		t.Errorf("a lost ledger beside both names: %v", err)
	}
	rep, err := pipeline.RebuildLedger(ctx, ws, pipeline.RebuildOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Briefings) != 2 || rep.Briefings[0].Path != first.Briefing || rep.Briefings[1].Path != second.Briefing {
		t.Fatalf("briefings restored: %+v, want %s and %s", rep.Briefings, first.Briefing, second.Briefing)
	}
}
