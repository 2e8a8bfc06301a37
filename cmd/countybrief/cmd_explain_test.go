package main

import (
	"bytes"
	"context"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mattn/go-runewidth"

	"countybrief/pipeline"
)

// TestExplain runs explain as a clerk does over the sample county: the
// figure, a line per unit naming its file and cell, one unit, JSON, and
// an unknown indicator (exit 2, said in Chinese).
func TestExplain(t *testing.T) {
	ctx := context.Background()
	ws := filepath.Join(t.TempDir(), "ws")
	var out, errs bytes.Buffer
	if code := run(ctx, []string{"demo", ws}, &env{stdout: &out, stderr: &errs}); code != 0 {
		t.Fatalf("demo exit %d: %s", code, errs.String())
	}
	explain := func(args ...string) (int, string, string) {
		var out, errs bytes.Buffer
		code := run(ctx, append([]string{"explain", "--workspace", ws}, args...), &env{stdout: &out, stderr: &errs})
		return code, out.String(), errs.String()
	}

	code, text, _ := explain("problems_found")
	if code != 0 || !strings.Contains(text, "全縣：149 個") || !strings.Contains(text, "73 個單位填報數之和") {
		t.Errorf("exit %d:\n%s", code, text)
	}
	// The area word is converted with the rest under zh-Hans.
	var hans bytes.Buffer
	if code := run(ctx, []string{"--lang", "zh-Hans", "explain", "--workspace", ws, "problems_found"}, &env{stdout: &hans, stderr: &hans}); code != 0 || !strings.Contains(hans.String(), "全县：149 ") {
		t.Errorf("zh-Hans: exit %d:\n%.500s", code, hans.String())
	}
	if lines := strings.Count(text, "填報表!"); lines != 73 {
		t.Errorf("%d lines name a cell, want 73:\n%s", lines, text)
	}
	// The columns line up on a terminal, Chinese names and all.
	at := map[int]int{}
	for _, l := range strings.Split(text, "\n") {
		if i := strings.Index(l, "填報表!"); i >= 0 {
			at[runewidth.StringWidth(l[:i])]++
		}
	}
	if len(at) != 1 {
		t.Errorf("the cell column starts at %d different places:\n%s", len(at), text)
	}

	code, text, _ = explain("problems_found", "--unit", "Z01")
	if code != 0 || strings.Count(text, "填報表!") != 1 || !strings.Contains(text, "Z01") || !strings.Contains(text, ".xlsx") {
		t.Errorf("--unit after the indicator: exit %d:\n%s", code, text)
	}

	code, text, _ = explain("--json", "--unit", "Z01", "受益群眾人數")
	var ex pipeline.Explanation
	if err := json.Unmarshal([]byte(text), &ex); code != 0 || err != nil || ex.Code != "people_benefited" || len(ex.Lines) != 1 || ex.Lines[0].Cell == "" {
		t.Errorf("--json by label: exit %d, %v, %+v", code, err, ex)
	}

	code, _, stderr := explain("problem_found")
	if code != 2 || !strings.Contains(stderr, "指標目錄") || !strings.Contains(stderr, "problems_found") {
		t.Errorf("unknown indicator: exit %d, %s", code, stderr)
	}
	if code, _, stderr := explain(); code != 2 || !strings.Contains(stderr, "請寫一個指標") {
		t.Errorf("no indicator: exit %d, %s", code, stderr)
	}
}
