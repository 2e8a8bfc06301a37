package form

import (
	"bytes"
	"errors"
	"testing"

	"github.com/xuri/excelize/v2"
)

// TestFormula computes formulas without cached values over a small sheet:
// A1=4, A2=2, A3 text, A4 empty, B1=A1*2 and B2=B1+A2 with no cached value.
func TestFormula(t *testing.T) {
	f := excelize.NewFile()
	defer f.Close()
	for cell, v := range map[string]any{"A1": 4, "A2": 2, "A3": "四"} {
		if err := f.SetCellValue("Sheet1", cell, v); err != nil {
			t.Fatal(err)
		}
	}
	for cell, formula := range map[string]string{"B1": "A1*2", "B2": "B1+A2", "B3": "B3+1", "B4": "B5", "B5": "B4"} {
		if err := f.SetCellFormula("Sheet1", cell, formula); err != nil {
			t.Fatal(err)
		}
	}
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		formula string
		want    float64
		err     error
		budget  int
	}{
		{"A1-A2", 2, nil, 0},
		{"=SUM(A1:A4)", 6, nil, 0},
		{"SUM($A$1:A2, 10)*2", 32, nil, 0},
		{"ROUND(A1/3,2)", 1.33, nil, 0},
		{"ROUNDUP(-1.21,1)+ROUNDDOWN(1.29,1)", -1.3 + 1.2, nil, 0},
		{"INT(-1.5)+ABS(-2)+MAX(A1:A2)+MIN(A1:A2,1)", -2 + 2 + 4 + 1, nil, 0},
		{"2^3+-A2", 6, nil, 0},
		{"(A1+A2)*(A1-A2)", 12, nil, 0},
		{"300+33", 333, nil, 0},
		{"B2", 10, nil, 0},             // through two formulas without values
		{"A4+1", 1, nil, 0},            // an empty cell is 0
		{"B3", 0, errNoCalc, 0},        // its own cell
		{"B4", 0, errNoCalc, 0},        // a cycle
		{"A3+1", 0, errNoCalc, 0},      // text
		{"A1/0", 0, errNoCalc, 0},      // #DIV/0!
		{"SUM(A:A)", 0, errNoCalc, 0},  // whole columns
		{"LEN(A1)", 0, errNoCalc, 0},   // a function it does not know
		{"Sheet2!A1", 0, errNoCalc, 0}, // another sheet
		{`"x"&A1`, 0, errNoCalc, 0},    // strings
		{"SUM(A1:XFD1048576)", 0, errTooComplex, 0},
		{"SUM(A1:A4)", 0, errTooComplex, 3}, // four cells, three in the budget
		{"B2", 0, errTooComplex, 3},
	}
	for _, tt := range tests {
		lim := DefaultLimits()
		if tt.budget > 0 {
			lim.MaxFormula = tt.budget
		}
		b, _, err := openFull(buf.Bytes(), lim)
		if err != nil {
			t.Fatal(err)
		}
		r := &reader{lim: lim, book: b, formulaLeft: lim.MaxFormula}
		g, err := r.scan("Sheet1")
		if err != nil {
			t.Fatal(err)
		}
		c := &calc{r: r, g: g, active: map[[2]int]bool{}}
		got, err := c.formula(tt.formula, 3, 1)
		b.f.Close()
		if !errors.Is(err, tt.err) || err == nil && (got-tt.want > 1e-9 || tt.want-got > 1e-9) {
			t.Errorf("%s = %v, %v; want %v, %v", tt.formula, got, err, tt.want, tt.err)
		}
	}
}
