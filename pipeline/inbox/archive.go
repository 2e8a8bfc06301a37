package inbox

import (
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
)

// unknown stands in for a period or unit that is not a plain name.
const unknown = "_unknown"

// maxStemBytes keeps archive names under the 255-byte limit of Linux file
// systems (Windows counts 255 UTF-16 units, which is never less) with room
// for the receive time, hash, suffix and extension.
const maxStemBytes = 180

// Archive moves a claim to its archive folder and returns the final path.
// sha is the file's SHA-256 in hex. It never overwrites a file: a name
// taken by different content gets -2, -3, … before the extension. Calling
// it again for a claim already archived (the file gone from work/ and its
// content at the computed name) returns that path, so a batch killed
// halfway can finish; an identical file received in the same second under
// the same name counts as that copy.
func (in *Inbox) Archive(c Claim, accepted bool, period, unit, sha string) (string, error) {
	r := ArchiveRequest{Claim: c, Accepted: accepted, Period: period, Unit: unit, SHA256: sha}
	paths, errs, err := in.ArchiveAll([]ArchiveRequest{r})
	if err != nil {
		return "", err
	}
	return paths[0], errs[0]
}

// ArchiveRequest is one claim to archive, with Archive's arguments.
type ArchiveRequest struct {
	Claim    Claim
	Accepted bool
	Period   string
	Unit     string
	SHA256   string
}

// ArchiveAll archives many claims as Archive does, but makes them durable
// with one flush before it returns, instead of a file and a folder sync per
// claim. paths[i] and errs[i] answer reqs[i]; err is a failure to flush,
// after which a file may be in work/ or at its archive name (a rename is
// atomic) and a later call finishes it.
func (in *Inbox) ArchiveAll(reqs []ArchiveRequest) (paths []string, errs []error, err error) {
	a := archiver{in: in, made: map[string]bool{}}
	paths = make([]string, len(reqs))
	errs = make([]error, len(reqs))
	srcs := make([]string, len(reqs))
	drop := make([]bool, len(reqs))
	for i, r := range reqs {
		paths[i], srcs[i], drop[i], errs[i] = a.place(r)
	}
	if err := a.d.sync(); err != nil {
		return paths, errs, fmt.Errorf("archive: %w", err)
	}
	for i, r := range reqs {
		if errs[i] != nil {
			continue
		}
		// Only once the archive copy is durable may the work copy go.
		if drop[i] {
			if err := os.Remove(srcs[i]); err != nil && !errors.Is(err, fs.ErrNotExist) {
				errs[i] = fmt.Errorf("archive %s: remove from work: %w", r.Claim.Name, err)
				continue
			}
		}
		if filepath.Dir(srcs[i]) != in.claimedDir() {
			in.removeClaimDirs(r.Claim.Name, r.Claim.Folder)
		}
	}
	return paths, errs, nil
}

// archiver is one ArchiveAll call: what must be flushed, and the archive
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

// place gives a claim's content its archive name and returns that path,
// the claim's work path, and whether that work file is to be removed once
// the archive copy is durable (a copy, or content already archived). A
// rename moves it in one step and leaves nothing to remove.
func (a *archiver) place(r ArchiveRequest) (dst, src string, drop bool, err error) {
	c, sha := r.Claim, strings.ToLower(r.SHA256)
	if len(sha) != 64 || !isLowerHex(sha) {
		return "", "", false, fmt.Errorf("archive %s: %q is not a SHA-256", c.Name, sha)
	}
	src, err = a.in.claimPath(c)
	if err != nil {
		return "", "", false, err
	}
	kind := "rejected"
	if r.Accepted {
		kind = "accepted"
	}
	dir := filepath.Join(a.in.archive, kind, safeName(r.Period), safeName(r.Unit))
	changed, err := a.folder(dir)
	if err != nil {
		return "", "", false, err
	}
	fail := func(err error) (string, string, bool, error) {
		return "", "", false, fmt.Errorf("archive %s: %w", c.Name, err)
	}
	base := archiveName(c.OrigName, c.ReceivedAt, sha)
	gone, remade := false, false
	for n := 1; n < 1000; n++ {
		dst := filepath.Join(dir, numbered(base, n))
		if !gone {
			err := renameNoReplace(src, dst)
			switch {
			case err == nil:
				// The rename proves dst's folder is on src's file system.
				// work/ needs no flush: should the crash keep the old name
				// too, both name one file, which the next call finds.
				a.d.moved(filepath.Dir(src), dst, append(changed, dir)...)
				return dst, src, false, nil
			case errors.Is(err, fs.ErrExist):
			case errors.Is(err, fs.ErrNotExist):
				_, serr := os.Lstat(src)
				switch {
				case serr == nil && !remade:
					// The folder went since this call made it.
					delete(a.made, dir)
					more, err := a.folder(dir)
					if err != nil {
						return "", "", false, err
					}
					changed, remade = append(changed, more...), true
					n--
					continue
				case serr == nil:
					return fail(err)
				case !errors.Is(serr, fs.ErrNotExist):
					return fail(serr)
				}
				gone = true
			case isCrossDevice(err):
				// Linux says so before it looks for src.
				info, err := os.Lstat(src)
				if errors.Is(err, fs.ErrNotExist) {
					gone = true
					break
				}
				if err == nil {
					err = copyVerified(src, dst, info.Size(), sha)
				}
				if err == nil {
					a.d.file(dst)
					a.d.dirs(append(changed, dir)...)
					return dst, src, true, nil
				}
				if !errors.Is(err, fs.ErrExist) {
					return fail(err)
				}
			default:
				return fail(err)
			}
		}
		// Something is at dst: this claim's content (a batch that died
		// after moving, linking or copying it), or another file.
		var srcInfo fs.FileInfo
		if !gone {
			srcInfo, err = os.Lstat(src)
			gone = errors.Is(err, fs.ErrNotExist)
			if err != nil && !gone {
				return fail(err)
			}
		}
		if !gone {
			if dstInfo, err := os.Lstat(dst); err == nil && os.SameFile(srcInfo, dstInfo) {
				a.d.file(dst)
				a.d.dirs(append(changed, dir)...)
				return dst, src, true, nil
			}
		}
		same, err := hasContent(dst, sha)
		if gone && errors.Is(err, fs.ErrNotExist) {
			return fail(fmt.Errorf("%w: neither in work nor at %s", fs.ErrNotExist, dst))
		}
		if gone && errors.Is(err, fs.ErrPermission) {
			// A file its sender made unreadable, moved here by an earlier
			// call. Only this program names files in archive/, and the
			// name carries the receive second and the hash: it is ours.
			same, err = true, nil
		}
		if err != nil {
			return fail(err)
		}
		if same {
			a.d.file(dst)
			a.d.dirs(append(changed, dir)...)
			return dst, src, !gone, nil
		}
	}
	return fail(fmt.Errorf("999 files already named %s", base))
}

// claimPath recomputes where a claim's file lies (flat or in its own
// folder, see claim.go), refusing a claim whose parts could point outside
// work/claimed/.
func (in *Inbox) claimPath(c Claim) (string, error) {
	if _, ok := parseClaimName(c.Name); !ok || !isPlainName(c.OrigName) || (c.Folder != "" && !isPlainName(c.Folder)) {
		return "", fmt.Errorf("archive %q: not a claim from Claim or Recover", c.Name)
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

// copyVerified copies src to a temp file beside dst, syncs it, checks its
// size and hash, then gives it dst's name without replacing anything.
func copyVerified(src, dst string, size int64, sha string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	tmp, err := os.CreateTemp(filepath.Dir(dst), ".archive-*.tmp")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	h := sha256.New()
	n, err := io.Copy(io.MultiWriter(tmp, h), in)
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("copy to archive: %w", err)
	}
	if n != size || hex.EncodeToString(h.Sum(nil)) != sha {
		return fmt.Errorf("copy to archive: the copy (%d bytes) differs from the claimed file (%d bytes, sha256 %s)", n, size, sha)
	}
	if err := os.Link(tmp.Name(), dst); err != nil {
		if errors.Is(err, fs.ErrExist) {
			return err
		}
		if err := os.Rename(tmp.Name(), dst); err != nil {
			return err
		}
	}
	return nil
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

func syncFile(path string) error {
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrPermission) {
		// A file its sender made unreadable (mode 000) cannot be opened
		// to flush, but its file system can be flushed whole.
		return syncFileSystem(filepath.Dir(path))
	}
	if err != nil {
		return err
	}
	err = f.Sync()
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
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
