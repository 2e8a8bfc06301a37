package pipeline_test

import (
	"context"
	"database/sql"
	"errors"
	"math"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"countybrief/pipeline"
	"countybrief/pipeline/render"
)

// TestExplainTheDemoCounty asks where the paper's 149 problems found come
// from: the units' values add up to the figure explain prints, and each
// names an archived file whose cell really holds the value.
func TestExplainTheDemoCounty(t *testing.T) {
	ws, _, _ := buildDemo(t, 0)
	ctx := context.Background()
	ex, err := pipeline.Explain(ctx, ws, "problems_found", pipeline.ExplainOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if ex.Text != "149" || !ex.Exists || ex.Reported != len(ws.Units) || !strings.Contains(ex.How, "之和") {
		t.Errorf("figure %q (exists %v) of %d units, how %q; want 149 as a sum of %d", ex.Text, ex.Exists, ex.Reported, ex.How, len(ws.Units))
	}
	if len(ex.Lines) != len(ws.Units) {
		t.Fatalf("%d lines, want one per unit (%d)", len(ex.Lines), len(ws.Units))
	}
	var sum float64
	for _, l := range ex.Lines {
		sum += l.Value
		if l.Code != "problems_found" || l.File == "" || len(l.SHA256) != 64 || l.ReceivedAt.IsZero() {
			t.Errorf("line %+v lacks its code, file, hash or time", l)
		}
		if got := cellValue(t, filepath.Join(ws.Dir, l.ArchivePath), l.Cell); got != l.Value {
			t.Errorf("%s: %s of %s holds %v, explain says %v", l.Unit, l.Cell, l.ArchivePath, got, l.Value)
		}
	}
	if printed, _ := strconv.ParseFloat(ex.Text, 64); sum != printed {
		t.Errorf("units add up to %v, explain prints %s", sum, ex.Text)
	}

	t.Run("a ratio names the sums it divides", func(t *testing.T) {
		ex, err := pipeline.Explain(ctx, ws, "人均讀書筆記", pipeline.ExplainOptions{})
		if err != nil {
			t.Fatal(err)
		}
		sums := map[string]float64{}
		for _, l := range ex.Lines {
			sums[l.Code] += l.Value
		}
		in, _ := ws.Catalogue.ByCode(ex.Code)
		if want := sums[in.Of] / sums[in.Per] * in.Scale; math.Abs(ex.Value-want) > 1e-9 || len(sums) != 2 {
			t.Errorf("ratio %v from %v, want %v", ex.Value, sums, want)
		}
		if !strings.Contains(ex.How, "÷") {
			t.Errorf("how %q does not divide", ex.How)
		}
	})

	t.Run("one unit", func(t *testing.T) {
		unit := ws.Units[0].Code
		ex, err := pipeline.Explain(ctx, ws, "problems_found", pipeline.ExplainOptions{Unit: unit})
		if err != nil {
			t.Fatal(err)
		}
		if ex.Text != "149" || len(ex.Lines) != 1 || ex.Lines[0].Unit != unit {
			t.Errorf("--unit %s: figure %s, lines %+v", unit, ex.Text, ex.Lines)
		}
	})

	t.Run("unknown names", func(t *testing.T) {
		for _, opts := range []struct {
			code string
			o    pipeline.ExplainOptions
		}{{"problem_found", pipeline.ExplainOptions{}}, {"problems_found", pipeline.ExplainOptions{Unit: "X99"}}} {
			_, err := pipeline.Explain(ctx, ws, opts.code, opts.o)
			if !errors.Is(err, pipeline.ErrUnknownName) || !strings.Contains(err.Error(), "沒有") {
				t.Errorf("Explain(%s, %+v) = %v, want ErrUnknownName said in Chinese", opts.code, opts.o, err)
			}
		}
	})

	t.Run("a file recorded before cells were kept", func(t *testing.T) {
		db, err := sql.Open("sqlite", ws.LedgerPath())
		if err != nil {
			t.Fatal(err)
		}
		unit := ws.Units[1].Code
		_, err = db.Exec(`UPDATE submissions SET cells_json = NULL WHERE unit_code = ?`, unit)
		if cerr := db.Close(); err != nil || cerr != nil {
			t.Fatal(err, cerr)
		}
		ex, err := pipeline.Explain(ctx, ws, "problems_found", pipeline.ExplainOptions{Unit: unit})
		if err != nil || len(ex.Lines) != 1 || ex.Lines[0].Cell != render.NoCell {
			t.Errorf("old row explains as %+v, %v; want %s", ex.Lines, err, render.NoCell)
		}
	})
}

// cellValue reads sheet!cell of a workbook as a number.
func cellValue(t *testing.T, path, ref string) float64 {
	t.Helper()
	sheet, cell, ok := strings.Cut(ref, "!")
	if !ok {
		t.Fatalf("cell %q is not sheet!cell", ref)
	}
	f, err := excelize.OpenFile(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	s, err := f.GetCellValue(sheet, cell, excelize.Options{RawCellValue: true})
	if err != nil {
		t.Fatal(err)
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil {
		t.Fatalf("%s of %s: %q: %v", ref, path, s, err)
	}
	return v
}
