package ledger

import (
	"context"
	"countybrief/pipeline/vocab"
	"database/sql"
	"fmt"
	"slices"
)

// Origin is what the ledger knows of some content: the first file with
// it that was not itself a duplicate.
type Origin struct {
	UnitCode string
	Period   string
	Status   vocab.FileStatus
}

// originsPerQuery bounds the hashes of one query, within both backends'
// limits on bound parameters: a group of the batch is one query.
const originsPerQuery = 4096

// Origins returns, by sha256, the origin of each of shas the ledger has
// a file of, read in one snapshot; hashes it has none of are absent. The
// batch asks it once per group to tell duplicates: when every unit sends
// its file again, that is one lookup in the sha256 index per file and
// one query per group, not a window over each hash's rows.
func (l *Ledger) Origins(ctx context.Context, shas []string) (map[string]Origin, error) {
	out := make(map[string]Origin, len(shas))
	if len(shas) == 0 {
		return out, nil
	}
	tx, err := l.r.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return nil, fmt.Errorf("ledger origins: %w", err)
	}
	defer tx.Rollback()
	for chunk := range slices.Chunk(shas, originsPerQuery) {
		// In the index's order, so the first row of each hash is its
		// origin.
		rows, err := tx.QueryContext(ctx, originsSQL(len(chunk)), anys(chunk)...)
		if err != nil {
			return nil, fmt.Errorf("ledger origins: %w", err)
		}
		for rows.Next() {
			var sha string
			var o Origin
			if err := rows.Scan(&sha, &o.UnitCode, &o.Period, &o.Status); err != nil {
				rows.Close()
				return nil, fmt.Errorf("ledger origins: %w", err)
			}
			if _, ok := out[sha]; !ok {
				out[sha] = o
			}
		}
		if err := closeRows(rows); err != nil {
			return nil, fmt.Errorf("ledger origins: %w", err)
		}
	}
	return out, nil
}

// originsSQL asks for the origins of n hashes. The filter on the status is
// the origin index's own, so that both backends may use that index.
func originsSQL(n int) string {
	return `SELECT sha256, unit_code, period, status FROM submissions
		WHERE status <> 'duplicate' AND sha256 IN (` + placeholders(n) + `)
		ORDER BY sha256, received_at, id`
}
