package ledger

import (
	"context"
	"countybrief/pipeline/vocab"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"maps"
	"math"
	"slices"
	"sort"
	"strings"
	"time"
)

// Record is one received file and what the batch decided about it.
type Record struct {
	ID    int64
	RunID int64 // 0: not tied to a run
	// ClaimName is the file's unique name in work/; recording the same
	// file under it twice is a no-op, which is what makes crash recovery
	// safe, and another file under it is refused (ErrClaimTaken).
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

// ErrClaimTaken: a claim name already recorded arrived again with another
// file (another sha256) or for another unit. Recording it would either
// drop the new file's row or overwrite the old one; the group is refused
// instead, so that its files stay where they are for the next batch.
var ErrClaimTaken = errors.New("claim name already recorded for another file")

// RecordBatch stores submissions with their values and findings in one
// transaction, all or none, and returns their ids in order. A claim name
// already recorded with the same sha256 and unit (a batch recovering from
// a crash records it again) gets that record's id and writes nothing; with
// another sha256 or unit it is ErrClaimTaken and nothing is written. One
// commit (one fsync) for the lot is what makes a catch-up run of thousands
// of files fast; the price is that a crash loses the whole group, which
// recovery then records again by claim name.
func (l *Ledger) RecordBatch(ctx context.Context, rs []Record) ([]int64, error) {
	ps := make([]Prepared, len(rs))
	var e encoder
	for i := range rs {
		var err error
		if ps[i], err = e.prepare(&rs[i]); err != nil {
			return nil, err
		}
	}
	return l.RecordPrepared(ctx, ps)
}

// Prepared is a record made ready to be written: checked, with its values,
// cells and findings' values encoded as their columns hold them. That is
// most of what recording a form costs outside SQLite and needs no
// connection, so the batch prepares each record on the goroutine that
// judged it, and the write transaction, which runs on one core, only binds
// and steps.
type Prepared struct {
	rec           *Record
	at            int64
	atErr         error // a receipt time that cannot be stored
	values, cells sql.NullString
	findings      []sql.NullString // the values of each finding
}

// Preparer prepares records, reusing what a record has in common with the
// one it prepared before: the sorted codes of the values, and the text of
// the cells, which a batch's forms nearly always share. A batch keeps one
// for each goroutine that judges; prepared each with a new one, a county's
// forms sorted and wrote the same cells 730 times, 3% of its batch's CPU.
// It is not safe for concurrent use.
type Preparer struct{ e encoder }

// Prepare checks r and encodes its values, cells and findings. The other
// fields (the claim name, which a clash changes, the status…) are read
// when the Prepared is recorded; r's values, cells and findings must not
// change after this (a changed record is prepared again).
func (p *Preparer) Prepare(r *Record) (Prepared, error) {
	return p.e.prepare(r)
}

// encoder encodes records' JSON columns, reusing the sorted codes and the
// cells' text of the record before (the forms of a batch share both).
type encoder struct {
	buf   []byte
	codes []string
	cells cellEncoder
}

func (e *encoder) prepare(r *Record) (Prepared, error) {
	if err := r.validate(); err != nil {
		return Prepared{}, fmt.Errorf("record %s: %w", r.ClaimName, err)
	}
	p := Prepared{rec: r}
	p.at, p.atErr = nanos("received at", r.ReceivedAt)
	var err error
	if p.values, err = e.values(r.Values); err != nil {
		return Prepared{}, fmt.Errorf("record %s: values: %w", r.ClaimName, err)
	}
	if p.cells, err = e.cells.encode(r.Cells); err != nil {
		return Prepared{}, fmt.Errorf("record %s: cells: %w", r.ClaimName, err)
	}
	if len(r.Findings) > 0 {
		p.findings = make([]sql.NullString, len(r.Findings))
		for i, f := range r.Findings {
			if p.findings[i], err = e.values(f.Values); err != nil {
				return Prepared{}, fmt.Errorf("record %s: finding %s: %w", r.ClaimName, f.Rule, err)
			}
		}
	}
	return p, nil
}

// RecordPrepared is RecordBatch for prepared records.
func (l *Ledger) RecordPrepared(ctx context.Context, ps []Prepared) ([]int64, error) {
	full, err := l.fullInserts(ctx, ps)
	if err != nil {
		return nil, fmt.Errorf("record: %w", err)
	}
	tx, err := l.w.BeginTx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("record: begin: %w", err)
	}
	defer tx.Rollback()
	ids, err := l.insert(ctx, tx, ps, full)
	if err != nil {
		return nil, err
	}
	if err := tx.Commit(); err != nil {
		return nil, fmt.Errorf("record: commit: %w", err)
	}
	return ids, nil
}

// Rows go in by many to a statement: one statement per row was one round
// trip per row, which on PostgreSQL made the ledger stage twice SQLite's.
// 256 rows of submissions are 2,816 bound parameters, well inside both
// backends' limits (SQLite's 32,766, PostgreSQL's 65,535).
const (
	rowsPerInsert  = 256
	submissionCols = `run_id, claim_name, unit_code, period, orig_name, archive_path, sha256, status, received_at, values_json, cells_json`
	findingCols    = `submission_id, seq, rule, severity, sheet, cell, values_json, message, fix, explanation`
	// RETURNING rather than LastInsertId, which PostgreSQL's driver
	// lacks; with the claim name, since neither backend promises the
	// order of the rows it returns.
	insertSubmissionsTail = ` ON CONFLICT (claim_name) DO NOTHING RETURNING id, claim_name`
)

// insertSQL is an INSERT of n rows of cols columns, then tail.
func insertSQL(table, cols string, ncols, n int, tail string) string {
	row := "(" + placeholders(ncols) + ")"
	var b strings.Builder
	b.Grow(len(table) + len(cols) + n*(len(row)+2) + len(tail) + 32)
	b.WriteString("INSERT INTO " + table + " (" + cols + ") VALUES ")
	for i := range n {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(row)
	}
	b.WriteString(tail)
	return b.String()
}

// fullInserts are the inserts of rowsPerInsert rows, prepared; nil where
// the records at hand cannot fill one.
type fullInserts struct{ submissions, findings *sql.Stmt }

// fullInserts prepares, the first time, the full inserts that ps can
// fill: a county's group of 73 forms fills neither. As lazyStmt.get, never
// inside a transaction.
func (l *Ledger) fullInserts(ctx context.Context, ps []Prepared) (full fullInserts, err error) {
	if len(ps) >= rowsPerInsert {
		if full.submissions, err = l.insertSubmissions.get(ctx); err != nil {
			return fullInserts{}, err
		}
	}
	findings := 0
	for i := range ps {
		findings += len(ps[i].findings)
	}
	if findings >= rowsPerInsert {
		if full.findings, err = l.insertFindings.get(ctx); err != nil {
			return fullInserts{}, err
		}
	}
	return full, nil
}

// insert writes prepared records inside tx; full are the inserts
// fullInserts prepared for ps.
func (l *Ledger) insert(ctx context.Context, tx *sql.Tx, ps []Prepared, full fullInserts) ([]int64, error) {
	ins := inserter{tx: tx, claimID: tx.StmtContext(ctx, l.claimID)}
	if full.submissions != nil {
		ins.fullSubmissions = tx.StmtContext(ctx, full.submissions)
	}
	if full.findings != nil {
		ins.fullFindings = tx.StmtContext(ctx, full.findings)
	}
	ids := make([]int64, len(ps))
	for start := 0; start < len(ps); start += rowsPerInsert {
		end := min(start+rowsPerInsert, len(ps))
		if err := ins.submissions(ctx, ps[start:end], ids[start:end]); err != nil {
			return nil, err
		}
	}
	if err := ins.flushFindings(ctx); err != nil {
		return nil, err
	}
	return ids, nil
}

// inserter holds a transaction, the arguments of the statement being
// built, and the findings of the new records, written after them.
type inserter struct {
	tx      *sql.Tx
	claimID *sql.Stmt
	// The inserts of rowsPerInsert rows.
	fullSubmissions, fullFindings *sql.Stmt
	args                          []any
	findings                      []any
}

// submissions inserts ps in one statement and sets ids. A claim already
// recorded inserts nothing (ON CONFLICT DO NOTHING) and is looked up
// only then, so that new files cost one statement for the lot.
func (ins *inserter) submissions(ctx context.Context, ps []Prepared, ids []int64) error {
	ins.args = ins.args[:0]
	// first: the index in ps of each claim's first row, the one that
	// can be inserted; a later row of the same claim conflicts with it.
	first := make(map[string]int, len(ps))
	var bad []int // rows whose receipt time cannot be stored
	for i := range ps {
		p, r := &ps[i], ps[i].rec
		if p.atErr != nil {
			bad = append(bad, i)
			continue
		}
		if _, ok := first[r.ClaimName]; !ok {
			first[r.ClaimName] = i
		}
		runID := sql.NullInt64{Int64: r.RunID, Valid: r.RunID != 0}
		ins.args = append(ins.args, runID, r.ClaimName, r.UnitCode, r.Period, r.OrigName,
			r.ArchivePath, r.SHA256, r.Status, p.at, p.values, p.cells)
	}
	for _, i := range bad {
		// A claim already recorded is returned whatever the record's
		// time says, if it is the same file.
		r := ps[i].rec
		id, err := ins.recorded(ctx, r)
		if err != nil {
			return fmt.Errorf("record %s: %w", r.ClaimName, err)
		}
		if id == 0 {
			return fmt.Errorf("record %s: %w", r.ClaimName, ps[i].atErr)
		}
		ids[i] = id
	}
	inserted := make(map[string]int64, len(first))
	if n := len(ins.args) / 11; n > 0 {
		var rows *sql.Rows
		var err error
		if n == rowsPerInsert {
			rows, err = ins.fullSubmissions.QueryContext(ctx, ins.args...)
		} else {
			rows, err = ins.tx.QueryContext(ctx, insertSQL("submissions", submissionCols, 11, n, insertSubmissionsTail), ins.args...)
		}
		if err != nil {
			return fmt.Errorf("record %s…: %w", ps[0].rec.ClaimName, err)
		}
		for rows.Next() {
			var id int64
			var claim string
			if err := rows.Scan(&id, &claim); err != nil {
				rows.Close()
				return fmt.Errorf("record %s…: %w", ps[0].rec.ClaimName, err)
			}
			inserted[claim] = id
		}
		if err := closeRows(rows); err != nil {
			return fmt.Errorf("record %s…: %w", ps[0].rec.ClaimName, err)
		}
	}
	for i := range ps {
		r := ps[i].rec
		if ids[i] != 0 {
			continue
		}
		if id, ok := inserted[r.ClaimName]; ok && first[r.ClaimName] == i {
			ids[i] = id
			if err := ins.addFindings(ctx, id, &ps[i]); err != nil {
				return err
			}
			continue
		}
		id, err := ins.recorded(ctx, r)
		if err == nil && id == 0 {
			err = errors.New("neither inserted nor recorded")
		}
		if err != nil {
			return fmt.Errorf("record %s: %w", r.ClaimName, err)
		}
		ids[i] = id
	}
	return nil
}

// addFindings queues a new record's findings, written by many at a time.
func (ins *inserter) addFindings(ctx context.Context, id int64, p *Prepared) error {
	for seq, f := range p.rec.Findings {
		ins.findings = append(ins.findings, id, seq, f.Rule, string(f.Severity), f.Sheet, f.Cell,
			p.findings[seq], f.Message, f.Fix, f.Explanation)
		if len(ins.findings) == rowsPerInsert*10 {
			if err := ins.flushFindings(ctx); err != nil {
				return err
			}
		}
	}
	return nil
}

func (ins *inserter) flushFindings(ctx context.Context) error {
	n := len(ins.findings) / 10
	if n == 0 {
		return nil
	}
	var err error
	if n == rowsPerInsert {
		_, err = ins.fullFindings.ExecContext(ctx, ins.findings...)
	} else {
		_, err = ins.tx.ExecContext(ctx, insertSQL("findings", findingCols, 10, n, ""), ins.findings...)
	}
	if err != nil {
		return fmt.Errorf("record findings of submission %v…: %w", ins.findings[0], err)
	}
	ins.findings = ins.findings[:0]
	return nil
}

// recorded returns the id of r's claim if it is recorded, or 0. A claim
// recorded for another file or unit is ErrClaimTaken: the one row the
// ledger keeps per claim name cannot stand for two files.
func (ins *inserter) recorded(ctx context.Context, r *Record) (int64, error) {
	var id int64
	var sha, unit string
	err := ins.claimID.QueryRowContext(ctx, r.ClaimName).Scan(&id, &sha, &unit)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return 0, nil
	case err != nil:
		return 0, err
	case sha != r.SHA256 || unit != r.UnitCode:
		return 0, fmt.Errorf("%w: submission %d is unit %s, sha256 %s; this file is unit %s, sha256 %s",
			ErrClaimTaken, id, unit, sha, r.UnitCode, r.SHA256)
	}
	return id, nil
}

// values encodes vs as the JSON column holds it; no values is NULL.
func (e *encoder) values(vs map[string]float64) (sql.NullString, error) {
	if len(vs) == 0 {
		return sql.NullString{}, nil
	}
	if !sameKeys(vs, e.codes) {
		e.codes = sortedKeys(vs)
	}
	b, err := appendValues(e.buf[:0], vs, e.codes)
	e.buf = b
	if err != nil {
		return sql.NullString{}, err
	}
	return sql.NullString{String: string(b), Valid: true}, nil
}

// sameKeys reports whether keys are exactly m's keys.
func sameKeys[V any](m map[string]V, keys []string) bool {
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

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// SetArchivePaths notes where recorded files were archived, in one
// transaction. The batch records first and archives afterwards, so the
// paths are known only then. The commit does not wait for the disk: the
// next commit (the next group's records, the run's end) takes it there.
// A power cut before that loses only where the files went, which the
// next batch finds again from their claims (Unarchived), as after a kill
// between moving and noting; a crash of the process loses nothing. That
// halves the batch's waits on the disk, one per group instead of two.
func (l *Ledger) SetArchivePaths(ctx context.Context, paths map[int64]string) error {
	var full *sql.Stmt
	if len(paths) >= archivePathsPerUpdate {
		var err error
		if full, err = l.setArchive.get(ctx); err != nil {
			return fmt.Errorf("set archive paths: %w", err)
		}
	}
	err := l.writeUnsynced(ctx, func(tx *sql.Tx) error {
		// In id order the updates walk the table once instead of seeking
		// at random; by many ids to a statement, since one statement a
		// file was most of the time (a group of 2,048 files cost 2,048
		// round trips through database/sql).
		ids := slices.Sorted(maps.Keys(paths))
		args := make([]any, 0, 2*min(len(ids), archivePathsPerUpdate))
		for chunk := range slices.Chunk(ids, archivePathsPerUpdate) {
			args = args[:0]
			for _, id := range chunk {
				args = append(args, id, paths[id])
			}
			var res sql.Result
			var err error
			if len(chunk) == archivePathsPerUpdate {
				res, err = tx.StmtContext(ctx, full).ExecContext(ctx, args...)
			} else {
				res, err = tx.ExecContext(ctx, setArchiveSQL(len(chunk)), args...)
			}
			if err != nil {
				return fmt.Errorf("set archive paths of submissions %d…: %w", chunk[0], err)
			}
			if n, err := res.RowsAffected(); err != nil || n != int64(len(chunk)) {
				return fmt.Errorf("set archive paths of submissions %d…: %d of %d submissions found (%v)", chunk[0], n, len(chunk), err)
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("set archive paths: %w", err)
	}
	return nil
}

// archivePathsPerUpdate is how many paths one statement sets: 768 bound
// parameters, well inside both backends' limits.
const archivePathsPerUpdate = 256

// setArchiveSQL sets the archive paths of n submissions, given as n pairs
// of id and path. The pairs are a table joined by id, which both backends
// accept; the first id is cast so that PostgreSQL types the column.
func setArchiveSQL(n int) string {
	var b strings.Builder
	b.Grow(128 + n*8)
	b.WriteString("UPDATE submissions SET archive_path = v.column2 FROM (VALUES (CAST(? AS BIGINT), ?)")
	for range n - 1 {
		b.WriteString(", (?, ?)")
	}
	b.WriteString(") AS v WHERE submissions.id = v.column1")
	return b.String()
}

// writeUnsynced runs f in a write transaction whose commit does not wait
// for the disk; it is there once a later commit is. Every other commit
// of the writer waits, so on SQLite the writer's connection is held for
// the lot and set back before anything else can commit on it.
func (l *Ledger) writeUnsynced(ctx context.Context, f func(tx *sql.Tx) error) error {
	return l.unsynced(ctx, func(conn *sql.Conn) error {
		tx, err := conn.BeginTx(ctx, nil)
		if err != nil {
			return fmt.Errorf("begin: %w", err)
		}
		defer tx.Rollback()
		if l.pg != nil {
			if _, err := tx.ExecContext(ctx, `SET LOCAL synchronous_commit = off`); err != nil {
				return err
			}
		}
		if err := f(tx); err != nil {
			return err
		}
		if err := tx.Commit(); err != nil {
			return fmt.Errorf("commit: %w", err)
		}
		return nil
	})
}

// unsynced runs f on the writer's connection with SQLite's commits not
// waiting for the disk, and sets the connection back to waiting after.
// On PostgreSQL it only holds the connection: f's transactions say so.
func (l *Ledger) unsynced(ctx context.Context, f func(conn *sql.Conn) error) (err error) {
	conn, err := l.w.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	if l.pg == nil {
		// In WAL mode NORMAL appends the commit to the log without
		// syncing it; the next FULL commit syncs the log, these frames
		// too. SQLite takes the setting only outside a transaction.
		if _, err := conn.ExecContext(ctx, `PRAGMA synchronous = NORMAL`); err != nil {
			return err
		}
		defer func() {
			if _, e := conn.ExecContext(context.WithoutCancel(ctx), `PRAGMA synchronous = FULL`); e != nil {
				// A connection left unsynced must not be used again.
				_ = conn.Raw(func(any) error { return driver.ErrBadConn })
				err = errors.Join(err, fmt.Errorf("set the writer back to synchronous FULL: %w", e))
			}
		}()
	}
	return f(conn)
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
