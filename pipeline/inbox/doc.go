// Package inbox takes files from the inbox safely: only once they have
// stopped changing, each by exactly one process, and puts every taken file
// in the archive under a name that never overwrites another.
//
// Scanning. Units drop files into inbox/<unit-code>/ (or inbox/ itself).
// Folders below a unit folder are walked too, up to inbox/<unit>/a/b/, so
// that a clerk who drags in a folder is not silently ignored; the file
// still belongs to the first-level folder. Symbolic links, devices and
// pipes are never taken (a link could lead out of the inbox; a pipe blocks
// a reader forever), nor are the junk files Office and file managers leave
// in shared folders (see isJunk). A folder or file that cannot be read (no
// permission, an I/O error) does not stop the scan: the other units' files
// are found as usual, and Unreadable names each such folder or file with
// its error, for the batch to report rather than leave a unit's files
// silently behind. Only an inbox that cannot be read at all fails Scan.
// Ready files come oldest first by the second Scan first saw them (their
// receive time), then by path: never by modification time, which a
// server's clock can set in the future.
//
// Quiet folders. Most of a province's 73,000 unit folders are empty on
// most nights, and opening and reading each was most of a quiet batch's
// time. A unit folder that held nothing to take (no file but junk, no
// folder to walk into, nothing unreadable) is recorded in
// work/inbox-quiet.bin with its stamp: device, inode, change time and
// modification time. Adding, removing or renaming an entry, or changing
// the folder's permissions, sets the change time, which unlike the
// modification time no user can set; so while the stamp stays, the
// folder still holds nothing, and the next Scan only looks at its status
// (one fstatat relative to the open inbox, where reading it costs an
// openat, fstat, two getdents and close on descriptors, with nothing
// allocated for a folder that holds nothing). The stamp is
// taken before the folder is read, and trusted only when the change time
// is at least 2 s (quietMargin) older than the scan that read it: the
// file system's clock ticks coarsely, and a file made in the tick the
// folder was read in could leave its stamp unchanged. A state written in
// the scan's future (a clock set back) is not trusted. The file is a
// cache, written through safefile, with a CRC: when it is missing or
// damaged every folder is read. Only local Linux file systems that set
// the change time themselves (ext2/3/4, xfs, btrfs, tmpfs, f2fs) are
// trusted; on a network share (attributes may come from a cache seconds
// old), FAT, or Windows (no change time or inode in os.FileInfo) every
// folder is read every time.
//
// A busy batch empties the folders it claims from, and their new stamps
// are too fresh to trust at once: a claim's rename and a file dropped in
// the same clock tick leave one stamp, so no stamp taken then can say
// the folder is empty, and the folder must be read once more after that
// tick. NoteEmptied does that read, for the folders whose claims are
// quietMargin old, while the batch drafts; the folders of the claims
// made since are read by the next Scan.
//
// Settling. A file is ready when its size and modification time have not
// changed for SettleSeconds, measured on this program's clock from when
// Scan first saw that size and time: a server's clock may be wrong, and a
// copy keeps the source's old modification time. The sightings are kept in
// work/inbox-seen.bin, so batches run minutes apart settle files between
// them. A batch that starts cold sees every file for the first time; it
// takes them on a second Scan after the settle time, or on the next run
// (the scheduler's poll keeps the sightings fresh between nightly runs).
// The file is a cache: when it is unreadable it is started afresh, which
// only delays files by one settle time. The sightings of a folder or file
// Scan could not read are kept, so that a share's hiccup does not restart
// them.
//
// Windows' CopyFile creates the destination at full size before the data
// arrives, so "size unchanged" does not prove a file complete. A workbook
// (.xlsx and the other zip-based types) whose zip end record is missing
// therefore waits for a second settle time; after that it is ready and the
// form reader rejects it as damaged, with a reason, instead of it waiting
// for ever. An empty file also waits twice the settle time, as a copy just
// begun; after that it is ready, marked Empty, to be rejected as empty
// rather than waited for by every later batch. A file over the size cap is
// still ready (marked TooLarge) so that it is rejected with a reason
// rather than left behind.
//
// Claiming. ClaimAll renames each file to
// work/claimed/<received>-<random>_<n>_<unit folder><original name>, where n
// is the folder name's length in bytes, so that the file name alone gives
// back the claim, the unit folder and the original name for Recover. The
// rename is atomic on one file system, so of two processes claiming one
// file exactly one succeeds; the other gets ErrGone. It never replaces a
// file (renameat2's RENAME_NOREPLACE on Linux). A name too long for the
// file system's 255 bytes takes the older layout instead, a folder of its
// own: work/claimed/<received>-<random>/[<unit folder>/]<original name>,
// where the file keeps its original name and the folder names give back the
// rest. Flat is the default because a folder made and removed per file
// was, on ext4, most of a large batch's time.
// The receive time is when Scan first saw the
// file as it was taken (whole seconds, UTC), not when the batch ran.
// Claiming needs only the folders' permissions, so a file its sender made
// unreadable (mode 000) is claimed, recovered and archived like any other
// (given the size and time the batch saw: it cannot be hashed); it fails
// alone only where the archive must copy it to another disk.
//
// Archiving. ArchiveGroup moves each claim to
// archive/{accepted,rejected}/<period>/<unit>@<name>__<received>__<sha8><ext>,
// a name computed from the claim alone, so that a batch that died halfway
// computes it again and finds its own work done. The name drops the
// characters a clerk cannot see (bidirectional controls, zero-width and
// other format characters, control characters), so that it shows what the
// file is; a name with nothing left becomes 未命名. Period and unit may
// come from a file's content: anything but a plain name (letters, digits,
// '-', '_', '.'; no "..", no Windows device name) becomes "_unknown", so
// that no value can lead outside archive/. The move
// is one rename that refuses to replace a file (renameat2's
// RENAME_NOREPLACE on Linux), so after a crash the file is either in work/
// or at its archive name; across file systems it is a copy that is synced
// and checked against the content hash before the original goes.
//
// Layout. The archive has one folder per status and period, not one per
// unit: a unit's files sort together by their <unit>@ prefix, which no
// unit code or safe name holds. Measured with ArchiveGroup's own steps
// (lstat, mkdir, no-replace rename, lstat, one syncfs a group) on the
// project's 2-core machine, 73,000 files, groups of 256, min/median at
// load 4–11: a folder per unit 9.6/12.9 s, flat 2.4/3.3 s; at 7,300 files
// 0.96/1.08 s against 0.27/0.43 s. A new folder costs the kernel's inode
// allocator and makes the group's flush write it. Files archived in
// the older layout (<period>/<unit>/<name>) stay where they are: the
// ledger keeps each file's path, and `ledger rebuild` reads both.
//
// Durability. ClaimAll and ArchiveGroup take a group of files and make
// what they did durable with one flush before they return (on Linux,
// past a handful of files, one syncfs per file system) rather than
// several fsyncs per file. ClaimUnflushed leaves the claims' flush to
// its caller, who reads the claimed files meanwhile and must have it
// done before a claim is recorded anywhere. Each archive folder is made once per call.
// The no-replace rename, the archive's copies, the sightings file and the
// folder syncs are package safefile's, shared with the rest of the
// program: a file system that cannot sync a folder (some network shares)
// counts as synced for the inbox and the outputs alike.
//
// A writer that paused for longer than the settle time has its half file
// claimed and judged, and may go on writing into the same file wherever
// it was moved. The archive holds exactly the bytes judged: ArchiveGroup
// compares the file with the size and modification time the batch judged
// it by (or, when the batch did not read it, with its hash) before the
// move and again after it. A file that changed is not archived: the bytes
// judged, when the batch kept them, are written at the archive name as a
// file of their own; the changed file goes back to its unit's inbox
// folder, never replacing a file there, to settle and be taken as a new
// arrival; and without the judged bytes the request fails with ErrChanged.
// A writer that goes on after that last look is beyond any check.
package inbox
