package workspace

import (
	"os"

	"golang.org/x/sys/unix"

	"countybrief/pipeline/safefile"
)

// stampOf is the stamp of the open file f, taken at read (ns), when its
// file system keeps stamps that hold.
func stampOf(f *os.File, read int64) (fileStamp, bool) {
	var st unix.Stat_t
	if err := unix.Fstat(int(f.Fd()), &st); err != nil || !safefile.StampsHold(f.Fd()) {
		return fileStamp{}, false
	}
	return fileStamp{dev: st.Dev, ino: st.Ino, size: st.Size, ctime: st.Ctim.Nano(), mtime: st.Mtim.Nano(), read: read}, true
}
