// Package lock lets one batch run at a time per workspace.
//
// The lock is an operating-system lock on a file (flock on Unix,
// LockFileEx on Windows), not the file's existence: the system drops it
// when the holding process ends, however it ends, so a batch killed at
// 02:05 never blocks the one at 02:10 and nobody has to delete a stale
// lock file by hand. The file is never deleted either: deleting a lock
// file while another process has it open lets two processes lock two
// different files of the same name.
//
// The holder writes its pid, host and start time into the file as JSON so
// that a process that finds the lock taken can say who has it. On Windows
// the lock covers one byte far past the end of the file, because
// LockFileEx locks are mandatory and a lock over the JSON would stop the
// loser from reading it.
//
// Over SMB and NFS the lock is only as good as the server's lock support;
// keep the work folder on a local disk (as the ledger must be anyway).
package lock
