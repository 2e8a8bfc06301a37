//go:build !linux

package safefile

// syncMany is Flush's: files and folders one by one, since only Linux
// can flush one whole file system.
func syncMany(files, dirs, _ []string) error { return syncEach(files, dirs) }

// syncFileSystem does nothing: no portable call flushes one file system,
// and flushing all of them (sync) returns before the data is written on
// some systems. It serves only files this process may not open.
func syncFileSystem(string) error { return nil }
