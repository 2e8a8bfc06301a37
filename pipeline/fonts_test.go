package pipeline_test

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"countybrief/examples"
	"countybrief/pipeline"
	"countybrief/pipeline/demo"
	"countybrief/pipeline/vocab"
	"countybrief/pipeline/workspace"
)

// TestBatchWithoutFonts: with config.yaml's fonts: pointing at a file that
// is not there (issue 16.9), validate fails naming the file and what to
// install, and a batch still writes the totals workbook, the 審核報告, the
// chase list and the 退回 copies, says the PDF waits, and leaves the draft
// to the first batch that has fonts.
func TestBatchWithoutFonts(t *testing.T) {
	ws, faults, err := demo.Build(t.TempDir(), demo.Options{Seed: 1, Init: pipeline.Init})
	if err != nil {
		t.Fatal(err)
	}
	missing := filepath.Join(t.TempDir(), "simfang.ttf")
	ws.Config.Fonts = map[string]string{"fangsong": missing}

	err = pipeline.Validate(ws)
	if !errors.Is(err, pipeline.ErrConfig) {
		t.Fatalf("validate with a missing font: %v, want ErrConfig", err)
	}
	for _, want := range []string{"fonts.fangsong", missing, "不存在", "仿宋_GB2312", "方正小標宋", "Windows", "Debian", "fonts:"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("validate says %q, lacking %q", err, want)
		}
	}

	sum, err := pipeline.Run(context.Background(), ws, pipeline.Options{})
	if err != nil {
		t.Fatalf("a batch without fonts failed: %v", err)
	}
	for _, p := range []string{sum.TotalsWorkbook, sum.AuditReport, sum.ChaseList} {
		if p == "" || !fileExists(p) {
			t.Errorf("file %q not written without fonts", p)
		}
	}
	returns := 0
	for _, f := range sum.Files {
		if f.Status == vocab.FileRejected && f.ReturnPath != "" && fileExists(f.ReturnPath) {
			returns++
		}
	}
	if returns != len(faults) {
		t.Errorf("%d 退回 copies written, want %d", returns, len(faults))
	}
	draft := filepath.Join(ws.OutboxDir(), ws.Config.Period, "草稿", "簡報（草稿）.pdf")
	if sum.Draft != "" || fileExists(draft) {
		t.Errorf("a draft PDF without fonts: %q", sum.Draft)
	}
	if len(sum.Fonts) != 1 || !strings.Contains(sum.Fonts[0].Zh, "PDF") || !strings.Contains(sum.Fonts[0].Zh, "暫未生成") || !strings.Contains(sum.Fonts[0].Zh, missing) ||
		!strings.Contains(sum.Fonts[0].En, "The briefing's PDF") || !strings.Contains(sum.Fonts[0].En, missing) {
		t.Errorf("the summary says %+v: want the PDF waiting and the missing file, in Chinese and in English", sum.Fonts)
	}

	ws.Config.Fonts = nil
	sum, err = pipeline.Run(context.Background(), ws, pipeline.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if !sum.Rendered || !fileExists(draft) {
		t.Errorf("the first batch with fonts left the draft unwritten (rendered %v)", sum.Rendered)
	}
}

// TestFontFallbackSaid: a Simplified office on a machine with only a
// Traditional 仿宋 (issue 15.2) is told, by validate and by the run
// summary, that the body fell back and what to install.
func TestFontFallbackSaid(t *testing.T) {
	initSimplified := func(dir string) (*workspace.Workspace, error) {
		return pipeline.InitExampleIn(dir, examples.Campaign, workspace.Simplified)
	}
	ws, _, err := demo.Build(t.TempDir(), demo.Options{Seed: 1, Generic: true, Init: initSimplified})
	if err != nil {
		t.Fatal(err)
	}
	if err := pipeline.Validate(ws); err != nil {
		t.Fatal(err)
	}
	var warned string
	for _, w := range ws.Warnings {
		if w.Field == "fonts.fangsong" {
			warned = w.Error()
		}
	}
	sum, err := pipeline.Run(context.Background(), ws, pipeline.Options{})
	if err != nil {
		t.Fatal(err)
	}
	var said, english string
	for _, f := range sum.Fonts {
		if strings.HasPrefix(f.Zh, "仿宋") {
			said, english = f.Zh, f.En
		}
	}
	if !strings.HasPrefix(english, "仿宋 (body text): no suitable font was found") || !strings.Contains(english, "Install 仿宋_GB2312") {
		t.Errorf("the run summary's English about the body face: %q", english)
	}
	for what, text := range map[string]string{"validate": warned, "run summary": said} {
		for _, want := range []string{"改用", "仿宋_GB2312", "方正仿宋", `C:\Windows\Fonts`, "/usr/local/share/fonts", "fonts:"} {
			if !strings.Contains(text, want) {
				t.Errorf("%s says %q about the body face, lacking %q", what, text, want)
			}
		}
	}
}
