package render

import (
	"strconv"
	"strings"
	"testing"

	"countybrief/pipeline/workspace"
)

// TestReportingChartStacks: chart 2 as the PDF prints it has, per unit
// kind, counts that add up to the kind's units, and no "0" for a state
// the kind does not have.
func TestReportingChartStacks(t *testing.T) {
	for _, lang := range []string{workspace.Traditional, workspace.Simplified} {
		t.Run(lang, func(t *testing.T) {
			ws := testWorkspace(t, lang)
			r := newRenderer(t, ws)
			b := domainBriefing(t, ws)
			units := map[string]int{}
			for _, u := range b.Units {
				k, err := r.conv(u.Unit.Kind)
				if err != nil {
					t.Fatal(err)
				}
				units[k]++
			}
			pdf, _ := render(t, r, b)
			raw := run(t, "pdftotext", "-raw", "-enc", "UTF-8", writeTemp(t, "b.pdf", pdf), "-")
			caption, err := r.conv("圖2")
			if err != nil {
				t.Fatal(err)
			}
			start := strings.Index(raw, caption)
			if start < 0 {
				t.Fatalf("no %s in the PDF", caption)
			}
			// The chart runs to the next heading, the appendix's.
			chart := strings.SplitN(raw[start:], "\n附件", 2)[0]
			got := map[string]int{}
			kind := ""
			for _, tok := range strings.Fields(chart) {
				if _, ok := units[tok]; ok {
					kind = tok
					continue
				}
				n, err := strconv.Atoi(tok)
				if err != nil || kind == "" {
					continue
				}
				if n == 0 {
					t.Errorf("%s: a \"0\" label in chart 2", kind)
				}
				got[kind] += n
			}
			for k, n := range units {
				if got[k] != n {
					t.Errorf("chart 2's counts for %s add up to %d, want its %d units", k, got[k], n)
				}
			}
		})
	}
}
