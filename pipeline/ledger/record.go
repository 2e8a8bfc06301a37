package ledger

import (
	"context"
	"countybrief/pipeline/vocab"
	"database/sql"
	"errors"
	"fmt"
	"maps"
	"math"
	"slices"
	"sort"
	"time"
)

// Record is one received file and what the batch decided about it.
type Record struct {
	ID    int64
	RunID int64 // 0: not tied to a run
	// ClaimName is the file's unique name in work/; recording the same
	// claim twice is a no-op, which is what makes crash recovery safe.
	ClaimName   string
	UnitCode    string
	Period      string // "2008-12": periods order as strings
	OrigName    string // the name the unit gave the file
	ArchivePath string
	SHA256      string
	Status      vocab.FileStatus
	ReceivedAt  time.Time
	// Values are stored exactly (IEEE 754 doubles); NaN and infinities are
	// refused because SQLite would store NaN as NULL.
	Values map[string]float64
	// Cells holds where each value was read, "sheet!A1" by indicator
	// code; nil for rows recorded before cells were kept. Only Cells
	// loads it.
	Cells    map[string]string
	Findings []vocab.Finding
}

func (r *Record) validate() error {
	var errs []error
	for _, f := range []struct{ name, v string }{
		{"claim name", r.ClaimName}, {"unit code", r.UnitCode}, {"period", r.Period}, {"sha256", r.SHA256},
	} {
		if f.v == "" {
			errs = append(errs, fmt.Errorf("empty %s", f.name))
		}
	}
	switch r.Status {
	case vocab.FileAccepted, vocab.FileRejected, vocab.FileDuplicate:
	default:
		errs = append(errs, fmt.Errorf("unknown status %q", r.Status))
	}
	// Only the bad codes are sorted (for a stable message): sorting every
	// form's codes was a tenth of recording it.
	var bad []string
	for code, v := range r.Values {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			bad = append(bad, code)
		}
	}
	slices.Sort(bad)
	for _, code := range bad {
		errs = append(errs, fmt.Errorf("value %s is %v", code, r.Values[code]))
	}
	for i, f := range r.Findings {
		if f.Severity != vocab.Error && f.Severity != vocab.Warning {
			errs = append(errs, fmt.Errorf("finding %d (%s): unknown severity %q", i, f.Rule, f.Severity))
		}
	}
	return errors.Join(errs...)
}

// RecordBatch stores submissions with their values and findings in one
// transaction, all or none, and returns their ids in order. A claim name
// already recorded gets that record's id and writes nothing. One commit
// (one fsync) for the lot is what makes a catch-up run of thousands of
// files fast; the price is that a crash loses the whole group, which
// recovery then records again by claim name.
func (l *Ledger) RecordBatch(ctx context.Context, rs []Record) ([]int64, error) {
	for i := range rs {
		if err := rs[i].validate(); err != nil {
			return nil, fmt.Errorf("record %s: %w", rs[i].ClaimName, err)
		}
	}
	tx, err := l.w.BeginTx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("record: begin: %w", err)
	}
	defer tx.Rollback()
	ids, err := l.insert(ctx, tx, rs)
	if err != nil {
		return nil, err
	}
	if err := tx.Commit(); err != nil {
		return nil, fmt.Errorf("record: commit: %w", err)
	}
	return ids, nil
}

// insert writes validated records inside tx.
func (l *Ledger) insert(ctx context.Context, tx *sql.Tx, rs []Record) ([]int64, error) {
	ins := inserter{
		claimID: tx.StmtContext(ctx, l.claimID),
		insSub:  tx.StmtContext(ctx, l.insSubmission),
		insFind: tx.StmtContext(ctx, l.insFinding),
	}
	ids := make([]int64, len(rs))
	for i := range rs {
		id, err := ins.one(ctx, &rs[i])
		if err != nil {
			return nil, fmt.Errorf("record %s: %w", rs[i].ClaimName, err)
		}
		ids[i] = id
	}
	return ids, nil
}

// inserter holds a transaction's statements, a buffer the values of each
// record are encoded in, and the sorted codes of the last record's values:
// the forms of a batch share their codes, so they are sorted once.
type inserter struct {
	claimID, insSub, insFind *sql.Stmt
	buf                      []byte
	codes                    []string
	cells                    cellEncoder
}

func (ins *inserter) one(ctx context.Context, r *Record) (int64, error) {
	at, err := nanos("received at", r.ReceivedAt)
	if err != nil {
		// A claim already recorded is returned whatever the record says.
		if id, ierr := ins.recorded(ctx, r.ClaimName); ierr != nil || id != 0 {
			return id, ierr
		}
		return 0, err
	}
	runID := sql.NullInt64{Int64: r.RunID, Valid: r.RunID != 0}
	vals, err := ins.values(r.Values)
	if err != nil {
		return 0, fmt.Errorf("values: %w", err)
	}
	cells, err := ins.cells.encode(r.Cells)
	if err != nil {
		return 0, fmt.Errorf("cells: %w", err)
	}
	// A claim already recorded inserts nothing and returns no id (the
	// statement says ON CONFLICT DO NOTHING); its id is looked up only
	// then, so a new file costs one statement. RETURNING rather than
	// LastInsertId, which PostgreSQL's driver lacks.
	var id int64
	err = ins.insSub.QueryRowContext(ctx, runID, r.ClaimName, r.UnitCode, r.Period, r.OrigName,
		r.ArchivePath, r.SHA256, r.Status, at, vals, cells).Scan(&id)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return ins.recorded(ctx, r.ClaimName)
	case err != nil:
		return 0, err
	}
	for seq, f := range r.Findings {
		vals, err := ins.values(f.Values)
		if err != nil {
			return 0, fmt.Errorf("finding %s: %w", f.Rule, err)
		}
		if _, err := ins.insFind.ExecContext(ctx, id, seq, f.Rule, string(f.Severity), f.Sheet, f.Cell,
			vals, f.Message, f.Fix, f.Explanation); err != nil {
			return 0, fmt.Errorf("finding %s: %w", f.Rule, err)
		}
	}
	return id, nil
}

// recorded returns the id of a recorded claim, or 0.
func (ins *inserter) recorded(ctx context.Context, claim string) (int64, error) {
	var id int64
	err := ins.claimID.QueryRowContext(ctx, claim).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	return id, err
}

// values encodes vs as the JSON column holds it; no values is NULL.
func (ins *inserter) values(vs map[string]float64) (sql.NullString, error) {
	if len(vs) == 0 {
		return sql.NullString{}, nil
	}
	if !sameKeys(vs, ins.codes) {
		ins.codes = sortedKeys(vs)
	}
	b, err := appendValues(ins.buf[:0], vs, ins.codes)
	ins.buf = b
	if err != nil {
		return sql.NullString{}, err
	}
	return sql.NullString{String: string(b), Valid: true}, nil
}

// sameKeys reports whether keys are exactly m's keys.
func sameKeys(m map[string]float64, keys []string) bool {
	if len(m) != len(keys) {
		return false
	}
	for _, k := range keys {
		if _, ok := m[k]; !ok {
			return false
		}
	}
	return true
}

func sortedKeys(m map[string]float64) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// SetArchivePaths notes where recorded files were archived, in one
// transaction. The batch records first and archives afterwards, so the
// paths are known only then.
func (l *Ledger) SetArchivePaths(ctx context.Context, paths map[int64]string) error {
	tx, err := l.w.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("set archive paths: begin: %w", err)
	}
	defer tx.Rollback()
	stmt := tx.StmtContext(ctx, l.setArchive)
	// In id order the updates walk the table once instead of seeking at
	// random.
	for _, id := range slices.Sorted(maps.Keys(paths)) {
		res, err := stmt.ExecContext(ctx, paths[id], id)
		if err != nil {
			return fmt.Errorf("set archive path of submission %d: %w", id, err)
		}
		if n, err := res.RowsAffected(); err != nil || n != 1 {
			return fmt.Errorf("set archive path of submission %d: no such submission (%d rows, %v)", id, n, err)
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("set archive paths: commit: %w", err)
	}
	return nil
}

// TrimArchivePrefix removes prefix from the start of every archive path
// that begins with it, in one transaction, and returns how many changed.
// The ledger stores paths as it is given them; this is how a caller that
// moves to another base (paths relative to the workspace rather than to
// the folder a batch was started from) rewrites the old rows. Calling it
// again changes nothing.
func (l *Ledger) TrimArchivePrefix(ctx context.Context, prefix string) (int64, error) {
	if prefix == "" {
		return 0, nil
	}
	res, err := l.w.ExecContext(ctx, `UPDATE submissions SET archive_path = substr(archive_path, length(?1) + 1)
		WHERE substr(archive_path, 1, length(?1)) = ?1 AND length(archive_path) > length(?1)`, prefix)
	if err != nil {
		return 0, fmt.Errorf("trim archive paths: %w", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, fmt.Errorf("trim archive paths: %w", err)
	}
	return n, nil
}
