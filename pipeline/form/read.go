package form

import (
	"archive/zip"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/xuri/excelize/v2"

	"countybrief/pipeline/form/xlsxscan"
	"countybrief/pipeline/vocab"
	"countybrief/pipeline/workspace"
)

// Rule ids of the reader's findings.
const (
	RuleFormat    = "form.format"    // not an XLSX form at all
	RuleLimit     = "form.limit"     // too large to read
	RuleNumber    = "form.number"    // a value that is not a usable number
	RuleRequired  = "form.required"  // a required value left blank
	RuleRow       = "form.row"       // an indicator's row is missing
	RuleDuplicate = "form.duplicate" // an indicator's row appears twice
	RuleIdentity  = "form.identity"  // identity block missing or wrong
	RuleVersion   = "form.version"   // another form version
	RuleMeasure   = "form.measure"   // a number typed with another indicator's measure word
)

// A Reader reads filled forms against one catalogue within limits. It is
// safe for concurrent use, and a batch uses one for all its files, so
// that the parts forms share are unzipped and checked once (partCache).
type Reader struct {
	cat       *workspace.Catalogue
	lim       Limits
	shared    *xlsxscan.Cache
	scratches scratches
	inputs    []*workspace.Indicator
	idx       *indicatorIndex
}

// NewReader returns a Reader for forms of the catalogue.
func NewReader(cat *workspace.Catalogue, lim Limits) *Reader {
	r := &reader{cat: cat}
	return &Reader{cat: cat, lim: lim.withDefaults(), shared: xlsxscan.NewCache(), inputs: r.inputs(), idx: r.index()}
}

// Read reads the filled form at path with a Reader of its own.
func Read(path string, cat *workspace.Catalogue, lim Limits) (*Submission, []vocab.Finding, error) {
	return NewReader(cat, lim).Read(path)
}

// Read reads the filled form at path. The error is only for I/O trouble;
// whatever is wrong with the content is a finding, and a file that is not
// an XLSX form at all gives one form.format finding and a nil Submission.
func (r *Reader) Read(path string) (*Submission, []vocab.Finding, error) {
	fh, err := os.Open(path)
	if err != nil {
		return nil, nil, fmt.Errorf("open form: %w", err)
	}
	defer fh.Close()
	data, err := ReadUpTo(fh, r.lim.MaxBytes)
	if err != nil {
		return nil, nil, fmt.Errorf("read form: %w", err)
	}
	sub, fs := r.ReadBytes(path, data)
	return sub, fs, nil
}

// ReadUpTo reads f to its end, but no more than one byte past limit: a
// file over the cap shows as over it even when it grew after its size was
// checked, and costs no more than the cap. The buffer is sized from Stat
// to read in one go.
func ReadUpTo(f *os.File, limit int64) ([]byte, error) {
	var buf bytes.Buffer
	if st, err := f.Stat(); err == nil {
		buf.Grow(int(min(max(st.Size(), 0), limit)) + bytes.MinRead)
	}
	_, err := buf.ReadFrom(io.LimitReader(f, limit+1))
	return buf.Bytes(), err
}

// ReadBytes reads a form already in memory: data is the content of the
// file at path, whose extension helps name what a file that is not a form
// is. It answers as Read does.
func (r *Reader) ReadBytes(path string, data []byte) (*Submission, []vocab.Finding) {
	if int64(len(data)) > r.lim.MaxBytes {
		return nil, []vocab.Finding{sizeLimit(r.lim)}
	}
	nf, zr := sniff(path, data)
	if nf != nil {
		return nil, []vocab.Finding{formatFinding(nf)}
	}
	return r.readZip(zr, data)
}

// ReadZip is ReadBytes for a file that begins as a zip ("PK\x03\x04")
// and whose zip directory the caller has read already: zr is data's, as
// zip.NewReader gives it. A caller that looks into the zip to tell which
// reader a file is for need not have its directory parsed a second time.
func (r *Reader) ReadZip(data []byte, zr *zip.Reader) (*Submission, []vocab.Finding) {
	if int64(len(data)) > r.lim.MaxBytes {
		return nil, []vocab.Finding{sizeLimit(r.lim)}
	}
	if nf := sniffDirectory(zr); nf != nil {
		return nil, []vocab.Finding{formatFinding(nf)}
	}
	return r.readZip(zr, data)
}

// readZip reads a file sniffed as an XLSX workbook, zr its directory.
func (r *Reader) readZip(zr *zip.Reader, data []byte) (*Submission, []vocab.Finding) {
	if sub, fs, ok := r.readFast(zr, data); ok {
		return sub, fs
	}
	var over *xlsxscan.LimitError
	if errors.As(xlsxscan.CheckBounds(zr, r.lim.scan()), &over) {
		return nil, []vocab.Finding{limitFinding(over, r.lim)}
	}
	sub, fs := r.readFull(data)
	return detach(sub), fs
}

// MaxBytes is the largest file the Reader reads.
func (r *Reader) MaxBytes() int64 { return r.lim.MaxBytes }

// detach copies the strings a Submission holds out of the workbook's
// parts: the fast reader's strings are slices of a part's whole text,
// which the Reader's next form overwrites (xlsxscan.Scratch), and with
// excelize a batch that keeps a unit code or period per file for its
// summary would otherwise keep every file's sheet in memory (7,300 files
// pinned ~130 MB).
func detach(sub *Submission) *Submission {
	if sub == nil {
		return nil
	}
	id := &sub.Identity
	for _, s := range []*string{&id.UnitCode, &id.UnitName, &id.Period, &id.FilledBy, &id.Phone, &id.Date, &id.FormVersion} {
		*s = strings.Clone(*s)
	}
	// The maps' keys and Blank are the catalogue's codes and the
	// identity's keys, and a Location's cell is made by cellName, never
	// the workbook's; only the sheet name is, the same for all, copied
	// once.
	var sheet, copied string
	for code, loc := range sub.Cells {
		if loc.Sheet != sheet || copied == "" {
			sheet, copied = loc.Sheet, strings.Clone(loc.Sheet)
		}
		loc.Sheet = copied
		sub.Cells[code] = loc
	}
	for code, text := range sub.Explanations {
		sub.Explanations[code] = strings.Clone(text)
	}
	return sub
}

// detachFindings is detach for findings, whose sheet names and quoted
// cells may be slices of a part's text.
func detachFindings(fs []vocab.Finding) []vocab.Finding {
	for i := range fs {
		f := &fs[i]
		for _, s := range []*string{&f.Rule, &f.Sheet, &f.Cell, &f.Message, &f.Fix, &f.Explanation} {
			*s = strings.Clone(*s)
		}
	}
	return fs
}

// readFast reads the form with the fast reader, xlsxscan; ok is false
// when it gave up and the file must be read by readFull. What it returns
// is detached from the workbook, whose memory the Reader's next form
// takes over.
func (r *Reader) readFast(zr *zip.Reader, data []byte) (*Submission, []vocab.Finding, bool) {
	s := r.scratches.get()
	defer r.scratches.put(s)
	b, err := s.Open(zr, data, r.lim.scan(), r.shared)
	var over *xlsxscan.LimitError
	switch {
	case errors.As(err, &over):
		return nil, []vocab.Finding{limitFinding(over, r.lim)}, true
	case err != nil:
		return nil, nil, false
	}
	sub, fs, err := r.book(b, b.Date1904()).readBook()
	if err != nil {
		return nil, nil, false
	}
	return detach(sub), detachFindings(fs), true
}

// scratches hold the memory of the forms read, which the next forms
// read take over: one xlsxscan.Scratch for each form read at once, kept
// between forms, where a sync.Pool would drop them at each collection.
type scratches struct {
	mu   sync.Mutex
	idle []*xlsxscan.Scratch
}

// maxIdleScratches bounds the Scratches kept idle, each a form's worth of
// memory (at most about a megabyte, xlsxscan bounds it), by the workers a
// batch may run.
const maxIdleScratches = 16

func (l *scratches) get() *xlsxscan.Scratch {
	l.mu.Lock()
	defer l.mu.Unlock()
	if n := len(l.idle); n > 0 {
		s := l.idle[n-1]
		l.idle = l.idle[:n-1]
		return s
	}
	return new(xlsxscan.Scratch)
}

func (l *scratches) put(s *xlsxscan.Scratch) {
	s.Trim() // a hostile file's memory is not kept idle
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.idle) < maxIdleScratches {
		l.idle = append(l.idle, s)
	}
}

// readFull reads the form through excelize.
func (r *Reader) readFull(data []byte) (*Submission, []vocab.Finding) {
	b, date1904, err := openFull(data, r.lim)
	if err != nil {
		// excelize has no sentinel error for its unzip limit.
		if strings.Contains(err.Error(), "unzip size exceeds") {
			return nil, []vocab.Finding{unzipLimit(r.lim)}
		}
		return nil, []vocab.Finding{corrupt()}
	}
	defer b.f.Close()
	sub, fs, _ := r.book(b, date1904).readBook() // excelize's workbook supports everything
	return sub, fs
}

// book starts the state of reading one file from its workbook.
func (r *Reader) book(b workbook, date1904 bool) *reader {
	return &reader{cat: r.cat, lim: r.lim, book: b, date1904: date1904, inputList: r.inputs, idx: r.idx, formulaLeft: r.lim.MaxFormula}
}

func formatFinding(nf *notForm) vocab.Finding {
	return vocab.Finding{Rule: RuleFormat, Severity: vocab.Error, Message: nf.what, Fix: nf.fix}
}

// errLimit is a file over the rows or cells of Limits.
var errLimit = errors.New("limit exceeded")

// reader holds the state of one Read.
type reader struct {
	cat         *workspace.Catalogue
	lim         Limits
	book        workbook
	date1904    bool
	inputList   []*workspace.Indicator
	idx         *indicatorIndex
	rows        int // budget used
	cells       int
	formulaLeft int // cells formulas may still visit
	findings    []vocab.Finding
}

// grid is a scanned sheet: only rows with text, gaps left out.
type grid struct {
	sheet string
	order []int      // row numbers, ascending
	rows  [][]string // each row's cells from column A, "" for empty

	hits map[string]*hit // each input indicator's row, once found
}

// add appends a row, which comes after every row already added.
func (g *grid) add(row int, cells []string) {
	g.order = append(g.order, row)
	g.rows = append(g.rows, cells)
}

func (g *grid) at(row, col int) string {
	i, ok := slices.BinarySearch(g.order, row)
	if !ok {
		return ""
	}
	cells := g.rows[i]
	if col < 1 || col > len(cells) {
		return ""
	}
	return cells[col-1]
}

func (r *reader) add(f vocab.Finding) { r.findings = append(r.findings, f) }

// readBook reads the form from the opened workbook. The error is
// xlsxscan.ErrUnsupported from the workbook: the file must be read
// another way, and nothing read here counts.
func (r *reader) readBook() (*Submission, []vocab.Finding, error) {
	g, err := r.findSheet()
	switch {
	case errors.Is(err, xlsxscan.ErrUnsupported):
		return nil, nil, err
	case errors.Is(err, errLimit):
		return nil, []vocab.Finding{cellsLimit(r.lim)}, nil
	case err != nil:
		return nil, []vocab.Finding{corrupt()}, nil
	case g == nil:
		return nil, []vocab.Finding{{
			Rule: RuleFormat, Severity: vocab.Error,
			Message: "這個 Excel 表格不是本系統下發的填報表：表中找不到指標代碼，也找不到指標名稱。",
			Fix:     fixSendXLSX,
		}}, nil
	}
	sub := &Submission{
		Values: make(map[string]float64, len(r.cat.Indicators)),
		Cells:  make(map[string]Location, len(r.cat.Indicators)+8),
	}
	r.identity(g, sub)
	m, err := r.readMeta()
	switch {
	case errors.Is(err, errLimit):
		return nil, []vocab.Finding{cellsLimit(r.lim)}, nil
	case err != nil:
		return nil, nil, err
	}
	missing, rejected := r.checkCatalogue(m, g.sheet)
	if err := r.values(g, sub, missing, rejected); err != nil {
		return nil, nil, err
	}
	return sub, r.findings, nil
}

func corrupt() vocab.Finding {
	return vocab.Finding{
		Rule: RuleFormat, Severity: vocab.Error,
		Message: "文件內部結構損壞，無法作為 Excel 表格讀取。",
		Fix:     "請在電腦上重新打開、保存表格後再報送；如仍打不開，請用本系統下發的空白表格重新填寫。",
	}
}

// findSheet returns the sheet holding most indicator codes (or, failing
// codes, labels), reading 填報表 first and stopping there when it is the
// form, so a normal file costs one sheet.
func (r *reader) findSheet() (*grid, error) {
	names := r.book.Sheets()
	for i, n := range names {
		if asWritten(n) == SheetName {
			names[0], names[i] = names[i], names[0]
		}
	}
	inputs := r.inputs()
	var best *grid
	bestScore := 0
	for _, name := range names {
		if name == MetaSheet {
			continue
		}
		g, err := r.scan(name)
		if err != nil {
			return nil, err
		}
		g.hits = r.index().findAll(g)
		score := 0
		for _, c := range g.hits {
			if c.byCode {
				score += 2
			} else {
				score++
			}
		}
		if score > bestScore {
			best, bestScore = g, score
		}
		if asWritten(name) == SheetName && score >= len(inputs) {
			break
		}
	}
	return best, nil
}

// scan reads one sheet into a grid, charging the rows and cells of the
// file's budget, gaps included.
func (r *reader) scan(name string) (*grid, error) {
	// Room for a form's rows from the start, rather than growing to them.
	g := &grid{sheet: name, order: make([]int, 0, 64), rows: make([][]string, 0, 64)}
	prev := 0
	err := r.book.Rows(name, func(row int, cells []string) error {
		if r.rows += row - prev; r.rows > r.lim.MaxRows {
			return errLimit
		}
		prev = row
		if r.cells += len(cells); r.cells > r.lim.MaxCells {
			return errLimit
		}
		for len(cells) > 0 && strings.TrimSpace(cells[len(cells)-1]) == "" {
			cells = cells[:len(cells)-1]
		}
		if len(cells) > 0 {
			g.add(row, cells)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return g, nil
}

// hit is where an indicator's row was found.
type hit struct {
	code   string
	row    int
	byCode bool
	dup    []int // further rows with the same code
}

// inputs are the catalogue's input indicators (Catalogue.Inputs), listed
// once per Read and pointing into the catalogue: a copy of each would be a
// good part of what a fast Read allocates.
func (r *reader) inputs() []*workspace.Indicator {
	if r.inputList == nil {
		r.inputList = make([]*workspace.Indicator, 0, len(r.cat.Indicators))
		for i := range r.cat.Indicators {
			if in := &r.cat.Indicators[i]; !in.Derived() {
				r.inputList = append(r.inputList, in)
			}
		}
	}
	return r.inputList
}

// indicatorIndex finds an input indicator by code or by squashed label.
type indicatorIndex struct {
	codes  map[string]bool
	labels map[string]string // squashed label → code
	// The lengths of the codes and labels: most cells of a sheet (figures,
	// notes, measure words) are told from every key by their length alone,
	// without hashing them.
	codeLens, labelLens lengths
}

// lengths is a set of string lengths; a length past its end counts as in
// it.
type lengths [128]bool

func (l *lengths) add(n int) {
	if n < len(l) {
		l[n] = true
	}
}

func (l *lengths) has(n int) bool { return n >= len(l) || l[n] }

func (r *reader) index() *indicatorIndex {
	if r.idx == nil {
		inputs := r.inputs()
		r.idx = &indicatorIndex{codes: make(map[string]bool, len(inputs)), labels: make(map[string]string, len(inputs))}
		for _, in := range inputs {
			label := squash(in.Label)
			r.idx.codes[in.Code] = true
			r.idx.labels[label] = in.Code
			r.idx.codeLens.add(len(in.Code))
			r.idx.labelLens.add(len(label))
		}
	}
	return r.idx
}

// findAll locates each input indicator's row: by the code in any cell, or
// by its label when no cell holds the code.
func (ix *indicatorIndex) findAll(g *grid) map[string]*hit {
	want, labels := ix.codes, ix.labels
	byCode := make(map[string]*hit, len(want))
	// One array holds the hits by code, at most one per code, so it never
	// grows and the pointers hold; the hits by label, rarely looked for,
	// get one of their own.
	hits := make([]hit, 0, len(want))
	newHit := func(h hit) *hit {
		hits = append(hits, h)
		return &hits[len(hits)-1]
	}
	isCode := func(v string) (string, bool) {
		code := strings.TrimSpace(v)
		return code, ix.codeLens.has(len(code)) && want[code]
	}
	for i, row := range g.order {
		for _, v := range g.rows[i] {
			if v == "" {
				continue
			}
			if code, ok := isCode(v); ok {
				if h, ok := byCode[code]; ok {
					if h.row != row {
						h.dup = append(h.dup, row)
					}
				} else {
					byCode[code] = newHit(hit{code: code, row: row, byCode: true})
				}
			}
		}
	}
	if len(byCode) == len(want) {
		// Every code was found by code, the usual form: no label can
		// add a row, and squashing every cell to look for one is spared.
		return byCode
	}
	byLabel := map[string]*hit{}
	hits = make([]hit, 0, len(want))
	for i, row := range g.order {
		for _, v := range g.rows[i] {
			if v == "" {
				continue
			}
			if _, ok := isCode(v); ok {
				continue
			}
			key := squash(v)
			if !ix.labelLens.has(len(key)) {
				continue
			}
			if code, ok := labels[key]; ok {
				if _, seen := byLabel[code]; !seen {
					byLabel[code] = newHit(hit{code: code, row: row})
				}
			}
		}
	}
	for code, h := range byLabel {
		if _, ok := byCode[code]; !ok {
			byCode[code] = h
		}
	}
	return byCode
}

// squash drops spaces so that a label with a stray space still matches.
// It runs on every cell of a sheet, so a valid string that holds no space,
// the usual case, is returned as it is after one pass.
func squash(s string) string {
	for i := 0; i < len(s); {
		if c := s[i]; c < utf8.RuneSelf {
			if c <= ' ' {
				return dropSpaces(s)
			}
			i++
			continue
		}
		if c := s[i]; 0xE4 <= c && c <= 0xEC && i+2 < len(s) && s[i+1]&0xC0 == 0x80 && s[i+2]&0xC0 == 0x80 {
			i += 3 // U+4000 to U+CFFF, the Chinese characters among them: no space
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 || isWideSpace(r) {
			return dropSpaces(s) // which also replaces invalid bytes
		}
		i += size
	}
	return s
}

// isWideSpace reports whether r, not ASCII, is a space to unicode.IsSpace.
func isWideSpace(r rune) bool {
	return r == 0x85 || r == 0xA0 || r == 0x1680 || 0x2000 <= r && r <= 0x200A ||
		r == 0x2028 || r == 0x2029 || r == 0x202F || r == 0x205F || r == 0x3000
}

func dropSpaces(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) || r == '\u3000' {
			return -1
		}
		return r
	}, s)
}

// columns are the columns under the 數值 and 說明 headers, or the form's
// own columns when the headers are gone; 說明 keeps its place beside 數值
// when only its header is gone.
func (g *grid) columns() (value, note int) {
	for _, cells := range g.rows {
		label, value, note := 0, 0, 0
		for i, v := range cells {
			switch asWritten(squash(v)) {
			case headLabel:
				label = i + 1
			case headValue:
				value = i + 1
			case headNote:
				note = i + 1
			}
		}
		if label > 0 && value > 0 {
			if note == 0 {
				note = value + colNote - colValue
			}
			return value, note
		}
	}
	return colValue, colNote
}

// ownNotes are the form's own words of a 說明 cell in both scripts, in
// the order explanation removes them.
var ownNotes = []string{
	notePrefilled + "，" + noteChange, noteRequired, noteOptional, noteDecimal,
	simplified[notePrefilled] + "，" + simplified[noteChange], simplified[noteRequired], simplified[noteOptional], simplified[noteDecimal],
}

// explanation is what the unit wrote in a 說明 cell, without the form's
// own words: a unit may add its reason after them or type over them.
func explanation(text string) string {
	for _, own := range ownNotes {
		text = strings.ReplaceAll(text, own, "")
	}
	text = strings.TrimFunc(text, func(r rune) bool {
		return unicode.IsSpace(r) || strings.ContainsRune("；;，,。.、：:", r)
	})
	if text == "" {
		return ""
	}
	return clipN(text, maxExplanationRunes)
}

// values reads every input indicator's value; missing are the inputs a
// form of another catalogue has no row for, read as blank unless the
// form was rejected (checkCatalogue). The error is
// xlsxscan.ErrUnsupported, as for readBook.
func (r *reader) values(g *grid, sub *Submission, missing map[string]bool, rejected bool) error {
	inputs := r.inputs()
	hits := g.hits
	vcol, ncol := g.columns()
	unreadable := func(code, why string) {
		if sub.Unreadable == nil {
			sub.Unreadable = map[string]string{}
		}
		sub.Unreadable[code] = why
	}
	for _, in := range inputs {
		h, ok := hits[in.Code]
		switch {
		case !ok && missing[in.Code] && rejected:
			unreadable(in.Code, "舊表格沒有這一行")
			continue
		case !ok && missing[in.Code]:
			sub.Values[in.Code] = 0
			sub.Blank = append(sub.Blank, in.Code)
			continue
		case !ok:
			r.add(vocab.Finding{
				Rule: RuleRow, Severity: vocab.Error, Sheet: g.sheet,
				Message: "表中找不到指標「" + in.Label + "」這一行（代碼 " + in.Code + "），可能被刪除了。",
				Fix:     "請用本系統下發的空白表格重新填寫，不要刪除表中的行。",
			})
			unreadable(in.Code, "表中找不到這一行")
			continue
		}
		cell := cellName(vcol, h.row)
		sub.Cells[in.Code] = Location{Sheet: g.sheet, Cell: cell}
		if why := explanation(g.at(h.row, ncol)); why != "" {
			if sub.Explanations == nil {
				sub.Explanations = map[string]string{}
			}
			sub.Explanations[in.Code] = why
		}
		for _, d := range h.dup {
			r.add(vocab.Finding{
				Rule: RuleDuplicate, Severity: vocab.Error, Sheet: g.sheet, Cell: cellName(vcol, d),
				Message: "指標「" + in.Label + "」在表中出現了兩次（第 " + strconv.Itoa(h.row) + " 行和第 " + strconv.Itoa(d) + " 行），系統無法確定用哪個數。",
				Fix:     "請刪除多餘的一行，只保留一個「" + in.Label + "」。",
			})
		}
		text, p, err := r.cellText(g, vcol, h.row)
		if err != nil {
			return err
		}
		var v float64
		var blank bool
		var measure string
		if p == nil {
			v, blank, measure, p = parseValue(text, *in)
		}
		switch {
		case p != nil:
			r.add(vocab.Finding{
				Rule: RuleNumber, Severity: vocab.Error, Sheet: g.sheet, Cell: cell,
				Message: "「" + in.Label + "」填的是「" + clip(text) + "」，" + p.msg + "。",
				Fix:     p.fix + "。",
			})
			unreadable(in.Code, p.msg)
		case blank && in.Required:
			said := "沒有填寫"
			if strings.TrimSpace(text) != "" {
				said = "填的是「" + clip(text) + "」"
			}
			r.add(vocab.Finding{
				Rule: RuleRequired, Severity: vocab.Error, Sheet: g.sheet, Cell: cell,
				Message: "「" + in.Label + "」是必填項，但" + said + "。",
				Fix:     "請填寫" + in.Measure + "數；沒有發生的填 0。",
			})
			unreadable(in.Code, "必填項沒有填寫")
		case len(h.dup) > 0:
			unreadable(in.Code, "表中有兩行，無法確定用哪個數")
		case blank:
			sub.Values[in.Code] = 0
			sub.Blank = append(sub.Blank, in.Code)
		default:
			if measure != "" {
				r.add(measureFinding(*in, g.sheet, cell, text, v))
			}
			sub.Values[in.Code] = v
		}
	}
	return nil
}

// measureFinding warns of a value typed with a measure word that is not
// the indicator's: the number is taken, and the clerk asked to check it.
func measureFinding(in workspace.Indicator, sheet, cell, text string, v float64) vocab.Finding {
	num := strconv.FormatFloat(v, 'f', -1, 64)
	return vocab.Finding{
		Rule: RuleMeasure, Severity: vocab.Warning, Sheet: sheet, Cell: cell,
		Message: "「" + in.Label + "」填的是「" + clip(text) + "」，這一項的單位是「" + in.Measure + "」，已按 " + num + " " + in.Measure + "計入。",
		Fix:     "請核對這個數是否按「" + in.Measure + "」計；下次只填阿拉伯數字，不寫單位。",
	}
}

// cellText is a value cell's text. An empty cell may be covered by a merge
// or be a formula without a cached result, which only then is asked of
// the workbook, so a normal file is read by streaming alone. A formula
// that cannot be computed within the budget is a problem, not a blank.
// The error is xlsxscan.ErrUnsupported, as for readBook; any other error
// of the workbook leaves the cell blank.
func (r *reader) cellText(g *grid, col, row int) (string, *numberProblem, error) {
	if v := g.at(row, col); v != "" {
		return v, nil, nil
	}
	c1, r1, merged, err := r.book.MergeOver(g.sheet, col, row)
	switch {
	case errors.Is(err, xlsxscan.ErrUnsupported):
		return "", nil, err
	case err != nil:
		return "", nil, nil
	case merged:
		return g.at(r1, c1), nil, nil
	}
	formula, err := r.book.Formula(g.sheet, col, row)
	switch {
	case errors.Is(err, xlsxscan.ErrUnsupported):
		return "", nil, err
	case err != nil || formula == "":
		return "", nil, nil
	}
	c := &calc{r: r, g: g, active: map[[2]int]bool{}}
	v, err := c.formula(formula, col, row)
	switch {
	case errors.Is(err, errTooComplex):
		return "=" + formula, &numberProblem{
			fmt.Sprintf("公式太複雜（%s!%s 要計算的單元格超過 %d 個），系統不予計算", g.sheet, cellName(col, row), r.lim.MaxFormula),
			"請把這一格改為數值：複製這一格，再用「選擇性粘貼 → 數值」粘貼回原處",
		}, nil
	case err != nil:
		return "=" + formula, &numberProblem{"是系統算不出結果的公式", "請刪除公式，直接填寫數字"}, nil
	}
	return strconv.FormatFloat(v, 'f', -1, 64), nil, nil
}

// clip makes cell text safe to quote in a message: one line, no control
// characters, at most 20 characters.
func clip(s string) string { return clipN(s, 20) }

func clipN(s string, n int) string {
	s = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return ' '
		}
		return r
	}, strings.TrimSpace(s))
	if rs := []rune(s); len(rs) > n {
		return string(rs[:n]) + "…"
	}
	return s
}

var (
	unitPattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_-]{0,31}$`)
)

// maxIdentityRunes keeps a pasted essay out of the ledger.
const maxIdentityRunes = 100

// identityLabels finds an identity field (its index in identityFields)
// by its label in either script; identityLens are the labels' lengths.
var identityLabels, identityLens = func() (map[string]int, lengths) {
	fields := identityFields()
	byLabel := make(map[string]int, 2*len(fields))
	var lens lengths
	for i, fd := range fields {
		byLabel[fd.label] = i
		lens.add(len(fd.label))
		if twin, ok := simplified[fd.label]; ok {
			byLabel[twin] = i
			lens.add(len(twin))
		}
	}
	return byLabel, lens
}()

func (r *reader) identity(g *grid, sub *Submission) {
	fields := identityFields()
	byLabel := identityLabels
	found := make([]bool, len(fields))
	left := len(fields)
	// Once every label is found, the rest of the sheet (its figures)
	// has nothing for the identity.
	for ri := 0; ri < len(g.order) && left > 0; ri++ {
		row, cells := g.order[ri], g.rows[ri]
		for c, v := range cells {
			key := strings.TrimRight(squash(v), ":：")
			if !identityLens.has(len(key)) {
				continue
			}
			i, ok := byLabel[key]
			if !ok || found[i] {
				continue
			}
			found[i], left = true, left-1
			col := c + 1
			// The value is the next cell to the right that is not another
			// label; a clerk may have merged or widened the cells.
			for k := c + 1; k < len(cells) && k <= c+3; k++ {
				if _, isLabel := byLabel[strings.TrimRight(squash(cells[k]), ":：")]; isLabel {
					break
				}
				if strings.TrimSpace(cells[k]) != "" {
					col = k + 1
					break
				}
			}
			if col == c+1 {
				col = c + 2 // empty: point at the cell to fill
			}
			val := strings.TrimSpace(g.at(row, col))
			if rs := []rune(val); len(rs) > maxIdentityRunes {
				val = string(rs[:maxIdentityRunes])
			}
			*fields[i].get(&sub.Identity) = val
			sub.Cells[fields[i].key] = Location{Sheet: g.sheet, Cell: cellName(col, row)}
		}
	}
	r.identityDates(sub)
	for i, fd := range fields {
		val := *fd.get(&sub.Identity)
		loc := sub.Cells[fd.key]
		switch {
		case fd.key == "form_version":
			r.checkVersion(found[i], val, g.sheet, loc)
		case !found[i]:
			r.add(vocab.Finding{
				Rule: RuleIdentity, Severity: severity(fd.required), Sheet: g.sheet,
				Message: "表頭找不到「" + fd.label + "」一欄。",
				Fix:     "請用本系統下發的空白表格重新填寫，不要刪改表頭。",
			})
		case val == "":
			fix := "請在「" + fd.label + "」右邊的格子裡填寫。"
			if fd.required {
				fix = "這一格由系統預填，請用本系統下發給本單位的表格重新填寫。"
			}
			r.add(vocab.Finding{
				Rule: RuleIdentity, Severity: severity(fd.required), Sheet: loc.Sheet, Cell: loc.Cell,
				Message: "「" + fd.label + "」是空的。", Fix: fix,
			})
		case fd.key == "unit_code" && !unitPattern.MatchString(val):
			r.add(vocab.Finding{
				Rule: RuleIdentity, Severity: vocab.Error, Sheet: loc.Sheet, Cell: loc.Cell,
				Message: "「單位代碼」填的是「" + clip(val) + "」，不是有效的單位代碼。",
				Fix:     "單位代碼由系統預填，請用本系統下發給本單位的表格重新填寫。",
			})
		case fd.key == "period" && !workspace.ValidPeriod(val):
			r.add(vocab.Finding{
				Rule: RuleIdentity, Severity: vocab.Error, Sheet: loc.Sheet, Cell: loc.Cell,
				Message: "「報送期」填的是「" + clip(val) + "」，不是有效的報送期。",
				Fix:     "報送期由系統預填，請用本系統下發的本期表格重新填寫。",
			})
		}
	}
}

func severity(required bool) vocab.Severity {
	if required {
		return vocab.Error
	}
	return vocab.Warning
}

func (r *reader) checkVersion(found bool, val, sheet string, loc Location) {
	switch {
	case !found || val == "":
		r.add(vocab.Finding{
			Rule: RuleVersion, Severity: vocab.Warning, Sheet: sheet, Cell: loc.Cell,
			Message: "表中找不到表格版本號，可能不是本期下發的表格。",
			Fix:     "下次請用本系統下發的最新表格（版本 " + FormVersion + "）填寫。",
		})
	case val != FormVersion:
		r.add(vocab.Finding{
			Rule: RuleVersion, Severity: vocab.Warning, Sheet: loc.Sheet, Cell: loc.Cell,
			Message: "表格版本是「" + clip(val) + "」，不是本期的 " + FormVersion + " 版，請核對各行是否對應。",
			Fix:     "下次請用本系統下發的最新表格（版本 " + FormVersion + "）填寫。",
		})
	}
}

// identityDates turns date serial numbers, left when a spreadsheet program
// took a typed date for a date, back into text.
func (r *reader) identityDates(sub *Submission) {
	convert := func(s *string, layout string) {
		// Serials of 2000-01-01 to 2099-12-31 only: 200812 is a typo, not
		// a date in the year 2449.
		v, err := strconv.ParseFloat(*s, 64)
		if err != nil || v < 36526 || v > 73050 {
			return
		}
		if t, err := excelize.ExcelDateToTime(v, r.date1904); err == nil {
			*s = t.Format(layout)
		}
	}
	convert(&sub.Date, time.DateOnly)
	convert(&sub.Period, "2006-01")
}
