package pipeline

import (
	"countybrief/pipeline/ledger"
	"countybrief/pipeline/merge"
	"countybrief/pipeline/render"
	"countybrief/pipeline/vocab"
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

// assemble merges the figures and gathers what the briefing says about
// each unit.
func (b *batch) assemble(current, returned []ledger.Record) render.Briefing {
	ws := b.ws
	values := make(map[string]map[string]float64, len(current))
	for _, rec := range current {
		values[rec.UnitCode] = rec.Values
	}
	brief := render.Briefing{Period: ws.Config.Period, Totals: merge.Merge(ws.Catalogue, ws.Units, values)}
	var inputs []rules.UnitInput
	for _, u := range ws.Units {
		if v, ok := values[u.Code]; ok {
			inputs = append(inputs, rules.UnitInput{Unit: u, Values: v})
			brief.Reported = append(brief.Reported, render.UnitValues{Unit: u, Values: v})
		}
	}
	var broken []rules.RuleFailure
	b.sum.CountyFindings, broken = b.checker.County(inputs)
	b.noteBroken(broken)
	brief.CountyFindings = b.sum.CountyFindings
	rejected := make(map[string]ledger.Record, len(returned))
	for _, rec := range returned {
		rejected[rec.UnitCode] = rec
	}
	for i, st := range b.states.Units {
		u := ws.Units[i]
		switch st.State {
		case vocab.Returned:
			rec := rejected[u.Code]
			brief.Returned = append(brief.Returned, render.Returned{Unit: u, File: rec.OrigName, Reasons: reasons(rec.Findings)})
		case vocab.Missing, vocab.Overdue:
			brief.Missing = append(brief.Missing, u)
		}
	}
	return brief
}

// reasons shortens a rejected file's error findings for the 退回 list.
func reasons(fs []rules.Finding) []string {
	var out []string
	for _, f := range fs {
		if f.Severity == rules.Error {
			out = append(out, f.Message)
		}
	}
	return out
}
