package pipeline

import (
	"context"
	"encoding/json"
	"fmt"

	"countybrief/pipeline/ledger"
	"countybrief/pipeline/merge"
	"countybrief/pipeline/render"
	"countybrief/pipeline/vocab"
	"countybrief/pipeline/workspace"
	"countybrief/rules"
)

// tally fills the summary's counts and lists from the one definition of
// the reporting states.
func (b *batch) tally(current, returned []ledger.Record) {
	b.states = classify(b.ws, b.ws.Config.Period, current, returned, b.opts.Now())
	b.sum.Counts = b.states.Counts
	for _, st := range b.states.Units {
		switch st.State {
		case vocab.Accepted:
		case vocab.AcceptedLatestReturned:
			b.sum.KeptAfterReturn = append(b.sum.KeptAfterReturn, st.Code)
		case vocab.Returned:
			b.sum.Returned = append(b.sum.Returned, st.Code)
		default:
			b.sum.Missing = append(b.sum.Missing, st.Code)
		}
		if st.State.Counted() {
			b.sum.Reported++
		}
	}
}

// assemble merges the figures and gathers what the briefing and the
// office's lists say about each unit: its one state from tally, and the
// files behind it. rows are current's figures by catalogue input (see
// merge.Figures): the briefing keeps them as they are, and only the county
// rules, whose input is a map per unit, get maps, made for the call and
// dropped after it. The counted files' findings are not in current (the
// ledger loads values only); auditFindings adds them.
func (b *batch) assemble(current []ledger.Record, rows [][]float64, returned []ledger.Record) render.Briefing {
	ws := b.ws
	codes := make([]string, len(current))
	figures := make([]merge.Figures, len(current))
	byUnit := make(map[string]merge.Figures, len(current))
	for i, rec := range current {
		codes[i], figures[i] = rec.UnitCode, rows[i]
		byUnit[rec.UnitCode] = figures[i]
	}
	brief := render.Briefing{Period: ws.Config.Period, Totals: merge.MergeFigures(ws.Catalogue, ws.Units, codes, figures)}
	// Every list is one line a unit: made to size, since growing them
	// was a quarter of what a region's draft allocated.
	inputs := rules.CountyFigures{Codes: merge.Codes(ws.Catalogue),
		Units: make([]workspace.Unit, 0, len(current)), Figures: make([][]float64, 0, len(current))}
	brief.Reported = make([]render.UnitValues, 0, len(current))
	for _, u := range ws.Units {
		if f, ok := byUnit[u.Code]; ok {
			inputs.Units = append(inputs.Units, u)
			inputs.Figures = append(inputs.Figures, f)
			brief.Reported = append(brief.Reported, render.UnitValues{Unit: u, Figures: f})
		}
	}
	var broken []rules.RuleFailure
	b.sum.CountyFindings, broken = b.checker.CountyFigures(inputs, brief.Totals.All)
	b.noteBroken(broken)
	brief.CountyFindings = b.sum.CountyFindings
	brief.Units = make([]render.UnitLine, 0, len(b.states.Units))
	for i, st := range b.states.Units {
		brief.Units = append(brief.Units, render.UnitLine{Unit: ws.Units[i], State: st.State, Late: st.Late,
			File: st.File, ReceivedAt: st.ReceivedAt, Counted: st.Counted})
	}
	brief.Rejected = fileReports(ws, returned)
	brief.Counted = fileReports(ws, current)
	return brief
}

// pastIssues are the issues numbered before issue, oldest first, for
// the briefing's charts over periods. An issue whose totals do not read
// (one restored after the ledger was lost has none) keeps its period
// with no figures, which the charts draw as gaps.
func (b *batch) pastIssues(ctx context.Context, issue int) ([]render.PastIssue, error) {
	all, err := b.ledger.Issues(ctx)
	if err != nil {
		return nil, fmt.Errorf("earlier issues: %w", err)
	}
	var out []render.PastIssue
	for _, is := range all {
		if is.Issue >= issue {
			break
		}
		p := render.PastIssue{Issue: is.Issue, Period: is.Period}
		if json.Unmarshal(is.Totals, &p.Totals) != nil {
			p.Totals = merge.Totals{}
		}
		out = append(out, p)
	}
	return out, nil
}

// auditFindings loads the findings (warnings) of the counted files, which
// only the 審核報告 shows.
func (b *batch) auditFindings(ctx context.Context, brief *render.Briefing, current []ledger.Record) error {
	ids := make([]int64, len(current))
	byUnit := make(map[string]int64, len(current))
	for i, rec := range current {
		ids[i] = rec.ID
		byUnit[rec.UnitCode] = rec.ID
	}
	found, err := b.ledger.Findings(ctx, ids)
	if err != nil {
		return fmt.Errorf("findings of the counted files: %w", err)
	}
	for i, f := range brief.Counted {
		brief.Counted[i].Findings = found[byUnit[f.Unit.Code]]
	}
	return nil
}

// fileReports are the files in registry order of their units, a code
// not in the registry last under its own code.
func fileReports(ws *workspace.Workspace, recs []ledger.Record) []render.FileReport {
	byUnit := make(map[string]ledger.Record, len(recs))
	for _, rec := range recs {
		byUnit[rec.UnitCode] = rec
	}
	out := make([]render.FileReport, 0, len(recs))
	report := func(u workspace.Unit, rec ledger.Record) {
		out = append(out, render.FileReport{Unit: u, File: rec.OrigName, ReceivedAt: rec.ReceivedAt, Findings: rec.Findings})
	}
	for _, u := range ws.Units {
		if rec, ok := byUnit[u.Code]; ok {
			report(u, rec)
		}
	}
	for _, rec := range recs {
		if _, known := ws.Unit(rec.UnitCode); !known {
			report(workspace.Unit{Code: rec.UnitCode}, rec)
		}
	}
	return out
}
