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
	// Date is the date printed on the issue, YYYY-MM-DD; empty for issues
	// numbered before the office published them.
	Date string
}

// Publication is an issue with everything needed to print it again:
// which submission of each unit it counted, the workspace files it was
// rendered from, and what the rest of the briefing said (Render, the
// caller's own encoding).
type Publication struct {
	Issue
	Counted []Counted
	Files   map[string][]byte
	Render  []byte
}

// Counted is the submission an issue counted for a unit.
type Counted struct {
	Unit       string
	Submission int64
	SHA256     string
}

// ErrIssueTaken is returned by PublishIssue when the number the caller
// rendered is no longer the next one: another process published first.
var ErrIssueTaken = errors.New("issue number already taken")

// PublishIssue records a published issue under the next number, the
// highest plus one (starting at 1), in one transaction with what it
// counted and was rendered from, so that a number is never given without
// its record. p.Issue, when set, is the number the caller rendered: any
// other next number fails with ErrIssueTaken and records nothing.
func (l *Ledger) PublishIssue(ctx context.Context, p Publication) (issue int, err error) {
	if p.InputsHash == "" || p.Period == "" || p.Path == "" {
		return 0, errors.New("publish issue: empty inputs hash, period or path")
	}
	at, err := nanos("publish time", p.At)
	if err != nil {
		return 0, fmt.Errorf("publish issue: %w", err)
	}
	tx, err := l.w.BeginTx(ctx, nil)
	if err != nil {
		return 0, fmt.Errorf("publish issue: %w", err)
	}
	defer tx.Rollback()
	if err := tx.QueryRowContext(ctx, `SELECT COALESCE(MAX(issue), 0) + 1 FROM briefings`).Scan(&issue); err != nil {
		return 0, fmt.Errorf("publish issue: %w", err)
	}
	if p.Issue.Issue != 0 && p.Issue.Issue != issue {
		return 0, fmt.Errorf("publish issue %d: next is %d: %w", p.Issue.Issue, issue, ErrIssueTaken)
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO briefings (issue, period, inputs_hash, path, totals_json, at, date, render_json)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, issue, p.Period, p.InputsHash, p.Path, nonNil(p.Totals), at, p.Date, nonNil(p.Render)); err != nil {
		return 0, fmt.Errorf("publish issue %d: %w", issue, err)
	}
	for _, c := range p.Counted {
		if _, err := tx.ExecContext(ctx, `INSERT INTO issue_counted (issue, unit_code, submission_id, sha256) VALUES (?, ?, ?, ?)`,
			issue, c.Unit, c.Submission, c.SHA256); err != nil {
			return 0, fmt.Errorf("publish issue %d: counted %s: %w", issue, c.Unit, err)
		}
	}
	for name, data := range p.Files {
		if _, err := tx.ExecContext(ctx, `INSERT INTO issue_files (issue, name, data) VALUES (?, ?, ?)`, issue, name, nonNil(data)); err != nil {
			return 0, fmt.Errorf("publish issue %d: file %s: %w", issue, name, err)
		}
	}
	if err := tx.Commit(); err != nil {
		return 0, fmt.Errorf("publish issue %d: %w", issue, err)
	}
	return issue, nil
}

// ErrNoIssue is returned by Publication for a number never published.
var ErrNoIssue = errors.New("no such issue")

// Publication returns issue n with what it counted and was rendered from.
// An issue numbered before publishing existed, or restored from a file,
// has no Counted, Files or Render.
func (l *Ledger) Publication(ctx context.Context, n int) (*Publication, error) {
	var p Publication
	var at int64
	err := l.r.QueryRowContext(ctx, `SELECT issue, period, inputs_hash, path, totals_json, at, date, COALESCE(render_json, '')
		FROM briefings WHERE issue = ?`, n).Scan(&p.Issue.Issue, &p.Period, &p.InputsHash, &p.Path, &p.Totals, &at, &p.Date, &p.Render)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return nil, fmt.Errorf("issue %d: %w", n, ErrNoIssue)
	case err != nil:
		return nil, fmt.Errorf("issue %d: %w", n, err)
	}
	p.At = fromNanos(at)
	rows, err := l.r.QueryContext(ctx, `SELECT unit_code, submission_id, sha256 FROM issue_counted WHERE issue = ? ORDER BY unit_code`, n)
	if err != nil {
		return nil, fmt.Errorf("issue %d: counted: %w", n, err)
	}
	defer rows.Close()
	for rows.Next() {
		var c Counted
		if err := rows.Scan(&c.Unit, &c.Submission, &c.SHA256); err != nil {
			return nil, fmt.Errorf("issue %d: counted: %w", n, err)
		}
		p.Counted = append(p.Counted, c)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("issue %d: counted: %w", n, err)
	}
	files, err := l.r.QueryContext(ctx, `SELECT name, data FROM issue_files WHERE issue = ?`, n)
	if err != nil {
		return nil, fmt.Errorf("issue %d: files: %w", n, err)
	}
	defer files.Close()
	p.Files = map[string][]byte{}
	for files.Next() {
		var name string
		var data []byte
		if err := files.Scan(&name, &data); err != nil {
			return nil, fmt.Errorf("issue %d: files: %w", n, err)
		}
		p.Files[name] = data
	}
	if err := files.Err(); err != nil {
		return nil, fmt.Errorf("issue %d: files: %w", n, err)
	}
	return &p, nil
}

// LastIssue returns the highest-numbered issue, or nil before the first.
func (l *Ledger) LastIssue(ctx context.Context) (*Issue, error) {
	var b Issue
	var at int64
	err := l.r.QueryRowContext(ctx, `SELECT issue, period, inputs_hash, path, totals_json, at, date
		FROM briefings ORDER BY issue DESC LIMIT 1`).Scan(&b.Issue, &b.Period, &b.InputsHash, &b.Path, &b.Totals, &at, &b.Date)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return nil, nil
	case err != nil:
		return nil, fmt.Errorf("last issue: %w", err)
	}
	b.At = fromNanos(at)
	return &b, nil
}

// nonNil stores absent blobs as empty ones: the columns are NOT NULL and
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
