package pipeline_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"countybrief/pipeline"
	"countybrief/pipeline/demo"
)

// TestLineChartFromTheLedger: the briefing is handed the earlier issues
// from the ledger, so that a line chart of the next period's issue has a
// point for the period before with the figure that issue printed.
func TestLineChartFromTheLedger(t *testing.T) {
	ws, _ := safetyDemo(t)
	code := ws.Catalogue.Indicators[0].Code
	tmpl := ".title\n歷期情況\n\n.chart line indicators=" + code + " 圖1　全縣歷期情況\n"
	if err := os.WriteFile(filepath.Join(ws.TemplatesDir(), "briefing.tmpl"), []byte(tmpl), 0o644); err != nil {
		t.Fatal(err)
	}
	ws.Config.SettleSeconds = 0
	batch := func() string {
		t.Helper()
		if _, err := pipeline.Run(context.Background(), ws, pipeline.Options{}); err != nil {
			t.Fatal(err)
		}
		p, err := pipeline.Publish(context.Background(), ws, pipeline.PublishOptions{})
		if err != nil {
			t.Fatal(err)
		}
		data, err := os.ReadFile(p.BriefingText)
		if err != nil {
			t.Fatal(err)
		}
		return string(data)
	}
	first := ws.Config.Period
	one := periodLine(t, batch(), first)

	ws.Config.Period = "2026-12"
	if _, err := demo.Fill(ws, 2); err != nil {
		t.Fatal(err)
	}
	two := batch()
	if got := periodLine(t, two, first); got != one {
		t.Errorf("issue 2 charts %s as %q, want issue 1's %q", first, got, one)
	}
	periodLine(t, two, "2026-12")
	if i, j := strings.Index(two, first+"\t"), strings.Index(two, "2026-12\t"); i > j {
		t.Errorf("periods out of issue order:\n%s", two)
	}
}

// periodLine is the chart's line of period in a text twin.
func periodLine(t *testing.T, text, period string) string {
	t.Helper()
	for _, line := range strings.Split(text, "\n") {
		if strings.HasPrefix(line, period+"\t") {
			return line
		}
	}
	t.Fatalf("no line of %s in the briefing:\n%s", period, text)
	return ""
}
