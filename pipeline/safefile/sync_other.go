//go:build !linux

package safefile

// syncMany flushes files and folders one by one: only Linux can flush a
// whole file system at once (sync flushes all of them, and returns
// before the data is written on some systems).
func syncMany(files, dirs []string) error { return syncEach(files, dirs) }
