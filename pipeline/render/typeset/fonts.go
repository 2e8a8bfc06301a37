package typeset

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"golang.org/x/image/font/sfnt"
	"golang.org/x/image/math/fixed"
)

// Font roles of a briefing.
const (
	Fangsong = "fangsong" // 仿宋: body text
	Hei      = "hei"      // 黑體: 一、 headings, labels
	Kai      = "kai"      // 楷體: （一） headings, the editor's note
	Song     = "song"     // 宋/明: page numbers, tables
	Title    = "title"    // 小標宋: masthead and title
	// Latin is the Times-like face in which office templates set digits
	// and Latin letters of the body; optional, the role's own face serves
	// when there is none.
	Latin = "latin"
)

// Roles lists the roles in the order they are reported.
func Roles() []string { return []string{Fangsong, Hei, Kai, Song, Title, Latin} }

// A candidate is a font file that may fill a role, with the face to take
// from a collection.
type candidate struct {
	path    string
	index   int
	standIn bool
}

// candidates are searched per operating system, best first. A path
// relative to a font folder is looked up in each of the OS's folders. The
// title's 宋 faces only stand in for 小標宋, which no system ships: the
// office is told to install it even when one of them is found.
func candidates(goos, role string) []candidate {
	var names []string
	// a role's names from index standIns[role] on only stand in for it
	standIns := map[string]int{}
	switch goos {
	case "windows":
		names = map[string][]string{
			Fangsong: {"simfang.ttf", "STFANGSO.TTF"},
			Hei:      {"simhei.ttf", "STXIHEI.TTF"},
			Kai:      {"simkai.ttf", "STKAITI.TTF"},
			Song:     {"simsun.ttc", "STSONG.TTF", "mingliu.ttc"},
			Title:    {"FZXBSJW.TTF", "FZXBSK.TTF", "simsun.ttc"},
			Latin:    {"times.ttf"},
		}[role]
		standIns[Title] = 2
	case "darwin":
		names = map[string][]string{
			Fangsong: {"STFangsong.ttf", "Supplemental/STFangsong.ttf", "Microsoft/FangSong.ttf"},
			Hei:      {"STHeiti Medium.ttc", "Microsoft/SimHei.ttf"},
			Kai:      {"Supplemental/Kaiti.ttc", "Microsoft/Kaiti.ttf"},
			Song:     {"Supplemental/Songti.ttc", "Microsoft/SimSun.ttf"},
			Title:    {"FZXBSJW.TTF", "Supplemental/Songti.ttc#1"},
			Latin:    {"Supplemental/Times New Roman.ttf"},
		}[role]
		standIns[Title] = 1
	default:
		names = map[string][]string{
			Fangsong: {"cwtex/cwfs.ttf"},
			Hei:      {"wqy/wqy-zenhei.ttc"},
			Kai:      {"arphic-gkai00mp/gkai00mp.ttf", "arphic/ukai.ttc", "lxgw-wenkai/LXGWWenKai-Regular.ttf"},
			Song:     {"arphic-gbsn00lp/gbsn00lp.ttf", "arphic/uming.ttc"},
			Title:    {"arphic-gbsn00lp/gbsn00lp.ttf", "arphic/uming.ttc"},
			Latin:    {"liberation2/LiberationSerif-Regular.ttf", "liberation/LiberationSerif-Regular.ttf"},
		}[role]
		standIns[Title] = 0
	}
	from, some := standIns[role]
	out := make([]candidate, len(names))
	for i, n := range names {
		path, idx := SplitFace(n)
		out[i] = candidate{path, idx, some && i >= from}
	}
	return out
}

// fontDirs are the folders searched for the relative candidates.
func fontDirs(goos string) []string {
	switch goos {
	case "windows":
		win := os.Getenv("WINDIR")
		if win == "" {
			win = `C:\Windows`
		}
		dirs := []string{filepath.Join(win, "Fonts")}
		if local := os.Getenv("LOCALAPPDATA"); local != "" {
			dirs = append(dirs, filepath.Join(local, "Microsoft", "Windows", "Fonts"))
		}
		return dirs
	case "darwin":
		dirs := []string{"/System/Library/Fonts", "/Library/Fonts"}
		if home, err := os.UserHomeDir(); err == nil {
			dirs = append(dirs, filepath.Join(home, "Library", "Fonts"))
		}
		return dirs
	default:
		return []string{"/usr/share/fonts/truetype", "/usr/local/share/fonts", "/usr/share/fonts"}
	}
}

// SplitFace splits "file.ttc#2" into the path and the face index; a path
// without "#N" is face 0.
func SplitFace(p string) (string, int) {
	if i := strings.LastIndexByte(p, '#'); i > 0 {
		if n, err := strconv.Atoi(p[i+1:]); err == nil && n >= 0 {
			return p[:i], n
		}
	}
	return p, 0
}

// Face is one font face. Finding it reads only its directory, character
// map, name and advance widths; outlines are read one glyph at a time, the
// first time a render draws that glyph, and kept. A face that only stands
// by in a fallback chain costs a few hundred kilobytes, and one that draws
// a briefing no more than the glyphs it drew, whatever the size of its file.
type Face struct {
	Family string // from the name table
	Path   string
	Index  int    // face within a collection
	Source string // "config" or "found"
	glyphs int
	gids   *[0x10000]uint16 // glyph of each character of the BMP, 0 for none
	adv    []fixed.Int26_6  // advance of each glyph at 1000 ppem
	file   fileID
	out    outlines
}

// fileID tells whether a font file is still the one the face was found in.
type fileID struct {
	size    int64
	modTime time.Time
}

// Key names the face uniquely, e.g. "/usr/share/fonts/.../uming.ttc#0".
func (f *Face) Key() string { return f.Path + "#" + strconv.Itoa(f.Index) }

// Has reports whether the face has a glyph for r. fpdf maps only the Basic
// Multilingual Plane, so runes beyond it count as missing.
func (f *Face) Has(r rune) bool { return r >= 0 && r <= 0xFFFF && f.gids[r] != 0 }

// Advance is the advance width of r in ems, 0 when the face lacks it.
func (f *Face) Advance(r rune) float64 {
	if !f.Has(r) {
		return 0
	}
	return float64(f.adv[f.gids[r]]) / 64 / 1000
}

// NumGlyphs is the number of glyphs in the face.
func (f *Face) NumGlyphs() int { return f.glyphs }

// LoadFace looks at face index of the font file at path: its name, its
// glyph count, which characters it has and how wide they are. The
// outlines wait for Subset.
func LoadFace(path string, index int) (*Face, error) {
	file, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("read font: %w", err)
	}
	defer file.Close()
	st, err := file.Stat()
	if err != nil {
		return nil, fmt.Errorf("read font: %w", err)
	}
	l, err := readLayout(file, st.Size(), index)
	if err != nil {
		return nil, fmt.Errorf("font %s: %w", path, err)
	}
	fr, err := newFaceReader(file, l)
	if err != nil {
		return nil, fmt.Errorf("font %s: %w", path, err)
	}
	fnt, err := sfnt.ParseReaderAt(fr)
	if err != nil {
		return nil, fmt.Errorf("font %s: %w", path, err)
	}
	var b sfnt.Buffer
	family, err := fnt.Name(&b, sfnt.NameIDFamily)
	if err != nil || family == "" {
		family = filepath.Base(path)
	}
	f := &Face{Family: family, Path: path, Index: index, glyphs: fnt.NumGlyphs(),
		gids: new([0x10000]uint16), file: fileID{st.Size(), st.ModTime()}}
	// At 1000 ppem an advance is in thousandths of an em.
	if f.adv, err = advances(fr, f.glyphs); err != nil {
		return nil, fmt.Errorf("font %s: %w", path, err)
	}
	if !bmpGlyphs(fr.held["cmap"], f.glyphs, f.gids) {
		for r := rune(0); r <= 0xFFFF; r++ {
			if g, err := fnt.GlyphIndex(&b, r); err == nil && int(g) < f.glyphs {
				f.gids[r] = uint16(g)
			}
		}
	}
	return f, nil
}

// faceReader shows sfnt a face as its standalone file while reading only
// the parts sfnt asks for; the character map and the metrics, looked up
// for every character and glyph, are read once and held while the face is
// looked at.
type faceReader struct {
	file io.ReaderAt
	l    *layout
	held map[string][]byte
}

func newFaceReader(file io.ReaderAt, l *layout) (*faceReader, error) {
	fr := &faceReader{file: file, l: l, held: map[string][]byte{}}
	for _, t := range l.tables {
		if t.tag == "cmap" || t.tag == "hmtx" {
			data := make([]byte, t.size)
			if err := readFull(file, data, t.src); err != nil {
				return nil, fmt.Errorf("read table %q: %w", t.tag, err)
			}
			fr.held[t.tag] = data
		}
	}
	return fr, nil
}

func (fr *faceReader) ReadAt(p []byte, off int64) (int, error) {
	n := 0
	for n < len(p) {
		k, err := fr.readPart(p[n:], off+int64(n))
		n += k
		if err != nil {
			return n, err
		}
	}
	return n, nil
}

// readPart reads from off up to the end of the part of the standalone file
// that holds it: the directory, a table, or a table's padding.
func (fr *faceReader) readPart(p []byte, off int64) (int, error) {
	l := fr.l
	if off < 0 || off >= l.size {
		return 0, io.EOF
	}
	if off < int64(len(l.dir)) && l.collection {
		return copy(p, l.dir[off:]), nil
	}
	t, ok := l.find(off)
	if !ok {
		// Between the tables of a plain file, where only sfnt's own
		// bounds checks look.
		return fr.file.ReadAt(p, off)
	}
	rel := off - t.dst
	if rel >= t.size {
		pad := min(int64(len(p)), (t.size+3)&^3-rel)
		if l.collection {
			clear(p[:pad])
			return int(pad), nil
		}
		return fr.file.ReadAt(p[:pad], off)
	}
	p = p[:min(int64(len(p)), t.size-rel)]
	if data, ok := fr.held[t.tag]; ok {
		return copy(p, data[rel:]), nil
	}
	return fr.file.ReadAt(p, t.src+rel)
}

// Set is the fonts of a process: for each role its own faces first, then
// every other face found as fallback. It is read-only once built, so one
// Set serves concurrent renders.
type Set struct {
	own     map[string][]*Face
	standIn map[string]map[*Face]bool
	chains  map[string][]*Face
	faces   []*Face
}

// Discover finds a face for each role: the config's path first
// (overrides[role], "file.ttc#N" for a face of a collection), then the
// operating system's usual files. A configured font that cannot be used is
// an error; a missing usual file is skipped. No Chinese font at all is an
// error; what to install is the caller's to say.
func Discover(overrides map[string]string, goos string) (*Set, error) {
	return discover(overrides, goos, fontDirs(goos))
}

func discover(overrides map[string]string, goos string, dirs []string) (*Set, error) {
	s := &Set{own: map[string][]*Face{}, standIn: map[string]map[*Face]bool{}, chains: map[string][]*Face{}}
	byKey := map[string]*Face{}
	load := func(path string, index int, source string) (*Face, error) {
		key := path + "#" + strconv.Itoa(index)
		if f, ok := byKey[key]; ok {
			return f, nil
		}
		f, err := LoadFace(path, index)
		if err != nil {
			return nil, err
		}
		f.Source = source
		byKey[key] = f
		s.faces = append(s.faces, f)
		return f, nil
	}
	var errs []error
	keys := make([]string, 0, len(overrides))
	for k := range overrides {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if !slices.Contains(Roles(), k) {
			errs = append(errs, fmt.Errorf("config.yaml fonts.%s：沒有這種字體角色（可寫 %s）", k, strings.Join(Roles(), "、")))
		}
	}
	for _, role := range Roles() {
		if p := overrides[role]; p != "" {
			path, idx := SplitFace(p)
			if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
				errs = append(errs, fmt.Errorf("config.yaml fonts.%s：字體文件 %s 不存在", role, path))
				continue
			}
			f, err := load(path, idx, "config")
			if err != nil {
				errs = append(errs, fmt.Errorf("config.yaml fonts.%s：字體文件 %s 用不了（要 TrueType 的 .ttf，或 .ttc 加 #序號）：%w", role, p, err))
				continue
			}
			s.own[role] = append(s.own[role], f)
		}
		for _, c := range candidates(goos, role) {
			for _, path := range resolve(dirs, c.path) {
				f, err := load(path, c.index, "found")
				if err != nil {
					continue // an unusable system font is simply not a candidate
				}
				s.own[role] = append(s.own[role], f)
				if c.standIn {
					if s.standIn[role] == nil {
						s.standIn[role] = map[*Face]bool{}
					}
					s.standIn[role][f] = true
				}
				break
			}
		}
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	chinese := 0
	for _, role := range []string{Fangsong, Hei, Kai, Song, Title} {
		chinese += len(s.own[role])
	}
	if chinese == 0 {
		return nil, errors.New("沒有找到任何中文 TrueType 字體")
	}
	for _, role := range Roles() {
		chain := append([]*Face(nil), s.own[role]...)
		seen := map[*Face]bool{}
		for _, f := range chain {
			seen[f] = true
		}
		// Fallbacks in a fixed order: song faces read best in any role. A
		// Latin face has no Chinese, so it is no fallback.
		for _, fr := range []string{Song, Kai, Hei, Fangsong, Title} {
			for _, f := range s.own[fr] {
				if !seen[f] {
					seen[f] = true
					chain = append(chain, f)
				}
			}
		}
		s.chains[role] = chain
	}
	return s, nil
}

func resolve(dirs []string, p string) []string {
	var out []string
	for _, d := range dirs {
		full := filepath.Join(d, filepath.FromSlash(p))
		if st, err := os.Stat(full); err == nil && st.Mode().IsRegular() {
			out = append(out, full)
		}
	}
	return out
}

// Own lists the faces found for the role itself, best first.
func (s *Set) Own(role string) []*Face { return s.own[role] }

// Serves reports whether f is a face of the role itself, not one standing
// in for a face the office has yet to install.
func (s *Set) Serves(role string, f *Face) bool {
	return slices.Contains(s.own[role], f) && !s.standIn[role][f]
}

// Chain lists the faces tried for a character of the role, in order.
func (s *Set) Chain(role string) []*Face { return s.chains[role] }

// Faces lists every loaded face, in load order.
func (s *Set) Faces() []*Face { return s.faces }

// Primary chooses the face for a role in one document: the first of the
// role's chain that lacks at most two of the distinct characters of text,
// or one in fifty of a longer text. A face lacking a rare character of a name (枧) stays the role's
// face and Pick falls back for that character alone; a face lacking a
// third of them is of the other script, and setting the text as a
// patchwork of two faces would read worse than one fallback face. When no
// face qualifies, it is the one lacking the fewest.
func (s *Set) Primary(role string, text []rune) *Face {
	chain := s.chains[role]
	if len(chain) == 0 {
		return nil
	}
	distinct := map[rune]bool{}
	for _, r := range text {
		if !isBlank(r) {
			distinct[r] = true
		}
	}
	best, fewest := chain[0], len(distinct)+1
	for _, f := range chain {
		miss := 0
		for r := range distinct {
			if !f.Has(r) {
				miss++
			}
		}
		if miss <= max(2, len(distinct)/50) {
			return f
		}
		if miss < fewest {
			best, fewest = f, miss
		}
	}
	return best
}

func isBlank(r rune) bool { return r == ' ' || r == '\n' || r == '\t' || r == '\u3000' }

// Pick is the face that draws r in the role: primary if it can, else the
// first of the chain that can, nil if none.
func (s *Set) Pick(role string, primary *Face, r rune) *Face {
	if primary != nil && primary.Has(r) {
		return primary
	}
	for _, f := range s.chains[role] {
		if f.Has(r) {
			return f
		}
	}
	return nil
}

// MissingError lists characters no face of a role can draw.
type MissingError struct {
	Role  string
	Runes []rune
}

func (e *MissingError) Error() string {
	parts := make([]string, len(e.Runes))
	for i, r := range e.Runes {
		parts[i] = fmt.Sprintf("U+%04X %c", r, r)
	}
	return fmt.Sprintf("no %s font can draw %s", e.Role, strings.Join(parts, ", "))
}

// Check returns a *MissingError for the characters of text that no face of
// the role can draw, sorted and each named once.
func (s *Set) Check(role string, text []rune) error {
	seen := map[rune]bool{}
	var miss []rune
	for _, r := range text {
		if isBlank(r) || seen[r] {
			continue
		}
		seen[r] = true
		if s.Pick(role, nil, r) == nil {
			miss = append(miss, r)
		}
	}
	if len(miss) == 0 {
		return nil
	}
	sort.Slice(miss, func(i, j int) bool { return miss[i] < miss[j] })
	return &MissingError{Role: role, Runes: miss}
}

// marks are the full-width punctuation marks one face draws through a
// document, whatever the role of the text around them.
const marks = "，。、；：？！（）［］｛｝〔〕〖〗〈〉《》「」『』【】“”‘’"

// IsMark reports whether r is a full-width punctuation mark, drawn in the
// document's face for marks (Marks) in every role.
func IsMark(r rune) bool { return !isIdeograph(r) && strings.ContainsRune(marks, r) }

// placedMarks are the marks whose place in the em box Marks looks at:
// closing marks with their ink in the left half, opening marks in the
// right half, as GB/T 15834 sets them and the line breaker squeezes them.
const placedMarks = "，。、；：（）「」“”"

// Marks chooses the face for the full-width punctuation of one document:
// the first of faces (the body's face first, then its fallbacks) that has
// every mark of placedMarks a full em wide, with the ink of the closing
// marks in the left half of the box and the opening marks' in the right
// half. Faces that centre their marks (cwTeX 仿宋, Taiwan's convention)
// or give the quotes a Latin width (cwTeX's “” are a third of an em)
// leave gaps where a squeezed mark meets the character beside it ("村 (
// 居"), and a heading in a face of one convention beside a body in the
// other places 。 in two ways on one page. Nil when no face qualifies: each
// role then draws its own marks.
func Marks(faces []*Face) *Face {
	for _, f := range faces {
		if f != nil && placesMarks(f) {
			return f
		}
	}
	return nil
}

func placesMarks(f *Face) bool {
	for _, r := range placedMarks {
		adv := f.Advance(r)
		left, right, ok := f.inkX(r)
		switch {
		case !ok || adv < 0.9:
			return false
		case IsOpening(r) && left < adv*0.45:
			return false
		case !IsOpening(r) && right > adv*0.55:
			return false
		}
	}
	return true
}
