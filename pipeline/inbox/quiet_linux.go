package inbox

import (
	"golang.org/x/sys/unix"
)

// stampAt is the stamp of the folder name in the open folder dir, without
// following a link: one fstatat, cheaper than opening and reading it.
func stampAt(dir uintptr, name string) (dirStamp, bool) {
	var st unix.Stat_t
	if err := unix.Fstatat(int(dir), name, &st, unix.AT_SYMLINK_NOFOLLOW); err != nil || st.Mode&unix.S_IFMT != unix.S_IFDIR {
		return dirStamp{}, false
	}
	return stampOfStat(&st), true
}

func stampOfStat(st *unix.Stat_t) dirStamp {
	return dirStamp{dev: st.Dev, ino: st.Ino, ctime: st.Ctim.Nano(), mtime: st.Mtim.Nano()}
}
