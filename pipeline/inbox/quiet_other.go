//go:build !linux

package inbox

// stampsHold is false off Linux: Windows reports neither a change time
// nor an inode through os.FileInfo, and the other systems are not
// measured, so every folder is read.
func stampsHold(uintptr) bool { return false }

func stampAt(uintptr, string) (dirStamp, bool) { return dirStamp{}, false }
