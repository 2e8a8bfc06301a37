package ledger

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// Issue is the ledger's note of one numbered briefing issue (第N期): what
// it was made from and where it went. What the issue says is
// render.Briefing.
type Issue struct {
	Issue      int
	Period     string
	InputsHash string // hash of everything the briefing was made from
	Path       string
	Totals     []byte // the merged totals as JSON, for the next issue's comparison
	At         time.Time
}

// NumberIssue numbers a briefing. The same inputs hash keeps its issue number
// (a re-run that changes nothing must not make 第8期 into 第9期); its path
// and time are updated. New inputs get the highest issue plus one, starting
// at 1. p.Issue is ignored.
func (l *Ledger) NumberIssue(ctx context.Context, p Issue) (issue int, err error) {
	if p.InputsHash == "" || p.Period == "" {
		return 0, errors.New("number issue: empty inputs hash or period")
	}
	at, err := nanos("publish time", p.At)
	if err != nil {
		return 0, fmt.Errorf("number issue: %w", err)
	}
	tx, err := l.w.BeginTx(ctx, nil)
	if err != nil {
		return 0, fmt.Errorf("number issue: %w", err)
	}
	defer tx.Rollback()
	err = tx.QueryRowContext(ctx, `SELECT issue FROM briefings WHERE inputs_hash = ?`, p.InputsHash).Scan(&issue)
	switch {
	case err == nil:
		_, err = tx.ExecContext(ctx, `UPDATE briefings SET path = ?, at = ? WHERE issue = ?`, p.Path, at, issue)
	case errors.Is(err, sql.ErrNoRows):
		err = tx.QueryRowContext(ctx, `INSERT INTO briefings (issue, period, inputs_hash, path, totals_json, at)
			SELECT COALESCE(MAX(issue), 0) + 1, ?, ?, ?, ?, ? FROM briefings RETURNING issue`,
			p.Period, p.InputsHash, p.Path, nonNil(p.Totals), at).Scan(&issue)
	}
	if err != nil {
		return 0, fmt.Errorf("number issue: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return 0, fmt.Errorf("number issue: %w", err)
	}
	return issue, nil
}

// LastIssue returns the highest-numbered issue, or nil before the first.
func (l *Ledger) LastIssue(ctx context.Context) (*Issue, error) {
	var b Issue
	var at int64
	err := l.r.QueryRowContext(ctx, `SELECT issue, period, inputs_hash, path, totals_json, at
		FROM briefings ORDER BY issue DESC LIMIT 1`).Scan(&b.Issue, &b.Period, &b.InputsHash, &b.Path, &b.Totals, &at)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return nil, nil
	case err != nil:
		return nil, fmt.Errorf("last issue: %w", err)
	}
	b.At = fromNanos(at)
	return &b, nil
}

// nonNil stores absent totals as an empty blob: the column is NOT NULL and
// a nil []byte binds as NULL.
func nonNil(b []byte) []byte {
	if b == nil {
		return []byte{}
	}
	return b
}

// restoredPrefix marks the inputs hash of an issue restored from a
// published file: what it was made from is unknown, and a real hash is hex,
// so no batch's inputs ever match it and the next change gets a new number.
const restoredPrefix = "restored:"

// RestoreIssue records an issue published before the ledger was lost,
// so that numbering goes on from it. Its inputs and totals are unknown: the
// next briefing is compared with nothing. Restoring a number already in
// the ledger is an error.
func (l *Ledger) RestoreIssue(ctx context.Context, issue int, period, path string, at time.Time) error {
	if issue < 1 || period == "" {
		return fmt.Errorf("restore issue %d: bad issue or empty period", issue)
	}
	n, err := nanos("publish time", at)
	if err != nil {
		return fmt.Errorf("restore issue %d: %w", issue, err)
	}
	if _, err := l.w.ExecContext(ctx, `INSERT INTO briefings (issue, period, inputs_hash, path, totals_json, at)
		VALUES (?, ?, ?, ?, ?, ?)`, issue, period, fmt.Sprintf("%s%d", restoredPrefix, issue), path, []byte{}, n); err != nil {
		return fmt.Errorf("restore issue %d: %w", issue, err)
	}
	return nil
}
