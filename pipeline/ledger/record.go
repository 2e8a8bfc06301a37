package ledger

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"sort"
	"time"

	"countybrief/rules"
)

// Submission statuses.
const (
	// StatusAccepted: the file passed the checks; its values count.
	StatusAccepted = "accepted"
	// StatusRejected: the file had an error finding and goes back to the unit.
	StatusRejected = "rejected"
	// StatusDuplicate: the same content was received before; recorded so the
	// re-drop is explained, never counted.
	StatusDuplicate = "duplicate"
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
	Status      string // StatusAccepted, StatusRejected or StatusDuplicate
	ReceivedAt  time.Time
	// Values are stored exactly (IEEE 754 doubles); NaN and infinities are
	// refused because SQLite would store NaN as NULL.
	Values   map[string]float64
	Findings []rules.Finding
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
	case StatusAccepted, StatusRejected, StatusDuplicate:
	default:
		errs = append(errs, fmt.Errorf("unknown status %q", r.Status))
	}
	for _, code := range sortedKeys(r.Values) {
		if v := r.Values[code]; math.IsNaN(v) || math.IsInf(v, 0) {
			errs = append(errs, fmt.Errorf("value %s is %v", code, v))
		}
	}
	for i, f := range r.Findings {
		if f.Severity != rules.Error && f.Severity != rules.Warning {
			errs = append(errs, fmt.Errorf("finding %d (%s): unknown severity %q", i, f.Rule, f.Severity))
		}
	}
	return errors.Join(errs...)
}

// Record stores one submission with its values and findings in one
// transaction and returns its id. If the claim name is already recorded it
// returns that record's id and writes nothing.
func (l *Ledger) Record(ctx context.Context, r Record) (int64, error) {
	ids, err := l.RecordBatch(ctx, []Record{r})
	if err != nil {
		return 0, err
	}
	return ids[0], nil
}

// RecordBatch is Record for many submissions in one transaction: all are
// stored or none. One commit (one fsync) for the lot is what makes a
// catch-up run of thousands of files fast; the price is that a crash loses
// the whole batch, which recovery then records again by claim name.
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
	claimID := tx.StmtContext(ctx, l.claimID)
	insSub := tx.StmtContext(ctx, l.insSubmission)
	insFind := tx.StmtContext(ctx, l.insFinding)
	ids := make([]int64, len(rs))
	for i := range rs {
		id, err := insertOne(ctx, claimID, insSub, insFind, &rs[i])
		if err != nil {
			return nil, fmt.Errorf("record %s: %w", rs[i].ClaimName, err)
		}
		ids[i] = id
	}
	return ids, nil
}

func insertOne(ctx context.Context, claimID, insSub, insFind *sql.Stmt, r *Record) (int64, error) {
	var id int64
	switch err := claimID.QueryRowContext(ctx, r.ClaimName).Scan(&id); {
	case err == nil:
		return id, nil
	case !errors.Is(err, sql.ErrNoRows):
		return 0, err
	}
	at, err := nanos("received at", r.ReceivedAt)
	if err != nil {
		return 0, err
	}
	runID := sql.NullInt64{Int64: r.RunID, Valid: r.RunID != 0}
	var vals sql.NullString
	if len(r.Values) > 0 {
		b, err := json.Marshal(r.Values)
		if err != nil {
			return 0, fmt.Errorf("values: %w", err)
		}
		vals = sql.NullString{String: string(b), Valid: true}
	}
	res, err := insSub.ExecContext(ctx, runID, r.ClaimName, r.UnitCode, r.Period, r.OrigName,
		r.ArchivePath, r.SHA256, r.Status, at, vals)
	if err != nil {
		return 0, err
	}
	if id, err = res.LastInsertId(); err != nil {
		return 0, err
	}
	for seq, f := range r.Findings {
		var vals sql.NullString
		if len(f.Values) > 0 {
			b, err := json.Marshal(f.Values)
			if err != nil {
				return 0, fmt.Errorf("finding %s: %w", f.Rule, err)
			}
			vals = sql.NullString{String: string(b), Valid: true}
		}
		if _, err := insFind.ExecContext(ctx, id, seq, f.Rule, string(f.Severity), f.Sheet, f.Cell,
			vals, f.Message, f.Fix); err != nil {
			return 0, fmt.Errorf("finding %s: %w", f.Rule, err)
		}
	}
	return id, nil
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
	stmt, err := tx.PrepareContext(ctx, `UPDATE submissions SET archive_path = ? WHERE id = ?`)
	if err != nil {
		return fmt.Errorf("set archive paths: %w", err)
	}
	defer stmt.Close()
	for id, path := range paths {
		res, err := stmt.ExecContext(ctx, path, id)
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
