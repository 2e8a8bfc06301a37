package render

import (
	"math"
	"strings"
	"testing"

	"countybrief/pipeline/merge"
	"countybrief/pipeline/workspace"
)

// TestAnyShape: a report with no sections, kinds of its own and a rate
// over nothing walks, tables and charts without the program naming a
// code or a kind; the missing rate prints —.
func TestAnyShape(t *testing.T) {
	cat := &workspace.Catalogue{Indicators: []workspace.Indicator{
		{Code: "hazards", Label: "發現隱患", Measure: "處", Type: workspace.TypeInteger, Aggregate: workspace.AggSum},
		{Code: "fixed", Label: "已整改", Measure: "處", Type: workspace.TypeInteger, Aggregate: workspace.AggSum},
		{Code: "fix_rate", Label: "整改率", Measure: "%", Type: workspace.TypeDecimal, Aggregate: workspace.AggRatio, Of: "fixed", Per: "hazards", Scale: 100},
		{Code: "worst", Label: "單家最多隱患", Measure: "處", Type: workspace.TypeInteger, Aggregate: workspace.AggMax},
	}}
	units := workspace.Units{{Code: "A1", Name: "甲廠", Kind: "企業"}, {Code: "B1", Name: "乙校", Kind: "學校"}}
	ws := &workspace.Workspace{Catalogue: cat, Units: units, Kinds: []string{"企業", "學校"}, Config: &workspace.Config{}}
	totals := merge.Merge(cat, units, map[string]map[string]float64{
		"A1": {"hazards": 8, "fixed": 6, "worst": 8}, "B1": {"hazards": 0, "fixed": 0, "worst": 0},
	})
	b := &Briefing{Totals: totals}
	r := &Renderer{ws: ws, conv: func(s string) (string, error) { return s, nil }}

	tests := []struct {
		name   string
		params map[string]string
		want   []string // rows joined by tabs
	}{
		{"every indicator by kind", map[string]string{},
			[]string{"指標\t單位\t合計\t企業\t學校", "整改率\t%\t75.0\t75.0\t—", "單家最多隱患\t處\t8\t8\t0"}},
		{"chosen indicators, county only", map[string]string{argIndicators: "fix_rate,hazards", argBy: byNone, argTotal: "全縣"},
			[]string{"指標\t單位\t全縣", "整改率\t%\t75.0", "發現隱患\t處\t8"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tbl, err := r.table(b, tt.params)
			if err != nil {
				t.Fatal(err)
			}
			lines := []string{strings.Join(tbl.header, "\t")}
			for _, row := range tbl.rows {
				lines = append(lines, strings.Join(row.cells, "\t"))
			}
			got := strings.Join(lines, "\n")
			for _, w := range tt.want {
				if !strings.Contains(got, w) {
					t.Errorf("table lacks %q:\n%s", w, got)
				}
			}
		})
	}

	c, err := r.chart(b, chartBar, map[string]string{argIndicators: "hazards,fixed"})
	if err != nil {
		t.Fatal(err)
	}
	if len(c.cats) != 2 || c.cats[0].name != "企業" || c.cats[0].values[1] != 6 || c.cats[1].name != "學校" {
		t.Errorf("bar chart = %+v, want 企業 then 學校 with their figures", c)
	}

	sections, all := walk(ws, b)
	if len(sections) != 1 || sections[0].Name != "" || len(sections[0].Groups) != 1 || len(all) != 4 {
		t.Fatalf("walk = %+v, want one unnamed section with every indicator", sections)
	}
	rate := all[2]
	if rate.Text != "75.0" || rate.Kinds[1].Text != "—" || !math.IsNaN(rate.Kinds[1].Value) || rate.Kinds[0].Kind != "企業" {
		t.Errorf("rate = %+v, want 75.0 in the county and — for 學校", rate)
	}
}
