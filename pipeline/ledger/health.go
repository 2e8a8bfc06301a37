package ledger

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"syscall"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// ErrCorrupt marks a ledger file SQLite finds damaged: it is not a
// database, or its pages fail the integrity check. Such a file is never
// repaired in place; the office rebuilds the ledger from the archive.
var ErrCorrupt = errors.New("ledger file is corrupt")

// IsCorrupt reports whether err says the ledger file is damaged, as
// opposed to merely unreachable (locked, no permission), which a rebuild
// would not cure.
func IsCorrupt(err error) bool {
	if pgCorrupt(err) {
		return true
	}
	var e *sqlite.Error
	if errors.As(err, &e) {
		switch e.Code() & 0xff {
		case sqlite3.SQLITE_CORRUPT, sqlite3.SQLITE_NOTADB:
			return true
		}
	}
	return errors.Is(err, ErrCorrupt)
}

// IsDiskFull reports whether err says a disk (or a quota) is full: the
// system's ENOSPC or EDQUOT anywhere in the chain, SQLite's SQLITE_FULL,
// or its failure to grow the shared-memory file beside a ledger in WAL
// mode (SQLITE_IOERR_SHMSIZE), which is what it reports first when the
// disk fills while a ledger is opened; PostgreSQL's disk_full.
func IsDiskFull(err error) bool {
	if errors.Is(err, syscall.ENOSPC) || errors.Is(err, syscall.EDQUOT) || pgDiskFull(err) {
		return true
	}
	var e *sqlite.Error
	return errors.As(err, &e) && (e.Code()&0xff == sqlite3.SQLITE_FULL || e.Code() == sqlite3.SQLITE_IOERR_SHMSIZE)
}

// QuickCheck runs SQLite's quick_check over the whole file and returns an
// error wrapping ErrCorrupt with what it found when the file is damaged.
// It reads every page, so it costs about as much as reading the file once.
// On PostgreSQL, which checks its own pages as it reads them, it reads
// every submission and finding instead: a damaged page is an error there.
func (l *Ledger) QuickCheck(ctx context.Context) error {
	check := `PRAGMA quick_check`
	if l.pg != nil {
		// Every column of every row, so that the heap is read, not an
		// index that would answer count(*).
		check = `SELECT 'ok' FROM (SELECT (SELECT sum(octet_length(s::text)) FROM submissions s),
			(SELECT sum(octet_length(f::text)) FROM findings f)) AS pages`
	}
	rows, err := l.r.QueryContext(ctx, check)
	if err != nil {
		if IsCorrupt(err) {
			return fmt.Errorf("%w: %w", ErrCorrupt, err)
		}
		return fmt.Errorf("ledger quick check: %w", err)
	}
	var problems []string
	for rows.Next() {
		var line string
		if err := rows.Scan(&line); err != nil {
			rows.Close()
			return fmt.Errorf("ledger quick check: %w", err)
		}
		if line != "ok" {
			problems = append(problems, line)
		}
	}
	if err := closeRows(rows); err != nil {
		if IsCorrupt(err) {
			return fmt.Errorf("%w: %w", ErrCorrupt, err)
		}
		return fmt.Errorf("ledger quick check: %w", err)
	}
	if len(problems) > 0 {
		return fmt.Errorf("%w: %s", ErrCorrupt, strings.Join(problems, "; "))
	}
	return nil
}

// HasSubmissions reports whether any file was ever recorded: a ledger
// without one, beside an archive that holds files, has lost its memory.
func (l *Ledger) HasSubmissions(ctx context.Context) (bool, error) {
	var has bool
	if err := l.r.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM submissions)`).Scan(&has); err != nil {
		if IsCorrupt(err) {
			return false, fmt.Errorf("%w: %w", ErrCorrupt, err)
		}
		return false, fmt.Errorf("ledger has submissions: %w", err)
	}
	return has, nil
}
