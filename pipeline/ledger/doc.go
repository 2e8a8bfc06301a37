// Package ledger is the batch's memory: every submission ever received
// (accepted, rejected or a duplicate re-drop), its values and findings, the
// batch runs, and the issue numbers of the published briefings. It is one
// SQLite file, written through modernc.org/sqlite (pure Go, no cgo).
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
package ledger
