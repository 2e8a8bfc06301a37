package inbox

import (
	"context"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"countybrief/pipeline/safefile"
)

// stampLayout is the receive time in claim and archive names.
const stampLayout = "20060102T150405Z"

// ClaimAll takes candidates into work/claimed/, each by an atomic rename
// (see the package comment), and makes the renames durable with one flush
// instead of four folder syncs per file. errs[i] is cands[i]'s failure,
// ErrGone when the file is no longer there to take or has changed since
// the scan; err is a failure to flush, after which no claim counts as
// made durable (they are still claims: Recover finds them).
func (in *Inbox) ClaimAll(cands []Candidate) (claims []Claim, errs []error, err error) {
	claims, errs, flush, err := in.ClaimUnflushed(cands)
	if err != nil {
		return claims, errs, err
	}
	return claims, errs, flush()
}

// ClaimUnflushed is ClaimAll returning once the renames are made, with
// the flush that makes them durable left to the caller: a batch reads the
// claimed files while it runs (2 to 45 ms of a cold county batch, the
// first group's waited for before any file was read) and calls it before
// anything names a claim in the ledger. Until flush returns, a power cut
// may undo any of the renames, each whole (a rename is atomic in the
// file system's journal): the file is in the inbox or in work/claimed/,
// and unrecorded either way, which the next batch scans or recovers as
// it would any unrecorded claim. A kill loses nothing: the renames are
// made. flush is never nil; its error is ClaimAll's.
func (in *Inbox) ClaimUnflushed(cands []Candidate) (claims []Claim, errs []error, flush func() error, err error) {
	claims = make([]Claim, len(cands))
	errs = make([]error, len(cands))
	none := func() error { return nil }
	if len(cands) == 0 {
		return claims, errs, none, nil
	}
	if err := in.makeClaimedDir(); err != nil {
		return claims, errs, none, err
	}
	var d durability
	for i, c := range cands {
		claims[i], errs[i] = in.claim(c, &d)
	}
	in.noteClaimed(claims, errs)
	in.noteUnclaimed(cands, errs)
	flush = func() error {
		if err := d.sync(); err != nil {
			return fmt.Errorf("claim: %w", err)
		}
		return nil
	}
	return claims, errs, flush, nil
}

// makeClaimedDir makes work/claimed/ once per call rather than per file.
func (in *Inbox) makeClaimedDir() error {
	if err := os.MkdirAll(in.claimedDir(), 0o755); err != nil {
		return fmt.Errorf("create claim folder: %w", err)
	}
	return nil
}

// claim takes one candidate; work/claimed/ must exist. The Lstat is the
// one look at the file: it is what keeps a file changed since the scan
// from being taken.
func (in *Inbox) claim(c Candidate, d *durability) (Claim, error) {
	if !isPlainName(c.Name) || (c.Folder != "" && !isPlainName(c.Folder)) || filepath.Base(c.Path) != c.Name {
		return Claim{}, fmt.Errorf("claim %q: not a candidate from Scan", c.Path)
	}
	info, err := os.Lstat(c.Path)
	if errors.Is(err, fs.ErrNotExist) {
		return Claim{}, fmt.Errorf("%w: %s", ErrGone, c.Path)
	}
	if err != nil {
		return Claim{}, fmt.Errorf("claim %s: %w", c.Path, err)
	}
	if !info.Mode().IsRegular() || info.Size() != c.Size || info.ModTime().UnixNano() != c.ModTime {
		return Claim{}, fmt.Errorf("%w: %s changed since the scan", ErrGone, c.Path)
	}
	seen := time.Unix(0, c.Seen)
	if c.Seen == 0 {
		seen = in.now()
	}
	received := receiveTime(seen)
	if len(flatName(claimNameTemplate, c.Folder, c.Name)) <= maxFlatBytes {
		return in.claimFlat(c, received, d)
	}
	name, dir, err := in.newClaimDir(received)
	if err != nil {
		return Claim{}, err
	}
	target := dir
	if c.Folder != "" {
		target = filepath.Join(dir, c.Folder)
		if err := os.Mkdir(target, 0o755); err != nil {
			os.Remove(dir)
			return Claim{}, fmt.Errorf("create claim folder: %w", err)
		}
	}
	dst := filepath.Join(target, c.Name)
	if err := os.Rename(c.Path, dst); err != nil {
		// The folders are new and empty: nothing of anyone else's goes.
		os.Remove(target)
		os.Remove(dir)
		return Claim{}, claimError(c, err)
	}
	d.moved(in.claimedDir(), "", target, dir, in.claimedDir(), filepath.Dir(c.Path))
	return Claim{Path: dst, Name: name, Folder: c.Folder, OrigName: c.Name, ReceivedAt: received}, nil
}

// claimFlat claims a file under a flat name in work/claimed/, which costs
// no folder of its own: a folder made and removed per file is, on a
// journalling file system, the larger part of a batch's time at scale.
func (in *Inbox) claimFlat(c Candidate, received time.Time, d *durability) (Claim, error) {
	for range 8 {
		name, err := in.drawName(received)
		if err != nil {
			return Claim{}, err
		}
		dst := filepath.Join(in.claimedDir(), flatName(name, c.Folder, c.Name))
		err = safefile.RenameNoReplace(c.Path, dst)
		if errors.Is(err, fs.ErrExist) {
			continue // the same second and the same random part: draw again
		}
		if err != nil {
			return Claim{}, claimError(c, err)
		}
		// The rename proves the unit's folder is on work/'s file system.
		d.moved(in.claimedDir(), "", in.claimedDir(), filepath.Dir(c.Path))
		return Claim{Path: dst, Name: name, Folder: c.Folder, OrigName: c.Name, ReceivedAt: received}, nil
	}
	return Claim{}, fmt.Errorf("claim %s: no free claim name", c.Path)
}

func claimError(c Candidate, err error) error {
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return fmt.Errorf("%w: %s", ErrGone, c.Path)
	case isBusy(err):
		return fmt.Errorf("%w: %s is open in another program", ErrGone, c.Path)
	case isCrossDevice(err):
		return fmt.Errorf("claim %s: the work folder must be on the same disk as the inbox: %w", c.Path, err)
	}
	return fmt.Errorf("claim %s: %w", c.Path, err)
}

// A flat claim file is named <claim name>_<bytes of folder>_<folder><original>,
// so that the claim name, the unit folder and the original name come back
// from the file name alone, whatever characters they hold. Names longer
// than maxFlatBytes (file systems allow 255) take the folder layout.
const maxFlatBytes = 240

// claimNameTemplate has the length of every claim name, for measuring.
const claimNameTemplate = "20081205T101500Z-1a2b3c4d"

func flatName(name, folder, orig string) string {
	return name + "_" + strconv.Itoa(len(folder)) + "_" + folder + orig
}

// parseFlatName is the inverse of flatName; ok is false for any name
// flatName does not make.
func parseFlatName(s string) (name, folder, orig string, ok bool) {
	n := len(claimNameTemplate)
	if len(s) < n+3 || s[n] != '_' {
		return "", "", "", false
	}
	name, rest := s[:n], s[n+1:]
	i := strings.IndexByte(rest, '_')
	if i <= 0 {
		return "", "", "", false
	}
	size, err := strconv.Atoi(rest[:i])
	if err != nil || size < 0 || rest[:i] != strconv.Itoa(size) || size > len(rest)-i-1 {
		return "", "", "", false
	}
	folder, orig = rest[i+1:i+1+size], rest[i+1+size:]
	if _, valid := parseClaimName(name); !valid || !isPlainName(orig) || (folder != "" && !isPlainName(folder)) {
		return "", "", "", false
	}
	return name, folder, orig, true
}

// newClaimDir creates a claim's own folder. The random part makes the name
// unique among claims received in the same second; Mkdir, which fails on
// an existing folder, makes sure of it.
func (in *Inbox) newClaimDir(received time.Time) (name, dir string, err error) {
	for range 8 {
		if name, err = in.drawName(received); err != nil {
			return "", "", err
		}
		dir = filepath.Join(in.claimedDir(), name)
		err = os.Mkdir(dir, 0o755)
		if err == nil {
			return name, dir, nil
		}
		if !errors.Is(err, fs.ErrExist) {
			return "", "", fmt.Errorf("create claim folder: %w", err)
		}
	}
	return "", "", fmt.Errorf("create claim folder: %w", err)
}

// drawName draws a claim name for a file received at received that this
// Inbox has not drawn before. A claim name is the file's key in the
// ledger, but the file system only refuses a name taken in the same
// folder layout with the same unit folder and file name: two files of
// different units received in the same second could draw the same
// random part and be given one name, and the ledger then kept one row for
// the two (at 204,000 files a second, 2^32 random parts give about five
// such pairs; the bench found three).
func (in *Inbox) drawName(received time.Time) (string, error) {
	in.mu.Lock()
	defer in.mu.Unlock()
	if in.drawn == nil {
		in.drawn = map[int64]map[uint32]struct{}{}
	}
	second := received.Unix()
	drawn := in.drawn[second]
	if drawn == nil {
		drawn = map[uint32]struct{}{}
		in.drawn[second] = drawn
	}
	for {
		var b [4]byte
		if err := in.random(b[:]); err != nil {
			return "", fmt.Errorf("claim name: %w", err)
		}
		key := binary.BigEndian.Uint32(b[:])
		if _, ok := drawn[key]; !ok {
			drawn[key] = struct{}{}
			return formatClaimName(received, hex.EncodeToString(b[:])), nil
		}
	}
}

// receiveTime is the receive time of a file first seen at seen: whole
// seconds, UTC, as claim and archive names carry it.
func receiveTime(seen time.Time) time.Time { return seen.UTC().Truncate(time.Second) }

// formatClaimName is <received>-<8 hex>, e.g. 20081205T101500Z-1a2b3c4d.
func formatClaimName(received time.Time, random string) string {
	return received.UTC().Format(stampLayout) + "-" + random
}

// parseClaimName is the inverse of formatClaimName; ok is false for any
// name formatClaimName does not make.
func parseClaimName(name string) (received time.Time, ok bool) {
	stamp := len(stampLayout)
	if len(name) != stamp+1+8 || name[stamp] != '-' || !isLowerHex(name[stamp+1:]) {
		return time.Time{}, false
	}
	t, err := time.Parse(stampLayout, name[:stamp])
	if err != nil || formatClaimName(t, name[stamp+1:]) != name {
		return time.Time{}, false
	}
	return t, true
}

func isLowerHex(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return false
		}
	}
	return true
}

// Recover returns the claims a killed batch left in work/claimed/, oldest
// first, made durable (flushRecovered). Claim folders it finds empty (the
// file was archived, or never arrived) are removed; entries it did not
// make are left alone.
func (in *Inbox) Recover(ctx context.Context) ([]Claim, error) {
	entries, err := os.ReadDir(in.claimedDir())
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read claims: %w", err)
	}
	var claims []Claim
	for _, e := range entries { // ReadDir sorts by name, which starts with the time
		// Flat files and claim folders both start with the claim name.
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		if e.Type().IsRegular() {
			if name, folder, orig, ok := parseFlatName(e.Name()); ok {
				received, _ := parseClaimName(name)
				claims = append(claims, Claim{Path: filepath.Join(in.claimedDir(), e.Name()),
					Name: name, Folder: folder, OrigName: orig, ReceivedAt: received})
			}
			continue
		}
		received, ok := parseClaimName(e.Name())
		if !ok || !e.IsDir() {
			continue
		}
		c, found, err := in.readClaim(e.Name(), received)
		if err != nil {
			return nil, err
		}
		if found {
			claims = append(claims, c)
		}
	}
	if err := in.flushRecovered(claims); err != nil {
		return nil, err
	}
	return claims, nil
}

// flushRecovered makes the claims Recover found durable. A batch killed
// between its claims and their flush (ClaimUnflushed, which a batch runs
// beside its reading) may have left their renames in memory alone, and
// the batch that finishes them records them, which it may do only once
// they are on disk. The inbox folders they came from are flushed when
// still there.
func (in *Inbox) flushRecovered(claims []Claim) error {
	if len(claims) == 0 {
		return nil
	}
	var d durability
	for _, c := range claims {
		dirs := []string{in.claimedDir()}
		for p := filepath.Dir(c.Path); p != in.claimedDir() && p != filepath.Dir(p); p = filepath.Dir(p) {
			dirs = append(dirs, p)
		}
		if src := filepath.Join(in.inbox, c.Folder); isDir(src) {
			dirs = append(dirs, src)
		}
		d.moved(in.claimedDir(), "", dirs...)
	}
	if err := d.sync(); err != nil {
		return fmt.Errorf("flush recovered claims: %w", err)
	}
	return nil
}

func isDir(p string) bool {
	info, err := os.Stat(p)
	return err == nil && info.IsDir()
}

// readClaim reads one claim folder: <name>/<file> or <name>/<folder>/<file>.
func (in *Inbox) readClaim(name string, received time.Time) (Claim, bool, error) {
	dir := filepath.Join(in.claimedDir(), name)
	c := Claim{Name: name, ReceivedAt: received}
	for depth := 0; depth < 2; depth++ {
		entries, err := listNonJunk(dir)
		if err != nil {
			return Claim{}, false, fmt.Errorf("read claim %s: %w", name, err)
		}
		if len(entries) == 0 {
			in.removeClaimDirs(name, c.Folder)
			return Claim{}, false, nil
		}
		if len(entries) > 1 {
			return Claim{}, false, fmt.Errorf("claim %s holds %d entries, want one file: move the extra ones out", dir, len(entries))
		}
		e := entries[0]
		switch {
		case e.Type().IsRegular():
			c.OrigName = e.Name()
			c.Path = filepath.Join(dir, e.Name())
			return c, true, nil
		case e.IsDir() && depth == 0:
			c.Folder = e.Name()
			dir = filepath.Join(dir, e.Name())
		default:
			return Claim{}, false, fmt.Errorf("claim %s holds %s, want one file", dir, e.Name())
		}
	}
	return Claim{}, false, fmt.Errorf("claim %s holds a folder, want one file", dir)
}

func listNonJunk(dir string) ([]fs.DirEntry, error) {
	all, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	var out []fs.DirEntry
	for _, e := range all {
		if !isJunk(e.Name()) {
			out = append(out, e)
		}
	}
	return out, nil
}

// removeClaimDirs removes a finished claim's folders if they are empty. A
// failure only leaves an empty folder, which the next Recover removes.
func (in *Inbox) removeClaimDirs(name, folder string) {
	dir := filepath.Join(in.claimedDir(), name)
	if folder != "" {
		os.Remove(filepath.Join(dir, folder))
	}
	os.Remove(dir)
}

// Reclaim gives a claim a new claim name, by an atomic rename within
// work/claimed/, made durable before it returns: the ledger refused the
// old name (another machine sharing it drew the same name in the same
// second), and a rename the disk could lose after the new name is
// recorded would leave the file under a name the ledger refuses again.
// A kill before the rename leaves the old claim, after it the new one;
// Recover finds either.
//
// seen is the status the caller judged the file by (nil: none), for
// ArchiveRequest. The rename sets the file's change time, which the
// archive compares, so Reclaim gives the status after it in seen's
// place when the file's size and modification time are still seen's,
// and seen otherwise (the archive then finds the file changed).
func (in *Inbox) Reclaim(c Claim, seen fs.FileInfo) (Claim, fs.FileInfo, error) {
	flat := filepath.Dir(c.Path) == in.claimedDir()
	for range 8 {
		name, err := in.drawName(c.ReceivedAt)
		if err != nil {
			return Claim{}, nil, err
		}
		old, dst := filepath.Join(in.claimedDir(), c.Name), filepath.Join(in.claimedDir(), name)
		path := filepath.Join(dst, c.Folder, c.OrigName)
		if flat {
			old, dst = c.Path, filepath.Join(in.claimedDir(), flatName(name, c.Folder, c.OrigName))
			path = dst
		}
		err = safefile.RenameNoReplace(old, dst)
		if errors.Is(err, fs.ErrExist) {
			continue
		}
		if err != nil {
			return Claim{}, nil, fmt.Errorf("reclaim %s: %w", c.Path, err)
		}
		var d durability
		d.moved(in.claimedDir(), "", in.claimedDir())
		if err := d.sync(); err != nil {
			return Claim{}, nil, fmt.Errorf("reclaim %s: %w", c.Path, err)
		}
		c.Name, c.Path = name, path
		if seen != nil {
			if info, err := os.Lstat(path); err == nil && (stamp{size: seen.Size(), mtime: seen.ModTime()}).matches(info) {
				seen = info
			}
		}
		return c, seen, nil
	}
	return Claim{}, nil, fmt.Errorf("reclaim %s: no free claim name", c.Path)
}

// UseRandom replaces crypto/rand as the source of claim names' random
// parts: a test forces two files onto one claim name with it.
func (in *Inbox) UseRandom(random func([]byte) error) { in.random = random }
