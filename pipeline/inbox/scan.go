package inbox

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"
)

// maxDepth is how deep a file may lie: inbox/<unit>/a/b/file.
const maxDepth = 4

// sighting is what Scan saw of a file and when it first saw it so.
type sighting struct {
	Size    int64 `json:"size"`
	ModTime int64 `json:"mtime_ns"`
	First   int64 `json:"first_seen_ns"`
}

// Scan lists the files ready to claim and counts those still waiting
// (settling, empty, or a workbook that may still be arriving).
func (in *Inbox) Scan(ctx context.Context) ([]Candidate, int, error) {
	seen := in.loadSeen()
	now := in.now()
	next := make(map[string]sighting)
	var ready []Candidate
	waiting := 0
	err := filepath.WalkDir(in.inbox, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			if path != in.inbox && errors.Is(err, fs.ErrNotExist) {
				return nil // removed while we walked
			}
			return err
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		if path == in.inbox {
			return nil
		}
		rel, err := filepath.Rel(in.inbox, path)
		if err != nil {
			return err
		}
		parts := strings.Split(filepath.ToSlash(rel), "/")
		if d.IsDir() {
			// A work or archive folder configured inside the inbox must
			// not be taken from.
			if len(parts) >= maxDepth || isJunkDir(d.Name()) || path == in.work || path == in.archive {
				return filepath.SkipDir
			}
			return nil
		}
		if !d.Type().IsRegular() || isJunk(d.Name()) {
			return nil
		}
		info, err := d.Info()
		if errors.Is(err, fs.ErrNotExist) {
			return nil
		}
		if err != nil {
			return err
		}
		if info.Size() == 0 {
			waiting++
			return nil
		}
		key := filepath.ToSlash(rel)
		s := sighting{Size: info.Size(), ModTime: info.ModTime().UnixNano(), First: now.UnixNano()}
		// A first sighting in our future means our clock was set back:
		// start the wait again rather than trust it.
		if old, ok := seen[key]; ok && old.Size == s.Size && old.ModTime == s.ModTime && old.First <= s.First {
			s.First = old.First
		}
		next[key] = s
		age := now.Sub(time.Unix(0, s.First))
		if age < in.settle {
			waiting++
			return nil
		}
		c := Candidate{
			Path: path, Name: d.Name(), Size: info.Size(), ModTime: info.ModTime(),
			TooLarge: in.maxBytes > 0 && info.Size() > in.maxBytes,
			Seen:     time.Unix(0, s.First),
		}
		if len(parts) > 1 {
			c.Folder = parts[0]
		}
		if !c.TooLarge && age < 2*in.settle && isZipType(c.Name) && !hasZipEnd(path) {
			waiting++
			return nil
		}
		ready = append(ready, c)
		return nil
	})
	if err != nil {
		return nil, 0, fmt.Errorf("scan %s: %w", in.inbox, err)
	}
	if !maps.Equal(seen, next) {
		if err := in.saveSeen(next); err != nil {
			return nil, 0, err
		}
	}
	sort.Slice(ready, func(i, j int) bool { return ready[i].Path < ready[j].Path })
	return ready, waiting, nil
}

// isJunk reports files nobody means to send: owner and lock files of
// Office and LibreOffice, file-manager droppings, partial downloads.
func isJunk(name string) bool {
	lower := strings.ToLower(name)
	if strings.HasPrefix(name, ".") || strings.HasPrefix(name, "~$") {
		return true // also .~lock.*#, ._*, .DS_Store
	}
	switch lower {
	case "thumbs.db", "desktop.ini", "ehthumbs.db", "icon\r":
		return true
	}
	switch filepath.Ext(lower) {
	case ".tmp", ".temp", ".crdownload", ".part", ".partial", ".download", ".swp":
		return true
	}
	return false
}

// isJunkDir reports folders of the system or of a NAS (recycle bins,
// snapshots, thumbnails) that hold nothing a unit sent.
func isJunkDir(name string) bool {
	switch name[0] {
	case '.', '$', '@', '#', '~':
		return true
	}
	return strings.EqualFold(name, "System Volume Information")
}

// isZipType reports the file types that are zip archives.
func isZipType(name string) bool {
	switch strings.ToLower(filepath.Ext(name)) {
	case ".xlsx", ".xlsm", ".xltx", ".xltm", ".zip":
		return true
	}
	return false
}

// hasZipEnd reports whether the file ends with a zip end-of-central-
// directory record, which a zip writer puts last. A file that cannot be
// read (on Windows: still open in the copying program) has none yet.
func hasZipEnd(path string) bool {
	const endLen, maxComment = 22, 0xffff
	f, err := os.Open(path)
	if err != nil {
		return false
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil || info.Size() < endLen {
		return false
	}
	n := min(info.Size(), endLen+maxComment)
	buf := make([]byte, n)
	if _, err := f.ReadAt(buf, info.Size()-n); err != nil && err != io.EOF {
		return false
	}
	sig := []byte("PK\x05\x06")
	for end := len(buf); ; {
		i := bytes.LastIndex(buf[:end], sig)
		if i < 0 {
			return false
		}
		if i+endLen <= len(buf) && i+endLen+int(binary.LittleEndian.Uint16(buf[i+20:])) == len(buf) {
			return true
		}
		end = i + len(sig) - 1 // look further back, past this match
	}
}

func (in *Inbox) seenPath() string { return filepath.Join(in.work, seenFile) }

// loadSeen reads the sightings; see the package comment for why an
// unreadable file counts as empty.
func (in *Inbox) loadSeen() map[string]sighting {
	seen := make(map[string]sighting)
	data, err := os.ReadFile(in.seenPath())
	if err != nil || json.Unmarshal(data, &seen) != nil {
		return make(map[string]sighting)
	}
	return seen
}

func (in *Inbox) saveSeen(seen map[string]sighting) error {
	data, err := json.MarshalIndent(seen, "", " ")
	if err != nil {
		return fmt.Errorf("encode sightings: %w", err)
	}
	if err := writeAtomic(in.seenPath(), data); err != nil {
		return fmt.Errorf("save sightings: %w", err)
	}
	return nil
}

// writeAtomic replaces path with data: temp file in the same folder, sync,
// rename, sync the folder.
func writeAtomic(path string, data []byte) error {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	f, err := os.CreateTemp(dir, "."+filepath.Base(path)+"-*.tmp")
	if err != nil {
		return err
	}
	_, err = f.Write(data)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(f.Name(), path)
	}
	if err != nil {
		os.Remove(f.Name())
		return err
	}
	return syncDir(dir)
}
