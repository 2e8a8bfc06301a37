package ledger

import (
	"context"
	"countybrief/pipeline/vocab"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// Run is one batch run.
type Run struct {
	ID         int64
	StartedAt  time.Time
	FinishedAt time.Time // zero while running or when interrupted
	Status     vocab.RunStatus
	Summary    []byte // the caller's JSON
}

// StartRun records the start of a batch run and returns its id. The caller
// must hold the batch lock: any run still marked running is taken to be
// one that died and is marked interrupted.
//
// The commit does not wait for the disk (writeUnsynced): the first
// record that names the run commits after it and waits, which puts the
// run on disk too (the log is synced up to its end). A power cut before
// loses a run that recorded nothing.
func (l *Ledger) StartRun(ctx context.Context, at time.Time) (int64, error) {
	n, err := nanos("run start", at)
	if err != nil {
		return 0, fmt.Errorf("start run: %w", err)
	}
	var id int64
	err = l.writeUnsynced(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `UPDATE runs SET status = ? WHERE status = ?`, vocab.RunInterrupted, vocab.RunRunning); err != nil {
			return err
		}
		return tx.QueryRowContext(ctx, `INSERT INTO runs (started_at, status) VALUES (?, ?) RETURNING id`, n, vocab.RunRunning).Scan(&id)
	})
	if err != nil {
		return 0, fmt.Errorf("start run: %w", err)
	}
	return id, nil
}

// FinishRun records how run id ended. The finish time is the wall clock:
// it is audit information and appears in no output.
//
// The commit does not wait for the disk (writeUnsynced): it is a batch's
// last, and closing the ledger, which follows it, syncs the log before it
// copies it into the file. A power cut in between leaves the run marked
// running, which the next StartRun marks interrupted, and that batch
// writes again whatever 退回 copy of it is missing; a kill loses nothing.
// Waiting for the disk here was the last of a batch's syncs on its
// critical path (a few ms, tens on a busy disk).
func (l *Ledger) FinishRun(ctx context.Context, id int64, status vocab.RunStatus, summary []byte) error {
	if status == "" {
		return fmt.Errorf("finish run %d: empty status", id)
	}
	err := l.writeUnsynced(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE runs SET finished_at = ?, status = ?, summary_json = ? WHERE id = ?`,
			time.Now().UnixNano(), status, summary, id)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n != 1 {
			return fmt.Errorf("no such run (%d rows, %v)", n, err)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("finish run %d: %w", id, err)
	}
	return nil
}

// LastRun returns the most recent run, or nil if there was none.
func (l *Ledger) LastRun(ctx context.Context) (*Run, error) {
	var r Run
	var started int64
	var finished sql.NullInt64
	err := l.r.QueryRowContext(ctx, `SELECT id, started_at, finished_at, status, summary_json
		FROM runs ORDER BY id DESC LIMIT 1`).Scan(&r.ID, &started, &finished, &r.Status, &r.Summary)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return nil, nil
	case err != nil:
		return nil, fmt.Errorf("last run: %w", err)
	}
	r.StartedAt = fromNanos(started)
	if finished.Valid {
		r.FinishedAt = fromNanos(finished.Int64)
	}
	return &r, nil
}
