package inbox

import (
	"golang.org/x/sys/unix"
)

// stampsHold reports whether the file system of the open folder dir keeps folder
// stamps Scan can trust: a local one that sets the change time itself. A
// network share may answer from a cache of attributes seconds old, and
// FAT keeps no change time, so their folders are always read.
func stampsHold(dir uintptr) bool {
	var st unix.Statfs_t
	if err := unix.Fstatfs(int(dir), &st); err != nil {
		return false
	}
	switch uint32(st.Type) {
	case unix.EXT4_SUPER_MAGIC, unix.XFS_SUPER_MAGIC, unix.BTRFS_SUPER_MAGIC,
		unix.TMPFS_MAGIC, unix.F2FS_SUPER_MAGIC:
		return true
	}
	return false
}

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
