package rollup_test

import (
	"os/exec"
	"path/filepath"
	"testing"

	"countybrief/pipeline"
	"countybrief/pipeline/vocab"
)

// TestResavedByLibreOffice: a 上報 workbook a clerk opened and saved in
// LibreOffice Calc (which rewrites every part, keeps the data sheet
// hidden but no longer very hidden, and drops the structure lock) still
// reads as the county's report with its seal whole: the figures keep
// their 15 digits. The city accepts it.
func TestResavedByLibreOffice(t *testing.T) {
	soffice, err := exec.LookPath("soffice")
	if err != nil {
		t.Skip("soffice (Debian package libreoffice-calc) is not installed")
	}
	c := buildCounty(t, 44, "丁縣", "C01")
	out := t.TempDir()
	cmd := exec.Command(soffice, "--headless", "--norestore", "-env:UserInstallation=file://"+filepath.Join(t.TempDir(), "profile"),
		"--convert-to", "xlsx:Calc MS Excel 2007 XML", "--outdir", out, c.report)
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("soffice: %v\n%s", err, b)
	}
	resaved := readFile(t, filepath.Join(out, filepath.Base(c.report)))
	if string(resaved) == string(readFile(t, c.report)) {
		t.Fatal("LibreOffice wrote the same bytes: the test would prove nothing")
	}
	cws := city(t, []countyOf{c}, []string{"縣"})
	drop(t, cws, c.code, "另存的上報表.xlsx", resaved)
	sum := batch(t, cws)
	if sum.Accepted != 1 {
		t.Fatalf("the resaved workbook: %+v", sum.Files)
	}
	for _, f := range sum.Files[0].Findings {
		if f.Severity == vocab.Error {
			t.Errorf("finding %+v", f)
		}
	}
	ex, err := pipeline.Explain(t.Context(), cws, "deeds_done", pipeline.ExplainOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(ex.Lines) != 1 || len(ex.Lines[0].Below) == 0 {
		t.Errorf("explain does not walk down through the resaved workbook: %+v", ex.Lines)
	}
}
