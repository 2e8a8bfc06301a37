package ledger

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"os"
	"time"

	"countybrief/pipeline/lock"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/stdlib"
)

// Advisory lock keys. PostgreSQL keeps advisory locks per database, so
// two ledgers in two databases of one server do not share them.
const (
	// writerLockKey is taken by every write transaction until it ends:
	// writers queue, as SQLite's BEGIN IMMEDIATE makes them, so code
	// that reads and then writes (the next issue number, a period's
	// state) sees no other writer in between, on any machine.
	writerLockKey int64 = 0x636f756e747901
	// batchLockKey is the batch lock, held by a session for a whole batch.
	batchLockKey int64 = 0x636f756e747902
)

// openPostgres opens the writer and reader pools of a ledger on
// PostgreSQL. Both speak through pgx's database/sql driver, wrapped so
// that the queries written for SQLite run unchanged.
func (l *Ledger) openPostgres(ctx context.Context, url string) error {
	cfg, err := pgx.ParseConfig(url)
	if err != nil {
		// The error may quote the URL, password and all.
		return errors.New("ledger setting is not a usable PostgreSQL URL")
	}
	l.pg = cfg
	l.w = sql.OpenDB(pgConnector{base: stdlib.GetConnector(*cfg), writer: true})
	// One writer connection per process, as with SQLite: the prepared
	// statements live on it, and writers queue on writerLockKey anyway.
	l.w.SetMaxOpenConns(1)
	l.w.SetMaxIdleConns(1)
	if err := migrate(ctx, l.w, true, pgMigrations(), ""); err != nil {
		return err
	}
	// Readers run read-only transactions at REPEATABLE READ: a query that
	// reads submissions and then their values sees one snapshot, as an
	// SQLite read transaction does. (READ COMMITTED, the default, takes
	// a new snapshot per statement.)
	rcfg := cfg.Copy()
	rcfg.RuntimeParams["default_transaction_read_only"] = "on"
	rcfg.RuntimeParams["default_transaction_isolation"] = "repeatable read"
	l.r = sql.OpenDB(pgConnector{base: stdlib.GetConnector(*rcfg)})
	l.r.SetMaxOpenConns(readConns)
	l.r.SetMaxIdleConns(readConns)
	return l.r.PingContext(ctx)
}

// pgConnector hands out pgConns.
type pgConnector struct {
	base   driver.Connector
	writer bool
}

func (c pgConnector) Connect(ctx context.Context) (driver.Conn, error) {
	dc, err := c.base.Connect(ctx)
	if err != nil {
		return nil, err
	}
	return &pgConn{Conn: dc.(*stdlib.Conn), writer: c.writer}, nil
}

func (c pgConnector) Driver() driver.Driver { return c.base.Driver() }

// pgConn is pgx's connection with SQLite's placeholders rebound, a bool
// stored as 0 or 1 (as SQLite stores it, in INTEGER columns), and, on the
// writer, every transaction begun under writerLockKey.
type pgConn struct {
	*stdlib.Conn
	writer bool
}

func (c *pgConn) Prepare(q string) (driver.Stmt, error) {
	return c.Conn.PrepareContext(context.Background(), rebind(q))
}

func (c *pgConn) PrepareContext(ctx context.Context, q string) (driver.Stmt, error) {
	return c.Conn.PrepareContext(ctx, rebind(q))
}

func (c *pgConn) ExecContext(ctx context.Context, q string, args []driver.NamedValue) (driver.Result, error) {
	return c.Conn.ExecContext(ctx, rebind(q), args)
}

func (c *pgConn) QueryContext(ctx context.Context, q string, args []driver.NamedValue) (driver.Rows, error) {
	return c.Conn.QueryContext(ctx, rebind(q), args)
}

func (c *pgConn) CheckNamedValue(nv *driver.NamedValue) error {
	if b, ok := nv.Value.(bool); ok {
		nv.Value = int64(0)
		if b {
			nv.Value = int64(1)
		}
	}
	return nil
}

func (c *pgConn) Begin() (driver.Tx, error) {
	return c.BeginTx(context.Background(), driver.TxOptions{})
}

func (c *pgConn) BeginTx(ctx context.Context, opts driver.TxOptions) (driver.Tx, error) {
	tx, err := c.Conn.BeginTx(ctx, opts)
	if err != nil || !c.writer || opts.ReadOnly {
		return tx, err
	}
	if _, err := c.Conn.ExecContext(ctx, `SELECT pg_advisory_xact_lock($1)`, []driver.NamedValue{{Ordinal: 1, Value: writerLockKey}}); err != nil {
		tx.Rollback()
		return nil, fmt.Errorf("wait for the ledger's writer lock: %w", err)
	}
	return tx, nil
}

// LockBatch takes the batch lock of a ledger on PostgreSQL: an advisory
// lock held by a connection of its own for as long as the batch runs, so
// that two machines sharing the ledger never run a batch at once. When
// the lock is held it fails at once with a *lock.HeldError naming the
// holder's process and host, or with wait tries again until ctx is done.
// When the session ends PostgreSQL releases the lock: at once for a
// process that dies, and for a machine that drops off the network once
// the server finds the connection dead (its tcp_keepalives_idle), so a
// lost machine never holds it for ever. The other side of that: a batch
// whose connection breaks has lost the lock while it still runs. release
// ends the lock and its connection.
//
// A ledger in an SQLite file has no such lock; its batch lock is the
// workspace's lock file (package lock).
func (l *Ledger) LockBatch(ctx context.Context, wait bool) (release func(), err error) {
	if l.pg == nil {
		return nil, errors.New("batch lock in the ledger: the ledger is not on PostgreSQL")
	}
	cfg := l.pg.Copy()
	host, _ := os.Hostname()
	// The holder's name, read back by a waiting process to say who holds
	// it; application_name keeps 63 bytes, which this fits.
	cfg.RuntimeParams["application_name"] = fmt.Sprintf("countybrief %d %.32s", os.Getpid(), host)
	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("batch lock: connect: %w", err)
	}
	release = func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		// Closing the session releases its advisory locks.
		conn.Close(ctx)
	}
	for {
		var got bool
		if err := conn.QueryRow(ctx, `SELECT pg_try_advisory_lock($1)`, batchLockKey).Scan(&got); err != nil {
			release()
			return nil, fmt.Errorf("batch lock: %w", err)
		}
		if got {
			return release, nil
		}
		// The lock's place, as a URL without the user or password.
		held := &lock.HeldError{Path: fmt.Sprintf("postgres://%s/%s", cfg.Host, cfg.Database), Holder: batchHolder(ctx, conn)}
		if !wait {
			release()
			return nil, held
		}
		t := time.NewTimer(250 * time.Millisecond)
		select {
		case <-ctx.Done():
			t.Stop()
			release()
			return nil, fmt.Errorf("%w (gave up waiting: %w)", held, ctx.Err())
		case <-t.C:
		}
	}
}

// batchHolder reads who holds the batch lock from the name its session
// gave itself; a holder that cannot be read is the zero Holder.
func batchHolder(ctx context.Context, conn *pgx.Conn) lock.Holder {
	var name string
	var since time.Time
	err := conn.QueryRow(ctx, `SELECT a.application_name, a.backend_start FROM pg_locks k
		JOIN pg_stat_activity a ON a.pid = k.pid
		WHERE k.locktype = 'advisory' AND k.granted AND k.database = (SELECT oid FROM pg_database WHERE datname = current_database())
			AND (k.classid::bigint << 32) | k.objid::bigint = $1`, batchLockKey).Scan(&name, &since)
	if err != nil {
		return lock.Holder{}
	}
	var h lock.Holder
	if _, err := fmt.Sscanf(name, "countybrief %d %s", &h.PID, &h.Host); err != nil {
		return lock.Holder{}
	}
	h.Started = since
	return h
}

// pgCorrupt reports PostgreSQL's data_corrupted and index_corrupted.
func pgCorrupt(err error) bool {
	var pe *pgconn.PgError
	return errors.As(err, &pe) && (pe.Code == "XX001" || pe.Code == "XX002")
}

// pgDiskFull: the server's disk is full (disk_full).
func pgDiskFull(err error) bool {
	var pe *pgconn.PgError
	return errors.As(err, &pe) && pe.Code == "53100"
}
