package xlsxscan

import (
	"slices"
	"strconv"
	"strings"
)

// Rows streams the rows of a sheet as excelize's Rows gives them: add
// gets each row element's number and its cells from column A with raw
// values ("" for an empty cell), in order, gaps left out; a row's cells
// are never reused, so add may keep them. An error of add stops the scan
// and is returned as it is.
func (b *Book) Rows(name string, add func(row int, cells []string) error) error {
	s := b.sheet(name)
	if s == nil {
		return ErrUnsupported
	}
	s.merges, s.emptyFormulas = s.merges[:0], s.emptyFormulas[:0]
	x := newScanner(b.parts[s.part].text, b.lim)
	if x.next() != tokStart {
		return ErrUnsupported
	}
	for x.next() != tokEOF {
		if x.kind != tokStart {
			continue
		}
		switch elem := x.localName(); {
		case elem == "sheetData":
			if len(x.stack) != 2 {
				return ErrUnsupported
			}
			if err := b.sheetData(x, s, add); err != nil {
				return err
			}
			return b.tail(x, s)
		case elem == "mergeCell":
			s.merges = append(s.merges, mergeRef(x))
		case elem == "row" || elem == "c":
			// excelize's Rows would take it for a row of the sheet.
			return ErrUnsupported
		}
	}
	if x.failed {
		return ErrUnsupported
	}
	return nil
}

// mergeRef is the ref of the mergeCell just started, as Rows keeps it.
func mergeRef(x *xmlScanner) string {
	ref, n := attrCount(x, "ref")
	if n != 1 {
		return "?" // cannot be placed: any empty cell is unsupported
	}
	return ref
}

// tail reads the rest of a sheet after its sheetData, or takes what an
// earlier form's identical tail gave from the cache.
func (b *Book) tail(x *xmlScanner, s *sheet) error {
	text, root := x.s[x.pos:], x.str(x.stack[0])
	if b.cache != nil {
		if v := b.cache.tail(text); v != nil && v.root == root {
			if v.elements > x.elemsLeft {
				return ErrUnsupported // the scan would fail on the way
			}
			s.merges = append(s.merges, v.merges...)
			return nil
		}
	}
	left, merged := x.elemsLeft, len(s.merges)
	for x.next() != tokEOF {
		if x.kind != tokStart {
			continue
		}
		switch x.localName() {
		case "sheetData":
			return ErrUnsupported // a second one
		case "mergeCell":
			s.merges = append(s.merges, mergeRef(x))
		}
	}
	if x.failed {
		return ErrUnsupported
	}
	if b.cache != nil {
		b.cache.putTail(text, tailVerdict{root: root, elements: left - x.elemsLeft, merges: slices.Clone(s.merges[merged:])})
	}
	return nil
}

func (b *Book) sheetData(x *xmlScanner, s *sheet, add func(int, []string) error) error {
	prev := 0
	for x.plainRow() || x.next() != tokEOF && len(x.stack) >= 2 {
		switch {
		case x.kind == tokText || x.kind == tokEnd:
			continue
		case x.localName() != "row" || len(x.stack) != 3:
			return ErrUnsupported
		}
		num := prev + 1
		if v, n := attrCount(x, "r"); n > 1 {
			return ErrUnsupported
		} else if n == 1 {
			var ok bool
			if num, ok = PlainInt(v); !ok || num <= prev || num > MaxRow {
				return ErrUnsupported
			}
		}
		prev = num
		cells, err := b.rowCells(x, s, num)
		if err != nil {
			return err
		}
		if err := add(num, cells); err != nil {
			return err
		}
	}
	if x.failed {
		return ErrUnsupported
	}
	return nil
}

// plainRow starts the next row when it is written <row r="digits">, the
// usual way, as next would start it: the tag's name, its one attribute
// and the element counted. It reads nothing, and is false, for anything
// else, which next then reads or refuses.
func (x *xmlScanner) plainRow() bool {
	const open = `<row r="`
	if x.failed || x.selfEnd || len(x.stack) != 2 || x.elemsLeft < 1 || x.maxDepth <= 2 || !strings.HasPrefix(x.s[x.pos:], open) {
		return false
	}
	s, at := x.s, x.pos
	from := at + len(open)
	end := from
	for end < len(s) && '0' <= s[end] && s[end] <= '9' {
		end++
	}
	if end == from || end+1 >= len(s) || s[end] != '"' || s[end+1] != '>' {
		return false
	}
	x.elemsLeft--
	x.nameAt, x.localAt = span{int32(at + 1), int32(at + 4)}, int32(at+1)
	x.attrs = append(x.attrs[:0], rawAttr{name: span{int32(at + 5), int32(at + 6)}, value: span{int32(from), int32(end)}, local: int32(at + 5), plain: true})
	x.stack = append(x.stack, x.nameAt)
	x.pos = end + 2
	x.kind = tokStart
	return true
}

// minArena is the room a row may take from the arena; a form's rows have
// six columns.
const minArena = 12

// rowCells reads the cells of the row just started, from column A, as
// excelize's Rows.Columns gives them with raw values.
func (b *Book) rowCells(x *xmlScanner, s *sheet, row int) ([]string, error) {
	// Rows take their cells from one array, in turn, rather than each
	// growing its own.
	if cap(b.arena)-len(b.arena) < minArena {
		b.arena = make([]string, 0, 512)
		b.scratch.cells = b.arena
	}
	start := len(b.arena)
	cells := b.arena[start:start]
	defer func() {
		if len(cells) <= cap(b.arena)-start {
			b.arena = b.arena[:start+len(cells)]
		}
	}()
	col := 0
	for {
		c, ok := x.plainCell()
		if !ok {
			if x.next() == tokEOF || len(x.stack) < 3 {
				break
			}
			switch {
			case x.kind == tokText || x.kind == tokEnd:
				continue
			case x.localName() != "c" || len(x.stack) != 4:
				return nil, ErrUnsupported
			}
			if c, ok = readCell(x); !ok {
				return nil, ErrUnsupported
			}
		}
		ref, typ, v, hasF, is, hasIS := c.ref, c.typ, c.v, c.hasF, c.is, c.hasIS
		if c.nr > 1 || c.ns > 1 || c.nt > 1 {
			return nil, ErrUnsupported
		}
		// As excelize reads a style index, without trimming; one of plain
		// digits, the usual one, is one for certain.
		if c.ns == 1 && !plainDigits(c.s) {
			if _, err := strconv.ParseInt(c.s, 10, 64); err != nil {
				return nil, ErrUnsupported
			}
		}
		next := col + 1
		if c.nr == 1 {
			c, rr, ok := ParseRef(ref)
			if !ok || rr != row {
				return nil, ErrUnsupported
			}
			next = c
		}
		if next <= col || next > MaxCol {
			return nil, ErrUnsupported
		}
		col = next
		var val string
		switch typ {
		case "s":
			if v != "" {
				// As excelize: a bad index reads as 0, one out of range as
				// empty. Plain digits, the usual index, need no trimming.
				i, ok := PlainInt(v)
				if !ok {
					i, _ = strconv.Atoi(strings.TrimSpace(v))
				}
				if i >= 0 && i < len(b.sst) {
					val = b.sst[i]
				}
			}
		case "inlineStr":
			val = v
			if hasIS {
				val = is
			}
		default:
			val = v
		}
		if val == "" && !hasF {
			continue
		}
		if val == "" {
			s.emptyFormulas = append(s.emptyFormulas, [2]int{row, col})
		}
		for len(cells) < col-1 {
			cells = append(cells, "")
		}
		cells = append(cells, val)
	}
	if x.failed {
		return nil, ErrUnsupported
	}
	return cells, nil
}

// cell is a <c> element as rowCells reads it: the attributes r, s and t
// by local name, with how many times each is given, and its children.
type cell struct {
	ref, s, typ string
	nr, ns, nt  int
	v, is       string
	hasF, hasIS bool
}

// readCell reads the cell just started.
func readCell(x *xmlScanner) (cell, bool) {
	var c cell
	for i := range x.attrs {
		switch x.attrLocal(i) {
		case "r":
			c.ref, c.nr = x.attrValue(i), c.nr+1
		case "s":
			c.s, c.ns = x.attrValue(i), c.ns+1
		case "t":
			c.typ, c.nt = x.attrValue(i), c.nt+1
		}
	}
	var ok bool
	c.v, c.hasF, c.is, c.hasIS, ok = cellParts(x)
	return c, ok
}

// plainValueByte marks the bytes a value in double quotes holds as they
// are, as the scanner's attrValueSpan reads them: printable ASCII but the
// quote, & (which starts an entity), < and >.
var plainValueByte = func() (t [256]bool) {
	for b := ' '; b < 0x80; b++ {
		t[b] = b != '"' && b != '&' && b != '<' && b != '>'
	}
	return t
}()

// plainCell reads the next cell of a row when it is written the usual
// way: <c> with only the attributes r, s and t, each once, in double
// quotes with values that need no decoding, one space before each, and
// empty (<c .../> or <c ...></c>) or holding only <v>text</v>, the text
// needing no decoding. It gives what next and readCell would give for
// it, elements counted alike; ok is false, and nothing is read, for
// anything else, which next and readCell then read or refuse. A sheet's
// cells are nearly all it holds, and reading them token by token was
// most of the time a form took to read.
func (x *xmlScanner) plainCell() (c cell, ok bool) {
	if x.failed || x.selfEnd || len(x.stack) != 3 || x.elemsLeft < 2 || x.maxDepth <= 4 {
		return cell{}, false
	}
	s, i := x.s, x.pos
	if i+2 >= len(s) || s[i] != '<' || s[i+1] != 'c' {
		return cell{}, false
	}
	i += 2
	for i+4 < len(s) && s[i] == ' ' && s[i+2] == '=' && s[i+3] == '"' {
		from := i + 4
		j := from
		for j < len(s) && plainValueByte[s[j]] {
			j++
		}
		if j == len(s) || s[j] != '"' {
			return cell{}, false
		}
		v := s[from:j]
		switch s[i+1] {
		case 'r':
			c.ref, c.nr = v, c.nr+1
		case 's':
			c.s, c.ns = v, c.ns+1
		case 't':
			c.typ, c.nt = v, c.nt+1
		default:
			return cell{}, false
		}
		i = j + 1
	}
	if c.nr > 1 || c.ns > 1 || c.nt > 1 {
		return cell{}, false // the scanner refuses a repeated attribute
	}
	rest := s[i:]
	switch {
	case strings.HasPrefix(rest, "/>"):
		i += 2
	case strings.HasPrefix(rest, "></c>"):
		i += 5
	case strings.HasPrefix(rest, "><v>"):
		from := i + 4
		n := strings.IndexByte(s[from:], '<')
		if n < 0 || !strings.HasPrefix(s[from+n:], "</v></c>") {
			return cell{}, false
		}
		c.v = s[from : from+n]
		if plain, ok := checkText(c.v, false); !plain || !ok {
			return cell{}, false
		}
		i = from + n + len("</v></c>")
		x.elemsLeft-- // the <v>
	default:
		return cell{}, false
	}
	x.pos = i
	x.elemsLeft--
	x.kind = tokEnd
	return c, true
}

// cellParts reads the children of the cell just started: the text of
// <v>, whether it has a formula, and the text of a plain <is><t>.
func cellParts(x *xmlScanner) (v string, hasF bool, is string, hasIS bool, ok bool) {
	bad := func() (string, bool, string, bool, bool) { return "", false, "", false, false }
	seenV := false
	for x.next() != tokEOF && len(x.stack) >= 4 {
		if x.kind != tokStart {
			continue
		}
		switch x.localName() {
		case "v":
			var text bool
			if v, text = readText(x); seenV || !text {
				return bad()
			}
			seenV = true
		case "f":
			if hasF || !formulaAttrsOK(x) || !skipPlain(x) {
				return bad()
			}
			hasF = true
		case "is":
			if hasIS {
				return bad()
			}
			hasIS = true
			seenT := false
			for x.next() != tokEOF && len(x.stack) >= 5 {
				if x.kind != tokStart {
					continue
				}
				var text bool
				if is, text = readText(x); x.localName() != "t" || seenT || !text {
					return bad() // rich inline text
				}
				seenT = true
			}
			is = bstrUnmarshal(is)
		default:
			return bad()
		}
	}
	return v, hasF, is, hasIS, !x.failed
}

// formulaAttrsOK checks the attributes excelize decodes as booleans or a
// number; a shared formula's index must be one.
func formulaAttrsOK(x *xmlScanner) bool {
	for i := range x.attrs {
		k := kindString
		switch x.attrLocal(i) {
		case "aca", "dt2D", "dtr", "del1", "del2", "ca", "bx":
			k = kindBool
		case "si":
			k = kindInt
		}
		if !typedOK(k, x.attrValue(i)) {
			return false
		}
	}
	return true
}

// attrCount finds an attribute by local name, as excelize matches it (a
// namespace declaration xmlns:r included), and says how many there are.
func attrCount(x *xmlScanner, name string) (string, int) {
	val, n := "", 0
	for i := range x.attrs {
		if x.attrLocal(i) == name {
			val, n = x.attrValue(i), n+1
		}
	}
	return val, n
}

// plainDigits reports whether plainInt reads s.
func plainDigits(s string) bool {
	_, ok := PlainInt(s)
	return ok
}

// PlainInt reads a number of at most nine decimal digits and nothing else;
// excelize reads more (signs, spaces), which is unsupported here.
func PlainInt(s string) (int, bool) {
	if s == "" || len(s) > 9 {
		return 0, false
	}
	n := 0
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, false
		}
		n = n*10 + int(s[i]-'0')
	}
	return n, true
}

// ParseRef reads an A1 reference in capitals, without $.
func ParseRef(ref string) (col, row int, ok bool) {
	i := 0
	for i < len(ref) && 'A' <= ref[i] && ref[i] <= 'Z' {
		col = col*26 + int(ref[i]-'A'+1)
		i++
	}
	if i == 0 || i > 3 || col > MaxCol {
		return 0, 0, false
	}
	row, ok = PlainInt(ref[i:])
	if !ok || row < 1 || row > MaxRow || ref[i] == '0' {
		return 0, 0, false
	}
	return col, row, true
}

// MergeOver reports whether a merge covers a cell that Rows showed empty,
// in the last Rows of the sheet. A merge gives such a cell the value of
// its top-left cell in excelize, which this package leaves to excelize:
// a covering merge is ErrUnsupported, and so is one it cannot place.
func (b *Book) MergeOver(name string, col, row int) (col1, row1 int, ok bool, err error) {
	s := b.sheet(name)
	if s == nil {
		return 0, 0, false, ErrUnsupported
	}
	for _, m := range s.merges {
		from, to, ok := strings.Cut(m, ":")
		c1, r1, ok1 := ParseRef(from)
		c2, r2, ok2 := ParseRef(to)
		if !ok || !ok1 || !ok2 || min(c1, c2) <= col && col <= max(c1, c2) && min(r1, r2) <= row && row <= max(r1, r2) {
			return 0, 0, false, ErrUnsupported
		}
	}
	return 0, 0, false, nil
}

// Formula is the formula of a cell that Rows showed empty, in the last
// Rows of the sheet: "" when it has none, and ErrUnsupported when it has
// one, which then has no cached value and is left to excelize.
func (b *Book) Formula(name string, col, row int) (string, error) {
	s := b.sheet(name)
	if s == nil {
		return "", ErrUnsupported
	}
	for _, p := range s.emptyFormulas {
		if p == [2]int{row, col} {
			return "", ErrUnsupported
		}
	}
	return "", nil
}
