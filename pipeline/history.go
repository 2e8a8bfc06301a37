package pipeline

import (
	"context"
	"fmt"

	"countybrief/pipeline/ledger"
	"countybrief/pipeline/workspace"
)

// HistoryLine is one file a unit sent, and whether its period's totals
// use it.
type HistoryLine struct {
	ledger.Record
	Counted bool
}

// History lists a unit's files, newest first, marking the one each
// period's totals use, so that the office can answer "which file of this
// unit went into the briefing?".
func History(ctx context.Context, ws *workspace.Workspace, unit string) ([]HistoryLine, error) {
	led, err := ledger.Open(ctx, ws.LedgerPath())
	if err != nil {
		return nil, fmt.Errorf("open ledger: %w", err)
	}
	defer led.Close()
	recs, err := led.History(ctx, unit)
	if err != nil {
		return nil, err
	}
	counted := map[int64]bool{}
	periods := map[string]bool{}
	for _, r := range recs {
		if periods[r.Period] {
			continue
		}
		periods[r.Period] = true
		current, err := led.Current(ctx, r.Period)
		if err != nil {
			return nil, err
		}
		for _, c := range current {
			counted[c.ID] = true
		}
	}
	// The ledger keeps UTC; the office reads its own zone, also in --json.
	loc := ws.Config.Location()
	out := make([]HistoryLine, len(recs))
	for i, r := range recs {
		r.ReceivedAt = r.ReceivedAt.In(loc)
		out[i] = HistoryLine{Record: r, Counted: counted[r.ID]}
	}
	return out, nil
}
