package ledger

import (
	"cmp"
	"context"
	"fmt"
	"slices"

	"countybrief/pipeline/vocab"
)

// Mark is where a period's submissions stand: how many there are, the
// newest id, the sum of the ids and the newest one's claim name. Rows are
// only ever added, so an unchanged mark means that the period reads as it
// did. The claim name tells apart a ledger restored from a backup and
// grown back to the same count: its ids are the same numbers, its files
// are not (claim names are unique and drawn at random).
type Mark struct {
	Count, Newest, Sum int64
	Claim              string
}

func (m Mark) String() string { return fmt.Sprintf("%d %d %d %s", m.Count, m.Newest, m.Sum, m.Claim) }

// markSQL reads a Mark from the period index, and the newest row by id.
const markSQL = `SELECT count(*), COALESCE(max(id), 0), CAST(COALESCE(sum(id), 0) AS BIGINT),
	COALESCE((SELECT claim_name FROM submissions WHERE id = (SELECT max(id) FROM submissions WHERE period = ?)), '')
	FROM submissions WHERE period = ?`

// PeriodMark is the period's Mark, read without a row of the table but the
// newest.
func (l *Ledger) PeriodMark(ctx context.Context, period string) (Mark, error) {
	var m Mark
	err := l.r.QueryRowContext(ctx, markSQL, period, period).Scan(&m.Count, &m.Newest, &m.Sum, &m.Claim)
	if err != nil {
		return Mark{}, fmt.Errorf("ledger mark %s: %w", period, err)
	}
	return m, nil
}

// HeadsSince is HeadsWithout, read from prev (the current records as they
// stood at mark at) and the submissions recorded since: at 73,000 units
// reading every unit's head was a quarter of the time of a batch that one
// changed file makes, and the submissions since are that file. now is the
// period's mark, read before the call; the current records returned stand
// at it. prev is taken over: its records are changed in place, so that
// 204,000 heads are not held twice. When the submissions since do not
// account for the change from at to now (the ledger changed otherwise than
// by adding them, or at marks no submission), the heads are read whole: a
// file recorded after now was read is then among them, and among the next
// call's submissions since, where adding it again changes nothing.
func (l *Ledger) HeadsSince(ctx context.Context, period, rule string, prev []Record, at, now Mark) (current, returned []Record, err error) {
	if at.Count > 0 {
		if current, err = l.currentSince(ctx, period, prev, at, now); err != nil {
			return nil, nil, fmt.Errorf("ledger heads %s: %w", period, err)
		}
	}
	if current == nil {
		if current, err = l.readCurrent(ctx, period, true, nil); err != nil {
			return nil, nil, fmt.Errorf("ledger heads %s: %w", period, err)
		}
	}
	if returned, err = l.returnedWithout(ctx, period, rule); err != nil {
		return nil, nil, err
	}
	return current, returned, nil
}

// currentSince is prev with the accepted submissions of period recorded
// since mark at, when they account for the change from at to now; nil
// when they do not.
func (l *Ledger) currentSince(ctx context.Context, period string, prev []Record, at, now Mark) ([]Record, error) {
	if now == at {
		return prev, nil
	}
	// The claim name of the marked row is checked with the rows since: a
	// ledger whose row at.Newest is another file is another history. The
	// rows are found by id alone, other periods' skipped below: asked for
	// the period too, SQLite walks the period index, every row of it (at
	// 73,000 units 48 ms against 1 ms for the few rows since).
	rows, err := l.r.QueryContext(ctx, `SELECT id, COALESCE(run_id, 0), unit_code, period, orig_name, sha256, status, received_at, claim_name
		FROM submissions WHERE id >= ? ORDER BY id`, at.Newest)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	got := Mark{Count: at.Count, Newest: at.Newest, Sum: at.Sum}
	var added []Record
	seenMarked := false
	for rows.Next() {
		var r Record
		var claim string
		var received int64
		if err := rows.Scan(&r.ID, &r.RunID, &r.UnitCode, &r.Period, &r.OrigName, &r.SHA256, &r.Status, &received, &claim); err != nil {
			return nil, err
		}
		if r.ID == at.Newest {
			seenMarked = claim == at.Claim && r.Period == period
			continue
		}
		if r.Period != period {
			continue
		}
		got.Count++
		got.Sum += r.ID
		got.Newest, got.Claim = r.ID, claim
		if r.Status == vocab.FileAccepted {
			r.ReceivedAt = fromNanos(received)
			added = append(added, r)
		}
	}
	if err := closeRows(rows); err != nil {
		return nil, err
	}
	if !seenMarked || got != now {
		return nil, nil
	}
	return withLatest(prev, added), nil
}

// withLatest is heads (one record a unit, by unit code) with each unit's
// latest of heads and added, latest as readCurrent orders them: by receipt
// time, then by id. heads is changed in place; units new to it make a new
// slice.
func withLatest(heads, added []Record) []Record {
	later := func(a, b *Record) bool {
		if !a.ReceivedAt.Equal(b.ReceivedAt) {
			return a.ReceivedAt.After(b.ReceivedAt)
		}
		return a.ID > b.ID
	}
	byUnit := func(r Record, code string) int { return cmp.Compare(r.UnitCode, code) }
	// keep puts a into rs (by unit code) unless rs holds a later record
	// of its unit; false when rs has no record of the unit.
	keep := func(rs []Record, a *Record) (at int, found bool) {
		at, found = slices.BinarySearchFunc(rs, a.UnitCode, byUnit)
		if found && later(a, &rs[at]) {
			rs[at] = *a
		}
		return at, found
	}
	var newUnits []Record
	for i := range added {
		if _, found := keep(heads, &added[i]); found {
			continue
		}
		if at, found := keep(newUnits, &added[i]); !found {
			newUnits = slices.Insert(newUnits, at, added[i])
		}
	}
	if len(newUnits) == 0 {
		return heads
	}
	merged := make([]Record, 0, len(heads)+len(newUnits))
	i, j := 0, 0
	for i < len(heads) || j < len(newUnits) {
		if j == len(newUnits) || i < len(heads) && heads[i].UnitCode < newUnits[j].UnitCode {
			merged = append(merged, heads[i])
			i++
		} else {
			merged = append(merged, newUnits[j])
			j++
		}
	}
	return merged
}
