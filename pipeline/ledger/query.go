package ledger

import (
	"cmp"
	"context"
	"countybrief/pipeline/vocab"
	"database/sql"
	"database/sql/driver"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
	"strings"
	"time"
)

// latestIn selects, per unit of one period (the first argument), the id of
// the latest submission whose status passes the filter; "latest" is by
// receipt time, then by id for files received in the same nanosecond.
func latestIn(statusFilter string) string {
	return `SELECT id FROM (
		SELECT id, ROW_NUMBER() OVER (PARTITION BY unit_code ORDER BY received_at DESC, id DESC) AS n
		FROM submissions WHERE period = ? AND ` + statusFilter + `) AS latest WHERE n = 1`
}

// returnedIn selects the rejected submissions of a period (the argument)
// that no later non-duplicate one of the same unit follows. Rejected files
// are few, so checking each against the index costs less than ranking
// every file of the period.
const returnedIn = `SELECT id FROM submissions r WHERE period = ? AND status = 'rejected' AND NOT EXISTS (
	SELECT 1 FROM submissions a WHERE a.period = r.period AND a.status IN ('accepted', 'rejected') AND a.unit_code = r.unit_code
		AND (a.received_at > r.received_at OR (a.received_at = r.received_at AND a.id > r.id)))`

// What to load besides the submission row.
type loads uint8

const (
	withValues loads = 1 << iota
	withFindings
)

const recordCols = `id, COALESCE(run_id, 0), claim_name, unit_code, period, orig_name, archive_path, sha256, status, received_at`

// records reads, in one snapshot, the submissions whose ids sel selects,
// in the given order, with the requested parts loaded.
func (l *Ledger) records(ctx context.Context, what loads, sel, order string, args ...any) ([]Record, error) {
	tx, err := l.r.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return nil, err
	}
	// A read transaction has nothing to commit; rollback only ends it.
	defer tx.Rollback()

	cols := recordCols
	if what&withValues != 0 {
		cols += `, values_json`
	}
	rows, err := tx.QueryContext(ctx, `SELECT `+cols+` FROM submissions WHERE id IN (`+sel+`) ORDER BY `+order, args...)
	if err != nil {
		return nil, err
	}
	var out []Record
	var keys []string
	var r Record
	var at int64
	var vals sql.NullString
	dest := []any{&r.ID, &r.RunID, &r.ClaimName, &r.UnitCode, &r.Period, &r.OrigName,
		&r.ArchivePath, &r.SHA256, &r.Status, &at, &vals}
	if what&withValues == 0 {
		dest = dest[:len(dest)-1]
	}
	for rows.Next() {
		if err := rows.Scan(dest...); err != nil {
			rows.Close()
			return nil, err
		}
		r.ReceivedAt = fromNanos(at)
		if what&withValues != 0 {
			r.Values = make(map[string]float64, strings.Count(vals.String, ",")+1)
			if vals.Valid {
				if err := decodeValues(vals.String, r.Values, &keys); err != nil {
					rows.Close()
					return nil, fmt.Errorf("values of submission %d: %w", r.ID, err)
				}
			}
		}
		out = append(out, r)
	}
	if err := closeRows(rows); err != nil {
		return nil, err
	}
	if len(out) == 0 || what&withFindings == 0 {
		return out, nil
	}
	byID := make(map[int64]*Record, len(out))
	for i := range out {
		byID[out[i].ID] = &out[i]
	}
	if what&withFindings != 0 {
		err := loadFindings(ctx, tx, sel, args, func(id int64, f vocab.Finding) {
			if r := byID[id]; r != nil {
				r.Findings = append(r.Findings, f)
			}
		})
		if err != nil {
			return nil, err
		}
	}
	return out, nil
}

// Findings returns the findings of the given submissions in the order they
// were recorded, read in one snapshot; submissions without findings (and
// ids not in the ledger) are absent from the map.
func (l *Ledger) Findings(ctx context.Context, ids []int64) (map[int64][]vocab.Finding, error) {
	out := make(map[int64][]vocab.Finding)
	if len(ids) == 0 {
		return out, nil
	}
	tx, err := l.r.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return nil, fmt.Errorf("ledger findings: %w", err)
	}
	defer tx.Rollback()
	add := func(id int64, f vocab.Finding) { out[id] = append(out[id], f) }
	for chunk := range slices.Chunk(ids, maxParams) {
		args := make([]any, len(chunk))
		for i, id := range chunk {
			args[i] = id
		}
		if err := loadFindings(ctx, tx, placeholders(len(chunk)), args, add); err != nil {
			return nil, fmt.Errorf("ledger %w", err)
		}
	}
	return out, nil
}

// loadFindings passes to add, in order, the findings of the submissions
// whose ids sel selects.
func loadFindings(ctx context.Context, tx *sql.Tx, sel string, args []any, add func(id int64, f vocab.Finding)) error {
	rows, err := tx.QueryContext(ctx, `SELECT submission_id, rule, severity, sheet, cell, values_json, message, fix, explanation
		FROM findings WHERE submission_id IN (`+sel+`) ORDER BY submission_id, seq`, args...)
	if err != nil {
		return fmt.Errorf("findings: %w", err)
	}
	for rows.Next() {
		var id int64
		var f vocab.Finding
		var vals sql.NullString
		if err := rows.Scan(&id, &f.Rule, &f.Severity, &f.Sheet, &f.Cell, &vals, &f.Message, &f.Fix, &f.Explanation); err != nil {
			rows.Close()
			return fmt.Errorf("findings: %w", err)
		}
		if vals.Valid {
			if err := json.Unmarshal([]byte(vals.String), &f.Values); err != nil {
				rows.Close()
				return fmt.Errorf("findings of submission %d: %w", id, err)
			}
		}
		add(id, f)
	}
	if err := closeRows(rows); err != nil {
		return fmt.Errorf("findings: %w", err)
	}
	return nil
}

func closeRows(rows *sql.Rows) error {
	err := rows.Err()
	if cerr := rows.Close(); err == nil {
		err = cerr
	}
	return err
}

// one returns the single record sel selects, or nil.
func (l *Ledger) one(ctx context.Context, sel string, args ...any) (*Record, error) {
	rs, err := l.records(ctx, withValues|withFindings, sel, "id", args...)
	if err != nil || len(rs) == 0 {
		return nil, err
	}
	return &rs[0], nil
}

// ByClaim returns the record of a claimed file with its values and
// findings, or nil when the claim was never recorded. Recovery uses it to
// tell a file that was recorded before the crash from one that was not.
func (l *Ledger) ByClaim(ctx context.Context, claimName string) (*Record, error) {
	r, err := l.one(ctx, `SELECT id FROM submissions WHERE claim_name = ?`, claimName)
	if err != nil {
		return nil, fmt.Errorf("ledger by claim %s: %w", claimName, err)
	}
	return r, nil
}

// ByID returns the record of a submission with its values and findings,
// or nil when there is none.
func (l *Ledger) ByID(ctx context.Context, id int64) (*Record, error) {
	r, err := l.one(ctx, `SELECT id FROM submissions WHERE id = ?`, id)
	if err != nil {
		return nil, fmt.Errorf("ledger by id %d: %w", id, err)
	}
	return r, nil
}

// ByIDs returns the records of the given submissions, without values or
// findings, in id order; ids not in the ledger are left out. Each chunk
// of ids is read in a snapshot of its own. A draft holds its counted files by id and reads the name and
// time of receipt of the few it lists (those with findings) so.
func (l *Ledger) ByIDs(ctx context.Context, ids []int64) ([]Record, error) {
	var out []Record
	for chunk := range slices.Chunk(ids, maxParams) {
		args := make([]any, len(chunk))
		for i, id := range chunk {
			args[i] = id
		}
		rs, err := l.records(ctx, 0, placeholders(len(chunk)), "id", args...)
		if err != nil {
			return nil, fmt.Errorf("ledger by ids: %w", err)
		}
		out = append(out, rs...)
	}
	slices.SortFunc(out, func(a, b Record) int { return cmp.Compare(a.ID, b.ID) })
	return out, nil
}

// BySHA returns the first non-duplicate record with this content hash (the
// file a re-drop duplicates), with values and findings, or nil.
func (l *Ledger) BySHA(ctx context.Context, sha string) (*Record, error) {
	r, err := l.one(ctx, `SELECT id FROM submissions WHERE sha256 = ? AND status <> 'duplicate'
		ORDER BY received_at, id LIMIT 1`, sha)
	if err != nil {
		return nil, fmt.Errorf("ledger by sha %s: %w", sha, err)
	}
	return r, nil
}

// Current returns, for each unit, its latest accepted submission of the
// period with values loaded, ordered by unit code: the set the county
// totals are made of. A later rejected file does not displace an accepted
// one (the unit keeps its last good figures until it sends better ones);
// duplicates never count.
func (l *Ledger) Current(ctx context.Context, period string) ([]Record, error) {
	var keys []string
	rs, err := l.readCurrent(ctx, period, false, func(r *Record, vals string, ok bool) error {
		if !ok {
			r.Values = map[string]float64{}
			return nil
		}
		r.Values = make(map[string]float64, strings.Count(vals, ",")+1)
		return decodeValues(vals, r.Values, &keys)
	})
	if err != nil {
		return nil, fmt.Errorf("ledger current %s: %w", period, err)
	}
	return rs, nil
}

// CurrentRows is Current with each record's values as a row of figures
// by the position of their code in codes, NaN for a code the file did not
// report, instead of a map; Values is nil, and a stored code not in codes
// is left out. The rows share one backing array. A region's draft holds
// every counted unit's figures: a map of 28 codes is some 1 KB where its
// figures are 224 bytes, and decoding into a row is also cheaper than
// filling a map. For the same reason the records leave out what no
// briefing shows, their claim name and archive path.
func (l *Ledger) CurrentRows(ctx context.Context, period string, codes []string) ([]Record, [][]float64, error) {
	rows := newRows(codes)
	rs, err := l.readCurrent(ctx, period, true, func(_ *Record, vals string, ok bool) error {
		return rows.add(vals, ok)
	})
	if err != nil {
		return nil, nil, fmt.Errorf("ledger current %s: %w", period, err)
	}
	return rs, rows.rows, nil
}

// RowsOf is CurrentRows's rows for n heads, the current records of
// period as HeadsWithout or Heads read them, read without the records: a
// region's draft that has the heads already held a second set of 73,000
// records and their text for the figures alone, and a draft need not
// keep the heads as records either. same tells whether the i-th head is
// the submission id of unit. ok is false when the period's current
// submissions are no longer the heads (the ledger changed since they were
// read).
func (l *Ledger) RowsOf(ctx context.Context, period string, codes []string, n int, same func(i int, id int64, unit string) bool) (rows [][]float64, ok bool, err error) {
	r := newRows(codes)
	// Made to size: grown row by row, the list was a third larger than
	// its rows at 204,000 units, and copied on the way.
	r.rows = make([][]float64, 0, n)
	k, ok := 0, true
	var last string
	err = l.scanCurrent(ctx, period, `unit_code, id, values_json`, func(row []driver.Value) error {
		unit, isText := row[0].(string)
		id, isInt := row[1].(int64)
		if !isText || !isInt {
			return fmt.Errorf("submission %v: unexpected column types", row[1])
		}
		if k > 0 && unit == last {
			return nil
		}
		last = unit
		if ok = ok && k < n && same(k, id, unit); !ok {
			return errStop
		}
		k++
		vals, isText := row[2].(string)
		if row[2] != nil && !isText {
			return fmt.Errorf("values of submission %d: stored as %T", id, row[2])
		}
		if err := r.add(vals, isText); err != nil {
			return fmt.Errorf("values of submission %d: %w", id, err)
		}
		return nil
	})
	if err != nil && !errors.Is(err, errStop) {
		return nil, false, fmt.Errorf("ledger current %s: %w", period, err)
	}
	if !ok || k != n {
		return nil, false, nil
	}
	return r.rows, true, nil
}

// errStop ends a scan early.
var errStop = errors.New("stop")

// figureRows are rows of figures by position in codes, NaN for a code not
// reported, sharing backing arrays of 256 rows.
type figureRows struct {
	pos   map[string]int
	width int
	flat  []float64
	rows  [][]float64
}

func newRows(codes []string) *figureRows {
	pos := make(map[string]int, len(codes))
	for i, c := range codes {
		pos[c] = i
	}
	return &figureRows{pos: pos, width: len(codes)}
}

// add appends the row of the stored values vals (none when not ok).
func (r *figureRows) add(vals string, ok bool) error {
	if len(r.flat) < r.width {
		r.flat = make([]float64, r.width*256)
	}
	row := r.flat[:r.width:r.width]
	r.flat = r.flat[r.width:]
	for i := range row {
		row[i] = math.NaN()
	}
	r.rows = append(r.rows, row)
	if !ok {
		return nil
	}
	return decodeRow(vals, r.pos, row)
}

// readCurrent is Current, with the values given to values (nil: not
// read; a NULL column is given as not ok) and, when brief, without the claim
// name and archive path (left empty), which the driver would copy out of
// SQLite for every row only to be dropped. It reads every accepted
// submission of the period in the index's order (by unit, newest first)
// and keeps the first of each unit: one pass over the index, where a
// window function over it cost a sort and a second lookup of every row.
func (l *Ledger) readCurrent(ctx context.Context, period string, brief bool, values func(r *Record, vals string, ok bool) error) ([]Record, error) {
	withVals := values != nil
	q := `unit_code, id, COALESCE(run_id, 0), orig_name, sha256, received_at`
	if !brief {
		q += `, claim_name, archive_path`
	}
	if withVals {
		q += `, values_json`
	}
	// Growing the slice row by row copied and collected more than the
	// rows themselves cost; counting in the index is cheap. The count is
	// only a size hint, so it need not share the query's snapshot.
	var n int
	if err := l.r.QueryRowContext(ctx, `SELECT count(*) FROM submissions WHERE period = ? AND status = 'accepted'`, period).Scan(&n); err != nil {
		return nil, err
	}
	out := make([]Record, 0, n)
	err := l.scanCurrent(ctx, period, q, func(row []driver.Value) error {
		r := Record{Period: period, Status: vocab.FileAccepted}
		var at int64
		if !(asText(row[0], &r.UnitCode) && asInt(row[1], &r.ID) && asInt(row[2], &r.RunID) &&
			asText(row[3], &r.OrigName) && asText(row[4], &r.SHA256) && asInt(row[5], &at)) ||
			!brief && !(asText(row[6], &r.ClaimName) && asText(row[7], &r.ArchivePath)) {
			return fmt.Errorf("submission %v: unexpected column types", row[1])
		}
		if len(out) > 0 && out[len(out)-1].UnitCode == r.UnitCode {
			return nil
		}
		r.ReceivedAt = fromNanos(at)
		// Appended before its values are decoded into it, so that
		// the record is not moved to the heap for the call, one
		// allocation a unit.
		out = append(out, r)
		if withVals {
			last := row[len(row)-1]
			vals, isText := last.(string)
			if last != nil && !isText {
				return fmt.Errorf("values of submission %d: stored as %T", r.ID, last)
			}
			if err := values(&out[len(out)-1], vals, isText); err != nil {
				return fmt.Errorf("values of submission %d: %w", r.ID, err)
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// scanCurrent gives each the columns cols of every accepted submission
// of period in the index's order (by unit, newest first), until each
// returns an error. The driver's rows are read as they come: database/sql's
// Scan of every column of 7,300 rows was a tenth of the whole read.
func (l *Ledger) scanCurrent(ctx context.Context, period, cols string, each func(row []driver.Value) error) error {
	c, err := l.r.Conn(ctx)
	if err != nil {
		return err
	}
	defer c.Close()
	q := `SELECT ` + cols + ` FROM submissions WHERE period = ? AND status = 'accepted' ORDER BY unit_code, received_at DESC, id DESC`
	return c.Raw(func(dc any) error {
		qc, ok := dc.(driver.QueryerContext)
		if !ok {
			return fmt.Errorf("driver connection %T cannot query", dc)
		}
		rows, err := qc.QueryContext(ctx, q, []driver.NamedValue{{Ordinal: 1, Value: period}})
		if err != nil {
			return err
		}
		defer rows.Close()
		row := make([]driver.Value, len(rows.Columns()))
		for {
			if err := rows.Next(row); errors.Is(err, io.EOF) {
				return nil
			} else if err != nil {
				return err
			}
			if err := each(row); err != nil {
				return err
			}
		}
	})
}

func asInt(v driver.Value, dst *int64) bool {
	i, ok := v.(int64)
	*dst = i
	return ok
}

func asText(v driver.Value, dst *string) bool {
	s, ok := v.(string)
	*dst = s
	return ok
}

// Returned returns the units whose latest non-duplicate submission of the
// period is rejected, with findings loaded (values are not), ordered by unit
// code: the 退回 list. A unit that had a file rejected and then sent one that
// was accepted is not on it.
func (l *Ledger) Returned(ctx context.Context, period string) ([]Record, error) {
	rs, err := l.records(ctx, withFindings, returnedIn, "unit_code", period)
	if err != nil {
		return nil, fmt.Errorf("ledger returned %s: %w", period, err)
	}
	return rs, nil
}

// Previous returns the values of the unit's latest accepted submission in
// the latest period before period in which it had one, or nil if it has
// none. A unit that skipped last month is compared with the month before:
// the rules want the last figures the unit stood behind.
func (l *Ledger) Previous(ctx context.Context, unit, period string) (map[string]float64, error) {
	rs, err := l.records(ctx, withValues, `SELECT id FROM submissions
		WHERE unit_code = ? AND period < ? AND status = 'accepted'
		ORDER BY period DESC, received_at DESC, id DESC LIMIT 1`, "id", unit, period)
	if err != nil {
		return nil, fmt.Errorf("ledger previous %s %s: %w", unit, period, err)
	}
	if len(rs) == 0 {
		return nil, nil
	}
	return rs[0].Values, nil
}

// History returns every submission of the unit, newest first, with values
// and findings.
func (l *Ledger) History(ctx context.Context, unit string) ([]Record, error) {
	rs, err := l.records(ctx, withValues|withFindings, `SELECT id FROM submissions WHERE unit_code = ?`,
		"received_at DESC, id DESC", unit)
	if err != nil {
		return nil, fmt.Errorf("ledger history %s: %w", unit, err)
	}
	return rs, nil
}

// PreviousFor is Previous for many units in one query: for each unit that
// has one, the values of its latest accepted submission in the latest
// period before period.
func (l *Ledger) PreviousFor(ctx context.Context, period string, units []string) (map[string]map[string]float64, error) {
	out := map[string]map[string]float64{}
	for chunk := range slices.Chunk(units, maxParams) {
		sel := `SELECT id FROM (
			SELECT id, ROW_NUMBER() OVER (PARTITION BY unit_code ORDER BY period DESC, received_at DESC, id DESC) AS n
			FROM submissions WHERE period < ? AND status = 'accepted' AND unit_code IN (` + placeholders(len(chunk)) + `)) AS latest WHERE n = 1`
		rs, err := l.records(ctx, withValues, sel, "id", append([]any{period}, anys(chunk)...)...)
		if err != nil {
			return nil, fmt.Errorf("ledger previous %s: %w", period, err)
		}
		for _, r := range rs {
			out[r.UnitCode] = r.Values
		}
	}
	return out, nil
}

// maxParams keeps an IN list well under SQLite's limit on bound parameters.
const maxParams = 500

func placeholders(n int) string {
	return strings.TrimSuffix(strings.Repeat("?,", n), ",")
}

func anys(ss []string) []any {
	out := make([]any, len(ss))
	for i, s := range ss {
		out[i] = s
	}
	return out
}

// Heads returns, without values or findings, the records Current and
// Returned would: enough to tell whether anything a briefing is made of
// changed, at a fraction of the cost of loading the figures.
func (l *Ledger) Heads(ctx context.Context, period string) (current, returned []Record, err error) {
	if current, err = l.readCurrent(ctx, period, false, nil); err != nil {
		return nil, nil, fmt.Errorf("ledger heads %s: %w", period, err)
	}
	if returned, err = l.records(ctx, 0, returnedIn, "unit_code", period); err != nil {
		return nil, nil, fmt.Errorf("ledger heads %s: %w", period, err)
	}
	return current, returned, nil
}

// unarchivedSQL selects the records Unarchived returns, through the index
// that holds only them (submissions_unarchived).
const unarchivedSQL = `SELECT id FROM submissions WHERE archive_path = ''`

// Unarchived returns the records whose file was not yet known to be in the
// archive: a batch killed between moving a file and noting where it went
// leaves one, and the next batch finishes it. Findings are loaded so that
// the 退回 copy can be written again.
func (l *Ledger) Unarchived(ctx context.Context) ([]Record, error) {
	rs, err := l.records(ctx, withFindings, unarchivedSQL, "id")
	if err != nil {
		return nil, fmt.Errorf("ledger unarchived: %w", err)
	}
	return rs, nil
}

// UnitStatus is where a unit stands for a period: its latest non-duplicate
// submission. Units that sent nothing are absent; the caller finds them by
// comparing with the unit registry.
type UnitStatus struct {
	UnitCode   string
	Status     vocab.FileStatus // accepted or rejected
	OrigName   string
	ReceivedAt time.Time
}

// Status returns, per unit that sent anything for the period, the status and
// time of its latest non-duplicate submission, ordered by unit code.
func (l *Ledger) Status(ctx context.Context, period string) ([]UnitStatus, error) {
	rows, err := l.r.QueryContext(ctx, `SELECT unit_code, status, orig_name, received_at FROM submissions
		WHERE id IN (`+latestIn(`status <> 'duplicate'`)+`) ORDER BY unit_code`, period)
	if err != nil {
		return nil, fmt.Errorf("ledger status %s: %w", period, err)
	}
	var out []UnitStatus
	for rows.Next() {
		var s UnitStatus
		var at int64
		if err := rows.Scan(&s.UnitCode, &s.Status, &s.OrigName, &at); err != nil {
			rows.Close()
			return nil, fmt.Errorf("ledger status %s: %w", period, err)
		}
		s.ReceivedAt = fromNanos(at)
		out = append(out, s)
	}
	if err := closeRows(rows); err != nil {
		return nil, fmt.Errorf("ledger status %s: %w", period, err)
	}
	return out, nil
}
