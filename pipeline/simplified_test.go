package pipeline_test

import (
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"countybrief/examples"
	"countybrief/pipeline"
	"countybrief/pipeline/demo"
	"countybrief/pipeline/workspace"

	"github.com/xuri/excelize/v2"
)

// TestSimplifiedCounty: an office initialised with zh-Hans (issue 16.3)
// has its data files in Simplified, loads them (kinds 乡镇 and 县直 are
// the rules' and templates' too), and a batch over its sample county
// writes 退回 copies, notes and the chase list without a Traditional-only
// character, the names of the units' own files aside.
func TestSimplifiedCounty(t *testing.T) {
	initSimplified := func(dir string) (*workspace.Workspace, error) {
		return pipeline.InitExampleIn(dir, examples.Campaign, workspace.Simplified)
	}
	ws, _, err := demo.Build(t.TempDir(), demo.Options{Seed: 1, Generic: true, Init: initSimplified})
	if err != nil {
		t.Fatal(err)
	}
	if ws.Config.Language != workspace.Simplified || !strings.Contains(strings.Join(ws.Kinds, ","), "乡镇") {
		t.Fatalf("language %s, kinds %v: want zh-Hans and 乡镇", ws.Config.Language, ws.Kinds)
	}
	conv, err := workspace.Converter(workspace.Simplified)
	if err != nil {
		t.Fatal(err)
	}
	traditional := func(s string) string {
		var out []rune
		for _, r := range s {
			if conv(string(r)) != string(r) {
				out = append(out, r)
			}
		}
		return string(out)
	}
	check := func(what, text string) {
		t.Helper()
		if left := traditional(text); left != "" {
			t.Errorf("%s keeps Traditional characters %q", what, left)
		}
	}
	for _, name := range []string{workspace.ConfigFile, workspace.UnitsFile, workspace.IndicatorsFile, "rules", "templates"} {
		_ = filepath.WalkDir(filepath.Join(ws.Dir, name), func(path string, d os.DirEntry, err error) error {
			if err == nil && !d.IsDir() {
				data, _ := os.ReadFile(path)
				check(path, string(data))
			}
			return nil
		})
	}

	ws.Config.SettleSeconds = 0
	sum, err := pipeline.Run(context.Background(), ws, pipeline.Options{})
	if err != nil {
		t.Fatal(err)
	}
	fileNames := regexp.MustCompile(`「[^」\n]*\.xlsx?[^」\n]*」|退回的文件：[^\n　]*|[^\s：]+\.(xlsx|pdf)`)
	books, notes := 0, 0
	_ = filepath.WalkDir(filepath.Join(ws.OutboxDir(), "returns"), func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		switch {
		case strings.HasSuffix(path, "-审核意见.txt"):
			notes++
			data, _ := os.ReadFile(path)
			check(path, fileNames.ReplaceAllString(string(data), ""))
		case strings.HasSuffix(path, "-审核意见.xlsx"):
			books++
			f, err := excelize.OpenFile(path)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			for _, sheet := range f.GetSheetList() {
				if v, _ := f.GetSheetVisible(sheet); !v {
					continue
				}
				check(path+" sheet name", sheet)
				rows, _ := f.GetRows(sheet)
				for i, row := range rows {
					for j, cell := range row {
						// The review sheet's hidden rule column is the office's;
						// the form's own cells are the unit's.
						if sheet == "审核意见" && j < 6 || sheet != "审核意见" && strings.HasPrefix(cell, "【") {
							check(sheet+" row "+string(rune('0'+i%10)), fileNames.ReplaceAllString(cell, ""))
						}
					}
				}
			}
		default:
			t.Errorf("a 退回 file not named in Simplified: %s", path)
		}
		return nil
	})
	if books == 0 || books != notes {
		t.Errorf("%d 退回 copies and %d notes; want some, as many notes as copies", books, notes)
	}
	chase, err := os.ReadFile(sum.ChaseList)
	if err != nil {
		t.Fatal(err)
	}
	check("chase list", fileNames.ReplaceAllString(string(chase), ""))
}
