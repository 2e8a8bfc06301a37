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
//     The one commit that does not wait is SetArchivePaths': where the
//     files went is on disk with the next commit, and a power cut before
//     it leaves records without a path, which the next batch completes
//     from the claims as after a kill between moving and noting.
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
//   - The writer's page cache is 32 MiB, not 2 MB: a group's rows go into
//     five indexes at random places (claim name, sha256, unit, period), and
//     at 73,000 units those indexes outgrow 2 MB, so every insert read its
//     index pages back from the WAL. The cache is a ceiling, filled only
//     as far as the indexes reach, and the one writer is the only
//     connection with it.
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
// missing migrations in order, each in its own transaction, and refuses a
// file written by a newer program.
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
