package pipeline_test

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"countybrief/pipeline"
	"countybrief/pipeline/form"
	"countybrief/pipeline/ledger"
)

// TestBatchWritesOnlyADraft: a batch numbers nothing; its draft says 草稿
// on every page, in place of the issue number, and is dated today.
func TestBatchWritesOnlyADraft(t *testing.T) {
	ws := county(t, t.TempDir())
	day := time.Date(2026, 3, 9, 23, 30, 0, 0, ws.Config.Location())
	sum, err := pipeline.Run(context.Background(), ws, pipeline.Options{Now: func() time.Time { return day }})
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(ws.OutboxDir(), ws.Config.Period)
	if sum.Draft != filepath.Join(dir, "草稿", "簡報（草稿）.pdf") || !sum.Rendered {
		t.Fatalf("draft %q, rendered %v", sum.Draft, sum.Rendered)
	}
	for _, path := range []string{sum.DraftText, sum.TotalsWorkbook, sum.AuditReport} {
		if filepath.Dir(path) != filepath.Dir(sum.Draft) || !fileExists(path) {
			t.Errorf("%s: want it beside the draft", path)
		}
	}
	if filepath.Dir(sum.ChaseList) != dir || !fileExists(sum.ChaseList) {
		t.Errorf("chase list %s: want it in %s", sum.ChaseList, dir)
	}
	if numbered, _ := filepath.Glob(filepath.Join(ws.OutboxDir(), "*", "*第*期*")); len(numbered) != 0 {
		t.Errorf("a batch wrote numbered files: %v", numbered)
	}
	if last := lastIssue(t, ws.LedgerPath()); last != nil {
		t.Errorf("a batch numbered issue %d", last.Issue)
	}
	pages := pdfPages(t, sum.Draft)
	for i, page := range pages {
		if !strings.Contains(page, "草稿") {
			t.Errorf("page %d of %d does not say 草稿", i+1, len(pages))
		}
	}
	if strings.Contains(pages[0], "第0期") {
		t.Error("the draft's masthead carries an issue number")
	}
	if !strings.Contains(strings.ReplaceAll(pages[0], " ", ""), "2026年3月9日") {
		t.Error("the draft is not dated today in the configured time zone (2026年3月9日)")
	}
	text, _ := os.ReadFile(sum.DraftText)
	if !strings.Contains(string(text), "草稿") || strings.Contains(string(text), "第0期") {
		t.Error("the text twin is not marked 草稿 in place of the issue number")
	}
}

// TestPublishAndReprint: publish numbers 第1期 and records the sha256 of
// each file it counted; publishing again with nothing new publishes
// nothing; a reprint after a template edit is byte-identical; a new file,
// a batch and a publish make 第2期.
func TestPublishAndReprint(t *testing.T) {
	ctx := context.Background()
	ws := county(t, t.TempDir())
	run(t, ws)
	date := time.Date(2008, 12, 6, 0, 0, 0, 0, ws.Config.Location())
	first, err := pipeline.Publish(ctx, ws, pipeline.PublishOptions{Date: date})
	if err != nil {
		t.Fatal(err)
	}
	if first.Issue != 1 || first.NothingNew || filepath.Base(first.Briefing) != "簡報第1期.pdf" ||
		filepath.Base(first.TotalsWorkbook) != "匯總表第1期.xlsx" || !fileExists(first.BriefingText) || !fileExists(first.TotalsWorkbook) {
		t.Fatalf("first publish: %+v", first)
	}
	if text := strings.ReplaceAll(pdfText(t, first.Briefing), " ", ""); !strings.Contains(text, "第1期") || !strings.Contains(text, "2008年12月6日") || strings.Contains(text, "草稿") {
		t.Errorf("第1期 lacks its number or date, or says 草稿:\n%s", text[:min(len(text), 400)])
	}

	led, err := ledger.Open(ctx, ws.LedgerPath())
	if err != nil {
		t.Fatal(err)
	}
	current, err := led.Current(ctx, ws.Config.Period)
	if err != nil {
		t.Fatal(err)
	}
	pub, err := led.Publication(ctx, 1)
	led.Close()
	if err != nil {
		t.Fatal(err)
	}
	if len(pub.Counted) != len(current) || len(current) != len(ws.Units) {
		t.Fatalf("第1期 counted %d files; %d are current, %d units", len(pub.Counted), len(current), len(ws.Units))
	}
	for i, c := range pub.Counted {
		if c.Unit != current[i].UnitCode || c.Submission != current[i].ID || c.SHA256 != current[i].SHA256 {
			t.Errorf("counted %+v, current %s %d %s", c, current[i].UnitCode, current[i].ID, current[i].SHA256)
		}
	}
	if pub.Date != "2008-12-06" {
		t.Errorf("第1期 dated %q", pub.Date)
	}

	again, err := pipeline.Publish(ctx, ws, pipeline.PublishOptions{})
	if err != nil || !again.NothingNew || again.Issue != 1 {
		t.Fatalf("publish with nothing new: %+v, %v; want nothing new, 第1期", again, err)
	}
	if numbered, _ := filepath.Glob(filepath.Join(filepath.Dir(first.Briefing), "*第2期*")); len(numbered) != 0 {
		t.Errorf("nothing new made %v", numbered)
	}

	tmpl := filepath.Join(ws.TemplatesDir(), "briefing.tmpl")
	data, err := os.ReadFile(tmpl)
	if err != nil {
		t.Fatal(err)
	}
	edited := strings.Replace(string(data), ".title\n", ".title\n改過的標題\n", 1)
	if err := os.WriteFile(tmpl, []byte(edited), 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(t.TempDir(), "重印.pdf")
	rp, err := pipeline.Reprint(ctx, ws, 1, pipeline.ReprintOptions{Out: out})
	if err != nil {
		t.Fatal(err)
	}
	if !rp.Identical {
		t.Error("reprint of 第1期 after a template edit differs from the published file")
	}
	if _, err := pipeline.Reprint(ctx, ws, 1, pipeline.ReprintOptions{Out: out}); err == nil {
		t.Error("reprint wrote over an existing file")
	}

	u, _ := ws.Unit("J03")
	forge(t, ws, u, form.Identity{UnitCode: u.Code, UnitName: u.Name, Period: ws.Config.Period, FilledBy: "再報"}, filepath.Join(ws.InboxDir(), "J03", "更正.xlsx"))
	run(t, ws)
	second, err := pipeline.Publish(ctx, ws, pipeline.PublishOptions{})
	if err != nil || second.Issue != 2 || second.NothingNew {
		t.Fatalf("publish after a new file: %+v, %v; want 第2期", second, err)
	}
	if text := pdfText(t, second.Briefing); !strings.Contains(text, "改過的標題") {
		t.Error("第2期 is not rendered from today's template")
	}
	if rp, err := pipeline.Reprint(ctx, ws, 1, pipeline.ReprintOptions{}); err != nil || !rp.Identical {
		t.Errorf("reprint of 第1期 after 第2期: %+v, %v", rp, err)
	}
}

// TestReprintChecksTheArchive: a counted file whose archived bytes
// changed stops a reprint, naming it.
func TestReprintChecksTheArchive(t *testing.T) {
	ctx := context.Background()
	ws := county(t, t.TempDir())
	run(t, ws)
	if _, err := pipeline.Publish(ctx, ws, pipeline.PublishOptions{}); err != nil {
		t.Fatal(err)
	}
	accepted := listFiles(t, filepath.Join(ws.ArchiveDir(), "accepted"))
	if err := os.WriteFile(accepted[0], []byte("changed"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := pipeline.Reprint(ctx, ws, 1, pipeline.ReprintOptions{}); !errors.Is(err, pipeline.ErrArchiveChanged) {
		t.Errorf("reprint over a changed archive: %v, want ErrArchiveChanged", err)
	}
}

func lastIssue(t *testing.T, path string) *ledger.Issue {
	t.Helper()
	led, err := ledger.Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	defer led.Close()
	last, err := led.LastIssue(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return last
}

// pdfPages is the text of each page of a PDF.
func pdfPages(t *testing.T, path string) []string {
	t.Helper()
	info, err := exec.Command("pdfinfo", path).Output()
	if err != nil {
		t.Fatalf("pdfinfo %s: %v", path, err)
	}
	var n int
	for _, line := range strings.Split(string(info), "\n") {
		if rest, ok := strings.CutPrefix(line, "Pages:"); ok {
			n, _ = strconv.Atoi(strings.TrimSpace(rest))
		}
	}
	if n == 0 {
		t.Fatalf("%s has no pages", path)
	}
	var pages []string
	for i := 1; i <= n; i++ {
		out, err := exec.Command("pdftotext", "-enc", "UTF-8", "-f", strconv.Itoa(i), "-l", strconv.Itoa(i), path, "-").Output()
		if err != nil {
			t.Fatal(err)
		}
		pages = append(pages, string(out))
	}
	return pages
}

// A publish killed after the ledger numbered the issue but before its
// files were written: the next publish writes them from the record, the
// same bytes, and numbers nothing new.
func TestPublishFinishesAnIssueACrashLeft(t *testing.T) {
	ctx := context.Background()
	ws := county(t, t.TempDir())
	run(t, ws)
	first, err := pipeline.Publish(ctx, ws, pipeline.PublishOptions{})
	if err != nil {
		t.Fatal(err)
	}
	want, err := os.ReadFile(first.Briefing)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{first.Briefing, first.BriefingText} {
		if err := os.Remove(p); err != nil {
			t.Fatal(err)
		}
	}
	again, err := pipeline.Publish(ctx, ws, pipeline.PublishOptions{})
	if err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(again.Briefing)
	if err != nil {
		t.Fatal(err)
	}
	if again.Issue != 1 || !again.NothingNew || !fileExists(again.BriefingText) || string(got) != string(want) {
		t.Errorf("after the crash: issue %d, nothing new %v, text twin %v, PDF identical %v; want 第1期 rewritten as published",
			again.Issue, again.NothingNew, fileExists(again.BriefingText), string(got) == string(want))
	}
}
