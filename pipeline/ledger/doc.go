// Package ledger is the batch's memory: every submission ever received
// (accepted, rejected or a duplicate re-drop), its values and findings, the
// batch runs, and the issue numbers of the published briefings. It is one
// SQLite file, written through modernc.org/sqlite (pure Go, no cgo), or,
// for an office whose machines share it, a PostgreSQL database (below).
//
// The ledger keeps every version a unit sends; "latest accepted wins" is a
// query (Current), not a rewrite, so a late correction and the file it
// replaced both stay on record.
//
// Why the connection settings are what they are:
//
//   - WAL journal: a reader (the status command, a clerk's query) never
//     blocks the nightly batch and the batch never blocks a reader; readers
//     see the last committed state, never half a file's record.
//   - synchronous FULL: a commit is on disk before RecordBatch returns. The
//     batch archives a file only after its record is committed, so a power
//     cut after the rename must not lose the record; with NORMAL the last
//     commits may roll back on power loss (not on a crash) even though the
//     file has already moved.
//     The commits that do not wait are SetArchivePaths': where the
//     files went is on disk with the next commit, and a power cut before
//     it leaves records without a path, which the next batch completes
//     from the claims as after a kill between moving and noting; and
//     FinishRun's, a batch's last, which closing the ledger syncs (a
//     power cut before leaves the run marked running, then interrupted).
//   - One writer: all writes go through one connection and transactions
//     begin IMMEDIATE, so two writers queue on the busy timeout instead of
//     one failing with SQLITE_BUSY when it tries to upgrade a read lock.
//     Reads use a separate small pool of read-only connections and run in a
//     read transaction, so a query that reads submissions and then their
//     values sees one snapshot.
//   - A batch's memory must not grow with the ledger. Readers do not map
//     the file (mmap_size stays 0): mapped pages count in the process's
//     memory (12 MB of a batch's 85 MB at 7,300 units). Each reader's page
//     cache is 256 KiB, not SQLite's 2 MB: a batch reads each page about
//     once, the operating system caches the file anyway, and four full
//     caches were another 10 MB at 7,300 units, for a few milliseconds
//     saved.
//   - The writer's page cache is 2 MiB, SQLite's default. Its memory is
//     outside the Go heap (modernc's C allocator), and that allocator
//     rounds every allocation up to a power of two: a cached page of
//     4 KiB plus SQLite's header takes 8 KiB, so the 32 MiB cache this
//     once had held 58-70 MB of a 73,000-unit batch's memory, while
//     recording those 73,000 files took the same CPU with 2, 8 or
//     32 MiB (the indexes that take inserts at random places are about
//     10 MB; a page not in the cache is read back from the operating
//     system's cache). Measured on 73,000 files in groups of 256, the
//     batch's calls alone, CPU 5.6/5.7 s (2 MiB), 5.1/5.9 s (8 MiB),
//     5.8/5.4 s (32 MiB); C memory 8, 18 and 30 MB. In whole cold
//     batches, with this and the checkpoint interval below, the C
//     allocator's peak went from 64-96 MB to 4-6 MB and the batch's peak
//     RSS from 434-481 MB to 344-365 MB (three pairs; BenchmarkScale-
//     Record73000 measures the ledger's part).
//   - The WAL is checkpointed every 16,384 pages (64 MiB), not SQLite's
//     1,000: each checkpoint copies the pages written since the last one
//     into the file and waits for the disk, and the index pages a batch
//     rewrites again and again were copied once per 4 MiB of log. The
//     same 73,000 files: 5.3/6.3 s instead of 10.4/11.2 s of wall time,
//     4.5/5.3 s of CPU. Durability does not change (a commit is durable
//     once the log is synced); the log file on disk grows to some 64 MiB
//     before it is reused, and the last connection to close checkpoints it.
//     A batch checkpoints (Checkpoint) beside its draft, which only
//     reads, so that closing has only the draft's few pages left to copy:
//     at 7,300 files the copy was some 100 ms after the draft. Leaving the
//     log uncopied at close (SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE) would cost
//     nothing in durability either, but the next process to open the
//     ledger, a status command too, would read the whole log back to
//     index it, and it would grow across batches to 64 MiB.
//   - Pragmas travel in the DSN, so every pooled connection gets them, not
//     only the first.
//
// The ledger must live on a local disk. WAL coordinates readers and the
// writer through a shared-memory file that network file systems (SMB/CIFS
// shares, NFS) do not support correctly; on a share the ledger can be
// corrupted silently. The workspace may be on a share only if the ledger
// path points to a local disk.
//
// The schema is versioned with PRAGMA user_version; Open applies the
// missing migrations in order, in one transaction with a savepoint each,
// and refuses a file written by a newer program. A new file is given the
// migrations' end state in one step instead (schema.sql, which
// TestFreshSchemaIsMigrated keeps equal to what the migrations make and
// rewrites with -update): a new migration is appended to migrations() and
// schema.sql regenerated.
//
// # PostgreSQL, the shared ledger
//
// An office whose staff machines share one ledger keeps it in PostgreSQL:
// a postgres:// URL as the ledger setting (IsPostgres) instead of a path.
// The code that reads and writes is one body for both. It speaks
// database/sql, and PostgreSQL is reached through pgx's database/sql driver
// (github.com/jackc/pgx/v5/stdlib) wrapped by a small dialect layer
// (dialect.go, postgres.go) rather than through pgx's own interface, so
// that no query is written twice and the speed work done for SQLite stays
// the only code path:
//
//   - Placeholders are written as SQLite's ? and ?NNN and rebound to $N
//     by the connection wrapper; a Go bool is stored as 0/1 as SQLite
//     stores it.
//   - The migrations are written once, in SQLite's DDL, and translated:
//     INTEGER is BIGINT (times are nanoseconds), INTEGER PRIMARY KEY an
//     identity column, REAL DOUBLE PRECISION, BLOB BYTEA, TEXT collates
//     "C" (bytes, as SQLite's BINARY sorts them, whatever the server's
//     locale), STRICT and WITHOUT ROWID fall away. The one migration that
//     used SQLite's JSON functions has its PostgreSQL twin. The version
//     lives in a one-row table, ledger_schema, since there is no
//     user_version.
//   - SQL that differs is written in the form both accept: ON CONFLICT
//     DO NOTHING, RETURNING id instead of LastInsertId, an alias on every
//     subquery in FROM.
//   - SQLite's one writer becomes an advisory lock: every write
//     transaction waits for it first, so writers on every machine queue
//     as BEGIN IMMEDIATE makes them queue on one, and code that reads and
//     then writes (the next issue number, a period's state) sees no other
//     writer in between. Readers run read-only REPEATABLE READ
//     transactions, one snapshot each, as SQLite's read transactions are.
//   - The batch lock, a lock file beside an SQLite ledger, is a session
//     advisory lock (LockBatch) held on a connection of its own for the
//     whole batch; a batch whose process dies or loses the server gives
//     it up with its session.
//   - QuickCheck reads every submission and finding (PostgreSQL checks
//     each page it reads); IsCorrupt knows PostgreSQL's data_corrupted
//     and index_corrupted.
//
// Durability is the server's: a commit returns once PostgreSQL has it on
// disk (synchronous_commit on, its default). Tests run against both
// backends (eachBackend), on a private server started per test process.
package ledger
