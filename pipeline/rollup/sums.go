package rollup

import (
	"fmt"
	"math"

	"countybrief/pipeline/form"
	"countybrief/pipeline/merge"
	"countybrief/pipeline/vocab"
	"countybrief/pipeline/workspace"
)

// checkSums merges the listed units' values as the county did and
// compares each county figure and subtotal with what they make. A report
// without units has nothing to compare.
func (p *parsed) checkSums(cat *workspace.Catalogue) []vocab.Finding {
	r := &p.rep
	if len(r.Units) == 0 {
		return nil
	}
	// A unit the county's registry did not know counts in its figure
	// only, as merge counts it at the county.
	var registry workspace.Units
	values := make(map[string]map[string]float64, len(r.Units))
	for _, u := range r.Units {
		values[u.Code] = u.Values
		if u.Kind != "" {
			registry = append(registry, workspace.Unit{Code: u.Code, Kind: u.Kind})
		}
	}
	made := merge.Merge(cat, registry, values)
	var fs []vocab.Finding
	compare := func(rowKind, rowCode, whose string, got, want map[string]float64) {
		for _, in := range cat.Indicators {
			g, gok := got[in.Code]
			w, wok := want[in.Code]
			if gok == wok && (!gok || same(g, w)) {
				continue
			}
			at, ok := p.at[figureKey(rowKind, rowCode, in.Code)]
			if !ok {
				at = form.Location{Sheet: Sheet, Cell: loc(1, p.header).Cell}
			}
			shown, should := "空白", "空白"
			if gok {
				shown = fmt.Sprint(g)
			}
			if wok {
				should = fmt.Sprint(w)
			}
			fs = append(fs, vocab.Finding{Rule: RuleSum, Severity: vocab.Error, Sheet: at.Sheet, Cell: at.Cell,
				Values:  map[string]float64{in.Code: g},
				Message: fmt.Sprintf("上報表隱藏的「%s」表 %s：%s的「%s」是 %s，按表中所列 %d 個單位的數匯總應為 %s。", Sheet, at.Cell, whose, in.Label, shown, len(r.Units), should),
				Fix:     "合計數與各單位的數對不上，說明上報表被改動過；" + fixResend})
		}
	}
	compare(rowCounty, r.County, "全縣", r.Totals, made.All)
	for _, g := range r.Kinds {
		compare(rowKind, g.Kind, "類別「"+g.Kind+"」小計", g.Values, made.ByKind[g.Kind])
	}
	return fs
}

// same compares a figure read back with one merged again: the sum of the
// same doubles in another order may differ in the last bits.
func same(a, b float64) bool {
	return math.Abs(a-b) <= 1e-9*max(1, math.Abs(a), math.Abs(b))
}

// submission is the county's file as a form: its identity, and the
// county figure of each input indicator as its value.
func (p *parsed) submission(cat *workspace.Catalogue) (*form.Submission, []vocab.Finding) {
	r := &p.rep
	sub := &form.Submission{
		Identity: form.Identity{UnitCode: r.County, UnitName: r.CountyName, Period: r.Period, Date: r.Date, FormVersion: r.Catalogue},
		Issue:    r.Issue,
		Values:   map[string]float64{},
		Cells: map[string]form.Location{
			"unit_code": p.at[labelCounty], "unit_name": p.at[labelName], "period": p.at[labelPeriod],
			"date": p.at[labelDate], "form_version": p.at[labelCatalogue], "issue": p.at[labelIssue],
		},
	}
	var fs []vocab.Finding
	for _, in := range cat.Inputs() {
		v, ok := r.Totals[in.Code]
		if at, has := p.at[figureKey(rowCounty, r.County, in.Code)]; has {
			sub.Cells[in.Code] = at
		}
		if ok {
			sub.Values[in.Code] = v
			continue
		}
		if sub.Unreadable == nil {
			sub.Unreadable = map[string]string{}
		}
		if p.unreadable[figureKey(rowCounty, r.County, in.Code)] {
			sub.Unreadable[in.Code] = "不是一個數字" // parse said where
			continue
		}
		sub.Unreadable[in.Code] = "上報表中沒有全縣數"
		at := loc(1, p.header+1)
		fs = append(fs, vocab.Finding{Rule: RuleFormat, Severity: vocab.Error, Sheet: at.Sheet, Cell: at.Cell,
			Message: fmt.Sprintf("上報表隱藏的「%s」表沒有「%s」的全縣數。", Sheet, in.Label), Fix: fixResend})
	}
	return sub, fs
}
