package ledger

import (
	"context"
	"fmt"
)

// Issues returns every numbered issue, oldest first, for a briefing's
// charts over periods. An issue restored from a published file has empty
// totals: what it said is not known.
func (l *Ledger) Issues(ctx context.Context) ([]Issue, error) {
	rows, err := l.r.QueryContext(ctx, `SELECT issue, period, inputs_hash, path, totals_json, at, date
		FROM briefings ORDER BY issue`)
	if err != nil {
		return nil, fmt.Errorf("issues: %w", err)
	}
	defer rows.Close()
	var out []Issue
	for rows.Next() {
		var b Issue
		var at int64
		if err := rows.Scan(&b.Issue, &b.Period, &b.InputsHash, &b.Path, &b.Totals, &at, &b.Date); err != nil {
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

// CountedRecords returns the submissions issue n counted, with their
// values, ordered by unit code: what a reprint makes the totals of.
func (l *Ledger) CountedRecords(ctx context.Context, n int) ([]Record, error) {
	rs, err := l.records(ctx, withValues, `SELECT submission_id FROM issue_counted WHERE issue = ?`, "unit_code, id", n)
	if err != nil {
		return nil, fmt.Errorf("issue %d counted submissions: %w", n, err)
	}
	return rs, nil
}
