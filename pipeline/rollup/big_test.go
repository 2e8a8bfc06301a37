package rollup_test

import (
	"path/filepath"
	"testing"

	"countybrief/pipeline"
	"countybrief/pipeline/demo"
	"countybrief/pipeline/form"
	"countybrief/pipeline/rollup"
	"countybrief/pipeline/workspace"
)

// TestLargeCountyWithinTheCaps: the 上報 workbook of a county of 730
// units (its totals workbook's 來源 sheet alone has 19,000 rows) is read
// whole within the form reader's default limits.
func TestLargeCountyWithinTheCaps(t *testing.T) {
	dir := t.TempDir()
	if _, _, err := demo.Build(dir, demo.Options{Seed: 3, Units: 730, Init: pipeline.Init}); err != nil {
		t.Fatal(err)
	}
	edit(t, filepath.Join(dir, workspace.ConfigFile), "county: 綏陽縣\n", "county: 綏陽縣\ncounty_code: C05\n")
	ws := load(t, dir)
	batch(t, ws)
	data := readFile(t, publish(t, ws).Rollup)
	t.Logf("上報 workbook of 730 units: %d KB", len(data)>>10)
	sub, fs := rollup.NewReader(ws.Catalogue, form.DefaultLimits()).ReadBytes("上報表.xlsx", data)
	if sub == nil || len(fs) > 0 {
		t.Fatalf("read: %v", fs)
	}
	rep, _ := rollup.Parse(data, form.DefaultLimits())
	if len(rep.Units) < 700 {
		t.Errorf("%d units carried", len(rep.Units))
	}
}
