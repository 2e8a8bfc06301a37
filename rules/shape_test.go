package rules

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"countybrief/pipeline/merge"
	"countybrief/pipeline/vocab"
	"countybrief/pipeline/workspace"
)

// A report of another shape than the campaign's: kinds 企業 and 學校,
// and every aggregate, so that nothing in the package leans on the
// campaign's codes or kinds.
var (
	schoolKinds = []string{"企業", "學校"}
	schoolUnits = workspace.Units{
		{Code: "S1", Name: "一中", Kind: "學校"},
		{Code: "E1", Name: "電廠", Kind: "企業"},
		{Code: "S2", Name: "二中", Kind: "學校"},
	}
	schoolCatalogue = &workspace.Catalogue{Indicators: []workspace.Indicator{
		{Code: "pupils", Label: "人數", Type: workspace.TypeInteger, Aggregate: workspace.AggSum},
		{Code: "low", Label: "最低分", Type: workspace.TypeDecimal, Aggregate: workspace.AggMin},
		{Code: "avg", Label: "平均分", Type: workspace.TypeDecimal, Aggregate: workspace.AggMean},
		{Code: "incidents", Label: "事故", Type: workspace.TypeInteger, Aggregate: workspace.AggSum},
		{Code: "rate", Label: "千人事故率", Type: workspace.TypeDecimal, Aggregate: workspace.AggRatio, Of: "incidents", Per: "pupils", Scale: 1000},
		{Code: "reporting", Label: "有事故的單位", Type: workspace.TypeInteger, Aggregate: workspace.AggCountNonzero, Of: "incidents"},
	}}
)

func loadSchool(t *testing.T, rules string) (*Set, error) {
	t.Helper()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "r.yaml"), []byte(rules), 0o644); err != nil {
		t.Fatal(err)
	}
	return LoadDir(dir, schoolCatalogue, schoolKinds)
}

func problems(t *testing.T, err error) []string {
	t.Helper()
	var ps vocab.Problems
	if !errors.As(err, &ps) {
		t.Fatalf("want vocab.Problems, got %v", err)
	}
	var out []string
	for _, p := range ps {
		out = append(out, p.Error())
	}
	return out
}

func TestCountyRulesSeeTheMergedFigures(t *testing.T) {
	s, err := loadSchool(t, `rules:
  - {id: c.low, scope: county, description: 最低分, expr: total.low >= 60, severity: warning, message: "最低 {{.total.low}} 分"}
  - {id: c.avg, scope: county, description: 平均分, expr: total.avg <= 75, severity: warning, message: "平均 {{.total.avg}} 分"}
  - {id: c.rate, scope: county, description: 事故率, expr: total.rate <= 5, severity: warning, message: "{{.total.rate}}"}
  - {id: c.reach, scope: county, description: 有事故的單位, expr: total.reporting <= 1, severity: warning, message: "{{.total.reporting}} 個單位"}
  - {id: c.show, scope: county, description: 顯示, expr: len(units) == 0, severity: warning, message: "最低 {{.total.low}} 分，事故率 {{.total.rate}}"}
`)
	if err != nil {
		t.Fatal(err)
	}
	check := func(values map[string]map[string]float64) []vocab.Finding {
		var units []UnitInput
		for _, u := range schoolUnits {
			if v, ok := values[u.Code]; ok {
				units = append(units, UnitInput{Unit: u, Values: v})
			}
		}
		return s.CheckCounty(units, merge.Merge(schoolCatalogue, schoolUnits, values).All)
	}
	got := check(map[string]map[string]float64{
		"S1": {"pupils": 1000, "low": 55, "avg": 80, "incidents": 2},
		"E1": {"pupils": 0, "incidents": 0},
		"S2": {"pupils": 1000, "low": 70, "avg": 60, "incidents": 3},
	})
	// min 55, mean 70, rate 2.5 per thousand, 2 units with incidents:
	// sums of the units' figures would be 125, 140 and so on.
	var said []string
	for _, f := range got {
		said = append(said, f.Rule+" "+f.Message)
	}
	want := []string{"c.low 最低 55 分", "c.reach 2 個單位", "c.show 最低 55 分，事故率 2.5"}
	if !reflect.DeepEqual(said, want) {
		t.Errorf("findings %q, want %q", said, want)
	}
	if v, ok := got[0].Values["low"]; !ok || v != 55 {
		t.Errorf("finding values %v", got[0].Values)
	}
	// No unit reported low or avg, and no pupils: the briefing prints —,
	// and rules reading those figures have nothing to judge.
	got = check(map[string]map[string]float64{"E1": {"pupils": 0, "incidents": 0}})
	said = nil
	for _, f := range got {
		said = append(said, f.Rule+" "+f.Message)
	}
	if want := []string{"c.show 最低 — 分，事故率 —"}; !reflect.DeepEqual(said, want) {
		t.Errorf("findings %q, want %q", said, want)
	}
	if len(got) == 1 && len(got[0].Values) != 0 {
		t.Errorf("a figure the county lacks is in the finding: %v", got[0].Values)
	}
}

func TestKindsComeFromTheRegistry(t *testing.T) {
	s, err := loadSchool(t, `rules:
  - id: u.first_kind
    description: 示例默認名冊的第一類
    expr: unit.kind == "企業"
    severity: warning
    message: 類別
    fix: 改
    examples: [{want: pass}, {kind: 學校, want: fail}]
  - id: u.school
    description: 學校
    kinds: [學校]
    expr: rate <= 50
    severity: warning
    message: "{{.rate}}"
    fix: 改
    examples: [{values: {incidents: 1, pupils: 100}, want: pass}, {values: {incidents: 6, pupils: 100}, want: fail}]
  - id: u.plant
    description: 只在企業上出錯
    expr: unit.kind != "企業" || int(pupils) % int(pupils) == 0
    severity: warning
    message: 人數
    fix: 改
    examples: [{kind: 學校, want: pass}]
  - id: u.reporting
    description: 一個單位的 count_nonzero 是它自己填了沒有
    expr: reporting == 0
    severity: warning
    message: "{{.reporting}}"
    fix: 改
    examples: [{values: {incidents: 0}, want: pass}, {values: {incidents: 3}, want: fail}]
`)
	if err != nil {
		t.Fatal(err)
	}
	for _, err := range s.Test() {
		t.Error(err)
	}
	// Only schools in the registry given: the 企業 kind is probed all the same.
	var schools []workspace.Unit
	for _, u := range schoolUnits {
		if u.Kind == "學校" {
			schools = append(schools, u)
		}
	}
	ps := s.Probe(schools)
	if len(ps) == 0 || !strings.Contains(ps[0].Error(), "規則 u.plant: expr: 執行時出錯（「企業」類單位") {
		t.Errorf("probe %v", ps)
	}

	_, err = loadSchool(t, `rules:
  - {id: u.k, description: 類別, kinds: [鄉鎮], expr: pupils >= 0, severity: warning, message: 人數, fix: 改,
     examples: [{kind: 縣直, want: pass}]}
  - {id: c.k, scope: county, description: 類別, expr: len(units) >= 0, severity: warning, message: 人數,
     examples: [{units: [{kind: 村}], want: pass}]}
`)
	want := []string{
		"r.yaml:2:39: 規則 u.k: kinds: 單位名冊（units.yaml）沒有「鄉鎮」這類單位；只能寫 企業、學校",
		"r.yaml:3:24: 規則 u.k: examples[1].kind: 單位名冊（units.yaml）沒有「縣直」這類單位；只能寫 企業、學校",
		"r.yaml:5:33: 規則 c.k: examples[1].units[1].kind: 單位名冊（units.yaml）沒有「村」這類單位；只能寫 企業、學校",
	}
	got := problems(t, err)
	if len(got) != len(want) {
		t.Fatalf("problems %q, want %q", got, want)
	}
	for i := range want {
		if !strings.HasSuffix(got[i], want[i]) {
			t.Errorf("problem %d: %s, want …%s", i+1, got[i], want[i])
		}
	}
}

func TestUnknownCodeHints(t *testing.T) {
	_, err := loadSchool(t, `rules:
  - {id: a, description: 單位, expr: pupil >= 0, severity: warning, message: 人數, fix: 改}
  - {id: b, description: 單位, expr: qqqqqq >= 0, severity: warning, message: 人數, fix: 改}
  - {id: c, description: 單位, expr: "betwen(pupils, 0, 1)", severity: warning, message: 人數, fix: 改}
  - {id: d, scope: county, description: 全縣, expr: pupils >= 0, severity: warning, message: 人數}
  - {id: e, scope: county, description: 全縣, expr: total.rat >= 0, severity: warning, message: "{{.total.incident}}"}
  - {id: f, description: 單位, expr: pupils >= 0, severity: warning, message: "{{.prev.pupil}} {{.avgg}}", fix: "{{pupil}}"}
  - {id: g, description: 單位, expr: pupils >= 0, cell: incident, each: [lowe], severity: warning, message: 人數, fix: 改,
     examples: [{values: {pupil: 1}, want: pass}]}
`)
	want := []string{
		"規則 a: expr: 指標目錄（indicators.yaml）裡沒有 pupil；是不是 pupils？",
		"規則 b: expr: 指標目錄（indicators.yaml）裡沒有 qqqqqq，它也不是規則可用的名稱或函數",
		"規則 c: expr: 沒有 betwen 這個名稱；是不是 between？",
		"規則 d: expr: 全縣規則裡 pupils 寫作 total.pupils（簡報上的全縣數），或在 units 的每一行裡寫 .pupils",
		"規則 e: expr: 指標目錄（indicators.yaml）裡沒有 rat；是不是 rate？",
		"規則 e: message: {{.total.incident}}：指標目錄（indicators.yaml）裡沒有 incident；是不是 incidents？",
		"規則 f: message: {{.prev.pupil}}：指標目錄（indicators.yaml）裡沒有 pupil；是不是 pupils？",
		"規則 f: message: {{.avgg}}：指標目錄（indicators.yaml）裡沒有 avgg；是不是 avg？",
		"規則 f: fix: {{pupil}}：指標目錄（indicators.yaml）裡沒有 pupil；是不是 pupils？（數字前面要寫點：{{.代碼}}）",
		"規則 g: cell: 指標目錄（indicators.yaml）裡沒有 incident；是不是 incidents？",
		"規則 g: each: 指標目錄（indicators.yaml）裡沒有 lowe；是不是 low？",
		"規則 g: each: 沒有列出任何指標",
		"規則 g: examples[1].values: 指標目錄（indicators.yaml）裡沒有 pupil；是不是 pupils？",
	}
	got := problems(t, err)
	if len(got) != len(want) {
		t.Fatalf("got %d problems, want %d:\n%s", len(got), len(want), strings.Join(got, "\n"))
	}
	for i := range want {
		if !strings.Contains(got[i], want[i]) {
			t.Errorf("problem %d:\n got %s\nwant …%s", i+1, got[i], want[i])
		}
		// Every problem is placed at file:line:col.
		if !strings.Contains(got[i], "r.yaml:") {
			t.Errorf("problem %d has no place: %s", i+1, got[i])
		}
	}
}
