package inbox

import (
	"crypto/sha256"
	"encoding/hex"
	"io"
	"io/fs"
	"time"
)

// ReadClaim reads a claimed file once, for the batch to judge: its
// content when it holds no more than limit bytes (nil past that, the rest
// only hashed), the SHA-256 of all of it in hex, and its size and
// modification time as found when it was opened, which the archive
// compares with the file it moves (ArchiveRequest.Size, ModTime).
//
// The status is taken before the bytes are read, not after: a writer
// that goes on writing meanwhile changes the file after that status, and
// the archive sees the change and keeps the bytes judged. A status taken
// after the read could describe bytes that were never judged.
func ReadClaim(path string, limit int64) (data []byte, sha string, info fs.FileInfo, err error) {
	f, err := openClaim(path)
	if err != nil {
		return nil, "", nil, err
	}
	defer f.close()
	info = f.info
	// One byte more than the file holds, or than limit, so that a file
	// that grew since its status, or is over limit, shows as such.
	buf := make([]byte, min(max(f.info.size, 0), limit)+1)
	n, err := f.fill(buf, f.info.size)
	if err != nil {
		return nil, "", nil, err
	}
	data = buf[:n]
	if int64(n) > limit {
		// Hashed up to the size of the status only: a writer that keeps
		// appending would otherwise hold a worker for as long as it
		// writes. A file that grew is no longer of that size, which the
		// archive sees (ArchiveRequest.Size), so a hash of a part of it
		// is never taken for the file archived.
		h := sha256.New()
		h.Write(data)
		if _, err := io.CopyBuffer(h, io.LimitReader(f, max(info.Size()-int64(n), 0)), make([]byte, 32<<10)); err != nil {
			return nil, "", nil, err
		}
		return nil, hex.EncodeToString(h.Sum(nil)), info, nil
	}
	sum := sha256.Sum256(data)
	return data, hex.EncodeToString(sum[:]), info, nil
}

// ChangeTime is the status change time (ctime) of a status from
// ReadClaim or os.Lstat, or zero where the system does not give one.
func ChangeTime(info fs.FileInfo) time.Time {
	if ci, ok := info.(*claimInfo); ok {
		return ci.ctime
	}
	return sysChangeTime(info)
}

// claimInfo is a claimed file's status as ReadClaim found it.
type claimInfo struct {
	name  string
	size  int64
	mode  fs.FileMode
	mtime time.Time
	ctime time.Time // zero where not known
}

func (i *claimInfo) Name() string       { return i.name }
func (i *claimInfo) Size() int64        { return i.size }
func (i *claimInfo) Mode() fs.FileMode  { return i.mode }
func (i *claimInfo) ModTime() time.Time { return i.mtime }
func (i *claimInfo) IsDir() bool        { return i.mode.IsDir() }
func (i *claimInfo) Sys() any           { return nil }
