package inbox

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"countybrief/pipeline/safefile"
)

// unknown stands in for a period or unit that is not a plain name.
const unknown = "_unknown"

// maxStemBytes keeps archive names under the 255-byte limit of Linux file
// systems (Windows counts 255 UTF-16 units, which is never less) with room
// for the receive time, hash, suffix and extension.
const maxStemBytes = 180

// ErrChanged means a claimed file changed after it was judged (its writer
// had paused, not finished) and its request carried no Judged bytes:
// nothing was archived for it, and the changed file is back in the inbox
// as a new arrival (ArchiveResult.Arrival).
var ErrChanged = errors.New("file changed after it was judged")

// ArchiveRequest is one claim to archive, where it goes, and what the
// caller saw of the file when it judged it.
type ArchiveRequest struct {
	Claim    Claim
	Accepted bool
	// Period and Unit name the archive folder; anything but a plain name
	// becomes "_unknown" (see the package comment).
	Period string
	Unit   string
	// SHA256 is the hash of the bytes judged, in hex.
	SHA256 string
	// Size and ModTime are what the caller saw of the claimed file (an
	// fstat of the descriptor it read the bytes through, or an Lstat of a
	// file it could not open) when it judged it. A zero ModTime means it
	// did not read the file itself (a claim an earlier batch judged): the
	// file is then read once more to compare its hash with SHA256.
	Size    int64
	ModTime time.Time
	// ChangeTime is the status change time (ctime) the caller saw with
	// Size and ModTime, where the system gives one (ChangeTime of the
	// status); zero when it did not. A writer can put a file's
	// modification time back after rewriting it in place at the same
	// size, but not its change time.
	ChangeTime time.Time
	// Judged holds the bytes judged, when the caller kept them: should
	// the file have changed since, the archive gets these instead. nil
	// when not kept.
	Judged []byte
}

// ArchiveResult answers one ArchiveRequest.
type ArchiveResult struct {
	// Path is where the judged content lies in the archive; "" when it
	// could not be put there. It may be set with Err, when only a later
	// step failed.
	Path string
	// Err is this request's failure: errors.Is(Err, ErrChanged) when the
	// file changed after it was judged and the request had no Judged
	// bytes; otherwise the claim stays in work/ for a later call.
	Err error
	// Arrival is set when the claimed file changed after it was judged:
	// where it was put back in the inbox, to be scanned as a new file.
	Arrival string
}

// ArchiveGroup moves claims to their archive folders; res[i] answers
// reqs[i]. It never overwrites a file: a name taken by different content
// gets -2, -3, … before the extension. Calling it again for a claim
// already archived (the file gone from work/ and its content at the
// computed name) gives that path, so a batch killed halfway can finish;
// such a request needs only the claim's Name, OrigName and ReceivedAt.
// An identical file received in the same second under the same name
// counts as that copy. The moves are made durable with one flush before
// it returns, instead of a file and a folder sync per claim; err is a
// failure to flush, after which a file may be in work/ or at its archive
// name (a rename is atomic) and a later call finishes it.
//
// The archive holds exactly the bytes judged. Before the move, and again
// after it (a writer may hold the file open), the file is compared with
// the request's Size and ModTime, or its hash. A file that changed is not
// archived: Judged is written at the archive name as a file of its own
// and, once that is durable, the changed file goes back to its unit's
// inbox folder, under its original name or a numbered one, never
// replacing, as a new arrival (Arrival); without Judged the result is
// ErrChanged and the file goes back all the same. A crash before it is
// back leaves it in work/, where a later call (reading it, ModTime zero)
// finds the difference again.
func (in *Inbox) ArchiveGroup(reqs []ArchiveRequest) ([]ArchiveResult, error) {
	a := archiver{in: in, made: map[string]bool{}}
	res := make([]ArchiveResult, len(reqs))
	moves := make([]placed, len(reqs))
	for i, r := range reqs {
		moves[i], res[i].Err = a.place(r)
		res[i].Path = moves[i].path
	}
	if err := a.d.sync(); err != nil {
		return res, fmt.Errorf("archive: %w", err)
	}
	for i, r := range reqs {
		m := moves[i]
		switch {
		case m.requeue && (res[i].Err == nil || errors.Is(res[i].Err, ErrChanged)):
			arrival, err := in.requeue(m.src, r.Claim)
			if err != nil {
				res[i].Err = errors.Join(res[i].Err, fmt.Errorf("archive %s: put the changed file back in the inbox: %w", r.Claim.Name, err))
				continue
			}
			res[i].Arrival = arrival
		case res[i].Err != nil:
			continue
		case m.drop:
			// Only once the archive copy is durable may the work copy go.
			if err := os.Remove(m.src); err != nil && !errors.Is(err, fs.ErrNotExist) {
				res[i].Err = fmt.Errorf("archive %s: remove from work: %w", r.Claim.Name, err)
				continue
			}
		}
		if filepath.Dir(m.src) != in.claimedDir() {
			in.removeClaimDirs(r.Claim.Name, r.Claim.Folder)
		}
	}
	return res, nil
}

// requeue puts a claimed file that changed after it was judged back in
// its unit's inbox folder, never replacing a file there: the next Scan
// sees a new file and waits for it to settle.
func (in *Inbox) requeue(src string, c Claim) (string, error) {
	dir := filepath.Join(in.inbox, c.Folder)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	for n := 1; n < 1000; n++ {
		dst := filepath.Join(dir, numbered(c.OrigName, n))
		err := safefile.RenameNoReplace(src, dst)
		if !errors.Is(err, fs.ErrExist) {
			return dst, err
		}
	}
	return "", fmt.Errorf("999 files already named %s in %s", c.OrigName, dir)
}

// archiver is one ArchiveGroup call: what must be flushed, and the archive
// folders known to exist, so that a folder costs one mkdir per call rather
// than a stat per file.
type archiver struct {
	in   *Inbox
	d    durability
	made map[string]bool
}

// folder makes sure dir exists with one mkdir, making its parents only when
// that says they are missing. It returns the folders whose entries changed.
func (a *archiver) folder(dir string) ([]string, error) {
	if a.made[dir] {
		return nil, nil
	}
	err := os.Mkdir(dir, 0o755)
	var changed []string
	switch {
	case err == nil:
		changed = []string{filepath.Dir(dir)}
	case errors.Is(err, fs.ErrExist):
	case errors.Is(err, fs.ErrNotExist):
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return nil, fmt.Errorf("create archive folder: %w", err)
		}
		// Every level up to the archive's own parent may be new.
		for p := filepath.Dir(dir); ; p = filepath.Dir(p) {
			changed = append(changed, p)
			if p == filepath.Dir(a.in.archive) || p == filepath.Dir(p) {
				break
			}
		}
	default:
		return nil, fmt.Errorf("create archive folder: %w", err)
	}
	a.made[dir] = true
	return changed, nil
}

// placed is where place put a claim's judged content, and what is left
// to do with the claim's work file once the archive is durable.
type placed struct {
	path, src string
	// drop: remove src, of which the archive holds a copy.
	drop bool
	// requeue: put src back in the inbox; it changed after it was judged.
	requeue bool
}

// stamp is what tells that a file changed: its size and modification
// time, and its change time when known (zero otherwise).
type stamp struct {
	size  int64
	mtime time.Time
	ctime time.Time
}

func (s stamp) matches(info fs.FileInfo) bool {
	if !s.ctime.IsZero() && !ChangeTime(info).Equal(s.ctime) {
		return false
	}
	return info.Size() == s.size && info.ModTime().Equal(s.mtime)
}

// moved is the stamp a file keeps through a rename, which sets its change
// time: the look after the move compares size and modification time only.
func (s stamp) moved() stamp {
	s.ctime = time.Time{}
	return s
}

// check compares the claimed file with what was judged of it, by the
// request's size and time or else by its hash, and returns the stamp the
// file must keep through the move.
func check(r ArchiveRequest, src, sha string) (want stamp, changed bool, err error) {
	if !r.ModTime.IsZero() {
		want = stamp{r.Size, r.ModTime, r.ChangeTime}
		info, err := os.Lstat(src)
		if err != nil {
			return want, false, err
		}
		return want, !want.matches(info), nil
	}
	f, err := os.Open(src)
	if err != nil {
		return stamp{}, false, err
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return stamp{}, false, err
	}
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return stamp{}, false, err
	}
	return stamp{info.Size(), info.ModTime(), ChangeTime(info)}, hex.EncodeToString(h.Sum(nil)) != sha, nil
}

// place gives a claim's judged content its archive name. A rename moves
// it in one step and leaves nothing to do after the flush; a copy across
// disks, or content found already archived, leaves the work file to drop;
// a file changed since it was judged is left to requeue.
func (a *archiver) place(r ArchiveRequest) (placed, error) {
	c, sha := r.Claim, strings.ToLower(r.SHA256)
	if len(sha) != 64 || !isLowerHex(sha) {
		return placed{}, fmt.Errorf("archive %s: %q is not a SHA-256", c.Name, sha)
	}
	src, err := a.in.claimPath(c)
	if err != nil {
		return placed{}, err
	}
	p := placed{src: src}
	fail := func(err error) (placed, error) {
		return placed{src: src}, fmt.Errorf("archive %s: %w", c.Name, err)
	}
	want, changed, err := check(r, src, sha)
	gone := errors.Is(err, fs.ErrNotExist)
	if err != nil && !gone {
		return fail(err)
	}
	p.requeue = changed
	kind := "rejected"
	if r.Accepted {
		kind = "accepted"
	}
	dir := filepath.Join(a.in.archive, kind, safeName(r.Period))
	newDirs, err := a.folder(dir)
	if err != nil {
		return placed{}, err
	}
	done := func(dst string, drop bool) (placed, error) {
		a.d.file(dst)
		a.d.dirs(append(newDirs, dir)...)
		p.path, p.drop = dst, drop
		return p, nil
	}
	base := archiveUnitPrefix(r.Unit) + archiveName(c.OrigName, c.ReceivedAt, sha)
	remade := false
	for n := 1; n < 1000; n++ {
		dst := filepath.Join(dir, numbered(base, n))
		var err error
		switch {
		case gone || p.requeue && r.Judged == nil:
			err = fs.ErrExist // nothing to put here: see what is here
		case p.requeue:
			err = writeVerified(bytes.NewReader(r.Judged), dst, int64(len(r.Judged)), sha)
			if err == nil {
				return done(dst, false)
			}
		default:
			err = safefile.RenameNoReplace(src, dst)
			if err == nil {
				if a.in.afterMove != nil {
					a.in.afterMove(dst)
				}
				if info, err := os.Lstat(dst); err == nil && !want.moved().matches(info) {
					// Written to since the check: its writer still holds
					// it open. Back to work/; the judged bytes go here.
					if err := safefile.RenameNoReplace(dst, src); err != nil {
						return fail(fmt.Errorf("move %s, changed after it was judged, back to work: %w", dst, err))
					}
					p.requeue = true
					n--
					continue
				}
				// The rename proves dst's folder is on src's file system.
				// work/ needs no flush: should the crash keep the old name
				// too, both name one file, which the next call finds.
				a.d.moved(filepath.Dir(src), dst, append(newDirs, dir)...)
				p.path = dst
				return p, nil
			}
			if isCrossDevice(err) { // Linux says so before it looks for src
				err = copyVerified(src, dst, want.size, sha)
				if err == nil {
					return done(dst, true)
				}
				if errors.Is(err, errDiffers) {
					p.requeue = true
					n--
					continue
				}
			}
		}
		switch {
		case errors.Is(err, fs.ErrExist):
		case errors.Is(err, fs.ErrNotExist) && !gone:
			_, serr := os.Lstat(src)
			switch {
			case serr == nil && !remade:
				// The folder went since this call made it.
				delete(a.made, dir)
				more, err := a.folder(dir)
				if err != nil {
					return placed{}, err
				}
				newDirs, remade = append(newDirs, more...), true
				n--
				continue
			case serr == nil:
				return fail(err)
			case !errors.Is(serr, fs.ErrNotExist):
				return fail(serr)
			}
			gone, p.requeue = true, false
		default:
			return fail(err)
		}
		// Something is at dst: this claim's content (a batch that died
		// after moving, linking, copying or writing it), or another file.
		if !gone && !p.requeue {
			srcInfo, err := os.Lstat(src)
			gone = errors.Is(err, fs.ErrNotExist)
			if err != nil && !gone {
				return fail(err)
			}
			if dstInfo, err := os.Lstat(dst); !gone && err == nil && os.SameFile(srcInfo, dstInfo) {
				return done(dst, true)
			}
		}
		same, err := hasContent(dst, sha)
		switch {
		case errors.Is(err, fs.ErrNotExist) && gone:
			return fail(fmt.Errorf("%w: neither in work nor at %s", fs.ErrNotExist, dst))
		case errors.Is(err, fs.ErrNotExist) && p.requeue && r.Judged == nil:
			// No earlier call archived what was judged, and it is lost.
			return p, fmt.Errorf("archive %s: %w", c.Name, ErrChanged)
		case errors.Is(err, fs.ErrNotExist):
			continue // gone since the rename or write found it: try the next name
		case errors.Is(err, fs.ErrPermission) && gone:
			// A file its sender made unreadable, moved here by an earlier
			// call. Only this program names files in archive/, and the
			// name carries the receive second and the hash: it is ours.
			same, err = true, nil
		}
		if err != nil {
			return fail(err)
		}
		if same {
			return done(dst, !gone && !p.requeue)
		}
	}
	return fail(fmt.Errorf("999 files already named %s", base))
}

// claimPath recomputes where a claim's file lies (flat or in its own
// folder, see claim.go), refusing a claim whose parts could point outside
// work/claimed/.
func (in *Inbox) claimPath(c Claim) (string, error) {
	if _, ok := parseClaimName(c.Name); !ok || !isPlainName(c.OrigName) || (c.Folder != "" && !isPlainName(c.Folder)) {
		return "", fmt.Errorf("archive %q: not a claim from ClaimAll or Recover", c.Name)
	}
	flat := filepath.Join(in.claimedDir(), flatName(c.Name, c.Folder, c.OrigName))
	nested := filepath.Join(in.claimedDir(), c.Name, c.Folder, c.OrigName)
	switch p := filepath.Clean(c.Path); {
	case c.Path == "":
		// Rebuilt from the ledger: wherever the file is, if anywhere.
		if _, err := os.Lstat(flat); err == nil {
			return flat, nil
		}
		return nested, nil
	case p == flat || p == nested:
		return p, nil
	}
	return "", fmt.Errorf("archive %s: path %s is not the claim's", c.Name, c.Path)
}

// errDiffers means bytes written to the archive are not those judged.
var errDiffers = errors.New("differs from what was judged")

// copyVerified copies src to the archive as writeVerified does.
func copyVerified(src, dst string, size int64, sha string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	return writeVerified(in, dst, size, sha)
}

// writeVerified writes r at dst, never replacing a file there, and only
// if what it wrote is size bytes with the SHA-256 sha. The name is durable
// once the caller's flush covers dst's folder.
func writeVerified(r io.Reader, dst string, size int64, sha string) error {
	err := safefile.WriteNew(dst, func(w io.Writer) error {
		h := sha256.New()
		n, err := io.Copy(io.MultiWriter(w, h), r)
		if err != nil {
			return err
		}
		if got := hex.EncodeToString(h.Sum(nil)); n != size || got != sha {
			return fmt.Errorf("the copy (%d bytes, sha256 %s) %w (%d bytes, sha256 %s)", n, got, errDiffers, size, sha)
		}
		return nil
	})
	if err != nil && !errors.Is(err, fs.ErrExist) {
		return fmt.Errorf("write to archive: %w", err)
	}
	return err
}

// hasContent reports whether the file at path has the SHA-256 sha.
func hasContent(path, sha string) (bool, error) {
	f, err := os.Open(path)
	if err != nil {
		return false, err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return false, err
	}
	return hex.EncodeToString(h.Sum(nil)) == sha, nil
}

// UnitSep ends the unit's code at the start of an archived file's name
// (<unit>@<name>__<received>__<sha8><ext>): no unit code, and no name
// safeName lets through, holds it, so the first one ends the code.
const UnitSep = "@"

// archiveUnitPrefix is what an archived file's name starts with for unit.
func archiveUnitPrefix(unit string) string { return safeName(unit) + UnitSep }

// ArchivedName is the name of unit's file archived at path without the
// <unit>@ the archive puts before it: what its 退回 copy is named after.
func ArchivedName(path, unit string) string {
	name := filepath.Base(path)
	if rest, ok := strings.CutPrefix(name, archiveUnitPrefix(unit)); ok {
		return rest
	}
	return name
}

// archiveName is <stem>__<received>__<sha8><ext>, the stem and extension
// cleaned so that the name is valid on Windows and Unix alike and shows
// what it is.
func archiveName(orig string, received time.Time, sha string) string {
	orig = stripInvisible(orig)
	ext := filepath.Ext(orig)
	stem := orig[:len(orig)-len(ext)]
	if !isPlainExt(ext) {
		stem, ext = orig, ""
	}
	stem = cleanStem(stem)
	return stem + "__" + received.UTC().Format(stampLayout) + "__" + sha[:8] + strings.ToLower(ext)
}

func isPlainExt(ext string) bool {
	if len(ext) < 2 || len(ext) > 11 {
		return false
	}
	for _, r := range ext[1:] {
		if !('a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || '0' <= r && r <= '9') {
			return false
		}
	}
	return true
}

// stripInvisible drops the characters a name can hold but a clerk cannot
// see: control and format characters (bidirectional overrides and
// isolates, which can make "xcod.exe" look like "exe.docx"; zero-width
// spaces and joiners; the byte-order mark), line and paragraph
// separators, and the other code points Unicode says to render as
// nothing, such as the Hangul fillers. Variation selectors stay: they
// choose a Chinese character's form and spoof nothing.
// Invalid UTF-8 becomes '_' in the same pass, so that dropping a
// character can never join the bytes around it into an invisible one.
func stripInvisible(s string) string {
	var b strings.Builder
	for i, w := 0, 0; i < len(s); i += w {
		r, size := utf8.DecodeRuneInString(s[i:])
		w = size
		switch {
		case r == utf8.RuneError && size == 1:
			b.WriteByte('_')
		case !unicode.In(r, unicode.Cc, unicode.Cf, unicode.Zl, unicode.Zp, unicode.Other_Default_Ignorable_Code_Point):
			b.WriteString(s[i : i+w])
		}
	}
	return b.String()
}

// unnamed stands in for a name with nothing visible left in it.
const unnamed = "未命名"

// cleanStem replaces what Windows or Unix forbids in a name (separators,
// <>:"|?*) with '_', drops leading dots (hidden) and trailing dots and
// spaces (which Windows strips), shortens the stem at a character
// boundary, and defuses device names such as CON. The stem comes through
// stripInvisible first: it is valid UTF-8 without control characters.
func cleanStem(s string) string {
	var b strings.Builder
	for _, r := range s {
		if strings.ContainsRune(`/\<>:"|?*`, r) {
			r = '_'
		}
		if b.Len()+utf8.RuneLen(r) > maxStemBytes {
			break
		}
		b.WriteRune(r)
	}
	out := strings.TrimRight(strings.TrimLeft(b.String(), ". "), ". ")
	if out == "" {
		return unnamed
	}
	if isDeviceName(out) {
		return "_" + out
	}
	return out
}

// numbered adds -n before the extension for n > 1.
func numbered(name string, n int) string {
	if n == 1 {
		return name
	}
	ext := filepath.Ext(name)
	return name[:len(name)-len(ext)] + "-" + strconv.Itoa(n) + ext
}

// safeName returns s when it is a plain name for one folder, else
// "_unknown". Period and unit codes are short plain names; anything else
// came from a damaged or hostile file and must not pick a path.
func safeName(s string) string {
	if len(s) == 0 || len(s) > 64 || !utf8.ValidString(s) || s[0] == '.' || s[len(s)-1] == '.' || strings.Contains(s, "..") || isDeviceName(s) {
		return unknown
	}
	for _, r := range s {
		if !unicode.IsLetter(r) && !unicode.IsDigit(r) && r != '-' && r != '_' && r != '.' {
			return unknown
		}
	}
	return s
}

// isDeviceName reports the names Windows reserves for devices, with or
// without an extension.
func isDeviceName(s string) bool {
	base, _, _ := strings.Cut(s, ".")
	base = strings.ToUpper(strings.TrimRight(base, " "))
	switch base {
	case "CON", "PRN", "AUX", "NUL", "CONIN$", "CONOUT$":
		return true
	}
	if len(base) >= 4 && (strings.HasPrefix(base, "COM") || strings.HasPrefix(base, "LPT")) {
		switch base[3:] {
		case "0", "1", "2", "3", "4", "5", "6", "7", "8", "9", "¹", "²", "³":
			return true
		}
	}
	return false
}

// isPlainName reports a single path element of this system: no separator,
// not "." or "..", no NUL.
func isPlainName(s string) bool {
	return s != "" && s != "." && s != ".." && !strings.ContainsAny(s, "/\x00"+string(filepath.Separator))
}
