package inbox

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"countybrief/pipeline/safefile"
)

// quietMargin is how much older than the scan that read it a folder's
// change time must be for Scan to trust it later (safefile.StampMargin):
// a file created in the tick the folder was read in could leave the
// stamp as it was.
const quietMargin = safefile.StampMargin

// dirStamp is what a folder's status says about whether its entries
// changed: creating, removing or renaming an entry, or changing the
// folder's permissions, sets its change time, which no user can set
// (unlike the modification time, kept as a second witness). A folder
// removed and made again has a new change time, and mostly a new inode.
type dirStamp struct {
	dev, ino     uint64
	ctime, mtime int64 // ns
}

// quietFolder is a unit folder that held nothing to take when it was read.
type quietFolder struct {
	name  string
	stamp dirStamp
}

// quietState is the quiet folders of the last scans, sorted by name, and
// when it was written on the file system's clock.
type quietState struct {
	written int64 // ns
	folders []quietFolder
}

// quietMagic opens the quiet-folder file; its last byte is the version.
const quietMagic = "cbquiet\x01"

var errQuietDamaged = errors.New("quiet-folder file damaged")

func (in *Inbox) quietPath() string { return filepath.Join(in.work, quietFile) }

// loadQuiet reads the quiet folders. A missing, damaged or foreign file
// reads as none, so that every folder is read: the file only saves work.
func (in *Inbox) loadQuiet() quietState {
	data, err := os.ReadFile(in.quietPath())
	if err != nil {
		return quietState{}
	}
	q, err := decodeQuiet(data)
	if err != nil {
		return quietState{}
	}
	return q
}

// decodeQuiet parses the file: the magic, the time it was written, then
// per folder, in name order, its name's length and name, dev, inode,
// change and modification time as varints, and last a CRC-32C of all
// that.
func decodeQuiet(data []byte) (quietState, error) {
	const head = len(quietMagic) + 8
	body, ok := unseal(data, quietMagic, head)
	if !ok {
		return quietState{}, errQuietDamaged
	}
	q := quietState{written: int64(binary.LittleEndian.Uint64(data[len(quietMagic):]))}
	// The names share one string: 73,000 of them decode with one
	// allocation for all.
	r := varintReader{s: string(body), at: head}
	// A folder takes about 30 bytes: room for all of them in one go.
	q.folders = make([]quietFolder, 0, len(body)/24)
	for r.at < len(r.s) {
		n := r.next()
		if n == 0 || n > uint64(len(r.s)-r.at) {
			return quietState{}, errQuietDamaged
		}
		f := quietFolder{name: r.s[r.at : r.at+int(n)]}
		r.at += int(n)
		f.stamp = dirStamp{dev: r.next(), ino: r.next(), ctime: int64(r.next()), mtime: int64(r.next())}
		if r.bad || len(q.folders) > 0 && q.folders[len(q.folders)-1].name >= f.name {
			return quietState{}, errQuietDamaged
		}
		q.folders = append(q.folders, f)
	}
	return q, nil
}

// varintReader reads varints from s; past a bad one it reads zeros.
type varintReader struct {
	s   string
	at  int
	bad bool
}

func (r *varintReader) next() uint64 {
	if r.bad {
		return 0
	}
	var v uint64
	for shift := 0; r.at < len(r.s) && shift < 64; shift += 7 {
		b := r.s[r.at]
		r.at++
		v |= uint64(b&0x7f) << shift
		if b < 0x80 {
			return v
		}
	}
	r.bad = true
	return 0
}

// signed reads a zigzag varint, as binary.AppendVarint writes it.
func (r *varintReader) signed() int64 {
	u := r.next()
	x := int64(u >> 1)
	if u&1 != 0 {
		x = ^x
	}
	return x
}

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

func encodeQuiet(q quietState) []byte {
	buf := make([]byte, 0, len(quietMagic)+8+len(q.folders)*24+4)
	buf = append(buf, quietMagic...)
	buf = binary.LittleEndian.AppendUint64(buf, uint64(q.written))
	for _, f := range q.folders {
		buf = binary.AppendUvarint(buf, uint64(len(f.name)))
		buf = append(buf, f.name...)
		buf = binary.AppendUvarint(buf, f.stamp.dev)
		buf = binary.AppendUvarint(buf, f.stamp.ino)
		buf = binary.AppendUvarint(buf, uint64(f.stamp.ctime))
		buf = binary.AppendUvarint(buf, uint64(f.stamp.mtime))
	}
	return seal(buf)
}

func (in *Inbox) saveQuiet(q quietState) error {
	if err := writeSealed(in.quietPath(), encodeQuiet(q)); err != nil {
		return fmt.Errorf("save quiet folders: %w", err)
	}
	return nil
}

// The inbox's own files (quiet folders, sightings) are sealed: their
// magic, their body, and a CRC-32C of both, so that a file cut short or
// damaged reads as no file at all.

// seal appends buf's checksum to it.
func seal(buf []byte) []byte {
	return binary.LittleEndian.AppendUint32(buf, crc32.Checksum(buf, castagnoli))
}

// unseal returns data without its checksum when it begins with magic,
// holds at least head bytes before the checksum, and the checksum holds.
func unseal(data []byte, magic string, head int) (body []byte, ok bool) {
	const tail = 4
	if len(data) < head+tail || string(data[:len(magic)]) != magic {
		return nil, false
	}
	body = data[:len(data)-tail]
	return body, crc32.Checksum(body, castagnoli) == binary.LittleEndian.Uint32(data[len(body):])
}

// writeSealed replaces path with data through safefile, without waiting
// for the disk: each file is a memory whose loss costs only work (a
// settle time restarted, a folder read again), a file cut short by a
// power cut fails its seal and reads as none, and a stale one holds only
// sightings and folder stamps that were true when written, checked
// against the files and folders as they are.
func writeSealed(path string, data []byte) error {
	return safefile.WriteUnsynced(path, func(w io.Writer) error {
		_, err := w.Write(data)
		return err
	})
}

// matchQuiet gives, for each folder of the sorted list, the index of its
// entry in q, or -1.
func matchQuiet(folders []string, q []quietFolder) []int {
	out := make([]int, len(folders))
	j := 0
	for i, name := range folders {
		for j < len(q) && q[j].name < name {
			j++
		}
		out[i] = -1
		if j < len(q) && q[j].name == name {
			out[i] = j
		}
	}
	return out
}

// trusted reports whether a folder that had s when a scan started at
// scanned (ns) and held nothing to take may be skipped while s stays.
func (s dirStamp) trusted(scanned int64) bool {
	return s.ctime <= scanned-int64(quietMargin)
}

// sameFolders reports whether two lists of quiet folders are the same.
func sameFolders(a, b []quietFolder) bool {
	return slices.EqualFunc(a, b, func(x, y quietFolder) bool { return x == y })
}

// claimedFrom is the unit folders one ClaimAll took files from, and a
// time on the file system's clock after the renames. The folders are one
// string, each name followed by a '/' (which no name holds): a string and
// a time a folder was 24 bytes held a file taken, 1.7 MB of what a batch
// of 73,000 files held while it took them.
type claimedFrom struct {
	folders string
	at      int64 // ns
}

func (in *Inbox) noteClaimed(claims []Claim, errs []error) {
	at := in.fsNow().UnixNano()
	var b strings.Builder
	for i, c := range claims {
		if errs[i] == nil && c.Folder != "" {
			b.WriteString(c.Folder)
			b.WriteByte('/')
		}
	}
	if b.Len() == 0 {
		return
	}
	in.mu.Lock()
	defer in.mu.Unlock()
	in.emptied = append(in.emptied, claimedFrom{b.String(), at})
}

// NoteEmptied records as quiet the unit folders that this Inbox's claims
// left holding nothing, so that the next Scan only looks at their stamps:
// otherwise the first batch with nothing new after a busy one reads every
// folder the busy one emptied, as their stamps were too fresh to trust
// when it scanned. A folder is looked at once its last claim is
// quietMargin old, and read again here like any folder Scan reads: a
// claim's rename and a file dropped in the same clock tick leave one
// stamp, so only a read after that tick shows what the folder holds. The
// others wait for a later call, or for the next Scan. A batch calls it
// when its claims are done, while it archives and drafts; a failure only
// means the folders are read by the next Scan.
func (in *Inbox) NoteEmptied(ctx context.Context) error {
	scanned := in.fsNow().UnixNano()
	in.mu.Lock()
	var folders []string
	rest := in.emptied[:0]
	for _, e := range in.emptied {
		if e.at <= scanned-int64(quietMargin) {
			for name := range strings.SplitSeq(strings.TrimSuffix(e.folders, "/"), "/") {
				folders = append(folders, name)
			}
		} else {
			rest = append(rest, e)
		}
	}
	in.emptied = rest
	in.mu.Unlock()
	if len(folders) == 0 {
		return nil
	}
	slices.Sort(folders)
	folders = slices.Compact(folders)
	top, err := os.Open(in.inbox)
	if err != nil {
		return fmt.Errorf("note emptied folders: %w", err)
	}
	defer top.Close()
	fd := top.Fd()
	if !safefile.StampsHold(fd) {
		return nil
	}
	stamps := make([]dirStamp, len(folders))
	empty := make([]bool, len(folders))
	inTurn(ctx, len(folders), func(i, _ int, buf *dirBuf) {
		var one listing
		stamps[i], empty[i] = in.readUnit(ctx, fd, folders[i], true, buf, &one)
	})
	if err := ctx.Err(); err != nil {
		return err
	}
	var add []quietFolder
	for i, name := range folders {
		if empty[i] && stamps[i].trusted(scanned) {
			add = append(add, quietFolder{name: name, stamp: stamps[i]})
		}
	}
	if len(add) == 0 {
		return nil
	}
	in.quietMu.Lock()
	defer in.quietMu.Unlock()
	q := in.loadQuiet()
	if q.written > scanned {
		return nil // the clock was set back: Scan starts afresh
	}
	return in.saveQuiet(quietState{written: scanned, folders: mergeQuiet(q.folders, add)})
}

// mergeQuiet merges two sorted lists of quiet folders; b's stamp wins for
// a folder in both.
func mergeQuiet(a, b []quietFolder) []quietFolder {
	out := make([]quietFolder, 0, len(a)+len(b))
	i, j := 0, 0
	for i < len(a) || j < len(b) {
		switch {
		case j == len(b) || i < len(a) && a[i].name < b[j].name:
			out = append(out, a[i])
			i++
		case i == len(a) || b[j].name < a[i].name:
			out = append(out, b[j])
			j++
		default:
			out = append(out, b[j])
			i, j = i+1, j+1
		}
	}
	return out
}
