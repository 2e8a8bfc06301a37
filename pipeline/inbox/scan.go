package inbox

import (
	"bytes"
	"cmp"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"countybrief/pipeline/safefile"
)

// maxDepth is how deep a file may lie: inbox/<unit>/a/b/file.
const maxDepth = 4

// sighting is what Scan saw of a file and when it first saw it so.
type sighting struct {
	Size    int64 `json:"size"`
	ModTime int64 `json:"mtime_ns"`
	First   int64 `json:"first_seen_ns"`
}

// Scan lists the files ready to claim and counts those still waiting
// (settling, or empty or a workbook that may still be arriving).
//
// The ready files come oldest first on this program's clock: by the
// second Scan first saw each (the receive time ClaimAll gives it), then by
// path. A file's modification time plays no part, so a server clock set
// ahead cannot put a file before the ones that arrived with it, and the
// order is the one the receive times in the ledger tell.
func (in *Inbox) Scan(ctx context.Context) ([]Candidate, int, error) {
	// Decoding the sightings takes about as long as reading a few
	// thousand folders: do both at once.
	var seen map[string]sighting
	loaded := make(chan struct{})
	go func() {
		defer close(loaded)
		seen = in.loadSeen()
	}()
	in.quietMu.Lock()
	defer in.quietMu.Unlock()
	scanned := in.fsNow().UnixNano()
	quiet := in.loadQuiet()
	// A state written in our future means the clock was set back: its
	// stamps were judged against a time that has not come.
	backwards := quiet.written > scanned
	if backwards {
		quiet = quietState{}
	}
	l, err := in.list(ctx, quiet.folders, scanned)
	<-loaded
	in.setUnreadable(l.problems)
	if err != nil {
		return nil, 0, fmt.Errorf("scan %s: %w", in.inbox, err)
	}
	in.mu.Lock()
	in.skipped = l.skipped
	in.mu.Unlock()
	if l.stamped && (backwards || !sameFolders(quiet.folders, l.quiet)) {
		if err := in.saveQuiet(quietState{written: scanned, folders: l.quiet}); err != nil {
			return nil, 0, err
		}
	}
	now := in.now()
	next := make(map[string]sighting, len(l.files))
	keepSightings(seen, next, l.problems)
	// rest is next without the ready files, for ForgetClaimed.
	rest := make(map[string]sighting)
	keepSightings(seen, rest, l.problems)
	ready := make([]Candidate, 0, len(l.files))
	waiting := 0
	for _, f := range l.files {
		s := sighting{Size: f.size, ModTime: f.mtime, First: now.UnixNano()}
		// A first sighting in our future means our clock was set back:
		// start the wait again rather than trust it.
		if old, ok := seen[f.key]; ok && old.Size == s.Size && old.ModTime == s.ModTime && old.First <= s.First {
			s.First = old.First
		}
		next[f.key] = s
		age := now.Sub(time.Unix(0, s.First))
		if age < in.settle {
			waiting++
			rest[f.key] = s
			continue
		}
		c := Candidate{
			Path: f.path, Folder: f.folder, Name: f.name, Size: f.size, ModTime: f.mtime,
			TooLarge: in.maxBytes > 0 && f.size > in.maxBytes,
			Empty:    f.size == 0,
			Seen:     s.First,
		}
		if age < 2*in.settle && (c.Empty || !c.TooLarge && isZipType(c.Name) && !hasZipEnd(f.path)) {
			waiting++
			rest[f.key] = s
			continue
		}
		ready = append(ready, c)
	}
	if !maps.Equal(seen, next) {
		if err := in.saveSeen(next); err != nil {
			return nil, 0, err
		}
	}
	in.mu.Lock()
	in.afterClaims, in.unclaimed = nil, nil
	if len(ready) > 0 {
		in.afterClaims = rest
	}
	in.mu.Unlock()
	slices.SortFunc(ready, func(a, b Candidate) int {
		return cmp.Or(receiveTime(time.Unix(0, a.Seen)).Compare(receiveTime(time.Unix(0, b.Seen))), strings.Compare(a.Path, b.Path))
	})
	return ready, waiting, nil
}

// found is a regular file in the inbox that is not junk.
type found struct {
	path, folder string
	// key is the path below inbox/ with '/', the sightings' key.
	key, name string
	size      int64
	mtime     int64 // ns
}

// Problem is a folder or file of the inbox that Scan could not read: no
// permission, or an I/O error. Scan goes on without it; its files count
// as neither ready nor waiting, and keep their sightings, so that they
// settle as before once they can be read again.
type Problem struct {
	// Path is the folder or file.
	Path string
	// Folder is the first-level folder Path is or lies in (the unit to
	// name), "" for a file at the top of the inbox.
	Folder string
	Err    error
	key    string // see found
}

// Unreadable returns the folders and files the last Scan could not read,
// in the inbox's order, for the batch to name in its summary and log.
func (in *Inbox) Unreadable() []Problem {
	in.mu.Lock()
	defer in.mu.Unlock()
	return slices.Clone(in.unreadable)
}

func (in *Inbox) setUnreadable(p []Problem) {
	in.mu.Lock()
	in.unreadable = p
	in.mu.Unlock()
}

// keepSightings carries over the sightings of files Scan could not look
// at this time: a folder unreadable for one scan (a share that hiccuped)
// must not restart its files' settle time.
func keepSightings(seen, next map[string]sighting, problems []Problem) {
	for _, p := range problems {
		for k, s := range seen {
			if k == p.key || strings.HasPrefix(k, p.key+"/") {
				next[k] = s
			}
		}
	}
}

// listing is what reading the inbox, or one unit folder, found.
type listing struct {
	files    []found
	problems []Problem
	// stamped says whether folder stamps were looked at; quiet is then
	// the unit folders that held nothing to take, in order, and skipped
	// how many of them were not read because their stamp had not changed.
	stamped bool
	quiet   []quietFolder
	skipped int
}

// list finds the inbox's files: those at the top, then each unit folder's
// in the inbox's order. Thousands of unit folders are read a few at a
// time: one by one, reading them was most of a quiet batch's time. A
// folder in quiet whose stamp is as recorded is not read at all: nothing
// was added to, removed from or renamed in it since a scan found it held
// nothing. Only an inbox that cannot be read at all, or a cancelled ctx,
// is an error.
func (in *Inbox) list(ctx context.Context, quiet []quietFolder, scanned int64) (listing, error) {
	top, err := os.Open(in.inbox)
	if err != nil {
		return listing{}, err
	}
	defer top.Close()
	fd := top.Fd()
	var l listing
	l.stamped = safefile.StampsHold(fd)
	if !l.stamped {
		quiet = nil
	}
	// The quiet folders' stamps are looked at while the inbox is read,
	// which takes about as long: a folder skipped is one read when its
	// stamp was taken, and one made after that is the next scan's.
	still := make([]bool, len(quiet))
	var looked sync.WaitGroup
	defer looked.Wait() // before top closes
	var nextQuiet atomic.Int64
	for range min(len(quiet), scanWorkers()) {
		looked.Go(func() {
			for j := int(nextQuiet.Add(1)) - 1; j < len(quiet); j = int(nextQuiet.Add(1)) - 1 {
				s, ok := stampAt(fd, quiet[j].name)
				still[j] = ok && s == quiet[j].stamp
			}
		})
	}
	files, folders, err := in.readTop(top)
	if err != nil {
		return listing{}, err
	}
	// The folders' names are sorted alone, not with their entries: no
	// interface call per comparison, at 73,000 of them.
	slices.Sort(folders)
	slices.Sort(files)
	for _, name := range files {
		in.topFile(name, &l)
	}
	old := matchQuiet(folders, quiet)
	looked.Wait()
	// Each worker gathers the files and problems of the folders it reads
	// in a listing of its own, noting each one's folder, and the workers'
	// are merged in folder order: a listing for each folder that held a
	// file was two allocations a file, 14 MB at the start of a batch of
	// 73,000 files.
	parts := make([]gathered, scanWorkers())
	stamps := make([]dirStamp, len(folders))
	empty := make([]bool, len(folders))
	skipped := make([]bool, len(folders))
	inTurn(ctx, len(folders), func(i, w int, buf *dirBuf) {
		if j := old[i]; j >= 0 && still[j] {
			stamps[i], empty[i], skipped[i] = quiet[j].stamp, true, true
			return
		}
		g := &parts[w]
		nf, np := len(g.files), len(g.problems)
		stamps[i], empty[i] = in.readUnit(ctx, fd, folders[i], l.stamped, buf, &g.listing)
		for range len(g.files) - nf {
			g.fileAt = append(g.fileAt, int32(i))
		}
		for range len(g.problems) - np {
			g.problemAt = append(g.problemAt, int32(i))
		}
	})
	if err := ctx.Err(); err != nil {
		return listing{}, err
	}
	n, np := len(l.files), len(l.problems)
	for _, g := range parts {
		n, np = n+len(g.files), np+len(g.problems)
	}
	l.files = append(make([]found, 0, n), l.files...)
	l.problems = append(make([]Problem, 0, np), l.problems...)
	l.files = mergeParts(l.files, parts, func(g *gathered) ([]found, []int32) { return g.files, g.fileAt })
	l.problems = mergeParts(l.problems, parts, func(g *gathered) ([]Problem, []int32) { return g.problems, g.problemAt })
	if l.stamped {
		l.quiet = make([]quietFolder, 0, len(folders))
	}
	for i := range folders {
		if skipped[i] {
			l.skipped++
		}
		if empty[i] && (skipped[i] || stamps[i].trusted(scanned)) {
			l.quiet = append(l.quiet, quietFolder{name: folders[i], stamp: stamps[i]})
		}
	}
	return l, nil
}

// gathered is what one scan worker found: the files and problems of the
// folders it read, in its order, and the folder of each.
type gathered struct {
	listing
	fileAt, problemAt []int32
}

// mergeParts appends the workers' items to out in folder order. Each
// worker's are in folder order already (inTurn hands folders out in turn)
// and no folder is two workers'.
func mergeParts[T any](out []T, parts []gathered, items func(*gathered) ([]T, []int32)) []T {
	pos := make([]int, len(parts))
	for {
		best, bestAt := -1, int32(0)
		for w := range parts {
			list, at := items(&parts[w])
			if pos[w] < len(list) && (best < 0 || at[pos[w]] < bestAt) {
				best, bestAt = w, at[pos[w]]
			}
		}
		if best < 0 {
			return out
		}
		list, _ := items(&parts[best])
		out = append(out, list[pos[best]])
		pos[best]++
	}
}

// inTurn runs do for the folders 0..n-1 on a few workers (numbered from
// 0, fewer than scanWorkers) that take them in turn, each with its own
// listing buffer, until ctx is done: a goroutine
// per folder (errgroup) made a 7,300-folder scan a third slower.
func inTurn(ctx context.Context, n int, do func(i, worker int, buf *dirBuf)) {
	var next atomic.Int64
	var wg sync.WaitGroup
	for w := range min(n, scanWorkers()) {
		wg.Go(func() {
			buf := newDirBuf()
			for i := int(next.Add(1)) - 1; i < n && ctx.Err() == nil; i = int(next.Add(1)) - 1 {
				do(i, w, buf)
			}
		})
	}
	wg.Wait()
}

// takesFrom reports whether files are taken from a folder of the inbox:
// not from junk folders, nor from a work or archive folder configured
// inside the inbox.
func (in *Inbox) takesFrom(name, path string) bool {
	return !isJunkDir(name) && path != in.work && path != in.archive
}

// takesFromTop is takesFrom for a folder at the top of the inbox, without
// building its path: 73,000 of them are asked about on every scan.
func (in *Inbox) takesFromTop(name string) bool {
	if isJunkDir(name) {
		return false
	}
	for _, p := range [...]string{in.work, in.archive} {
		if filepath.Dir(p) == in.inbox && filepath.Base(p) == name {
			return false
		}
	}
	return true
}

// topFile looks at an entry at the top of the inbox that is not a folder,
// as file does.
func (in *Inbox) topFile(name string, l *listing) {
	if isJunk(name) {
		return
	}
	path := filepath.Join(in.inbox, name)
	info, err := os.Lstat(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
	case err != nil:
		l.problems = append(l.problems, Problem{Path: path, Err: err, key: name})
	case info.Mode().IsRegular():
		l.files = append(l.files, found{path: path, key: name, name: name, size: info.Size(), mtime: info.ModTime().UnixNano()})
	}
}

// scanWorkers is how many folders are read at once: reading a cached
// folder is work for a processor, not a wait for the disk.
func scanWorkers() int { return min(runtime.GOMAXPROCS(0), 4) }

// walk adds the files of dir and of its folders to l: dir is depth levels
// below inbox/ (a unit folder is 1), and files lie at most maxDepth deep.
func (in *Inbox) walk(ctx context.Context, dir, folder, key string, depth int, l *listing) {
	entries, err := os.ReadDir(dir)
	in.walkEntries(ctx, entries, err, dir, folder, key, depth, l)
}

// walkEntries adds the entries ReadDir gave for dir, and what lies in
// its folders, to l, and reports whether it walked into a folder. A
// folder it cannot read is a problem in l, after whatever entries ReadDir
// returned before failing, which are taken as usual.
func (in *Inbox) walkEntries(ctx context.Context, entries []fs.DirEntry, err error, dir, folder, key string, depth int, l *listing) bool {
	if errors.Is(err, fs.ErrNotExist) {
		return false // removed while we walked
	}
	if err != nil {
		l.problems = append(l.problems, Problem{Path: dir, Folder: folder, Err: err, key: key})
	}
	sub := false
	for _, e := range entries {
		path := filepath.Join(dir, e.Name())
		if e.IsDir() {
			if depth+1 < maxDepth && in.takesFrom(e.Name(), path) && ctx.Err() == nil {
				sub = true
				in.walk(ctx, path, folder, key+"/"+e.Name(), depth+1, l)
			}
			continue
		}
		in.file(e, path, folder, key+"/"+e.Name(), l)
	}
	return sub
}

// sortEntries puts a folder's entries in name order, as os.ReadDir does.
func sortEntries(entries []fs.DirEntry) {
	slices.SortFunc(entries, func(a, b fs.DirEntry) int { return strings.Compare(a.Name(), b.Name()) })
}

// file looks at one entry that is not a folder: one Lstat for a regular
// file that is not junk, nothing for anything else.
func (in *Inbox) file(e fs.DirEntry, path, folder, key string, l *listing) {
	if !e.Type().IsRegular() || isJunk(e.Name()) {
		return
	}
	info, err := e.Info()
	switch {
	case errors.Is(err, fs.ErrNotExist):
	case err != nil:
		l.problems = append(l.problems, Problem{Path: path, Folder: folder, Err: err, key: key})
	default:
		l.files = append(l.files, found{path: path, folder: folder, key: key, name: info.Name(), size: info.Size(), mtime: info.ModTime().UnixNano()})
	}
}

// isJunk reports files nobody means to send: owner and lock files of
// Office and LibreOffice, file-manager droppings, partial downloads.
func isJunk(name string) bool {
	lower := strings.ToLower(name)
	if strings.HasPrefix(name, ".") || strings.HasPrefix(name, "~$") {
		return true // also .~lock.*#, ._*, .DS_Store
	}
	switch lower {
	case "thumbs.db", "desktop.ini", "ehthumbs.db", "icon\r":
		return true
	}
	switch filepath.Ext(lower) {
	case ".tmp", ".temp", ".crdownload", ".part", ".partial", ".download", ".swp":
		return true
	}
	return false
}

// isJunkDir reports folders of the system or of a NAS (recycle bins,
// snapshots, thumbnails) that hold nothing a unit sent.
func isJunkDir(name string) bool {
	switch name[0] {
	case '.', '$', '@', '#', '~':
		return true
	}
	return strings.EqualFold(name, "System Volume Information")
}

// isZipType reports the file types that are zip archives.
func isZipType(name string) bool {
	switch strings.ToLower(filepath.Ext(name)) {
	case ".xlsx", ".xlsm", ".xltx", ".xltm", ".zip":
		return true
	}
	return false
}

// hasZipEnd reports whether the file ends with a zip end-of-central-
// directory record, which a zip writer puts last. A file that cannot be
// read (on Windows: still open in the copying program) has none yet.
func hasZipEnd(path string) bool {
	const endLen, maxComment = 22, 0xffff
	f, err := os.Open(path)
	if err != nil {
		return false
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil || info.Size() < endLen {
		return false
	}
	n := min(info.Size(), endLen+maxComment)
	buf := make([]byte, n)
	if _, err := f.ReadAt(buf, info.Size()-n); err != nil && err != io.EOF {
		return false
	}
	sig := []byte("PK\x05\x06")
	for end := len(buf); ; {
		i := bytes.LastIndex(buf[:end], sig)
		if i < 0 {
			return false
		}
		if i+endLen <= len(buf) && i+endLen+int(binary.LittleEndian.Uint16(buf[i+20:])) == len(buf) {
			return true
		}
		end = i + len(sig) - 1 // look further back, past this match
	}
}
