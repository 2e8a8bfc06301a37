package pipeline_test

import (
	"context"
	"io/fs"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"countybrief/pipeline"
	"countybrief/pipeline/demo"
	"countybrief/pipeline/form"
	"countybrief/pipeline/render"
	"countybrief/pipeline/workspace"
	"countybrief/templates"
)

// waterReport is a report neither shipped example is: a quarterly 農村飲水
// 安全 inspection (period 2026Q4) with one section, a pass rate, a maximum, and units of
// kinds 集中供水站 and 分散供水片區. Its briefing names no indicator: it walks
// the catalogue, and a paragraph per indicator gives the figure of each
// kind of unit.
var waterReport = map[string]string{
	"config.yaml": `county: 綏陽縣
office: 綏陽縣農村飲水安全工作領導小組辦公室
briefing_name: 農村飲水安全巡查通報
period: "2026Q4"
deadline: "2027-01-08T18:00:00+08:00"
timezone: Asia/Shanghai
distribution:
  report: [市水務局]
  send: [縣政府分管領導]
  issue: [各供水站, 各供水片區]
  copies: 30
`,
	"units.yaml": `kinds: [集中供水站, 分散供水片區]
units:
  - {code: W01, name: 洋川供水站, kind: 集中供水站}
  - {code: W02, name: 鄭場供水站, kind: 集中供水站}
  - {code: W03, name: 旺草供水站, kind: 集中供水站}
  - {code: W04, name: 風華供水站, kind: 集中供水站}
  - {code: W05, name: 溫泉供水站, kind: 集中供水站}
  - {code: F01, name: 寬闊供水片區, kind: 分散供水片區}
  - {code: F02, name: 小關供水片區, kind: 分散供水片區}
  - {code: F03, name: 坪樂供水片區, kind: 分散供水片區}
`,
	"indicators.yaml": `version: "2026-q4"
sections:
  - {name: 水質與設施}
indicators:
  - {code: samples, label: 水樣抽檢, section: 水質與設施, measure: 份, type: integer, required: true, aggregate: sum}
  - {code: samples_passed, label: 抽檢合格, section: 水質與設施, measure: 份, type: integer, required: true, aggregate: sum}
  - {code: pass_rate, label: 合格率, section: 水質與設施, measure: "%", type: decimal, decimals: 1, aggregate: ratio, of: samples_passed, per: samples, scale: 100}
  - {code: repair_funds, label: 維修資金, section: 水質與設施, measure: 萬元, type: decimal, decimals: 2, required: true, aggregate: sum}
  - {code: longest_outage, label: 最長停水, section: 水質與設施, measure: 小時, type: decimal, decimals: 1, required: true, aggregate: max}
`,
	"rules/unit.yaml": `rules:
  - id: water.nonnegative
    description: 各項數字不能是負數
    each: inputs
    expr: value >= 0
    severity: error
    message: 「{{.label}}」填的是 {{.value}}，不能是負數。
    fix: 按實際數填寫。
    examples:
      - {kind: 集中供水站, values: {samples: 3}, want: pass}
      - {kind: 集中供水站, values: {samples: -3}, want: fail}
  - id: water.passed_le_samples
    description: 合格的水樣不能多於抽檢的水樣
    expr: samples_passed <= samples
    severity: error
    message: 合格 {{.samples_passed}} 份，多於抽檢的 {{.samples}} 份。
    fix: 核對抽檢和合格的份數。
    examples:
      - {kind: 分散供水片區, values: {samples: 5, samples_passed: 4}, want: pass}
      - {kind: 分散供水片區, values: {samples: 4, samples_passed: 5}, want: fail}
`,
	"templates/briefing.tmpl": `.masthead
{{.Name}}
第{{.Issue}}期
{{.Office}}
{{date .Date}}

.title
{{.County}}農村飲水安全巡查情況
{{range .Sections}}
.h1
一、{{.Name}}

.p
{{range $i, $f := .Indicators}}{{if $i}}，{{end}}{{$f.Label}}{{$f.Text}}{{$f.Measure}}{{end}}。
{{range .Indicators}}
.p
{{.Label}}分類：{{range $j, $k := .Kinds}}{{if $j}}，{{end}}{{$k.Kind}}{{$k.Text}}{{end}}。
{{end}}{{end}}
.table 表1　各類單位巡查數據

.distribution
報：{{join .Distribution.Report "、"}}。
（共印{{.Distribution.Copies}}份）
`,
}

// TestAnyReport is issue 13's acceptance: a report written in the test
// runs through init's layout, the generic sample, one batch, and comes out
// with its own figures in the briefing and the totals workbook. Nothing
// in the program knows its codes, its kinds or its section.
func TestAnyReport(t *testing.T) {
	dir := t.TempDir()
	for name, text := range waterReport {
		path := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	ws, err := workspace.Init(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	faults, err := demo.Fill(ws, 7)
	if err != nil {
		t.Fatal(err)
	}
	if len(faults) == 0 {
		t.Fatal("the sample has no faulty file for the batch to reject")
	}
	out := runBatch(t, ws)
	if rejected := countRejected(t, ws); rejected != len(faults) {
		t.Errorf("%d files rejected, want the sample's %d faulty files", rejected, len(faults))
	}
	want := independentTotals(t, ws)
	text := rawPDFText(t, out.pdf)
	for _, in := range ws.Catalogue.Indicators {
		county := in.Label + templates.Fixed(want.all[in.Code], in.Places()) + in.Measure
		if !strings.Contains(text, county) {
			t.Errorf("briefing lacks the county figure %q", county)
		}
		for _, k := range ws.Kinds {
			kind := k + templates.Fixed(want.kind[k][in.Code], in.Places())
			if !strings.Contains(text, kind) {
				t.Errorf("briefing lacks %s's %s: %q", k, in.Label, kind)
			}
		}
	}
	if !strings.Contains(text, "一、水質與設施") {
		t.Error("briefing lacks the report's one section as a heading")
	}
	checkWorkbook(t, out.workbook, ws, want)
}

// TestSafetyDemo is `countybrief demo --example safety`: the shipped
// safety report, its generic sample and one batch; the briefing is one
// page and carries the county totals the test adds up from the accepted
// forms.
func TestSafetyDemo(t *testing.T) {
	ws, faults := safetyDemo(t)
	if len(ws.Units) < 25 || len(ws.Kinds) != 3 || len(faults) != 2 {
		t.Fatalf("safety sample: %d units, kinds %v, %d faulty files; want about 30 units of three kinds and two faulty files", len(ws.Units), ws.Kinds, len(faults))
	}
	out := runBatch(t, ws)
	if rejected := countRejected(t, ws); rejected != len(faults) {
		t.Errorf("%d files rejected, want the sample's %d faulty files", rejected, len(faults))
	}
	info, err := exec.Command("pdfinfo", out.pdf).Output()
	if err != nil {
		t.Fatalf("pdfinfo: %v", err)
	}
	if n := pages(string(info)); n != "1" {
		t.Errorf("the safety briefing has %s pages, want one", n)
	}
	want := independentTotals(t, ws)
	text := rawPDFText(t, out.pdf)
	for _, in := range ws.Catalogue.Indicators {
		county := in.Label + templates.Fixed(want.all[in.Code], in.Places()) + in.Measure
		if !strings.Contains(text, county) {
			t.Errorf("briefing lacks the county figure %q", county)
		}
	}
	checkWorkbook(t, out.workbook, ws, want)
}

// pages is the page count pdfinfo gives.
func pages(info string) string {
	for _, line := range strings.Split(info, "\n") {
		if f := strings.Fields(line); len(f) == 2 && f[0] == "Pages:" {
			return f[1]
		}
	}
	return "?"
}

type outputs struct{ pdf, workbook string }

// runBatch runs one batch over the inbox, publishes its draft and
// returns the and its totals workbook's paths.
func runBatch(t *testing.T, ws *workspace.Workspace) outputs {
	t.Helper()
	ws.Config.SettleSeconds = 0
	if _, err := pipeline.Run(context.Background(), ws, pipeline.Options{}); err != nil {
		t.Fatal(err)
	}
	p, err := pipeline.Publish(context.Background(), ws, pipeline.PublishOptions{})
	if err != nil {
		t.Fatal(err)
	}
	o := outputs{pdf: p.Briefing, workbook: p.TotalsWorkbook}
	for _, p := range []string{o.pdf, o.workbook} {
		if _, err := os.Stat(p); err != nil {
			t.Fatalf("batch output: %v", err)
		}
	}
	return o
}

func countRejected(t *testing.T, ws *workspace.Workspace) int {
	t.Helper()
	return len(xlsxUnder(t, filepath.Join(ws.ArchiveDir(), "rejected")))
}

func xlsxUnder(t *testing.T, dir string) []string {
	t.Helper()
	var out []string
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.HasSuffix(path, ".xlsx") {
			out = append(out, path)
		}
		return err
	})
	if err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
	return out
}

// figures are a report's county and per-kind figures.
type figures struct {
	all  map[string]float64
	kind map[string]map[string]float64
}

// independentTotals reads every accepted form back and merges the figures
// the way the catalogue says, without package merge: sums, maxima, and
// ratios of sums.
func independentTotals(t *testing.T, ws *workspace.Workspace) figures {
	t.Helper()
	f := figures{all: map[string]float64{}, kind: map[string]map[string]float64{}}
	for _, k := range ws.Kinds {
		f.kind[k] = map[string]float64{}
	}
	accepted := xlsxUnder(t, filepath.Join(ws.ArchiveDir(), "accepted"))
	if len(accepted) != len(ws.Units) {
		t.Fatalf("%d accepted files, want one per unit (%d)", len(accepted), len(ws.Units))
	}
	for _, path := range accepted {
		sub, _, err := form.Read(path, ws.Catalogue, form.DefaultLimits())
		if err != nil || sub == nil {
			t.Fatalf("read back %s: %v", path, err)
		}
		u, ok := ws.Unit(sub.UnitCode)
		if !ok {
			t.Fatalf("%s: unit %q not in the registry", path, sub.UnitCode)
		}
		for _, in := range ws.Catalogue.Inputs() {
			v := sub.Values[in.Code]
			for _, m := range []map[string]float64{f.all, f.kind[u.Kind]} {
				switch in.Aggregate {
				case workspace.AggSum:
					m[in.Code] += v
				case workspace.AggMax:
					m[in.Code] = math.Max(m[in.Code], v)
				default:
					t.Fatalf("the test merges no %s indicator", in.Aggregate)
				}
			}
		}
	}
	for _, in := range ws.Catalogue.Indicators {
		if in.Aggregate != workspace.AggRatio {
			continue
		}
		for _, m := range append([]map[string]float64{f.all}, mapsOf(f.kind)...) {
			m[in.Code] = m[in.Of] / m[in.Per] * in.Scale
		}
	}
	return f
}

func mapsOf(byKind map[string]map[string]float64) []map[string]float64 {
	var out []map[string]float64
	for _, m := range byKind {
		out = append(out, m)
	}
	return out
}

// rawPDFText is pdftotext -raw of the briefing without white space, so
// that a figure broken over lines is still found.
func rawPDFText(t *testing.T, path string) string {
	t.Helper()
	if _, err := exec.LookPath("pdftotext"); err != nil {
		t.Fatal("pdftotext not found: install the Debian package poppler-utils")
	}
	out, err := exec.Command("pdftotext", "-raw", "-enc", "UTF-8", path, "-").Output()
	if err != nil {
		t.Fatalf("pdftotext: %v", err)
	}
	return strings.Join(strings.Fields(string(out)), "")
}

// checkWorkbook finds every county and per-kind figure in the totals
// workbook's sheet 匯總, to the indicator's places.
func checkWorkbook(t *testing.T, path string, ws *workspace.Workspace, want figures) {
	t.Helper()
	f, err := excelize.OpenFile(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := f.GetRows(render.SheetTotals, excelize.Options{RawCellValue: true})
	if err != nil || len(rows) == 0 {
		t.Fatalf("totals sheet: %v", err)
	}
	col := map[string]int{}
	for i, h := range rows[0] {
		col[h] = i
	}
	cols := map[string]map[string]float64{"全縣": want.all}
	for _, k := range ws.Kinds {
		cols[k+"小計"] = want.kind[k]
	}
	found := 0
	for _, r := range rows[1:] {
		in, ok := ws.Catalogue.ByCode(cell(r, col["代碼"]))
		if !ok {
			continue
		}
		found++
		for head, m := range cols {
			i, ok := col[head]
			if !ok {
				t.Fatalf("totals sheet has no column %s: %v", head, rows[0])
			}
			got, err := strconv.ParseFloat(cell(r, i), 64)
			if err != nil || templates.Fixed(got, in.Places()) != templates.Fixed(m[in.Code], in.Places()) {
				t.Errorf("totals workbook %s %s = %q, want %s", in.Code, head, cell(r, i), templates.Fixed(m[in.Code], in.Places()))
			}
		}
	}
	if found != len(ws.Catalogue.Indicators) {
		t.Errorf("totals sheet has %d indicator rows, want %d", found, len(ws.Catalogue.Indicators))
	}
}

func cell(row []string, i int) string {
	if i < len(row) {
		return row[i]
	}
	return ""
}

// safetyDemo is the safety example's sample county (seed 1), its files in
// the inbox, and the faulty ones among them.
func safetyDemo(t *testing.T) (*workspace.Workspace, []demo.Fault) {
	t.Helper()
	ws, faults, err := demo.Build(t.TempDir(), demo.Options{Seed: 1, Generic: true,
		Init: func(dir string) (*workspace.Workspace, error) { return pipeline.InitExample(dir, "safety") }})
	if err != nil {
		t.Fatal(err)
	}
	return ws, faults
}
