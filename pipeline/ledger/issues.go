package ledger

import (
	"context"
	"fmt"
)

// Issues returns every numbered issue, oldest first, for a briefing's
// charts over periods. An issue restored from a published file has empty
// totals: what it said is not known.
func (l *Ledger) Issues(ctx context.Context) ([]Issue, error) {
	rows, err := l.r.QueryContext(ctx, `SELECT issue, period, inputs_hash, path, totals_json, at
		FROM briefings ORDER BY issue`)
	if err != nil {
		return nil, fmt.Errorf("issues: %w", err)
	}
	defer rows.Close()
	var out []Issue
	for rows.Next() {
		var b Issue
		var at int64
		if err := rows.Scan(&b.Issue, &b.Period, &b.InputsHash, &b.Path, &b.Totals, &at); err != nil {
			return nil, fmt.Errorf("issues: %w", err)
		}
		b.At = fromNanos(at)
		out = append(out, b)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("issues: %w", err)
	}
	return out, nil
}
