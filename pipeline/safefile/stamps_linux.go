package safefile

import "golang.org/x/sys/unix"

// StampsHold reports whether the file system of the open file or folder
// fd keeps stamps a later run can trust to tell a change: a local one
// that sets the change time itself. A network share may answer from a
// cache of attributes seconds old, and FAT keeps no change time, so what
// they hold is always read again.
func StampsHold(fd uintptr) bool {
	var st unix.Statfs_t
	if err := unix.Fstatfs(int(fd), &st); err != nil {
		return false
	}
	switch uint32(st.Type) {
	case unix.EXT4_SUPER_MAGIC, unix.XFS_SUPER_MAGIC, unix.BTRFS_SUPER_MAGIC,
		unix.TMPFS_MAGIC, unix.F2FS_SUPER_MAGIC:
		return true
	}
	return false
}
