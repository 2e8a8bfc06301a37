package demo

import (
	"fmt"
	"maps"
	"os"
	"strings"
	"time"

	"github.com/xuri/excelize/v2"

	"countybrief/pipeline/form"
	"countybrief/pipeline/workspace"
)

// fault describes one wrong file: which unit sends it, how it is spoilt,
// and whether it arrives before the unit's good file (a first attempt) or
// after it (a correction that is wrong again, so the unit stays on the
// 退回 list while its earlier accepted file still counts). The batch takes
// files first seen in the same second by name, and the demo's batch sees
// every file at once, so a first attempt carries its label before the
// unit's name (it sorts before the good file) and a later one after it.
type fault struct {
	unit   string
	suffix string
	rule   string
	after  bool
	spoil  func(vals map[string]float64) map[string]float64
	edit   func(f *excelize.File, sub *form.Submission) error
	raw    []byte
	claim  string // unit code written into the form, if not the unit's own
}

func setCell(code string, v any) func(*excelize.File, *form.Submission) error {
	return func(f *excelize.File, sub *form.Submission) error {
		loc, ok := sub.Cells[code]
		if !ok {
			return fmt.Errorf("no cell for %s", code)
		}
		if err := f.UnprotectSheet(loc.Sheet); err != nil {
			return err
		}
		return f.SetCellValue(loc.Sheet, loc.Cell, v)
	}
}

func faultsList() []fault {
	return []fault{
		{unit: "J03", suffix: "（初稿）", rule: "unit.solved_le_found", spoil: func(v map[string]float64) map[string]float64 {
			v["problems_solved"] = v["problems_found"] + 3
			return v
		}},
		{unit: "J12", suffix: "（初稿）", rule: "form.number", edit: setCell("suggestions", "十二")},
		{unit: "Z04", suffix: "（掃描件）", rule: "form.format", raw: []byte("%PDF-1.4\n% a scanned report renamed to .xlsx\n")},
		{unit: "J20", suffix: "（代報）", rule: "inbox.identity", claim: "J21"},
		{unit: "J30", suffix: "（修改稿）", rule: "form.required", after: true, spoil: func(v map[string]float64) map[string]float64 {
			delete(v, "households_benefited")
			return v
		}},
		{unit: "Z09", suffix: "（修改稿）", rule: "unit.nonnegative", after: true, spoil: func(v map[string]float64) map[string]float64 {
			v["help_funds"] = -v["help_funds"]
			return v
		}},
	}
}

// writeFaults writes the faulty files, named in the workspace's script
// (conv) as its units would name them.
func writeFaults(ws *workspace.Workspace, list []fault, vals []map[string]float64, base time.Time, stem string, conv func(string) string) ([]Fault, error) {
	var out []Fault
	for _, f := range list {
		i := -1
		for j, u := range ws.Units {
			if u.Code == f.unit {
				i = j
			}
		}
		if i < 0 {
			continue // an office that edited units.yaml may lack the unit
		}
		u := ws.Units[i]
		path := formPath(ws, u, conv(stem), "", conv(f.suffix))
		if !f.after {
			path = formPath(ws, u, conv(stem), conv(strings.Trim(f.suffix, "（）"))+"-", "")
		}
		id := identity(ws, i, base, conv)
		if f.claim != "" {
			other, _ := ws.Unit(f.claim)
			id.UnitCode, id.UnitName = other.Code, other.Name
		}
		v := maps.Clone(vals[i])
		if f.spoil != nil {
			v = f.spoil(v)
		}
		var err error
		if f.raw != nil {
			err = os.WriteFile(path, f.raw, 0o644)
		} else {
			err = writeForm(path, ws, u, id, v, f.edit, conv)
		}
		if err != nil {
			return nil, err
		}
		at := base.Add(-time.Hour)
		if f.after {
			at = base.Add(time.Hour)
		}
		if err := os.Chtimes(path, at, at); err != nil {
			return nil, err
		}
		out = append(out, Fault{Unit: u.Code, File: path, Rule: f.rule})
	}
	return out, nil
}
