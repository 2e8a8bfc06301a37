package ledger

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// PeriodState is whether a period takes files into its figures.
type PeriodState string

const (
	// PeriodOpen is every period's state until it is closed, and again
	// after it is reopened.
	PeriodOpen PeriodState = "open"
	// PeriodClosed: files for the period are still kept and recorded,
	// but the batch does not count them.
	PeriodClosed PeriodState = "closed"
)

// PeriodChange is one row of a period's history; the ledger keeps every
// change, so that the office can say who was let in late and why.
type PeriodChange struct {
	Period string
	State  PeriodState
	At     time.Time
	Reason string
}

// ErrPeriodUnchanged is returned by SetPeriodState when the period is
// already in the state asked for: nothing is recorded.
var ErrPeriodUnchanged = errors.New("period already in that state")

// SetPeriodState records that period enters state at time at, for the
// given reason. The check and the insert share one write transaction, so
// two offices closing at once record one change.
func (l *Ledger) SetPeriodState(ctx context.Context, period string, state PeriodState, at time.Time, reason string) error {
	n, err := nanos("period change", at)
	if err != nil {
		return err
	}
	switch state {
	case PeriodOpen, PeriodClosed:
	default:
		return fmt.Errorf("period %s: unknown state %q", period, state)
	}
	tx, err := l.w.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("period %s: %w", period, err)
	}
	defer tx.Rollback()
	var now string
	err = tx.QueryRowContext(ctx, `SELECT state FROM period_changes WHERE period = ? ORDER BY id DESC LIMIT 1`, period).Scan(&now)
	if err != nil && !isNoRows(err) {
		return fmt.Errorf("period %s: %w", period, err)
	}
	if now == "" {
		now = string(PeriodOpen)
	}
	if PeriodState(now) == state {
		return ErrPeriodUnchanged
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO period_changes (period, state, at, reason) VALUES (?, ?, ?, ?)`,
		period, state, n, reason); err != nil {
		return fmt.Errorf("period %s: %w", period, err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("period %s: %w", period, err)
	}
	return nil
}

// PeriodHistory returns the changes of period, oldest first; none means
// the period has always been open.
func (l *Ledger) PeriodHistory(ctx context.Context, period string) ([]PeriodChange, error) {
	rows, err := l.r.QueryContext(ctx, `SELECT state, at, reason FROM period_changes WHERE period = ? ORDER BY id`, period)
	if err != nil {
		return nil, fmt.Errorf("period %s history: %w", period, err)
	}
	var out []PeriodChange
	for rows.Next() {
		c := PeriodChange{Period: period}
		var at int64
		if err := rows.Scan(&c.State, &at, &c.Reason); err != nil {
			rows.Close()
			return nil, fmt.Errorf("period %s history: %w", period, err)
		}
		c.At = fromNanos(at)
		out = append(out, c)
	}
	if err := closeRows(rows); err != nil {
		return nil, fmt.Errorf("period %s history: %w", period, err)
	}
	return out, nil
}

const periodStateSQL = `SELECT state, at FROM period_changes WHERE period = ? ORDER BY id DESC LIMIT 1`

// PeriodStateOf returns period's state and since when (zero for a period
// that has always been open).
func (l *Ledger) PeriodStateOf(ctx context.Context, period string) (PeriodState, time.Time, error) {
	var state string
	var at int64
	err := l.periodState.QueryRowContext(ctx, period).Scan(&state, &at)
	switch {
	case isNoRows(err):
		return PeriodOpen, time.Time{}, nil
	case err != nil:
		return "", time.Time{}, fmt.Errorf("period %s state: %w", period, err)
	}
	return PeriodState(state), fromNanos(at), nil
}

// withFinding selects the submissions (alias s) that carry a finding of
// the rule given as the argument.
const withFinding = `EXISTS (SELECT 1 FROM findings f WHERE f.submission_id = %s.id AND f.rule = ?)`

// WithFinding returns the submissions of period that carry a finding of
// rule, oldest first, with findings loaded: the batch marks files it
// kept but did not count (a form for a closed period) with such a finding.
func (l *Ledger) WithFinding(ctx context.Context, period, rule string) ([]Record, error) {
	rs, err := l.records(ctx, withFindings, `SELECT s.id FROM submissions s WHERE s.period = ? AND `+fmt.Sprintf(withFinding, "s"),
		"received_at, id", period, rule)
	if err != nil {
		return nil, fmt.Errorf("ledger %s files with %s: %w", period, rule, err)
	}
	return rs, nil
}

// HeadsWithout is Heads as if the rejected files with a finding of rule
// had never come: a file kept for a closed period (which the batch rejects,
// so that no total can count it) does not displace the unit's standing of
// when the period closed. The current records leave out their claim name
// and archive path, as CurrentRows does: a draft, status and publish hold
// every counted unit's head, and the two paths were 13 MB of the 27 MB
// that 73,000 heads took, besides the driver's copying them out.
func (l *Ledger) HeadsWithout(ctx context.Context, period, rule string) (current, returned []Record, err error) {
	return l.HeadsSince(ctx, period, rule, nil, Mark{}, Mark{})
}

// returnedWithout is HeadsWithout's returned records.
func (l *Ledger) returnedWithout(ctx context.Context, period, rule string) ([]Record, error) {
	sel := `SELECT id FROM submissions r WHERE period = ? AND status = 'rejected' AND NOT ` + fmt.Sprintf(withFinding, "r") + ` AND NOT EXISTS (
		SELECT 1 FROM submissions a WHERE a.period = r.period AND a.status IN ('accepted', 'rejected') AND a.unit_code = r.unit_code
			AND NOT ` + fmt.Sprintf(withFinding, "a") + `
			AND (a.received_at > r.received_at OR (a.received_at = r.received_at AND a.id > r.id)))`
	returned, err := l.records(ctx, 0, sel, "unit_code", period, rule, rule)
	if err != nil {
		return nil, fmt.Errorf("ledger heads %s: %w", period, err)
	}
	return returned, nil
}

func isNoRows(err error) bool { return errors.Is(err, sql.ErrNoRows) }
