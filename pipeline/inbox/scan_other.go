//go:build !linux

package inbox

import (
	"context"
	"os"
	"path/filepath"
)

// dirBuf is a scan worker's own memory for reading folders; none is
// needed off Linux.
type dirBuf struct{}

func newDirBuf() *dirBuf { return nil }

// readTop lists the inbox: the names of its folders that files are taken
// from, and of its other entries.
func (in *Inbox) readTop(top *os.File) (files, folders []string, err error) {
	entries, err := top.ReadDir(-1)
	if err != nil {
		return nil, nil, err
	}
	for _, e := range entries {
		switch {
		case !e.IsDir():
			files = append(files, e.Name())
		case in.takesFromTop(e.Name()):
			folders = append(folders, e.Name())
		}
	}
	return files, folders, nil
}

// readUnit adds the files of the unit folder name to l, and reports
// whether it held nothing to take. Folder stamps are never trusted off
// Linux (see safefile.StampsHold), so none is taken.
func (in *Inbox) readUnit(ctx context.Context, _ uintptr, name string, _ bool, _ *dirBuf, l *listing) (dirStamp, bool) {
	dir := filepath.Join(in.inbox, name)
	entries, err := os.ReadDir(dir)
	in.walkEntries(ctx, entries, err, dir, name, name, 1, l)
	return dirStamp{}, false
}
