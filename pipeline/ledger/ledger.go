package ledger

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	// The driver registers itself as "sqlite".
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/jackc/pgx/v5"
)

// Ledger is an open ledger file. It is safe for concurrent use; writes are
// serialised through one connection. Close it when done.
type Ledger struct {
	w *sql.DB // the one writer connection
	r *sql.DB // read-only connections

	// Prepared once on the writer connection and reused by every write.
	// SQLite parses a statement every time it is not kept: for the full
	// inserts of 256 rows, most of a group's SQL, that was a tenth of
	// recording it.
	claimID *sql.Stmt
	// The full inserts and archive-path update are prepared on their first
	// use: some 2,700 placeholders each, 0.6 ms of parsing at every start,
	// which a batch with nothing new never needs, nor one whose groups are
	// too small to fill them (a county's), and a larger batch then pays
	// beside its reading instead of before it.
	setArchive, insertSubmissions, insertFindings lazyStmt
	// Prepared on the reader pool: the batch asks it once per form.
	periodState *sql.Stmt

	pg *pgx.ConnConfig // the server, when the ledger is on PostgreSQL
	// log is the SQLite file's write-ahead log, which Checkpoint sizes.
	log string
}

// readConns bounds the read pool: the status command and the batch read
// a few queries at a time, and every connection holds a page cache.
const readConns = 4

// Pragmas every connection runs. busy_timeout comes first (the driver sorts
// it first anyway) so that switching to WAL waits for a lock rather than
// failing. Why the cache sizes and the checkpoint interval are what they
// are, with the measurements, is in the package documentation.
const (
	writerParams = "_pragma=busy_timeout(10000)&_pragma=cache_size(-2048)&_pragma=journal_mode(WAL)&_pragma=wal_autocheckpoint(16384)&_pragma=synchronous(FULL)&_pragma=foreign_keys(1)&_txlock=immediate"
	readerParams = "_pragma=busy_timeout(10000)&_pragma=cache_size(-256)&_pragma=synchronous(FULL)&_pragma=query_only(1)"
)

// Open opens the ledger at path, creating the file if needed (its folder
// must exist) and bringing its schema up to date. The path may be relative
// and hold any characters the file system allows. A postgres:// URL
// (IsPostgres) opens the ledger in that PostgreSQL database instead,
// creating its tables there if needed.
func Open(ctx context.Context, path string) (*Ledger, error) {
	l := &Ledger{}
	if IsPostgres(path) {
		if err := l.openPostgres(ctx, path); err != nil {
			l.Close()
			return nil, fmt.Errorf("open ledger on PostgreSQL: %w", err)
		}
		if err := l.prepare(ctx); err != nil {
			l.Close()
			return nil, fmt.Errorf("open ledger on PostgreSQL: %w", err)
		}
		return l, nil
	}
	uri, err := fileURI(path)
	if err != nil {
		return nil, fmt.Errorf("open ledger %s: %w", path, err)
	}
	if abs, err := filepath.Abs(path); err == nil {
		l.log = abs + "-wal"
	}
	if err := l.open(ctx, uri); err != nil {
		l.Close()
		return nil, fmt.Errorf("open ledger %s: %w", path, err)
	}
	return l, nil
}

func (l *Ledger) open(ctx context.Context, uri string) error {
	var err error
	// A new file's switch to WAL (journal_mode, under synchronous FULL)
	// keeps its fsyncs, the rollback journal's and the header's, though
	// nothing is in the ledger yet: a header lost in a power cut leaves
	// the file empty, and SQLite opening an empty file deletes the log
	// beside it, which by then may hold the batch's synced commits, whose
	// files are in the archive.
	if l.w, err = sql.Open("sqlite", uri+"?"+writerParams); err != nil {
		return err
	}
	l.w.SetMaxOpenConns(1)
	// Keep the writer open between writes: a new connection would run the
	// pragmas and prepare the statements again.
	l.w.SetMaxIdleConns(1)
	// The migrations' commit does not wait for the disk: a new ledger's
	// schema is on disk with the first commit that does (the batch's first
	// group), and a power cut before it leaves the steps to be applied
	// again, the log's frames of an unsynced commit being discarded whole.
	if err := retryBusy(ctx, func() error {
		return l.unsynced(ctx, func(conn *sql.Conn) error { return migrate(ctx, conn, false, migrations(), freshSchema) })
	}); err != nil {
		return err
	}
	// The reader pool is opened only after the writer has switched the file
	// to WAL, so a reader never sees it in rollback mode.
	if l.r, err = sql.Open("sqlite", uri+"?"+readerParams); err != nil {
		return err
	}
	l.r.SetMaxOpenConns(readConns)
	l.r.SetMaxIdleConns(readConns)
	return l.prepare(ctx)
}

// prepare prepares the writer's statements.
func (l *Ledger) prepare(ctx context.Context) error {
	var err error
	for _, p := range []struct {
		stmt **sql.Stmt
		sql  string
	}{
		{&l.claimID, `SELECT id, sha256, unit_code FROM submissions WHERE claim_name = ?`},
	} {
		if *p.stmt, err = l.w.PrepareContext(ctx, p.sql); err != nil {
			return fmt.Errorf("prepare: %w", err)
		}
	}
	l.setArchive = lazyStmt{db: l.w, query: setArchiveSQL(archivePathsPerUpdate)}
	l.insertSubmissions = lazyStmt{db: l.w, query: insertSQL("submissions", submissionCols, 11, rowsPerInsert, insertSubmissionsTail)}
	l.insertFindings = lazyStmt{db: l.w, query: insertSQL("findings", findingCols, 10, rowsPerInsert, "")}
	if l.periodState, err = l.r.PrepareContext(ctx, periodStateSQL); err != nil {
		return fmt.Errorf("prepare: %w", err)
	}
	return nil
}

// lazyStmt is a statement prepared on db on its first use.
type lazyStmt struct {
	db    *sql.DB
	query string
	mu    sync.Mutex
	stmt  *sql.Stmt
}

// get returns the statement, preparing it the first time. It takes one of
// db's connections to do so: never call it holding the writer's one
// connection (in a transaction), which would wait for itself.
func (s *lazyStmt) get(ctx context.Context) (*sql.Stmt, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.stmt == nil {
		st, err := s.db.PrepareContext(ctx, s.query)
		if err != nil {
			return nil, fmt.Errorf("prepare: %w", err)
		}
		s.stmt = st
	}
	return s.stmt, nil
}

func (s *lazyStmt) close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.stmt == nil {
		return nil
	}
	return s.stmt.Close()
}

// Checkpoint copies the pages the log holds into the ledger file, as the
// last connection to close would, without waiting for readers (a passive
// checkpoint), when the log holds at least earlyCheckpoint bytes: a batch
// runs it beside its draft, which only reads, rather than after it, when
// closing waited for it. Durability is the same: every commit was on disk
// in the log before it returned. A ledger on PostgreSQL has no log of its
// own to copy.
func (l *Ledger) Checkpoint(ctx context.Context) error {
	if l.pg != nil {
		return nil
	}
	if info, err := os.Stat(l.log); err != nil || info.Size() < earlyCheckpoint {
		return nil // copied when the ledger closes
	}
	var busy, frames, copied int
	if err := l.w.QueryRowContext(ctx, `PRAGMA wal_checkpoint(PASSIVE)`).Scan(&busy, &frames, &copied); err != nil {
		return fmt.Errorf("checkpoint the ledger: %w", err)
	}
	return nil
}

// earlyCheckpoint is the log below which Checkpoint leaves the copy to
// Close. A 7,300-form batch's 42 MB of log took some 100 ms to copy at
// close, after its draft; a 730-form batch's 4 MB took 5 ms at close, and
// 39 ms beside its draft, whose two cores it shared, ending after it
// (2026-12-05, traces of both, load 2).
const earlyCheckpoint = 16 << 20

// Close closes the statements and connections. Uncommitted work cannot
// exist at this point: every write commits or rolls back before returning.
func (l *Ledger) Close() error {
	var errs []error
	for _, s := range []*sql.Stmt{l.claimID, l.periodState} {
		if s != nil {
			errs = append(errs, s.Close())
		}
	}
	for _, s := range []*lazyStmt{&l.setArchive, &l.insertSubmissions, &l.insertFindings} {
		errs = append(errs, s.close())
	}
	for _, db := range []*sql.DB{l.r, l.w} {
		if db != nil {
			errs = append(errs, db.Close())
		}
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("close ledger: %w", err)
	}
	return nil
}

// busyRetries bounds retryBusy: pauses of 5 ms doubling to 200 ms, about
// ten seconds in all, the same as the busy timeout.
const busyRetries = 55

// retryBusy runs f again while it fails with SQLITE_BUSY. Switching a new
// file to WAL takes an exclusive lock for which SQLite does not call the
// busy handler, so when two processes create the ledger at once the loser
// fails at once instead of waiting the few milliseconds the winner needs.
func retryBusy(ctx context.Context, f func() error) error {
	pause := 5 * time.Millisecond
	for try := 1; ; try++ {
		err := f()
		if err == nil || !isBusy(err) || try == busyRetries {
			return err
		}
		t := time.NewTimer(pause)
		select {
		case <-ctx.Done():
			t.Stop()
			return fmt.Errorf("%w (gave up waiting: %w)", err, ctx.Err())
		case <-t.C:
		}
		pause = min(2*pause, 200*time.Millisecond)
	}
}

func isBusy(err error) bool {
	var e *sqlite.Error
	return errors.As(err, &e) && e.Code()&0xff == sqlite3.SQLITE_BUSY
}

// migrate applies the migrations the file lacks. The version is read again
// inside the write transaction, so two processes opening a fresh file at
// once cannot both apply the same migration. An up-to-date file is
// recognised without the write lock, so the status command can open the
// ledger while the batch is in a long write.
//
// The steps share one transaction, each under a savepoint: a step that
// fails is undone alone and the steps before it are kept, as when each
// was its own transaction, but a new ledger costs one commit, one wait
// for the disk, not one per step (eight, some 20 ms of a county's cold
// batch on the shared test machine).
//
// A file at version 0 is given fresh, the schema the steps end in, as one
// step instead (freshSchema for SQLite; "" runs every step).
func migrate(ctx context.Context, db migrator, pg bool, steps []string, fresh string) (err error) {
	version, err := schemaVersion(ctx, db, pg)
	if err != nil {
		return fmt.Errorf("read schema version: %w", err)
	}
	if version == len(steps) {
		return nil
	}
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	committed := false
	defer func() {
		if !committed {
			tx.Rollback()
		}
	}()
	if pg {
		if _, err := tx.ExecContext(ctx, pgVersionTable); err != nil {
			return fmt.Errorf("create schema version table: %w", err)
		}
	}
	if version, err = schemaVersion(ctx, tx, pg); err != nil {
		return fmt.Errorf("read schema version: %w", err)
	}
	if version > len(steps) {
		return fmt.Errorf("schema version %d is newer than this program's %d: use a newer countybrief", version, len(steps))
	}
	var failed error
	if version == 0 && fresh != "" {
		failed = migrateStep(ctx, tx, pg, fresh, len(steps))
		version = len(steps)
	}
	for ; version < len(steps) && failed == nil; version++ {
		failed = migrateStep(ctx, tx, pg, steps[version], version+1)
	}
	committed = true
	if err := tx.Commit(); err != nil {
		return errors.Join(failed, fmt.Errorf("migrate: commit: %w", err))
	}
	return failed
}

// migrator is where migrate runs: the writer's pool, or its one
// connection held with its commits unsynced.
type migrator interface {
	queryer
	BeginTx(ctx context.Context, opts *sql.TxOptions) (*sql.Tx, error)
}

// migrateStep applies migration v inside tx under a savepoint, which is
// rolled back, leaving the steps before it, when the step fails.
func migrateStep(ctx context.Context, tx *sql.Tx, pg bool, step string, v int) error {
	if _, err := tx.ExecContext(ctx, `SAVEPOINT migration`); err != nil {
		return fmt.Errorf("migration %d: %w", v, err)
	}
	err := func() error {
		if _, err := tx.ExecContext(ctx, step); err != nil {
			return fmt.Errorf("migration %d: %w", v, err)
		}
		if err := setSchemaVersion(ctx, tx, pg, v); err != nil {
			return fmt.Errorf("migration %d: set version: %w", v, err)
		}
		return nil
	}()
	if err != nil {
		if _, rerr := tx.ExecContext(ctx, `ROLLBACK TO SAVEPOINT migration`); rerr != nil {
			return errors.Join(err, fmt.Errorf("migration %d: undo: %w", v, rerr))
		}
		return err
	}
	if _, err := tx.ExecContext(ctx, `RELEASE SAVEPOINT migration`); err != nil {
		return fmt.Errorf("migration %d: %w", v, err)
	}
	return nil
}

// fileURI turns a file path into an SQLite URI filename. A plain path would
// be cut at its first '?' by the driver, and SQLite would read '#' and '%'
// as URI syntax, so everything but unreserved characters is escaped. The
// path is made absolute first; a Windows path becomes file:///C:/dir/x.db
// and a UNC path file:////server/share/x.db, which SQLite's Windows VFS
// turns back into native form.
func fileURI(path string) (string, error) {
	if path == "" {
		return "", errors.New("empty path")
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return "", err
	}
	return slashURI(filepath.ToSlash(abs))
}

// slashURI is fileURI for an absolute path with forward slashes.
func slashURI(p string) (string, error) {
	if !strings.HasPrefix(p, "/") {
		p = "/" + p
	}
	const hex = "0123456789ABCDEF"
	var b strings.Builder
	b.WriteString("file://")
	for i := 0; i < len(p); i++ {
		c := p[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9',
			c == '/', c == '-', c == '.', c == '_', c == '~', c == ':':
			b.WriteByte(c)
		case c == 0:
			return "", errors.New("path contains a NUL byte")
		default:
			b.WriteByte('%')
			b.WriteByte(hex[c>>4])
			b.WriteByte(hex[c&15])
		}
	}
	return b.String(), nil
}

// nanos stores a time as nanoseconds since the epoch; the zero time and
// years UnixNano cannot represent are caller bugs.
func nanos(what string, t time.Time) (int64, error) {
	if t.IsZero() || t.Year() < 1678 || t.Year() > 2261 {
		return 0, fmt.Errorf("%s %v is not a usable time", what, t)
	}
	return t.UnixNano(), nil
}

// fromNanos returns stored times in the local zone, the office's clock.
func fromNanos(n int64) time.Time { return time.Unix(0, n) }
