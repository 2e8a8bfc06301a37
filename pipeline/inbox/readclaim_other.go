//go:build !linux

package inbox

import (
	"errors"
	"io"
	"io/fs"
	"os"
	"time"
)

// claimFile is a claimed file opened for ReadClaim.
type claimFile struct {
	*os.File
	info *claimInfo
}

func openClaim(path string) (*claimFile, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, err
	}
	return &claimFile{File: f, info: &claimInfo{name: st.Name(), size: st.Size(), mode: st.Mode(), mtime: st.ModTime()}}, nil
}

// fill reads into buf until it is full or the file ends.
func (f *claimFile) fill(buf []byte, _ int64) (int, error) {
	n, err := io.ReadFull(f.File, buf)
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		err = nil
	}
	return n, err
}

func (f *claimFile) close() { f.File.Close() }

// sysChangeTime is zero: the change time is compared on Linux only.
func sysChangeTime(fs.FileInfo) time.Time { return time.Time{} }
