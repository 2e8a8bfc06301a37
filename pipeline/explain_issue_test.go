package pipeline_test

import (
	"bytes"
	"context"
	"errors"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"countybrief/pipeline"
	"countybrief/pipeline/form"
	"countybrief/pipeline/render"

	"github.com/xuri/excelize/v2"
)

// explain --issue N tells a figure as issue N printed it, from the files
// that issue counted, however the period has moved on since.
func TestExplainAsAnIssuePrintedIt(t *testing.T) {
	ctx := context.Background()
	ws := county(t, t.TempDir())
	run(t, ws)
	if _, err := pipeline.Publish(ctx, ws, pipeline.PublishOptions{}); err != nil {
		t.Fatal(err)
	}
	then, err := pipeline.Explain(ctx, ws, "problems_found", pipeline.ExplainOptions{})
	if err != nil {
		t.Fatal(err)
	}
	// J03 sends a corrected form with one more problem found.
	u, _ := ws.Unit("J03")
	accepted, _ := filepath.Glob(filepath.Join(ws.ArchiveDir(), "accepted", ws.Config.Period, "J03@*.xlsx"))
	if len(accepted) != 1 {
		t.Fatalf("J03 has %d accepted files", len(accepted))
	}
	sub, _, err := form.NewReader(ws.Catalogue, form.DefaultLimits()).Read(accepted[0])
	if err != nil || sub == nil {
		t.Fatal(err)
	}
	sub.Values["problems_found"]++
	var buf bytes.Buffer
	if err := form.WriteFilled(&buf, ws.Catalogue, u, ws.Config.Period, sub.Identity, sub.Values); err != nil {
		t.Fatal(err)
	}
	writeInbox(t, ws, "J03", "更正.xlsx", buf.Bytes())
	run(t, ws)

	now, err := pipeline.Explain(ctx, ws, "problems_found", pipeline.ExplainOptions{})
	if err != nil {
		t.Fatal(err)
	}
	issue1, err := pipeline.Explain(ctx, ws, "problems_found", pipeline.ExplainOptions{Issue: 1})
	if err != nil {
		t.Fatal(err)
	}
	if now.Value != then.Value+1 || issue1.Value != then.Value || issue1.Period != ws.Config.Period {
		t.Errorf("problems_found: %v at publish, %v now, %v for 第1期 (%s); want %v, %v, %v",
			then.Value, now.Value, issue1.Value, issue1.Period, then.Value, then.Value+1, then.Value)
	}
	if _, err := pipeline.Explain(ctx, ws, "problems_found", pipeline.ExplainOptions{Issue: 9}); !errors.Is(err, pipeline.ErrUnknownName) {
		t.Errorf("an issue never published: %v; want ErrUnknownName", err)
	}
}

// A published issue's workbook says where each figure came from (file,
// sha256, cell); the draft's, rewritten by every batch, leaves that to
// explain.
func TestPublishedWorkbookHasSources(t *testing.T) {
	ctx := context.Background()
	ws := county(t, t.TempDir())
	sum := run(t, ws)
	draft, err := excelize.OpenFile(sum.TotalsWorkbook)
	if err != nil {
		t.Fatal(err)
	}
	defer draft.Close()
	if slices.Contains(draft.GetSheetList(), render.SheetSources) {
		t.Errorf("the draft's workbook %s has a %s sheet", sum.TotalsWorkbook, render.SheetSources)
	}
	pub, err := pipeline.Publish(ctx, ws, pipeline.PublishOptions{})
	if err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenFile(pub.TotalsWorkbook)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := f.GetRows(render.SheetSources)
	if err != nil {
		t.Fatal(err)
	}
	cells := 0
	for _, r := range rows[1:] {
		if strings.Contains(strings.Join(r, "|"), "!") {
			cells++
		}
	}
	if len(rows) < 2 || cells != len(rows)-1 {
		t.Errorf("%s: %d rows, %d naming a cell; want every row to name its file's cell", render.SheetSources, len(rows)-1, cells)
	}
}
