package render

import (
	"archive/zip"
	"bytes"
	"compress/flate"
	"crypto/sha256"
	"encoding/xml"
	"errors"
	"fmt"
	"hash"
	"hash/crc32"
	"io"
	"io/fs"
	"math"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/xuri/excelize/v2"

	"countybrief/pipeline/merge"
	"countybrief/pipeline/workspace"
)

// Sheet names of the totals workbook.
const (
	SheetTotals  = "匯總"
	SheetUnits   = "分單位明細"
	SheetSources = "來源"
)

// NoCell stands for the cell of a value recorded before the ledger kept
// cells.
const NoCell = "（舊記錄，沒有存格子位置）"

// TotalsWorkbook writes the period's figures as a workbook: sheet 匯總 has
// one row per indicator with the county total and the township and
// county-organ subtotals; sheet 分單位明細 has one row per reported unit
// and one column per form row; sheet 報送狀態 has every unit of the
// registry with its one state; sheet 來源 has one row per reported unit
// and input value, with the file and the cell it was read from. Values
// are numbers, not text, so the office can sum and chart them. excelize
// writes the package and the headers of the unit and source sheets; their
// rows are written as XML here (see unitRows, sourceRows) and put into the
// sheets as the package is zipped, so a region of thousands of units costs
// no more memory than the XML of its rows.
func (r *Renderer) TotalsWorkbook(w io.Writer, b Briefing) error {
	return r.totalsWorkbook(w, b, nil)
}

// KeptTotalsWorkbook is TotalsWorkbook with the deflated chunks of its
// streamed sheets' rows taken from kept where kept has them, and given to
// kept for the next workbook: a draft that one changed file makes
// rewrites a region's every row, and deflating them was most of its
// rendering (0.2 s at 73,000 units), while all but a chunk or two are
// as the last draft deflated them. The bytes are TotalsWorkbook's.
func (r *Renderer) KeptTotalsWorkbook(kept Chunks) func(io.Writer, Briefing) error {
	return func(w io.Writer, b Briefing) error { return r.totalsWorkbook(w, b, kept) }
}

// Chunks keeps deflated chunks of rows between workbooks, by the SHA-256
// of the rows' XML; a chunk's deflated bytes are a function of that XML
// alone (deflateChunk).
type Chunks interface {
	// Deflated is the chunk kept under key, if one is.
	Deflated(key [sha256.Size]byte) ([]byte, bool)
	// Keep keeps a chunk of this workbook for the next.
	Keep(key [sha256.Size]byte, deflated []byte) error
}

func (r *Renderer) totalsWorkbook(w io.Writer, b Briefing, kept Chunks) (err error) {
	f := excelize.NewFile()
	defer func() {
		if cerr := f.Close(); err == nil && cerr != nil {
			err = fmt.Errorf("close workbook: %w", cerr)
		}
	}()
	cat := r.ws.Catalogue
	if err := f.SetSheetName("Sheet1", SheetTotals); err != nil {
		return fmt.Errorf("totals sheet: %w", err)
	}
	// The totals sheet has a row per indicator, however many units report,
	// so it is set in place: excelize writes streamed sheets in map order,
	// and a second stream would make the file's bytes differ run to run.
	header := []any{"部分", "小類", "代碼", "指標", "計量單位", r.ws.Config.AreaWord()}
	for _, k := range r.ws.Kinds {
		header = append(header, k+"小計")
	}
	if err := r.setRow(sheetRows{f, SheetTotals}, 1, header); err != nil {
		return err
	}
	styles, err := placeStyles(f, cat)
	if err != nil {
		return err
	}
	lastCol, err := excelize.ColumnNumberToName(len(header))
	if err != nil {
		return fmt.Errorf("totals sheet: %w", err)
	}
	for i, in := range cat.Indicators {
		row := []any{in.Section, in.Group, in.Code, in.Label, in.Measure, cellFigure(b.Totals.All, in)}
		for _, k := range r.ws.Kinds {
			row = append(row, cellFigure(b.Totals.ByKind[k], in))
		}
		if err := r.setRow(sheetRows{f, SheetTotals}, i+2, row); err != nil {
			return err
		}
		n := strconv.Itoa(i + 2)
		if err := f.SetCellStyle(SheetTotals, "F"+n, lastCol+n, styles[in.Places()]); err != nil {
			return fmt.Errorf("totals sheet: %w", err)
		}
	}
	if err := f.SetColWidth(SheetTotals, "A", "C", 14); err != nil {
		return fmt.Errorf("totals sheet: %w", err)
	}
	if err := f.SetColWidth(SheetTotals, "D", "D", 34); err != nil {
		return fmt.Errorf("totals sheet: %w", err)
	}
	if _, err := f.NewSheet(SheetUnits); err != nil {
		return fmt.Errorf("unit sheet: %w", err)
	}
	sw, err := f.NewStreamWriter(SheetUnits)
	if err != nil {
		return fmt.Errorf("unit sheet: %w", err)
	}
	if err := sw.SetPanes(&excelize.Panes{Freeze: true, XSplit: 2, YSplit: 1, TopLeftCell: "C2", ActivePane: "bottomRight"}); err != nil {
		return fmt.Errorf("unit sheet: %w", err)
	}
	inputs := cat.Inputs()
	uh := []any{"單位代碼", "單位名稱", "類別"}
	for _, in := range inputs {
		uh = append(uh, in.Label+"（"+in.Measure+"）")
	}
	if err := r.setRow(streamRows{sw}, 1, uh); err != nil {
		return err
	}
	if err := sw.Flush(); err != nil {
		return fmt.Errorf("unit sheet: %w", err)
	}
	if err := r.statesHeader(f); err != nil {
		return err
	}
	unitPath, err := sheetPath(f, SheetUnits)
	if err != nil {
		return err
	}
	statesPath, err := sheetPath(f, SheetStates)
	if err != nil {
		return err
	}
	pw := &packageWriter{dst: w, kept: kept, rows: map[string]func(io.Writer) error{
		unitPath:   func(w io.Writer) error { return r.unitRows(w, b.Reported, inputs, styles) },
		statesPath: func(w io.Writer) error { return r.stateRows(w, b.Units) },
	}}
	// A published issue's workbook says where every figure came from; a
	// draft's, rewritten by every batch that changes a figure, leaves the
	// row per unit and indicator (180,000 at a region's 7,300 units) to
	// `countybrief explain`.
	if !b.Draft {
		if err := r.sourcesHeader(f); err != nil {
			return err
		}
		sourcePath, err := sheetPath(f, SheetSources)
		if err != nil {
			return err
		}
		pw.rows[sourcePath] = func(w io.Writer) error { return r.sourceRows(w, b.Reported, inputs, styles) }
	}
	if err := r.sheetsInScript(f); err != nil {
		return err
	}
	f.SetZipWriter(pw.start)
	left, err := f.WriteToBuffer()
	if err != nil {
		return fmt.Errorf("write workbook: %w", err)
	}
	if left.Len() != 0 {
		return errors.New("write workbook: excelize wrote the package beside the package writer")
	}
	return nil
}

// sheetsInScript names the workbook's sheets in the workspace's script
// (匯總 is 汇总 to a Simplified office); the constants keep the
// Traditional names, which a Traditional workspace's workbooks have.
func (r *Renderer) sheetsInScript(f *excelize.File) error {
	for _, name := range f.GetSheetList() {
		c, err := r.conv(name)
		if err != nil {
			return fmt.Errorf("convert script: %w", err)
		}
		if c == name {
			continue
		}
		if err := f.SetSheetName(name, c); err != nil {
			return fmt.Errorf("name sheet %s: %w", c, err)
		}
	}
	return nil
}

// placeStyles makes one cell style per number of decimal places the
// catalogue prints figures with, keyed by places: a figure in the
// workbook shows the places it shows in the briefing, while the cell
// keeps the exact value.
func placeStyles(f *excelize.File, cat *workspace.Catalogue) (map[int]int, error) {
	styles := map[int]int{}
	for _, in := range cat.Indicators {
		p := in.Places()
		if _, ok := styles[p]; ok {
			continue
		}
		format := "0"
		if p > 0 {
			format += "." + strings.Repeat("0", p)
		}
		id, err := f.NewStyle(&excelize.Style{CustomNumFmt: &format})
		if err != nil {
			return nil, fmt.Errorf("number format %s: %w", format, err)
		}
		styles[p] = id
	}
	return styles, nil
}

// sheetPath is where the sheet's XML goes in the package: excelize names
// a sheet's part after its sheet ID.
func sheetPath(f *excelize.File, sheet string) (string, error) {
	for id, name := range f.GetSheetMap() {
		if name == sheet {
			return "xl/worksheets/sheet" + strconv.Itoa(id) + ".xml", nil
		}
	}
	return "", fmt.Errorf("unit sheet: %q not in the workbook", sheet)
}

// unitRows writes the unit sheet's rows from row 2 as SpreadsheetML.
// They are written here and not through excelize's StreamWriter, which
// spends some 300 ns and several allocations on every cell: at 7,300 units
// of 25 columns that was most of a batch's render stage. The cells are the
// ones StreamWriter writes, text inline and numbers as numbers, but for
// their references, which a row without gaps does not need (as in
// sourceRows): different in every row, they were a third of the XML and
// most of what deflating it cost (76 MB and 12 MB deflated at 73,000
// units). The rows go to w in pieces, straight into the deflater, so that
// a region's several megabytes of XML are never held whole.
func (r *Renderer) unitRows(w io.Writer, units []UnitValues, inputs []workspace.Indicator, styles map[int]int) error {
	// Each input's cell has its start, with the column's style, made once.
	colStarts := make([][]byte, len(inputs))
	for k, in := range inputs {
		colStarts[k] = []byte(`<c s="` + strconv.Itoa(styles[in.Places()]) + `"`)
	}
	// A kind is one of a few words; each is converted once.
	kinds := map[string]string{}
	var buf []byte
	for i, u := range units {
		buf = append(buf, `<row>`...)
		name, err := r.conv(u.Unit.Name)
		if err != nil {
			return fmt.Errorf("convert script: %w", err)
		}
		kind, ok := kinds[u.Unit.Kind]
		if !ok {
			if kind, err = r.conv(u.Unit.Kind); err != nil {
				return fmt.Errorf("convert script: %w", err)
			}
			kinds[u.Unit.Kind] = kind
		}
		// Codes are ASCII by the registry's rule, which no script
		// conversion touches.
		for _, s := range []string{u.Unit.Code, name, kind} {
			buf = append(buf, `<c`...)
			buf = appendInlineStr(buf, s)
		}
		for k := range inputs {
			buf = append(buf, colStarts[k]...)
			v := u.Figures[k]
			if merge.Absent(v) {
				v = 0
			}
			buf = appendNumber(buf, v)
		}
		buf = append(buf, `</row>`...)
		if (i+1)%chunkRows == 0 || i == len(units)-1 {
			if _, err := w.Write(buf); err != nil {
				return fmt.Errorf("unit sheet: %w", err)
			}
			buf = buf[:0]
		}
	}
	return nil
}

// chunkRows is how many rows of a streamed sheet go to its writer in one
// Write, which packageWriter deflates as one chunk: by rows, not bytes,
// so that a changed figure of one unit changes one chunk of the sheet
// and not the bounds of every chunk after it.
const chunkRows = 256

// appendInlineStr ends a cell holding text s, escaped as excelize escapes
// it: line ends kept, space at either end preserved.
func appendInlineStr(buf []byte, s string) []byte {
	buf = append(buf, ` t="inlineStr"><is><t`...)
	if s != "" && (strings.IndexByte(" \t\r\n", s[0]) >= 0 || strings.IndexByte(" \t\r\n", s[len(s)-1]) >= 0) {
		buf = append(buf, ` xml:space="preserve"`...)
	}
	buf = append(buf, '>')
	if plainXML(s) {
		buf = append(buf, s...)
	} else {
		var esc bytes.Buffer
		_ = xml.EscapeText(&esc, []byte(s)) // writes to memory: no error
		buf = append(buf, strings.ReplaceAll(esc.String(), "&#xA;", "\n")...)
	}
	return append(buf, `</t></is></c>`...)
}

// plainXML reports whether s is valid UTF-8 without anything XML escapes.
func plainXML(s string) bool {
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c < 0x20, c == '&', c == '<', c == '>', c == '"', c == '\'':
			return false
		case c >= utf8.RuneSelf:
			return utf8.ValidString(s[i:])
		}
	}
	return true
}

// appendNumber ends a cell holding v as excelize writes a float64: at most
// Excel's 15 significant digits, and NaN or an infinity as text.
func appendNumber(buf []byte, v float64) []byte {
	switch {
	case math.IsNaN(v) || math.IsInf(v, 0):
		return appendInlineStr(buf, fmt.Sprint(v))
	case v == math.Trunc(v) && math.Abs(v) < 1e15:
		buf = append(buf, `><v>`...)
		buf = strconv.AppendInt(buf, int64(v), 10)
	default:
		buf = append(buf, `><v>`...)
		buf = strconv.AppendFloat(buf, v, 'g', 15, 64)
	}
	return append(buf, `</v></c>`...)
}

// packageWriter zips the workbook's parts for excelize: it puts the rows
// of the unit, states and source sheets into them, before their end of
// sheet data, and deflates at the fastest level, since the sheet's XML is
// several megabytes of repetitive markup that the fastest level still
// shrinks several-fold (the file grows by a third: 0.79 to 1.06 MB at
// 7,300 units). A streamed sheet is deflated in chunks, each Write of
// its rows one chunk (chunkRows rows) by a compressor started afresh and
// flushed to a byte's end, so that each chunk's deflated bytes depend on
// its XML alone and can be kept (Chunks) and put back unchanged: the
// chunks, and a last empty final block, are one deflate stream.
//
// The package goes to dst, not to the buffer excelize hands start: its
// Write assembles the whole package in a bytes.Buffer grown by doubling
// and copies it out after, and growing that buffer to a region's 12 MB
// was 80 ms of a 73,000-unit draft's workbook (fresh pages, each a fault,
// most of it). excelize writes into that buffer itself only to encrypt
// it with a password or to mark parts over 4 GB as zip64, neither of
// which a totals workbook has; the buffer is checked to be empty.
type packageWriter struct {
	dst   io.Writer                          // the workbook's file
	rows  map[string]func(w io.Writer) error // by sheet part: writes its rows
	kept  Chunks                             // nil: nothing kept
	zw    *zip.Writer
	fw    *flate.Writer
	path  string        // of the sheet being written
	sheet *bytes.Buffer // that sheet as excelize wrote it
	done  int           // sheets whose rows have been written
}

func (p *packageWriter) start(io.Writer) excelize.ZipWriter {
	p.zw = zip.NewWriter(p.dst)
	// One compressor serves every part in turn: a part is finished
	// before the next is created.
	p.zw.RegisterCompressor(zip.Deflate, func(out io.Writer) (io.WriteCloser, error) {
		if err := p.compressor(out); err != nil {
			return nil, err
		}
		return p.fw, nil
	})
	return p
}

// compressor readies the one compressor to write to out, as new.
func (p *packageWriter) compressor(out io.Writer) error {
	if p.fw == nil {
		fw, err := flate.NewWriter(out, flate.BestSpeed)
		p.fw = fw
		return err
	}
	p.fw.Reset(out)
	return nil
}

func (p *packageWriter) Create(name string) (io.Writer, error) {
	if err := p.finish(); err != nil {
		return nil, err
	}
	if _, ok := p.rows[name]; !ok {
		return p.zw.Create(name)
	}
	p.path, p.sheet = name, &bytes.Buffer{}
	return p.sheet, nil
}

// finish writes a sheet, its rows within the frame excelize wrote, as
// chunks deflated one by one.
func (p *packageWriter) finish() error {
	if p.sheet == nil {
		return nil
	}
	frame := p.sheet.Bytes()
	p.sheet = nil
	end := bytes.LastIndex(frame, []byte("</sheetData>"))
	if end < 0 {
		return fmt.Errorf("sheet %s: no sheet data", p.path)
	}
	// As zip.Writer.Create heads a part it deflates itself.
	fh := &zip.FileHeader{Name: p.path, Method: zip.Deflate, Flags: 0x8, CreatorVersion: 20, ReaderVersion: 20}
	raw, err := p.zw.CreateRaw(fh)
	if err != nil {
		return fmt.Errorf("sheet %s: %w", p.path, err)
	}
	cw := &chunkWriter{p: p, w: raw, crc: crc32.NewIEEE()}
	if err := cw.chunk(frame[:end], false); err != nil {
		return fmt.Errorf("sheet %s: %w", p.path, err)
	}
	if err := p.rows[p.path](cw); err != nil {
		return err
	}
	if err := cw.chunk(frame[end:], false); err != nil {
		return fmt.Errorf("sheet %s: %w", p.path, err)
	}
	// An empty stored block marked final ends the stream.
	if _, err := raw.Write([]byte{1, 0, 0, 0xff, 0xff}); err != nil {
		return fmt.Errorf("sheet %s: %w", p.path, err)
	}
	cw.deflated += 5
	fh.CRC32 = cw.crc.Sum32()
	fh.CompressedSize64, fh.UncompressedSize64 = cw.deflated, cw.size
	if cw.deflated >= 1<<32 || cw.size >= 1<<32 {
		return fmt.Errorf("sheet %s: %d bytes, more than a workbook part may hold", p.path, cw.size)
	}
	fh.CompressedSize, fh.UncompressedSize = uint32(cw.deflated), uint32(cw.size)
	p.done++
	return nil
}

// chunkWriter deflates each Write as a chunk of a sheet's part.
type chunkWriter struct {
	p        *packageWriter
	w        io.Writer // the part, raw
	crc      hash.Hash32
	size     uint64 // XML written
	deflated uint64 // bytes of the part written
	buf      bytes.Buffer
}

func (c *chunkWriter) Write(xml []byte) (int, error) {
	if err := c.chunk(xml, c.p.kept != nil); err != nil {
		return 0, err
	}
	return len(xml), nil
}

// chunk writes xml deflated, from kept when keep and kept has it.
func (c *chunkWriter) chunk(xml []byte, keep bool) error {
	c.crc.Write(xml)
	c.size += uint64(len(xml))
	var key [sha256.Size]byte
	if keep {
		key = sha256.Sum256(xml)
		if d, ok := c.p.kept.Deflated(key); ok {
			return c.write(d, key, keep)
		}
	}
	c.buf.Reset()
	if err := c.p.compressor(&c.buf); err != nil {
		return err
	}
	if _, err := c.p.fw.Write(xml); err != nil {
		return err
	}
	if err := c.p.fw.Flush(); err != nil {
		return err
	}
	return c.write(c.buf.Bytes(), key, keep)
}

func (c *chunkWriter) write(deflated []byte, key [sha256.Size]byte, keep bool) error {
	if _, err := c.w.Write(deflated); err != nil {
		return err
	}
	c.deflated += uint64(len(deflated))
	if keep {
		return c.p.kept.Keep(key, deflated)
	}
	return nil
}

func (p *packageWriter) AddFS(fsys fs.FS) error { return p.zw.AddFS(fsys) }

func (p *packageWriter) Close() error {
	if err := p.finish(); err != nil {
		return err
	}
	if p.done != len(p.rows) {
		return fmt.Errorf("%d of %d streamed sheets not in the package", len(p.rows)-p.done, len(p.rows))
	}
	return p.zw.Close()
}

// rowWriter is a sheet being written, streamed or in place.
type rowWriter interface {
	SetRow(cell string, vals []any) error
	name() string
}

type sheetRows struct {
	f     *excelize.File
	sheet string
}

func (s sheetRows) SetRow(cell string, vals []any) error {
	return s.f.SetSheetRow(s.sheet, cell, &vals)
}
func (s sheetRows) name() string { return s.sheet }

// writeSheet writes a sheet's rows in order, a row at a time (a region's
// 審核報告 and states list have a row per unit). Not through a stream:
// excelize writes its streams in map order, so a workbook with two would
// not come out the same twice. The sheet is made unless it exists (the
// workbook's first).
func (r *Renderer) writeSheet(f *excelize.File, sheet string, rows func(add func(vals ...any) error) error) error {
	if idx, err := f.GetSheetIndex(sheet); err != nil || idx < 0 {
		if _, err := f.NewSheet(sheet); err != nil {
			return fmt.Errorf("%s: %w", sheet, err)
		}
	}
	row := 0
	return rows(func(vals ...any) error {
		row++
		return r.setRow(sheetRows{f, sheet}, row, vals)
	})
}

// rawText is a cell's text that stays as it is (a file name as it is on
// disk, which the clerk looks up by name) where other words are converted
// to the briefing's script.
type rawText string

type streamRows struct{ *excelize.StreamWriter }

func (s streamRows) SetRow(cell string, vals []any) error { return s.StreamWriter.SetRow(cell, vals) }
func (s streamRows) name() string                         { return s.Sheet }

// setRow writes a row, converting its text to the briefing's script.
func (r *Renderer) setRow(sw rowWriter, row int, vals []any) error {
	for i, v := range vals {
		switch v := v.(type) {
		case string:
			c, err := r.conv(v)
			if err != nil {
				return fmt.Errorf("convert script: %w", err)
			}
			vals[i] = c
		case rawText:
			vals[i] = string(v)
		}
	}
	cell, err := excelize.CoordinatesToCellName(1, row)
	if err != nil {
		return fmt.Errorf("%s row %d: %w", sw.name(), row, err)
	}
	if err := sw.SetRow(cell, vals); err != nil {
		return fmt.Errorf("%s row %d: %w", sw.name(), row, err)
	}
	return nil
}

// cellFigure is an indicator's figure for a cell, or an empty cell when
// the figure does not exist (a ratio over nothing).
func cellFigure(m map[string]float64, in workspace.Indicator) any {
	if v := figure(m, in); !math.IsNaN(v) {
		return v
	}
	return nil
}

// sourcesHeader lays out the 來源 sheet in place, empty but for its
// header: its rows are streamed into it with the package (sourceRows).
// In place rather than through a StreamWriter, since excelize writes
// streamed sheets in map order and the file's bytes would vary run to run.
func (r *Renderer) sourcesHeader(f *excelize.File) error {
	if _, err := f.NewSheet(SheetSources); err != nil {
		return fmt.Errorf("source sheet: %w", err)
	}
	header := []any{"單位代碼", "單位名稱", "類別", "指標代碼", "指標", "數值", "文件", "收到時間", "sha256", "格子"}
	if err := r.setRow(sheetRows{f, SheetSources}, 1, header); err != nil {
		return err
	}
	if err := f.SetPanes(SheetSources, &excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft"}); err != nil {
		return fmt.Errorf("source sheet: %w", err)
	}
	for _, w := range []struct {
		from, to string
		width    float64
	}{{"B", "B", 18}, {"D", "D", 16}, {"E", "E", 30}, {"G", "G", 30}, {"H", "H", 18}, {"I", "I", 20}, {"J", "J", 14}} {
		if err := f.SetColWidth(SheetSources, w.from, w.to, w.width); err != nil {
			return fmt.Errorf("source sheet: %w", err)
		}
	}
	return nil
}

// sourceRows writes the 來源 sheet's rows from row 2 as SpreadsheetML,
// as unitRows does and for the same reason: at 7,300 units of 25 inputs
// the sheet has some 180,000 rows. What repeats is escaped once: each
// unit's and each indicator's cells, and each distinct cell reference
// (forms of one template share them). Rows and cells leave out their
// references, which a sheet without gaps does not need: deflating the
// sheet is most of its cost, and the references, different in every row,
// tripled the compressed size. File names and
// cell references are written as they are on disk and on the form, never
// converted.
func (r *Renderer) sourceRows(w io.Writer, units []UnitValues, inputs []workspace.Indicator, styles map[int]int) error {
	type indicatorCells struct{ code, label, style []byte }
	ind := make([]indicatorCells, len(inputs))
	for k, in := range inputs {
		label, err := r.conv(in.Label)
		if err != nil {
			return fmt.Errorf("convert script: %w", err)
		}
		ind[k] = indicatorCells{appendInlineStr(nil, in.Code), appendInlineStr(nil, label),
			[]byte(` s="` + strconv.Itoa(styles[in.Places()]) + `"`)}
	}
	refs := map[string][]byte{}
	noCell := appendInlineStr(nil, NoCell)
	kinds := map[string][]byte{}
	const piece = 64 << 10
	buf := make([]byte, 0, 2*piece)
	for i, u := range units {
		name, err := r.conv(u.Unit.Name)
		if err != nil {
			return fmt.Errorf("convert script: %w", err)
		}
		kind, ok := kinds[u.Unit.Kind]
		if !ok {
			k, err := r.conv(u.Unit.Kind)
			if err != nil {
				return fmt.Errorf("convert script: %w", err)
			}
			kind = appendInlineStr(nil, k)
			kinds[u.Unit.Kind] = kind
		}
		src := u.Source
		if src == nil {
			src = &UnitSource{}
		}
		received := ""
		if !src.ReceivedAt.IsZero() {
			received = src.ReceivedAt.In(r.ws.Config.Location()).Format("2006-01-02 15:04:05")
		}
		unit := [][]byte{appendInlineStr(nil, u.Unit.Code), appendInlineStr(nil, name), kind}
		file := [][]byte{appendInlineStr(nil, src.File), appendInlineStr(nil, received), appendInlineStr(nil, src.SHA256)}
		for k, in := range inputs {
			v := u.Figures[k]
			if merge.Absent(v) {
				continue
			}
			ref := noCell
			if c, ok := src.Cells[in.Code]; ok {
				if ref, ok = refs[c]; !ok {
					ref = appendInlineStr(nil, c)
					refs[c] = ref
				}
			}
			buf = append(buf, `<row>`...)
			for _, cell := range [...][]byte{unit[0], unit[1], unit[2], ind[k].code, ind[k].label} {
				buf = append(buf, `<c`...)
				buf = append(buf, cell...)
			}
			buf = append(buf, `<c`...)
			buf = append(buf, ind[k].style...)
			buf = appendNumber(buf, v)
			for _, cell := range [...][]byte{file[0], file[1], file[2], ref} {
				buf = append(buf, `<c`...)
				buf = append(buf, cell...)
			}
			buf = append(buf, `</row>`...)
		}
		if len(buf) >= piece || i == len(units)-1 {
			if _, err := w.Write(buf); err != nil {
				return fmt.Errorf("source sheet: %w", err)
			}
			buf = buf[:0]
		}
	}
	return nil
}
