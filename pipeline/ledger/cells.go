package ledger

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"
	"unicode/utf8"
)

// A form's cells ("sheet!A1" by indicator code) are stored as one JSON
// object on its submission row, beside its values. Forms of one template
// put every code in the same cell, so the text repeats from row to row;
// both directions make use of that.

// cellEncoder encodes records' cells, reusing the last text while the
// cells stay the same, which across a batch is nearly always, and the
// sorted codes while the codes do.
type cellEncoder struct {
	last  map[string]string
	text  string
	codes []string
}

// encode gives the column's value for cells; no cells is NULL.
func (e *cellEncoder) encode(cells map[string]string) (sql.NullString, error) {
	if len(cells) == 0 {
		return sql.NullString{}, nil
	}
	if e.last == nil || !maps.Equal(cells, e.last) {
		if !sameKeys(cells, e.codes) {
			e.codes = sortedKeys(cells)
		}
		b, err := appendCells(nil, cells, e.codes)
		if err != nil {
			return sql.NullString{}, err
		}
		// A copy: the caller may reuse its map for the next record.
		e.last, e.text = maps.Clone(cells), string(b)
	}
	return sql.NullString{String: e.text, Valid: true}, nil
}

// appendCells appends cells as encoding/json.Marshal would write them,
// keys sorted; codes are cells' keys, sorted. Text that JSON would escape
// is left to encoding/json. By hand because the batch encodes each form's
// cells on its own, where json.Marshal's reflection was half of
// preparing a record.
func appendCells(b []byte, cells map[string]string, codes []string) ([]byte, error) {
	return appendObject(b, cells, codes, func(k, v string) bool { return plainText(k) && plainText(v) },
		func(b []byte, v string) []byte {
			b = append(b, '"')
			b = append(b, v...)
			return append(b, '"')
		})
}

// plainText reports whether encoding/json writes s as is: valid UTF-8
// without control characters, quotes, backslashes, the characters it
// escapes for HTML, or the line and paragraph separators it escapes for
// JavaScript.
func plainText(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
			return false
		}
	}
	return utf8.ValidString(s) && !strings.Contains(s, "\u2028") && !strings.Contains(s, "\u2029")
}

// Cells returns where the values of the given submissions were read, by
// submission id, read in one snapshot. Submissions recorded before cells
// were kept (and ids not in the ledger) are absent. Submissions with the
// same cells share one map, so that a region's 7,300 forms of one
// template hold one map rather than 7,300: the maps must not be changed.
func (l *Ledger) Cells(ctx context.Context, ids []int64) (map[int64]map[string]string, error) {
	out := make(map[int64]map[string]string, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	tx, err := l.r.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return nil, fmt.Errorf("ledger cells: %w", err)
	}
	defer tx.Rollback()
	shared := map[string]map[string]string{}
	for chunk := range slices.Chunk(ids, maxParams) {
		args := make([]any, len(chunk))
		for i, id := range chunk {
			args[i] = id
		}
		rows, err := tx.QueryContext(ctx, `SELECT id, cells_json FROM submissions
			WHERE cells_json IS NOT NULL AND id IN (`+placeholders(len(chunk))+`)`, args...)
		if err != nil {
			return nil, fmt.Errorf("ledger cells: %w", err)
		}
		for rows.Next() {
			var id int64
			var text string
			if err := rows.Scan(&id, &text); err != nil {
				rows.Close()
				return nil, fmt.Errorf("ledger cells: %w", err)
			}
			cells, ok := shared[text]
			if !ok {
				if err := json.Unmarshal([]byte(text), &cells); err != nil {
					rows.Close()
					return nil, fmt.Errorf("ledger cells of submission %d: %w", id, err)
				}
				shared[text] = cells
			}
			out[id] = cells
		}
		if err := closeRows(rows); err != nil {
			return nil, fmt.Errorf("ledger cells: %w", err)
		}
	}
	return out, nil
}
