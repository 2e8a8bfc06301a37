package render

import (
	"bytes"
	"fmt"
	"io"
	"math"
	"sort"
	"strconv"
	"strings"
	"unicode"

	"codeberg.org/go-pdf/fpdf"

	"countybrief/pipeline/render/typeset"
	"countybrief/pipeline/workspace"
)

const mmPerPt = 25.4 / 72

// Colours: body text, and the masthead's red.
type rgb = [3]int

func black() rgb { return rgb{0, 0, 0} }
func red() rgb   { return rgb{220, 0, 0} }

// style is how a stretch of text is drawn.
type style struct {
	role  string
	size  float64 // points
	bold  bool
	color rgb
}

// glyphs is a paragraph: runes with the style of each.
type glyphs struct {
	runes  []rune
	styles []style
}

func (g *glyphs) add(s string, st style) {
	for _, r := range s {
		g.runes = append(g.runes, r)
		g.styles = append(g.styles, st)
	}
}

// pdfDoc is one render in progress.
type pdfDoc struct {
	lay      workspace.Layout
	pdf      canvas
	set      *typeset.Set
	primary  map[string]*typeset.Face
	marks    *typeset.Face                   // draws the full-width punctuation of every role
	drawn    map[*typeset.Face]map[rune]bool // what each face will draw
	families map[*typeset.Face]string
	order    map[*typeset.Face]int
	page     int
	y        float64 // used height of the current page's text block, mm
	ratio    float64 // character pitch over character size on the grid
	lp       float64 // line pitch, mm
	curFont  string
	curSize  float64
	curScale float64 // horizontal scaling of text, percent
	curColor rgb     // of text
	err      error   // a character found with no face while drawing
	draft    bool    // every page carries draftMark
	// unnumbered is true on a blank page put in before the 版記 and on
	// the 版記 page after it, which GB/T 9704 leaves without numbers.
	unnumbered bool
}

// canvas is what a pdfDoc draws on: an fpdf document, or nothing in a
// trial run.
type canvas interface {
	AddPage()
	AddUTF8FontFromBytes(family, style string, data []byte)
	Bookmark(text string, level int, y float64)
	Circle(x, y, r float64, style string)
	ClipEnd()
	ClipRect(x, y, w, h float64, outline bool)
	Line(x1, y1, x2, y2 float64)
	RawWriteStr(s string)
	Rect(x, y, w, h float64, style string)
	SetDrawColor(r, g, b int)
	SetFillColor(r, g, b int)
	SetFont(family, style string, size float64)
	SetLineWidth(w float64)
	SetTextColor(r, g, b int)
	SetTextRenderingMode(mode int)
	Text(x, y float64, s string)
}

// nopCanvas draws nothing.
type nopCanvas struct{}

func (nopCanvas) AddPage()                                          {}
func (nopCanvas) AddUTF8FontFromBytes(string, string, []byte)       {}
func (nopCanvas) Bookmark(string, int, float64)                     {}
func (nopCanvas) Circle(float64, float64, float64, string)          {}
func (nopCanvas) ClipEnd()                                          {}
func (nopCanvas) ClipRect(float64, float64, float64, float64, bool) {}
func (nopCanvas) Line(float64, float64, float64, float64)           {}
func (nopCanvas) RawWriteStr(string)                                {}
func (nopCanvas) Rect(float64, float64, float64, float64, string)   {}
func (nopCanvas) SetDrawColor(int, int, int)                        {}
func (nopCanvas) SetFillColor(int, int, int)                        {}
func (nopCanvas) SetFont(string, string, float64)                   {}
func (nopCanvas) SetLineWidth(float64)                              {}
func (nopCanvas) SetTextColor(int, int, int)                        {}
func (nopCanvas) SetTextRenderingMode(int)                          {}
func (nopCanvas) Text(float64, float64, string)                     {}

// PDF writes the briefing as a PDF on the GB/T 9704 grid; ErrNoFonts
// from a Renderer made without fonts.
func (r *Renderer) PDF(w io.Writer, b Briefing) error {
	if r.fonts == nil {
		return ErrNoFonts
	}
	_, err := r.pdf(w, b, true)
	return err
}

// pdf renders and returns the face each role was set in: the trial run's
// choice once there is one, so that a unit's rare character changes the
// face of that character only, never the body of one issue. compress is
// false only where a test reads the page content.
func (r *Renderer) pdf(w io.Writer, b Briefing, compress bool) (map[string]*typeset.Face, error) {
	d, p, meta, err := r.prepare(&b)
	if err != nil {
		return nil, err
	}
	lay := p.lay
	pdf := fpdf.NewCustom(&fpdf.InitType{
		OrientationStr: "P", UnitStr: "mm",
		Size: fpdf.SizeType{Wd: lay.PageWidth, Ht: lay.PageHeight},
	})
	p.pdf = pdf
	pdf.SetCatalogSort(true)
	pdf.SetCompression(false) // deflateContents compresses the pages below
	pdf.SetCreationDate(b.Date)
	pdf.SetModificationDate(b.Date)
	pdf.SetAutoPageBreak(false, 0)
	pdf.SetMargins(lay.MarginLeft, lay.MarginTop, lay.PageWidth-lay.MarginLeft-lay.TextWidth)
	pdf.SetTitle(d.title, true)
	pdf.SetAuthor(meta.author, true)
	pdf.SetSubject(meta.subject, true)
	pdf.SetCreator("countybrief", true)
	pdf.SetProducer("countybrief", true)
	pdf.SetLang(r.ws.Config.Language)
	if err := p.draw(d); err != nil {
		return nil, err
	}
	if err := pdf.Error(); err != nil {
		return nil, fmt.Errorf("draw pdf: %w", err)
	}
	var buf bytes.Buffer
	if err := pdf.Output(&buf); err != nil {
		return nil, fmt.Errorf("write pdf: %w", err)
	}
	out := buf.Bytes()
	if compress {
		if out, err = deflateContents(out); err != nil {
			return nil, fmt.Errorf("write pdf: %w", err)
		}
	}
	p.subsetTags(out)
	if _, err := w.Write(out); err != nil {
		return nil, fmt.Errorf("write pdf: %w", err)
	}
	return p.primary, nil
}

// trial sets the briefing as pdf does, every line broken and placed on
// its page and every face it draws cut, but draws nothing. It returns the
// faces pdf would and every error pdf would but fpdf's. Those are errors
// of sequence (a font set before it was added, a clip ended that was not
// begun), bugs of drawing that every render the tests make would meet,
// and failures to read a face, which cannot happen with what Subset
// writes: fpdf checks the file's version, which assemble writes, and
// reads name, post, head, hhea and maxp, which Subset writes or checks
// and loading the face requires.
// Drawing and writing the file were four fifths of a trial's cost and
// told nothing more.
func (r *Renderer) trial(b Briefing) (map[string]*typeset.Face, error) {
	d, p, _, err := r.prepare(&b)
	if err != nil {
		return nil, err
	}
	p.pdf = nopCanvas{}
	if err := p.draw(d); err != nil {
		return nil, err
	}
	return p.primary, nil
}

// docMeta is what the PDF says about itself besides its title.
type docMeta struct{ author, subject string }

// prepare builds the briefing, chooses its faces and converts what the
// file says about itself: everything before drawing that can fail.
func (r *Renderer) prepare(b *Briefing) (*doc, *pdfDoc, docMeta, error) {
	d, err := r.build(b)
	if err != nil {
		return nil, nil, docMeta{}, err
	}
	lay := r.ws.Config.Layout
	p := &pdfDoc{
		lay:      lay,
		set:      r.fonts.set,
		primary:  map[string]*typeset.Face{},
		drawn:    map[*typeset.Face]map[rune]bool{},
		families: map[*typeset.Face]string{},
		order:    map[*typeset.Face]int{},
		ratio:    lay.CharPitch() / (lay.BodySize * mmPerPt),
		lp:       lay.LinePitch(),
		curColor: rgb{-1, -1, -1}, // none yet
	}
	for i, f := range p.set.Faces() {
		p.order[f] = i
	}
	if err := p.chooseFaces(d, r.faces); err != nil {
		return nil, nil, docMeta{}, err
	}
	meta := docMeta{r.ws.Config.Office, fmt.Sprintf("%s 第%d期", r.ws.Config.BriefingName, b.Issue)}
	if b.Draft {
		meta.subject = r.ws.Config.BriefingName + " " + draftMark
	}
	if err := r.convAll(&meta.author, &meta.subject); err != nil {
		return nil, nil, docMeta{}, err
	}
	return d, p, meta, nil
}

// draw draws every block, then the last page's number.
func (p *pdfDoc) draw(d *doc) error {
	p.draft = d.draft
	p.newPage()
	for i, bl := range d.blocks {
		var next *block
		if i+1 < len(d.blocks) {
			next = &d.blocks[i+1]
		}
		p.drawBlock(d, bl, next)
	}
	p.pageNumber()
	if p.err != nil {
		return fmt.Errorf("draw pdf: %w", p.err)
	}
	return nil
}

// roleText gathers the runes each role will draw.
func roleText(d *doc) map[string][]rune {
	m := map[string][]rune{}
	add := func(role, s string) { m[role] = append(m[role], []rune(s)...) }
	for _, bl := range d.blocks {
		switch bl.kind {
		case kMasthead:
			add(typeset.Title, bl.lines[0])
			add(typeset.Fangsong, strings.Join(bl.lines[1:], ""))
		case kTitle:
			add(typeset.Title, bl.text())
		case kNote:
			add(typeset.Hei, bl.arg)
			add(typeset.Kai, bl.text())
		case kLead:
			add(typeset.Hei, bl.arg)
			add(typeset.Fangsong, bl.text())
		case kPara, kDistribution:
			add(typeset.Fangsong, plain(bl.text()))
		case kH1:
			add(typeset.Hei, bl.text())
		case kH2:
			add(typeset.Kai, bl.text())
		case kTable:
			add(typeset.Hei, bl.arg+strings.Join(bl.tbl.header, ""))
			for _, row := range bl.tbl.rows {
				if row.level {
					add(typeset.Hei, strings.Join(row.cells, ""))
				} else {
					add(typeset.Fangsong, strings.Join(row.cells, ""))
				}
			}
		case kChart:
			c := *bl.cht
			add(typeset.Hei, bl.arg2)
			add(typeset.Fangsong, strings.Join(c.series, ""))
			for _, cat := range c.cats {
				add(typeset.Fangsong, cat.name)
				for k, v := range cat.values {
					add(typeset.Fangsong, c.valueText(k, v))
				}
			}
		}
	}
	add(typeset.Song, "— 0123456789 —")
	if d.draft {
		add(typeset.Hei, draftMark)
	}
	return m
}

// chooseFaces picks each role's face, the one fixed faces holds when
// given, and refuses to go on if a character has no face at all: a box in
// the leadership's briefing is worse than no briefing.
func (p *pdfDoc) chooseFaces(d *doc, fixed map[string]*typeset.Face) error {
	texts := roleText(d)
	for _, role := range typeset.Roles() {
		text := texts[role]
		if len(p.set.Chain(role)) == 0 {
			return fmt.Errorf("%w：%s沒有字體\n%s", ErrNoFonts, RoleNames[role].Zh, installAdvice.Zh)
		}
		if err := p.set.Check(role, text); err != nil {
			return fmt.Errorf("fonts: %w", err)
		}
		if f := fixed[role]; f != nil {
			p.primary[role] = f
		} else {
			p.primary[role] = p.set.Primary(role, text)
		}
	}
	p.marks = typeset.Marks(append([]*typeset.Face{p.primary[typeset.Fangsong]}, p.set.Chain(typeset.Fangsong)...))
	// The faces are embedded with the outlines of these characters only.
	for _, role := range typeset.Roles() {
		for _, r := range texts[role] {
			if f := p.face(role, r); f != nil && !unicode.IsSpace(r) {
				if p.drawn[f] == nil {
					p.drawn[f] = map[rune]bool{}
				}
				p.drawn[f][r] = true
			}
		}
	}
	return nil
}

// face is the face that draws r in the role. Digits and Latin letters of
// the body, the note and the tables take the Times-like face when there is
// one, as office templates set them; headings and the page numbers (half-
// width 宋體 by the standard) keep their own. Full-width punctuation takes
// the document's face for marks in every role, so that a run-in head's 。
// sits where the body's does.
func (p *pdfDoc) face(role string, r rune) *typeset.Face {
	if p.marks != nil && typeset.IsMark(r) && p.marks.Has(r) {
		return p.marks
	}
	if latin := p.set.Own(typeset.Latin); len(latin) > 0 && !typeset.IsWide(r) && (role == typeset.Fangsong || role == typeset.Kai) && latin[0].Has(r) {
		return latin[0]
	}
	return p.set.Pick(role, p.primary[role], r)
}

// em is the grid pitch of a full-width character at size points.
func (p *pdfDoc) em(size float64) float64 { return size * mmPerPt * p.ratio }

func (p *pdfDoc) advance(r rune, st style) float64 {
	if typeset.IsWide(r) {
		return p.em(st.size)
	}
	if r == ' ' {
		return p.em(st.size) / 4
	}
	f := p.face(st.role, r)
	if f == nil {
		return p.em(st.size) / 2
	}
	return f.Advance(r) * st.size * mmPerPt
}

// set breaks a paragraph into lines of width mm, with a first-line indent.
func (p *pdfDoc) setText(g glyphs, width, indent float64, ragged bool) []typeset.Line {
	if len(g.runes) == 0 {
		return nil
	}
	adv := make([]float64, len(g.runes))
	for i, r := range g.runes {
		adv[i] = p.advance(r, g.styles[i])
	}
	return typeset.Break(g.runes, typeset.Params{
		Width: width, Indent: indent, Em: p.em(g.styles[0].size), Ragged: ragged,
	}, func(i int) float64 { return adv[i] })
}

// balanced sets a centred text in as few lines as at full width, but with
// the lines as even as they can be, so a title never ends in a stub.
func (p *pdfDoc) balanced(g glyphs, width float64) []typeset.Line {
	ls := p.setText(g, width, 0, true)
	if len(ls) < 2 {
		return ls
	}
	lo, hi := width/float64(len(ls)), width
	for hi-lo > 0.5 {
		mid := (lo + hi) / 2
		if len(p.setText(g, mid, 0, true)) > len(ls) {
			lo = mid
		} else {
			hi = mid
		}
	}
	return p.setText(g, hi, 0, true)
}

// lineWidth is how far a set line reaches.
func (p *pdfDoc) lineWidth(g glyphs, l typeset.Line) float64 {
	n := l.End - l.Start
	last := l.End - 1
	return l.X[n-1] + p.advance(g.runes[last], g.styles[last]) - l.Shrink[n-1]
}

func (p *pdfDoc) setFont(f *typeset.Face, size float64) {
	fam, ok := p.families[f]
	if !ok {
		// The family is renamed to a subset tag of the same length when the
		// file is written (see subsetTags), so it starts with 3 digits.
		fam = fmt.Sprintf("%03d%s", p.order[f], familyName(f.Family))
		runes := make([]rune, 0, len(p.drawn[f]))
		for r := range p.drawn[f] {
			runes = append(runes, r)
		}
		data, err := f.Subset(runes)
		if err != nil {
			if p.err == nil {
				p.err = err
			}
			return
		}
		p.pdf.AddUTF8FontFromBytes(fam, "", data)
		p.families[f] = fam
	}
	if fam != p.curFont || size != p.curSize {
		p.pdf.SetFont(fam, "", size)
		p.curFont, p.curSize = fam, size
	}
}

func familyName(s string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(s) {
		if r < 0x80 && (unicode.IsLetter(r) || unicode.IsDigit(r)) {
			b.WriteRune(r)
		}
	}
	if b.Len() == 0 {
		return "font"
	}
	return b.String()
}

// drawLine draws one set line with its left edge at x and baseline y.
func (p *pdfDoc) drawLine(g glyphs, l typeset.Line, x, y float64) {
	for i := l.Start; i < l.End; {
		r, st := g.runes[i], g.styles[i]
		xi := x + l.X[i-l.Start]
		if unicode.IsSpace(r) {
			i++
			continue
		}
		f := p.face(st.role, r)
		if f == nil {
			// chooseFaces checked every role's text, so this is a bug; say
			// so rather than draw a box or drop the character.
			if p.err == nil {
				p.err = fmt.Errorf("no %s face for U+%04X %c", st.role, r, r)
			}
			i++
			continue
		}
		if !typeset.IsWide(r) {
			// A Latin run is drawn as one string so its letters keep the
			// font's own spacing.
			j := i + 1
			for j < l.End && !typeset.IsWide(g.runes[j]) && !unicode.IsSpace(g.runes[j]) && g.styles[j] == st && p.face(st.role, g.runes[j]) == f {
				j++
			}
			p.glyph(f, st, xi, y, string(g.runes[i:j]), 100)
			i = j
			continue
		}
		// The glyph's box (its advance, what readers and checks see) is kept
		// inside its cell on the grid, which is a little narrower than the
		// box of a one-em face: such a glyph is drawn scaled to the cell,
		// by a percent or two nobody sees. A narrower glyph (cwTeX 仿宋's
		// are 0.92 em) keeps its own width, centred in its cell. A squeezed
		// opening mark, its ink on the right, overhangs the character
		// before it instead.
		cellL := xi
		cell := p.em(st.size) - l.Shrink[i-l.Start]
		ink := f.Advance(r) * st.size * mmPerPt
		switch {
		case typeset.IsOpening(r) && l.Shrink[i-l.Start] > 0:
			xi += cell - ink
		case typeset.IsNoStart(r), typeset.IsOpening(r):
		default:
			xi += max((cell-ink)/2, 0)
		}
		p.glyph(f, st, xi, y, string(r), min(100*(cellL+cell-xi)/ink, 100))
		i++
	}
}

// glyph draws s at x, scaled horizontally to scale percent.
func (p *pdfDoc) glyph(f *typeset.Face, st style, x, y float64, s string, scale float64) {
	for _, r := range s {
		if !p.drawn[f][r] && p.err == nil {
			// roleText missed a character: it would be drawn blank.
			p.err = fmt.Errorf("%s face %s: U+%04X %c was not foreseen", st.role, f.Family, r, r)
		}
	}
	p.setFont(f, st.size)
	// The scaling and the colour are set only when they change: the
	// scaling is text state, kept to the page's end, and setting either
	// around every glyph was a fifth of the page's content.
	if scale = min(scale, 100); scale != p.curScale {
		p.pdf.RawWriteStr(tz(scale))
		p.curScale = scale
	}
	if st.color != p.curColor {
		p.pdf.SetTextColor(st.color[0], st.color[1], st.color[2])
		p.curColor = st.color
	}
	if st.bold {
		// No bold face: fill and stroke the outline, which pdftotext still
		// reads once (drawing the text twice would read as doubled).
		p.pdf.SetDrawColor(st.color[0], st.color[1], st.color[2])
		p.pdf.SetLineWidth(st.size * mmPerPt * 0.035)
		p.pdf.SetTextRenderingMode(2)
		p.pdf.Text(x, y, s)
		p.pdf.SetTextRenderingMode(0)
		return
	}
	p.pdf.Text(x, y, s)
}

// tz is the operator that sets the horizontal scaling to scale percent.
func tz(scale float64) string {
	if scale == 100 {
		return "100 Tz"
	}
	return strconv.FormatFloat(scale, 'f', 2, 64) + " Tz"
}

// baseline is the baseline of a line whose box starts at top, for text of
// size points centred in a box of height h.
func baseline(top, h, size float64) float64 {
	return top + h/2 + 0.36*size*mmPerPt
}

func (p *pdfDoc) left() float64 { return p.lay.MarginLeft }

func (p *pdfDoc) top() float64 { return p.lay.MarginTop }

// gridY is the top of the next free grid line.
func (p *pdfDoc) gridY() float64 {
	return math.Ceil(p.y/p.lp-1e-6) * p.lp
}

// linesLeft is how many grid lines are free on the page.
func (p *pdfDoc) linesLeft() int {
	return int((p.lay.TextHeight - p.gridY() + 1e-6) / p.lp)
}

func (p *pdfDoc) newPage() {
	if p.page > 0 {
		p.pageNumber()
	}
	p.pdf.AddPage()
	p.curScale = 100 // a page starts unscaled
	p.page++
	p.y = 0
	p.unnumbered = false
	if p.draft {
		p.draftMark()
	}
}

// draftMark writes 草稿 in red at the right of the page's header area,
// above the text block, so that no page of a draft, even one printed
// alone, can pass for an issue.
func (p *pdfDoc) draftMark() {
	st := style{role: typeset.Hei, size: p.lay.BodySize, color: red()}
	g := glyphs{}
	g.add(draftMark, st)
	ls := p.setText(g, p.lay.TextWidth, 0, true)
	if len(ls) != 1 {
		return
	}
	y := p.top() - p.lp
	p.drawLine(g, ls[0], p.left()+p.lay.TextWidth-p.lineWidth(g, ls[0]), y)
}

// pageNumber draws "— N —": odd pages right, even left, one character in,
// 7 mm below the text block.
func (p *pdfDoc) pageNumber() {
	if p.unnumbered {
		return
	}
	st := style{role: typeset.Song, size: p.lay.PageNumberSize, color: black()}
	g := glyphs{}
	g.add("— "+strconv.Itoa(p.page)+" —", st)
	ls := p.setText(g, p.lay.TextWidth, 0, true)
	if len(ls) != 1 {
		return
	}
	w := p.lineWidth(g, ls[0])
	one := p.em(st.size)
	x := p.left() + p.lay.TextWidth - one - w
	if p.page%2 == 0 {
		x = p.left() + one
	}
	y := p.top() + p.lay.TextHeight + p.lay.PageNumberGap + 0.8*st.size*mmPerPt
	p.drawLine(g, ls[0], x, y)
}

// flowLines draws set lines on the grid from the next free line, moving to
// a new page as needed, with no widow or orphan: a paragraph split over
// pages leaves at least two lines on each.
func (p *pdfDoc) flowLines(g glyphs, ls []typeset.Line, x float64, centred bool) {
	for i := 0; i < len(ls); {
		take := fitLines(p.linesLeft(), len(ls)-i, i == 0, p.y == 0)
		if take <= 0 {
			p.newPage()
			continue
		}
		for k := 0; k < take; k++ {
			l := ls[i+k]
			top := p.gridY()
			lx := x
			if centred {
				lx = x + (p.lay.TextWidth-p.lineWidth(g, l))/2
			}
			p.drawLine(g, l, lx, baseline(p.top()+top, p.lp, g.styles[l.Start].size))
			p.y = top + p.lp
		}
		i += take
		if i < len(ls) {
			p.newPage()
		}
	}
}

// fitLines is how many of the rest lines of a paragraph go on a page with
// left free lines: all if they fit; else as many as leave at least two for
// the next page (no widow) and, at the start of a paragraph, at least two
// here (no orphan); 0 means start a new page. On a fresh page something
// always goes, so a page too short for the rules still makes progress.
func fitLines(left, rest int, first, fresh bool) int {
	if rest <= left {
		return rest
	}
	take := left
	if rest-take < 2 {
		take = rest - 2
	}
	if first && take < 2 {
		take = 0
	}
	if take <= 0 && fresh {
		return min(left, rest)
	}
	return max(take, 0)
}

func (p *pdfDoc) body(size float64) style {
	return style{role: typeset.Fangsong, size: size, color: black()}
}

// minLines is how many grid lines the start of a block needs, so that a
// heading is never left alone at the foot of a page: a heading's own
// lines and what its next block needs, in turn.
func (p *pdfDoc) minLines(d *doc, bl *block) int {
	if bl == nil {
		return 0
	}
	switch bl.kind {
	case kH1, kH2:
		for i := range d.blocks {
			if &d.blocks[i] != bl {
				continue
			}
			var next *block
			if i+1 < len(d.blocks) {
				next = &d.blocks[i+1]
			}
			_, ls := p.heading(*bl)
			return len(ls) + p.minLines(d, next)
		}
		return 2
	case kTable:
		return int(math.Ceil(p.tableStart(bl.arg, *bl.tbl) / p.lp))
	case kChart:
		return int(math.Ceil(p.chartHeight(*bl.cht) / p.lp))
	case kDistribution:
		return 0
	}
	return 2
}

// heading sets a heading: 黑 for .h1, 楷 for .h2.
func (p *pdfDoc) heading(bl block) (glyphs, []typeset.Line) {
	role := typeset.Hei
	if bl.kind == kH2 {
		role = typeset.Kai
	}
	g := glyphs{}
	g.add(bl.text(), style{role: role, size: p.lay.BodySize, color: black()})
	return g, p.setText(g, p.lay.TextWidth, float64(p.lay.IndentChars)*p.em(p.lay.BodySize), false)
}

func (p *pdfDoc) drawBlock(d *doc, bl block, next *block) {
	lay := p.lay
	W := lay.TextWidth
	ind := float64(lay.IndentChars) * p.em(lay.BodySize)
	switch bl.kind {
	case kMasthead:
		p.masthead(bl)
	case kTitle:
		if p.y > 0 {
			p.y = p.gridY() + p.lp // a blank line above
		}
		// Each line of the template is a line of the title, where the
		// author broke it for sense; only a line too long is broken again.
		for _, line := range bl.lines {
			g := glyphs{}
			g.add(line, style{role: typeset.Title, size: lay.TitleSize, bold: true, color: black()})
			p.flowLines(g, p.balanced(g, W), p.left(), true)
		}
		p.y = p.gridY() + p.lp // and one below
	case kNote, kLead:
		g := glyphs{}
		g.add(bl.arg, style{role: typeset.Hei, size: lay.BodySize, color: black()})
		role := typeset.Fangsong
		if bl.kind == kNote {
			role = typeset.Kai
		}
		g.add(plain(bl.text()), style{role: role, size: lay.BodySize, color: black()})
		p.flowLines(g, p.setText(g, W, ind, false), p.left(), false)
	case kPara:
		g := glyphs{}
		for _, s := range spans(bl.text()) {
			st := p.body(lay.BodySize)
			st.bold = s.bold
			g.add(s.text, st)
		}
		p.flowLines(g, p.setText(g, W, ind, false), p.left(), false)
	case kH1, kH2:
		g, ls := p.heading(bl)
		role := g.styles[0].role
		if p.linesLeft() < len(ls)+p.minLines(d, next) && p.y > 0 {
			p.newPage()
		}
		level := 0
		if bl.kind == kH2 {
			level = 1
		}
		p.setFont(p.face(role, []rune(bl.text())[0]), lay.BodySize)
		p.pdf.Bookmark(bl.text(), level, p.top()+p.gridY())
		p.flowLines(g, ls, p.left(), false)
	case kTable:
		p.drawTable(bl.arg, *bl.tbl)
	case kChart:
		p.drawChart(bl.arg2, *bl.cht)
	case kDistribution:
		p.distribution(bl)
	case kPage:
		if p.y > 0 {
			p.newPage()
		}
	}
}

// masthead draws the 報頭 on the top of the page: the briefing's name
// large and red, the issue, the office at the left and the date at the
// right, and a red rule across.
func (p *pdfDoc) masthead(bl block) {
	lay := p.lay
	if p.y > 0 {
		p.newPage()
	}
	W := lay.TextWidth
	name := glyphs{}
	name.add(bl.lines[0], style{role: typeset.Title, size: lay.MastheadSize, bold: true, color: red()})
	// The name is spaced out to about two thirds of the block, as mastheads are.
	ls := p.setText(name, W, 0, true)
	nameH := lay.MastheadSize * mmPerPt
	y := p.top() + nameH
	for _, l := range ls {
		p.drawLine(name, l, p.left()+(W-p.lineWidth(name, l))/2, y)
		y += nameH * 1.2
	}
	issue := glyphs{}
	issue.add(bl.lines[1], p.body(lay.BodySize))
	if l := p.setText(issue, W, 0, true); len(l) > 0 {
		y += p.lp * 0.6
		for _, li := range l {
			p.drawLine(issue, li, p.left()+(W-p.lineWidth(issue, li))/2, y)
			y += p.lp
		}
	}
	// Office left, date right, on one line; a smaller size if they would meet.
	size := lay.BodySize
	var office, date glyphs
	var lo, ld []typeset.Line
	for {
		office, date = glyphs{}, glyphs{}
		office.add(bl.lines[2], p.body(size))
		date.add(bl.lines[3], p.body(size))
		lo, ld = p.setText(office, W, 0, true), p.setText(date, W, 0, true)
		if len(lo) == 1 && len(ld) == 1 && p.lineWidth(office, lo[0])+p.lineWidth(date, ld[0])+p.em(size) <= W || size <= 8 {
			break
		}
		size--
	}
	y += p.lp * 0.4
	for _, l := range lo {
		p.drawLine(office, l, p.left(), y)
	}
	for _, l := range ld {
		p.drawLine(date, l, p.left()+W-p.lineWidth(date, l), y)
	}
	y += 0.4 * p.lp
	p.pdf.SetDrawColor(red()[0], red()[1], red()[2])
	p.pdf.SetLineWidth(0.6)
	p.pdf.Line(p.left(), y, p.left()+W, y)
	p.pdf.SetDrawColor(0, 0, 0)
	p.y = y - p.top() + 0.3
}

// rowHeight is the height of a one-line table row.
func (p *pdfDoc) rowHeight() float64 { return p.lay.TableSize * mmPerPt * 1.6 }

func (p *pdfDoc) tableLineH() float64 { return p.lay.TableSize * mmPerPt * 1.35 }

type cellSet struct {
	g  glyphs
	ls []typeset.Line
}

type setRow struct {
	cells []cellSet
	h     float64
	span  bool
}

// setTable breaks every cell of the table into lines.
func (p *pdfDoc) setTable(t table) (hdr setRow, rows []setRow) {
	size := p.lay.TableSize
	pad := p.em(size) / 4
	W := p.lay.TextWidth
	row := func(cells []string, st style, span bool) setRow {
		out := setRow{cells: make([]cellSet, len(cells)), span: span}
		n := 1
		for i, c := range cells {
			w := W - 2*pad
			if !span {
				w = W*t.widths[i] - 2*pad
			}
			g := glyphs{}
			g.add(c, st)
			ls := p.setText(g, w, 0, true)
			out.cells[i] = cellSet{g, ls}
			n = max(n, len(ls))
		}
		out.h = p.rowHeight() + float64(n-1)*p.tableLineH()
		return out
	}
	head := style{role: typeset.Hei, size: size, color: black()}
	body := style{role: typeset.Fangsong, size: size, color: black()}
	hdr = row(t.header, head, false)
	for _, r := range t.rows {
		if r.level {
			rows = append(rows, row(r.cells, head, true))
		} else {
			rows = append(rows, row(r.cells, body, false))
		}
	}
	return hdr, rows
}

// tableRowsFirst is how many rows a table needs under its header on the
// page it starts on: fewer leave the header alone, a page stays half empty
// when all are needed.
const tableRowsFirst = 3

// tableStart is the height a table needs on the page it starts on: the
// caption, the header and its first rows.
func (p *pdfDoc) tableStart(caption string, t table) float64 {
	capG := glyphs{}
	capG.add(caption, style{role: typeset.Hei, size: p.lay.BodySize, color: black()})
	t.rows = t.rows[:min(tableRowsFirst, len(t.rows))] // the rest are not set
	hdr, rows := p.setTable(t)
	h := float64(len(p.setText(capG, p.lay.TextWidth, 0, true)))*p.lp + hdr.h
	for _, r := range rows {
		h += r.h
	}
	return h
}

// drawTable draws the caption and the table from the current page when
// its start fits there, repeating the header on each page it runs onto.
func (p *pdfDoc) drawTable(caption string, t table) {
	lay := p.lay
	W := lay.TextWidth
	size := lay.TableSize
	pad := p.em(size) / 4
	hdr, rows := p.setTable(t)
	drawRow := func(r setRow) {
		top := p.top() + p.y
		x := p.left()
		for i, c := range r.cells {
			w := W
			if !r.span {
				w = W * t.widths[i]
			}
			for k, l := range c.ls {
				lineTop := top + (r.h-float64(len(c.ls))*p.tableLineH())/2 + float64(k)*p.tableLineH()
				lx := x + pad
				if !r.span && t.right[i] {
					lx = x + w - pad - p.lineWidth(c.g, l)
				}
				p.drawLine(c.g, l, lx, baseline(lineTop, p.tableLineH(), size))
			}
			p.pdf.SetDrawColor(0, 0, 0)
			p.pdf.SetLineWidth(0.2)
			p.pdf.Rect(x, top, w, r.h, "D")
			x += w
		}
		p.y += r.h
	}
	capG := glyphs{}
	capG.add(caption, style{role: typeset.Hei, size: lay.BodySize, color: black()})
	capL := p.setText(capG, W, 0, true)
	if p.gridY()+p.tableStart(caption, t) > lay.TextHeight && p.y > 0 {
		p.newPage()
	}
	p.flowLines(capG, capL, p.left(), true)
	drawRow(hdr)
	for _, r := range rows {
		if p.y+r.h > lay.TextHeight {
			p.newPage()
			drawRow(hdr)
		}
		drawRow(r)
	}
	p.y += p.lp / 2
}

// minChartSize is the least size of a chart's legend, labels and figures
// (五號): smaller, they do not survive printing and photocopying, whatever
// size the office's tables are set in.
const minChartSize = 10.5

// chartSize is the size of a chart's text.
func (p *pdfDoc) chartSize() float64 { return max(p.lay.TableSize, minChartSize) }

// chartRowH and chartLineH are a chart's bar room and text line.
func (p *pdfDoc) chartRowH() float64  { return p.chartSize() * mmPerPt * 1.6 }
func (p *pdfDoc) chartLineH() float64 { return p.chartSize() * mmPerPt * 1.35 }

// chartHeight is the height of a chart with its caption and legend.
func (p *pdfDoc) chartHeight(c chart) float64 {
	if c.line {
		_, rows := p.periodLabels(c)
		return p.lp*float64(1+len(p.legendRows(c))) + p.plotHeight() + float64(rows)*p.chartLineH() + p.lp/4
	}
	bar := p.chartRowH() * 0.8
	if c.stacked {
		return p.lp*float64(1+len(p.legendRows(c))) + float64(len(c.cats))*p.stackH() + bar
	}
	return p.lp*float64(1+len(p.legendRows(c))) + float64(len(c.cats))*(float64(len(c.series))*bar+bar)
}

// stackH is the room of one stacked bar: the bar, a row under it for the
// labels too long for their segments, and a gap.
func (p *pdfDoc) stackH() float64 { return p.chartRowH() + p.chartLineH() + p.chartRowH()/2 }

// stackGreys tell a stacked bar's segments apart in black and white: grey
// levels far enough apart to survive a photocopier, each segment outlined.
var stackGreys = []rgb{{235, 235, 235}, {175, 175, 175}, {120, 120, 120}, {70, 70, 70}, {30, 30, 30}}

// fill is the colour of series k: a grey level in a stacked chart, a
// line chart's colour otherwise (a bar chart's fill is in barStyles).
func (c chart) fill(k int) rgb {
	if c.stacked {
		return stackGreys[k%len(stackGreys)]
	}
	return seriesColors[k%len(seriesColors)]
}

// barStyles tell a bar chart's series apart printed in black and white:
// neighbouring series differ in grey level by far more than a
// photocopier blurs, and every other one is hatched as well.
var barStyles = []struct {
	grey  int
	hatch bool
}{{70, false}, {235, true}, {160, false}, {255, true}, {30, false}}

// swatch draws series k's fill at x, y: a line chart's colour; a stacked
// bar's grey, outlined so that it cannot vanish on white paper; a bar
// chart's grey, outlined, hatched for every other series.
func (p *pdfDoc) swatch(c chart, k int, x, y, w, h float64) {
	if c.line {
		col := c.fill(k)
		p.pdf.SetFillColor(col[0], col[1], col[2])
		p.pdf.Rect(x, y, w, h, "F")
		return
	}
	col := c.fill(k)
	st := barStyles[k%len(barStyles)]
	if !c.stacked {
		col = rgb{st.grey, st.grey, st.grey}
	}
	p.pdf.SetFillColor(col[0], col[1], col[2])
	p.pdf.SetDrawColor(0, 0, 0)
	p.pdf.SetLineWidth(0.2)
	p.pdf.Rect(x, y, w, h, "F")
	if !c.stacked && st.hatch && w > 0 && h > 0 {
		p.hatch(x, y, w, h)
	}
	p.pdf.Rect(x, y, w, h, "D")
}

// hatchStep is the distance between hatching lines, mm.
const hatchStep = 1.2

// hatch draws lines rising at 45° across the box, clipped to it.
func (p *pdfDoc) hatch(x, y, w, h float64) {
	p.pdf.ClipRect(x, y, w, h, false)
	p.pdf.SetLineWidth(0.25)
	for d := -h; d < w; d += hatchStep {
		p.pdf.Line(x+d, y+h, x+d+h, y)
	}
	p.pdf.ClipEnd()
	p.pdf.SetLineWidth(0.2)
}

// legendItem is one series' swatch and name.
type legendItem struct {
	series int
	g      glyphs
	l      typeset.Line
	w      float64 // swatch, gap, name and the space after
}

// legendRows sets the legend's items in rows no wider than the text
// block: a state's name may be long, and a county may have five of them.
func (p *pdfDoc) legendRows(c chart) [][]legendItem {
	W, size := p.lay.TextWidth, p.chartSize()
	st, sw := p.body(size), p.em(size)
	var rows [][]legendItem
	width := 0.0
	for i, s := range c.series {
		g := glyphs{}
		g.add(s, st)
		ls := p.setText(g, W-sw*2.4, 0, true)
		if len(ls) == 0 {
			continue
		}
		it := legendItem{i, g, ls[0], sw*1.4 + p.lineWidth(g, ls[0]) + sw}
		if len(rows) == 0 || width+it.w > W {
			rows = append(rows, nil)
			width = 0
		}
		rows[len(rows)-1] = append(rows[len(rows)-1], it)
		width += it.w
	}
	return rows
}

// seriesColors tell the lines of a line chart apart.
var seriesColors = []rgb{{90, 90, 90}, {200, 30, 30}, {230, 160, 60}, {60, 110, 180}, {150, 190, 110}}

// drawChart draws the caption and the legend, then either a horizontal
// grouped bar chart, per category one bar per series with its value at
// the end, or a line chart (drawLines).
func (p *pdfDoc) drawChart(caption string, c chart) {
	lay := p.lay
	W := lay.TextWidth
	size := p.chartSize()
	if p.gridY()+p.chartHeight(c) > lay.TextHeight && p.y > 0 {
		p.newPage()
	}
	if caption != "" {
		g := glyphs{}
		g.add(caption, style{role: typeset.Hei, size: lay.BodySize, color: black()})
		p.flowLines(g, p.setText(g, W, 0, true), p.left(), true)
	}
	st := p.body(size)
	// Legend: swatch and name per series, each row centred.
	sw := p.em(size)
	top := p.top() + p.gridY()
	rows := p.legendRows(c)
	for i, row := range rows {
		total := 0.0
		for _, it := range row {
			total += it.w
		}
		x, y := p.left()+(W-total)/2, top+float64(i)*p.lp
		for _, it := range row {
			p.swatch(c, it.series, x, y+p.lp/2-sw/3, sw, sw*2/3)
			p.drawLine(it.g, it.l, x+sw*1.4, baseline(y, p.lp, size))
			x += it.w
		}
	}
	// top is the last legend row's, as the bars and the axis count from it.
	top += float64(max(len(rows)-1, 0)) * p.lp
	p.y = top - p.top() + p.lp
	if c.line {
		p.drawLines(c)
		return
	}
	if c.stacked {
		p.drawStacks(c, top)
		return
	}
	maxV := 0.0
	for _, cat := range c.cats {
		for _, v := range cat.values {
			maxV = math.Max(maxV, v)
		}
	}
	labelW := p.categoryWidth(c)
	barArea := W - labelW - 4*p.em(size)
	bar := p.chartRowH() * 0.8
	for _, cat := range c.cats {
		catTop := p.top() + p.y
		groupH := float64(len(cat.values)) * bar
		p.categoryLabel(cat.name, p.left()+labelW, catTop, groupH)
		for k, v := range cat.values {
			w := 0.0
			if maxV > 0 {
				w = barArea * v / maxV
			}
			by := catTop + float64(k)*bar
			if w > 0 {
				p.swatch(c, k, p.left()+labelW, by+bar*0.1, w, bar*0.8)
			}
			vg := glyphs{}
			vg.add(c.valueText(k, v), st)
			if ls := p.setText(vg, W, 0, true); len(ls) > 0 {
				p.drawLine(vg, ls[0], p.left()+labelW+w+p.em(size)/3, baseline(by, bar, size))
			}
		}
		p.y += groupH + bar
	}
	// The axis.
	p.pdf.SetDrawColor(0, 0, 0)
	p.pdf.SetLineWidth(0.3)
	axisTop := top + p.lp
	p.pdf.Line(p.left()+labelW, axisTop, p.left()+labelW, p.top()+p.y-bar/2)
	p.y += p.lp / 4
}

// categoryWidth is the room before a bar chart's axis: the widest
// category name and half an em, at least three ems, at most a third of
// the text block, beyond which a name wraps.
func (p *pdfDoc) categoryWidth(c chart) float64 {
	st, em := p.body(p.chartSize()), p.em(p.chartSize())
	w := 3 * em
	for _, cat := range c.cats {
		g := glyphs{}
		g.add(cat.name, st)
		if ls := p.setText(g, p.lay.TextWidth, 0, true); len(ls) > 0 {
			w = max(w, p.lineWidth(g, ls[0])+em/2)
		}
	}
	return min(w, p.lay.TextWidth/3)
}

// categoryLabel draws a category's name flush right half an em before
// the axis, every line of it, centred on the band [top, top+h].
func (p *pdfDoc) categoryLabel(name string, axis, top, h float64) {
	size := p.chartSize()
	em := p.em(size)
	g := glyphs{}
	g.add(name, p.body(size))
	ls := p.setText(g, axis-p.left()-em/2, 0, true)
	lh := p.chartLineH()
	y := top + (h-float64(len(ls))*lh)/2
	for _, l := range ls {
		p.drawLine(g, l, axis-em/2-p.lineWidth(g, l), baseline(y, lh, size))
		y += lh
	}
}

// drawStacks draws one bar per category, its segments in series order
// scaled to the largest whole, each labelled with its count: inside when
// the label fits, else in a row under the bar behind a swatch of the
// segment's grey, so that one-unit segments side by side stay legible.
// An absent series has no segment and no label. legendTop is the last
// legend row's top, where the axis starts.
func (p *pdfDoc) drawStacks(c chart, legendTop float64) {
	W, size := p.lay.TextWidth, p.chartSize()
	em := p.em(size)
	labelW := p.categoryWidth(c)
	barArea := W - labelW - 2*em
	maxV := 0.0
	for _, cat := range c.cats {
		sum := 0.0
		for _, v := range cat.values {
			sum += v
		}
		maxV = math.Max(maxV, sum)
	}
	bar := p.chartRowH()
	x0 := p.left() + labelW
	for _, cat := range c.cats {
		catTop := p.top() + p.y
		st := p.body(size)
		p.categoryLabel(cat.name, x0, catTop, bar)
		// Labels too long for their segments go under the bar, from the
		// first such segment on, but never past the text block's edge.
		type seg struct {
			k     int
			x, w  float64
			g     glyphs
			l     typeset.Line
			lw    float64
			under bool
		}
		var segs []seg
		x, underW, underX := x0, 0.0, -1.0
		for k, v := range cat.values {
			if v <= 0 || maxV <= 0 {
				continue
			}
			sg := seg{k: k, x: x, w: barArea * v / maxV}
			sg.g.add(c.valueText(k, v), st)
			ls := p.setText(sg.g, W, 0, true)
			if len(ls) == 0 {
				continue
			}
			sg.l, sg.lw = ls[0], p.lineWidth(sg.g, ls[0])
			if sg.under = sg.lw+em/2 > sg.w; sg.under {
				if underX < 0 {
					underX = x
				}
				underW += em + sg.lw + em/2
			}
			segs = append(segs, sg)
			x += sg.w
		}
		underX = math.Min(underX, p.left()+W-underW)
		rowTop := catTop + bar
		for _, sg := range segs {
			p.swatch(c, sg.k, sg.x, catTop, sg.w, bar)
			if sg.under {
				p.swatch(c, sg.k, underX, rowTop+p.chartLineH()/2-em/3, em*2/3, em*2/3)
				p.drawLine(sg.g, sg.l, underX+em, baseline(rowTop, p.chartLineH(), size))
				underX += em + sg.lw + em/2
				continue
			}
			if c.fill(sg.k)[0] < 128 {
				for i := range sg.g.styles {
					sg.g.styles[i].color = rgb{255, 255, 255}
				}
			}
			p.drawLine(sg.g, sg.l, sg.x+(sg.w-sg.lw)/2, baseline(catTop, bar, size))
		}
		p.y += p.stackH()
	}
	p.pdf.SetDrawColor(0, 0, 0)
	p.pdf.SetLineWidth(0.3)
	p.pdf.Line(x0, legendTop+p.lp, x0, p.top()+p.y-p.chartRowH()/2)
	p.y += p.chartRowH() * 0.8
}

// plotHeight is the height of a line chart's plot, axis to top.
func (p *pdfDoc) plotHeight() float64 { return 5 * p.lp }

// periodLabels sets the period under each point of a line chart, and
// says in how many rows: two, alternating, when neighbours would touch.
func (p *pdfDoc) periodLabels(c chart) ([]cellSet, int) {
	st := p.body(p.chartSize())
	step := p.plotWidth() / float64(len(c.cats))
	out := make([]cellSet, len(c.cats))
	rows := 1
	for i, cat := range c.cats {
		g := glyphs{}
		g.add(cat.name, st)
		ls := p.setText(g, p.lay.TextWidth, 0, true)
		out[i] = cellSet{g, ls}
		if len(ls) > 0 && p.lineWidth(g, ls[0])+p.em(st.size)/2 > step {
			rows = 2
		}
	}
	return out, rows
}

// plotWidth is the width of a line chart's plot, inset by a character
// each side so that the figures at the first and last points fit.
func (p *pdfDoc) plotWidth() float64 { return p.lay.TextWidth - 2*p.em(p.chartSize()) }

// drawLines draws a line chart below its legend: a point per period and
// series with its figure beside it, lines between neighbouring points, a
// gap where a figure does not exist, marked — above the axis. Each period
// is drawn as its label then its figures, the order of the text twin.
func (p *pdfDoc) drawLines(c chart) {
	size := p.chartSize()
	st := p.body(size)
	em := p.em(size)
	labels, labelRows := p.periodLabels(c)
	left := p.left() + em
	step := p.plotWidth() / float64(len(c.cats))
	bottom := p.top() + p.y + p.plotHeight()
	textH := p.chartLineH()
	// Figures run from 0 (or the lowest below it) to the highest; the top
	// keeps room for the highest point's figure.
	lo, hi := 0.0, 0.0
	for _, cat := range c.cats {
		for _, v := range cat.values {
			if !math.IsNaN(v) {
				lo, hi = math.Min(lo, v), math.Max(hi, v)
			}
		}
	}
	if hi == lo {
		hi = lo + 1
	}
	span := p.plotHeight() - 1.5*textH
	x := func(i int) float64 { return left + (float64(i)+0.5)*step }
	y := func(v float64) float64 { return bottom - (v-lo)/(hi-lo)*span }

	p.pdf.SetDrawColor(0, 0, 0)
	p.pdf.SetLineWidth(0.3)
	p.pdf.Line(left, p.top()+p.y, left, bottom)
	p.pdf.Line(left, bottom, left+p.plotWidth(), bottom)
	for k := range c.series {
		col := seriesColors[k%len(seriesColors)]
		p.pdf.SetDrawColor(col[0], col[1], col[2])
		p.pdf.SetFillColor(col[0], col[1], col[2])
		p.pdf.SetLineWidth(0.5)
		for i, cat := range c.cats {
			v := cat.values[k]
			if math.IsNaN(v) {
				continue
			}
			if i > 0 && !math.IsNaN(c.cats[i-1].values[k]) {
				p.pdf.Line(x(i-1), y(c.cats[i-1].values[k]), x(i), y(v))
			}
			p.pdf.Circle(x(i), y(v), 0.8, "F")
		}
	}
	put := func(g glyphs, cx, top float64) {
		if ls := p.setText(g, p.lay.TextWidth, 0, true); len(ls) > 0 {
			p.drawLine(g, ls[0], cx-p.lineWidth(g, ls[0])/2, baseline(top, textH, size))
		}
	}
	for i, cat := range c.cats {
		if ls := labels[i].ls; len(ls) > 0 {
			top := bottom + float64(i%labelRows)*textH
			w := p.lineWidth(labels[i].g, ls[0])
			lx := math.Max(p.left(), math.Min(x(i)-w/2, p.left()+p.lay.TextWidth-w))
			p.drawLine(labels[i].g, ls[0], lx, baseline(top, textH, size))
		}
		// Figures above their points, highest first; one that would meet
		// the figure before goes below its point, or below that figure;
		// gaps stack up from the axis.
		order := make([]int, 0, len(cat.values))
		gaps := 0
		for k, v := range cat.values {
			if !math.IsNaN(v) {
				order = append(order, k)
			}
		}
		sort.SliceStable(order, func(a, b int) bool { return cat.values[order[a]] > cat.values[order[b]] })
		tops := map[int]float64{}
		floor := math.Inf(-1)
		for _, k := range order {
			yk := y(cat.values[k])
			t := yk - textH - 0.5
			if t < floor {
				t = math.Max(yk+0.5, floor)
			}
			tops[k], floor = t, t+textH
		}
		for k, v := range cat.values {
			g := glyphs{}
			g.add(c.valueText(k, v), st)
			if math.IsNaN(v) {
				gaps++
				put(g, x(i), bottom-float64(gaps)*textH)
				continue
			}
			put(g, x(i), tops[k])
		}
	}
	p.pdf.SetDrawColor(0, 0, 0)
	p.y += p.plotHeight() + float64(labelRows)*textH + p.lp/4
}

// distribution draws the 版記 at the foot of the last page: the lines
// between rules as wide as the text block, thick first and last, the last
// on the block's bottom edge.
func (p *pdfDoc) distribution(bl block) {
	lay := p.lay
	W := lay.TextWidth
	size := lay.DistributionSize
	one := p.em(size)
	st := p.body(size)
	boxH := p.lp * 0.75
	type set struct {
		g  glyphs
		ls []typeset.Line
	}
	var sets []set
	h := 0.0
	for _, line := range bl.lines {
		g := glyphs{}
		g.add(line, st)
		ls := p.setText(g, W-2*one, 0, true)
		sets = append(sets, set{g, ls})
		h += float64(len(ls)) * boxH
	}
	if p.y+h > lay.TextHeight && p.y > 0 {
		p.newPage()
	}
	// Printed duplex, the 版記 closes the back of the last sheet: an even
	// page. From a page with text it moves to the next; a page left empty
	// for it stays blank, and that page and the 版記 page carry no number.
	// A briefing of one page is a single leaf and keeps it at its foot.
	if p.page%2 == 1 && p.page > 1 {
		blank := p.y == 0
		p.unnumbered = blank
		p.newPage()
		p.unnumbered = blank
	}
	bottom := p.top() + lay.TextHeight
	y := bottom - h
	rule := func(y, w float64) {
		p.pdf.SetDrawColor(0, 0, 0)
		p.pdf.SetLineWidth(w)
		p.pdf.Line(p.left(), y, p.left()+W, y)
	}
	rule(y, 0.35)
	for i, s := range sets {
		last := i == len(sets)-1
		for _, l := range s.ls {
			x := p.left() + one
			if last && strings.HasPrefix(bl.lines[i], "（") {
				x = p.left() + W - one - p.lineWidth(s.g, l)
			}
			p.drawLine(s.g, l, x, baseline(y, boxH, size))
			y += boxH
		}
		if i < len(sets)-2 {
			rule(y, 0.25)
		}
	}
	rule(bottom, 0.35)
	p.y = lay.TextHeight
}

// subsetTags renames each embedded font "utf8NNNfamily" to
// "XXXXXX+family" in the written file, the PDF convention that marks a
// subset (fpdf subsets but does not say so). The names keep their length,
// so the cross-reference offsets stay right and the file is changed in
// place.
func (p *pdfDoc) subsetTags(file []byte) {
	tags := make(map[string]string, len(p.families))
	for f, fam := range p.families {
		tags["utf8"+fam] = subsetTag(p.order[f]) + "+" + fam[3:]
	}
	for _, key := range [][]byte{[]byte("/BaseFont /utf8"), []byte("/FontName /utf8")} {
		for rest := file; ; {
			i := bytes.Index(rest, key)
			if i < 0 {
				break
			}
			name := rest[i+len(key)-len("utf8"):]
			if end := bytes.IndexAny(name, " \n/>"); end >= 0 {
				name = name[:end]
			}
			if tag, ok := tags[string(name)]; ok {
				copy(name, tag)
			}
			rest = rest[i+len(key):]
		}
	}
}

// subsetTag is six capital letters derived from the face's load order.
func subsetTag(i int) string {
	var b [6]byte
	for k := 5; k >= 0; k-- {
		b[k] = byte('A' + i%26)
		i /= 26
	}
	return string(b[:])
}
