package pipeline

import (
	"fmt"
	"strings"

	"countybrief/pipeline/form"
	"countybrief/pipeline/rollup"
	"countybrief/pipeline/vocab"
	"countybrief/pipeline/workspace"
	"countybrief/rules"
)

// Checker reads and checks one file the way a batch does; `countybrief
// check` uses it so that a unit sees before sending exactly what the batch
// will say. It is safe for concurrent use.
type Checker struct {
	ws    *workspace.Workspace
	rules *rules.Set
	// reader reads forms, and a county's 上報 workbook as its form.
	reader *rollup.Reader
}

// NewChecker compiles the workspace's rules.
func NewChecker(ws *workspace.Workspace) (*Checker, error) {
	set, err := rules.LoadDir(ws.RulesDir(), ws.Catalogue, ws.Kinds)
	if err != nil {
		// The office reads this: its context is in its words, as
		// loadChecks' 簡報模板 is.
		return nil, fmt.Errorf("審核規則：%w", err)
	}
	lim := form.DefaultLimits()
	lim.MaxBytes = ws.Config.MaxFileBytes
	return &Checker{ws: ws, rules: set, reader: rollup.NewReader(ws.Catalogue, lim)}, nil
}

// PrevFunc gives a unit's accepted values of the period before; nil values
// mean there is none.
type PrevFunc func(unit, period string) (map[string]float64, error)

// Check reads the file at path, which came from inbox folder folder, and
// returns what was read with every finding. folder "" is a unit checking
// its own file before sending it: the file is judged as if it were in the
// folder of the unit it names. The error is for I/O trouble only.
func (c *Checker) Check(path, folder string, prev PrevFunc) (*form.Submission, []vocab.Finding, error) {
	sub, findings, err := c.read(path)
	if err != nil || sub == nil {
		return sub, findings, err
	}
	if folder == "" {
		folder = sub.UnitCode
	}
	findings, _, err = c.verify(sub, folder, prev, findings)
	return sub, findings, err
}

func (c *Checker) read(path string) (*form.Submission, []vocab.Finding, error) {
	return c.reader.Read(path)
}

// verify adds the identity checks and the unit rules to what reading
// found. The rules run over every value that could be read, so that a
// clerk learns every problem in one 退回; a rule that needs a value that
// could not be read warns that it was skipped (rules.UnitInput.Unreadable).
// A file that is not its folder's unit's, or not for an open period, is
// judged on that alone. A figure far from the unit's previous period's
// is warned of (jumps); then every warning is settled against the unit's
// 說明, and an explain rule's finding becomes a warning or an error
// (explained), so that nothing recorded has severity explain. broken
// lists rules that failed when they ran:
// the office's fault, never held against the unit.
func (c *Checker) verify(sub *form.Submission, folder string, prev PrevFunc, findings []vocab.Finding) (_ []vocab.Finding, broken []rules.RuleFailure, _ error) {
	identity := checkIdentity(c.ws, folder, sub)
	findings = append(findings, identity...)
	if vocab.HasError(identity) {
		return findings, nil, nil
	}
	u, _ := c.ws.Unit(sub.UnitCode)
	var before map[string]float64
	if prev != nil {
		var err error
		if before, err = prev(u.Code, sub.Period); err != nil {
			return findings, nil, fmt.Errorf("previous values of %s: %w", u.Code, err)
		}
	}
	rep := c.rules.CheckUnitReport(rules.UnitInput{
		Unit: u, Values: sub.Values, Unreadable: sub.Unreadable, Prev: before, Locate: func(code string) (string, string) {
			loc := sub.Cells[code]
			return loc.Sheet, loc.Cell
		},
	})
	findings = append(findings, rep.Findings...)
	findings = append(findings, jumps(c.ws, sub, before, c.ws.Config.Outliers.JumpFactor, findings)...)
	return explained(findings, sub), rep.Broken, nil
}

// fixExplain is what a unit is told when a rule accepts a figure only
// with its reason (severity explain) and the row's 說明 is empty.
const fixExplain = "數字確實無誤的，請在該行說明欄寫明原因後重新報送。"

// explained settles the findings against what the unit wrote in 說明: a
// warning on a figure whose row has a reason is accepted as explained; a
// finding of an explain rule is such a warning with a reason and an
// error without one. A finding is on a figure when it points at its
// value cell, which is where every finding on a figure points.
func explained(fs []vocab.Finding, sub *form.Submission) []vocab.Finding {
	byCell := make(map[form.Location]string, len(sub.Explanations))
	for code, why := range sub.Explanations {
		if loc, ok := sub.Cells[code]; ok {
			byCell[loc] = why
		}
	}
	for i := range fs {
		f := &fs[i]
		why := ""
		if f.Cell != "" {
			why = byCell[form.Location{Sheet: f.Sheet, Cell: f.Cell}]
		}
		switch {
		case f.Severity == vocab.Explain && why == "":
			f.Severity = vocab.Error
			if f.Fix != "" && !strings.HasSuffix(f.Fix, "。") {
				f.Fix += "。"
			}
			f.Fix += fixExplain
		case f.Severity == vocab.Explain, f.Severity == vocab.Warning && why != "":
			f.Severity, f.Explanation = vocab.Warning, why
		}
	}
	return fs
}

// County runs the county-level rules over the accepted units and the
// county figures the briefing prints (merge.Totals.All); broken lists the
// rules that failed when they ran.
func (c *Checker) County(units []rules.UnitInput, totals map[string]float64) (findings []vocab.Finding, broken []rules.RuleFailure) {
	rep := c.rules.CheckCountyReport(units, totals)
	return rep.Findings, rep.Broken
}

// CountyFigures is County over the counted units' figures by position,
// as the draft holds them.
func (c *Checker) CountyFigures(units rules.CountyFigures, totals map[string]float64) (findings []vocab.Finding, broken []rules.RuleFailure) {
	rep := c.rules.CheckCountyFigures(units, totals)
	return rep.Findings, rep.Broken
}
