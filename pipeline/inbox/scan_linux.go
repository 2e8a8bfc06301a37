//go:build linux

package inbox

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"golang.org/x/sys/unix"
)

// Folders are read here with system calls on descriptors rather than
// through os.File, whose poller registration, finalizer and per-entry
// allocations were a third of the time to read 73,000 unit folders: a unit
// folder costs openat relative to the open inbox, fstat, getdents until
// it returns nothing, and close.

// dirBuf is a scan worker's buffer for getdents.
type dirBuf struct{ b []byte }

func newDirBuf() *dirBuf { return &dirBuf{b: make([]byte, 8<<10)} }

// direntHead is the size of a linux_dirent64 before its name: inode,
// offset, record length and type.
const direntHead = 19

var errBadDirent = errors.New("malformed directory entry")

// readDirents calls fn with the name and type of each entry of the open
// folder fd but "." and "..", reading it to its end; name is only valid
// during the call.
func readDirents(fd int, buf []byte, fn func(name []byte, typ uint8)) error {
	for {
		n, err := unix.Getdents(fd, buf)
		if errors.Is(err, unix.EINTR) {
			continue
		}
		if err != nil {
			return err
		}
		if n <= 0 {
			return nil
		}
		if err := parseDirents(buf[:n], fn); err != nil {
			return err
		}
	}
}

// parseDirents calls fn with the name and type of each linux_dirent64 in
// b, as getdents fills it, but "." and "..".
func parseDirents(b []byte, fn func(name []byte, typ uint8)) error {
	for len(b) > 0 {
		if len(b) < direntHead {
			return errBadDirent
		}
		size := int(binary.NativeEndian.Uint16(b[16:]))
		if size < direntHead || size > len(b) {
			return errBadDirent
		}
		ino, typ, name := binary.NativeEndian.Uint64(b), b[18], b[direntHead:size]
		if i := bytes.IndexByte(name, 0); i >= 0 {
			name = name[:i]
		}
		b = b[size:]
		if ino == 0 || len(name) == 0 || string(name) == "." || string(name) == ".." {
			continue
		}
		fn(name, typ)
	}
	return nil
}

// typeOf is the directory-entry type of a file mode.
func typeOf(st *unix.Stat_t) uint8 {
	switch st.Mode & unix.S_IFMT {
	case unix.S_IFDIR:
		return unix.DT_DIR
	case unix.S_IFREG:
		return unix.DT_REG
	}
	return unix.DT_LNK // anything not taken
}

// readTop lists the open inbox: the names of its folders that files are
// taken from, and of its other entries. The names share one string.
func (in *Inbox) readTop(top *os.File) (files, folders []string, err error) {
	fd := int(top.Fd())
	var arena []byte
	type span struct {
		at, end int
		dir     bool
	}
	var spans []span
	err = readDirents(fd, make([]byte, 64<<10), func(name []byte, typ uint8) {
		if typ == unix.DT_UNKNOWN {
			var st unix.Stat_t
			typ = unix.DT_REG // a file to look at, unless it is a folder
			if unix.Fstatat(fd, string(name), &st, unix.AT_SYMLINK_NOFOLLOW) == nil && typeOf(&st) == unix.DT_DIR {
				typ = unix.DT_DIR
			}
		}
		spans = append(spans, span{len(arena), len(arena) + len(name), typ == unix.DT_DIR})
		arena = append(arena, name...)
	})
	if err != nil {
		return nil, nil, &fs.PathError{Op: "readdirent", Path: in.inbox, Err: err}
	}
	all := string(arena)
	for _, s := range spans {
		name := all[s.at:s.end]
		switch {
		case !s.dir:
			files = append(files, name)
		case in.takesFromTop(name):
			folders = append(folders, name)
		}
	}
	return files, folders, nil
}

// dirent is an entry of a unit folder.
type dirent struct {
	name string
	typ  uint8
}

// readUnit adds the files of the unit folder name, in the open inbox top,
// to l (which may hold others already), and reports whether it held nothing to take (no file, no folder
// to walk, nothing unreadable) together with its stamp when stamped. The
// stamp is taken before the folder is read, so that an entry made after
// it changes it. Folders below it are walked as walk does.
func (in *Inbox) readUnit(ctx context.Context, top uintptr, name string, stamped bool, buf *dirBuf, l *listing) (dirStamp, bool) {
	fd, err := unix.Openat(int(top), name, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0)
	switch {
	case errors.Is(err, unix.ENOENT), errors.Is(err, unix.ENOTDIR), errors.Is(err, unix.ELOOP):
		// Removed since the inbox was read, or replaced by a file or a
		// link, which is not taken from.
		return dirStamp{}, false
	case err != nil:
		dir := filepath.Join(in.inbox, name)
		l.problems = append(l.problems, Problem{Path: dir, Folder: name, Err: &fs.PathError{Op: "open", Path: dir, Err: err}, key: name})
		return dirStamp{}, false
	}
	defer unix.Close(fd)
	// l may hold other folders' files already.
	files, problems := len(l.files), len(l.problems)
	var s dirStamp
	ok := false
	if stamped {
		var st unix.Stat_t
		if unix.Fstat(fd, &st) == nil {
			s, ok = stampOfStat(&st), true
		}
	}
	var entries []dirent // made only for a folder that holds something
	err = readDirents(fd, buf.b, func(n []byte, typ uint8) {
		entries = append(entries, dirent{string(n), typ})
	})
	if err == nil && len(entries) == 0 {
		return s, ok
	}
	dir := filepath.Join(in.inbox, name)
	if err != nil {
		l.problems = append(l.problems, Problem{Path: dir, Folder: name, Err: &fs.PathError{Op: "readdirent", Path: dir, Err: err}, key: name})
	}
	slices.SortFunc(entries, func(a, b dirent) int { return strings.Compare(a.name, b.name) })
	sub := false
	for _, e := range entries {
		path := filepath.Join(dir, e.name)
		var st unix.Stat_t
		if e.typ == unix.DT_REG && isJunk(e.name) {
			continue
		}
		if e.typ == unix.DT_REG || e.typ == unix.DT_UNKNOWN {
			serr := unix.Fstatat(fd, e.name, &st, unix.AT_SYMLINK_NOFOLLOW)
			if errors.Is(serr, unix.ENOENT) {
				continue
			}
			if serr != nil {
				l.problems = append(l.problems, Problem{Path: path, Folder: name, Err: &fs.PathError{Op: "lstat", Path: path, Err: serr}, key: name + "/" + e.name})
				continue
			}
			e.typ = typeOf(&st)
		}
		switch {
		case e.typ == unix.DT_DIR:
			if in.takesFrom(e.name, path) && ctx.Err() == nil {
				sub = true
				in.walk(ctx, path, name, name+"/"+e.name, 2, l)
			}
		case e.typ == unix.DT_REG && !isJunk(e.name):
			// The key and the name are cut from the path (dir, '/', the
			// name): a candidate holds one string, not three, until its
			// file is claimed.
			l.files = append(l.files, found{path: path, folder: name, key: path[len(dir)-len(name):], name: path[len(path)-len(e.name):],
				size: st.Size, mtime: st.Mtim.Nano()})
		}
	}
	return s, ok && err == nil && !sub && len(l.files) == files && len(l.problems) == problems
}
