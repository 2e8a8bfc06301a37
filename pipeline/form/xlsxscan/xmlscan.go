package xlsxscan

import (
	"strconv"
	"strings"
	"unicode/utf8"
)

// xmlScanner is a strict pull tokenizer for the XLSX parts the package
// parses. It accepts a subset of what encoding/xml accepts (and so what
// excelize reads) and, where it accepts, yields the same names, attribute
// values and text: entities and character references decoded, \r\n folded
// to \n. Whatever lies outside that subset (a DOCTYPE, CDATA, a processing
// instruction other than the declaration, a declared encoding other than
// UTF-8, a non-ASCII name, a second root) fails the scan, and the file is
// read by excelize instead. Text and values are substrings of the part
// where nothing needs decoding, so a scan allocates little, and the
// scanner keeps them as offsets: storing no pointers, it costs the garbage
// collector nothing per token.
type xmlScanner struct {
	s       string
	pos     int
	failed  bool
	kind    tokKind
	nameAt  span  // of the current tag: qualified name, prefix included
	localAt int32 // where its local name starts
	attrs   []rawAttr
	textAt  span
	textOK  bool   // textAt needs no decoding
	decoded string // else the decoded text
	stack   []span
	selfEnd bool // the start tag was <x/>: its end comes next
	rooted  bool // the root element has been opened
	lean    bool // check only: no text tokens, no attributes kept
	buf     []byte

	// Bounds from Limits: past them the scan fails, which Open and Rows
	// answer with ErrUnsupported; CheckBounds names the limit.
	maxDepth, elemsLeft int
}

// span is a part of the scanned string.
type span struct{ from, to int32 }

type rawAttr struct {
	name, value span
	local       int32 // where the local name starts
	plain       bool  // value needs no decoding
}

type tokKind uint8

const (
	tokStart tokKind = iota + 1
	tokEnd
	tokText
	tokEOF
)

// xattr is an attribute read out of the scanner, to keep.
type xattr struct{ name, value string }

// maxAttrs is the most attributes the scanner keeps for a tag; a tag of a
// spreadsheet has a few dozen at most.
const maxAttrs = 128

// maxPart is the largest part the scanner takes; offsets are int32. Parts
// are far smaller under any sensible Limits.
const maxPart = 1 << 30

func newScanner(s string, lim Limits) *xmlScanner {
	x := &xmlScanner{s: s, attrs: make([]rawAttr, 0, 8), stack: make([]span, 0, 8), maxDepth: lim.MaxDepth, elemsLeft: lim.MaxElements}
	if len(s) > maxPart {
		x.fail()
	}
	return x
}

func (x *xmlScanner) str(sp span) string { return x.s[sp.from:sp.to] }

// name is the qualified name of the current tag.
func (x *xmlScanner) name() string { return x.str(x.nameAt) }

// localName is the current tag's name without its prefix, as
// encoding/xml's Name.Local.
func (x *xmlScanner) localName() string { return x.s[x.localAt:x.nameAt.to] }

func (x *xmlScanner) attrLocal(i int) string { return x.s[x.attrs[i].local:x.attrs[i].name.to] }

// text is the current text token, decoded.
func (x *xmlScanner) text() string {
	if x.textOK {
		return x.str(x.textAt)
	}
	return x.decoded
}

func (x *xmlScanner) attrName(i int) string { return x.str(x.attrs[i].name) }

// attrValue is the decoded value of the current tag's i-th attribute.
func (x *xmlScanner) attrValue(i int) string {
	a := x.attrs[i]
	if a.plain {
		return x.str(a.value)
	}
	v, _ := x.decode(x.str(a.value), true) // checked when scanned
	return v
}

// attrList copies the current tag's attributes out, to keep.
func (x *xmlScanner) attrList() []xattr {
	out := make([]xattr, len(x.attrs))
	for i := range x.attrs {
		out[i] = xattr{x.attrName(i), x.attrValue(i)}
	}
	return out
}

// fail stops the scan: every later call returns tokEOF with failed set.
func (x *xmlScanner) fail() tokKind {
	x.failed = true
	x.pos = len(x.s)
	x.kind = tokEOF
	return tokEOF
}

// next moves to the next token: a start tag (name, attrs), an end tag
// (name), text inside the root (text), or the end of the part. Comments are
// skipped, as is whitespace outside the root.
func (x *xmlScanner) next() tokKind {
	if x.failed {
		return tokEOF
	}
	if x.selfEnd {
		x.selfEnd = false
		x.kind = tokEnd
		x.stack = x.stack[:len(x.stack)-1]
		return tokEnd
	}
	for {
		if x.pos >= len(x.s) {
			if len(x.stack) > 0 || !x.rooted {
				return x.fail()
			}
			x.kind = tokEOF
			return tokEOF
		}
		if x.s[x.pos] != '<' {
			if len(x.stack) == 0 {
				end := strings.IndexByte(x.s[x.pos:], '<')
				if end < 0 {
					end = len(x.s) - x.pos
				}
				raw := x.s[x.pos : x.pos+end]
				x.pos += end
				if strings.TrimLeft(raw, " \t\r\n") != "" {
					return x.fail()
				}
				continue
			}
			end, plain, ok := x.textSpan()
			if !ok {
				return x.fail()
			}
			raw := x.s[x.pos : x.pos+end]
			x.pos += end
			if x.lean {
				continue
			}
			x.textAt = span{int32(x.pos - end), int32(x.pos)}
			x.textOK = plain
			if !plain {
				x.decoded, _ = x.decode(raw, false)
			}
			x.kind = tokText
			return tokText
		}
		rest := x.s[x.pos:]
		if len(rest) > 1 && rest[1] != '?' && rest[1] != '!' && rest[1] != '/' {
			return x.start()
		}
		switch {
		case strings.HasPrefix(rest, "<?"):
			if x.pos != 0 || !x.declaration() {
				return x.fail()
			}
		case strings.HasPrefix(rest, "<!--"):
			i := strings.Index(rest[4:], "--")
			if i < 0 || 4+i+2 >= len(rest) || rest[4+i+2] != '>' {
				return x.fail()
			}
			x.pos += 4 + i + 3
		case strings.HasPrefix(rest, "</"):
			x.pos += 2
			name, loc, ok := x.readName()
			x.space()
			if !ok || len(x.stack) == 0 || x.str(x.stack[len(x.stack)-1]) != x.str(name) || !x.eat('>') {
				return x.fail()
			}
			x.stack = x.stack[:len(x.stack)-1]
			x.nameAt, x.localAt = name, loc
			x.kind = tokEnd
			return tokEnd
		case strings.HasPrefix(rest, "<!"):
			return x.fail()
		default:
			return x.start()
		}
	}
}

func (x *xmlScanner) start() tokKind {
	if len(x.stack) == 0 && x.rooted {
		return x.fail() // a second root
	}
	if x.elemsLeft--; x.elemsLeft < 0 || len(x.stack) >= x.maxDepth {
		return x.fail()
	}
	x.pos++
	name, loc, ok := x.readName()
	if !ok {
		return x.fail()
	}
	x.nameAt, x.localAt = name, loc
	x.attrs = x.attrs[:0]
	for {
		sp := x.space()
		switch {
		case x.eat('>'):
		case x.eat('/'):
			if !x.eat('>') {
				return x.fail()
			}
			x.selfEnd = true
		default:
			if !sp {
				return x.fail()
			}
			an, aloc, ok := x.readName()
			if !ok {
				return x.fail()
			}
			x.space()
			if !x.eat('=') {
				return x.fail()
			}
			x.space()
			if x.pos >= len(x.s) || (x.s[x.pos] != '"' && x.s[x.pos] != '\'') {
				return x.fail()
			}
			q := x.s[x.pos]
			value, plain, ok := x.attrValueSpan(q)
			if !ok {
				return x.fail()
			}
			if x.lean {
				continue
			}
			if len(x.attrs) == maxAttrs {
				return x.fail() // and the duplicate check stays cheap
			}
			for _, a := range x.attrs {
				if x.str(a.name) == x.str(an) {
					return x.fail()
				}
			}
			x.attrs = append(x.attrs, rawAttr{an, value, aloc, plain})
			continue
		}
		break
	}
	x.rooted = true
	x.stack = append(x.stack, name)
	x.kind = tokStart
	return tokStart
}

// textSpan is the length of the text from pos to the next tag, checked
// as checkText checks it. Text of plain ASCII, a figure's, is found and
// checked in one pass.
func (x *xmlScanner) textSpan() (int, bool, bool) {
	i := x.pos
	for i < len(x.s) {
		c := x.s[i]
		if c < ' ' && c != '\t' && c != '\n' || c >= 0x80 || c == '&' || c == '<' || c == '>' {
			break
		}
		i++
	}
	if i == len(x.s) || x.s[i] == '<' {
		return i - x.pos, true, true
	}
	end := strings.IndexByte(x.s[x.pos:], '<')
	if end < 0 {
		end = len(x.s) - x.pos
	}
	plain, ok := checkText(x.s[x.pos:x.pos+end], false)
	return end, plain, ok
}

// attrValueSpan reads a quoted attribute value from the quote q at pos,
// checked as checkText checks it. A value of plain ASCII, most of them,
// is found and checked in one pass.
func (x *xmlScanner) attrValueSpan(q byte) (span, bool, bool) {
	from, i := x.pos+1, x.pos+1
	for i < len(x.s) {
		c := x.s[i]
		if c < ' ' || c >= 0x80 || c == '&' || c == '<' || c == '>' || c == q {
			break
		}
		i++
	}
	if i < len(x.s) && x.s[i] == q {
		x.pos = i + 1
		return span{int32(from), int32(i)}, true, true
	}
	end := strings.IndexByte(x.s[from:], q)
	if end < 0 {
		return span{}, false, false
	}
	x.pos = from + end + 1
	plain, ok := checkText(x.s[from:from+end], true)
	return span{int32(from), int32(from + end)}, plain, ok
}

// declaration accepts <?xml version="1.0" encoding="UTF-8" ...?> only, as
// encoding/xml reads it.
func (x *xmlScanner) declaration() bool {
	rest := x.s[x.pos:]
	end := strings.Index(rest, "?>")
	if end < 0 || !strings.HasPrefix(rest, "<?xml") || len(rest) < 6 || !isSpace(rest[5]) {
		return false
	}
	content := rest[5:end]
	if v := procInstParam("version=", content); v != "" && v != "1.0" {
		return false
	}
	if e := procInstParam("encoding=", content); e != "" && !strings.EqualFold(e, "utf-8") {
		return false
	}
	if !utf8.ValidString(content) {
		return false
	}
	x.pos += end + 2
	return true
}

// procInstParam finds param="value" (param given with its =) in a
// declaration the way encoding/xml does, so that both agree on the version
// and encoding.
func procInstParam(param, s string) string {
	i := 0
	var sep byte
	for i < len(s) {
		sub := s[i:]
		k := strings.Index(sub, param)
		if k < 0 || len(param)+k >= len(sub) {
			return ""
		}
		i += len(param) + k + 1
		if c := sub[len(param)+k]; c == '\'' || c == '"' {
			sep = c
			break
		}
	}
	if sep == 0 {
		return ""
	}
	j := strings.IndexByte(s[i:], sep)
	if j < 0 {
		return ""
	}
	return s[i : i+j]
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\r' || c == '\n' }

func (x *xmlScanner) space() bool {
	start := x.pos
	for x.pos < len(x.s) && isSpace(x.s[x.pos]) {
		x.pos++
	}
	return x.pos > start
}

func (x *xmlScanner) eat(c byte) bool {
	if x.pos < len(x.s) && x.s[x.pos] == c {
		x.pos++
		return true
	}
	return false
}

// readName reads an ASCII name with at most one prefix; encoding/xml
// accepts more, which the scanner leaves to excelize.
func (x *xmlScanner) readName() (span, int32, bool) {
	start, colon := x.pos, -1
loop:
	for x.pos < len(x.s) {
		c := x.s[x.pos]
		switch {
		case 'a' <= c|0x20 && c|0x20 <= 'z', c == '_':
		case '0' <= c && c <= '9', c == '.', c == '-':
			if x.pos == start || x.pos == colon+1 {
				return span{}, 0, false
			}
		case c == ':':
			if colon >= 0 || x.pos == start {
				return span{}, 0, false
			}
			colon = x.pos
		default:
			break loop
		}
		x.pos++
	}
	if x.pos == start || x.pos == colon+1 {
		return span{}, 0, false
	}
	loc := start
	if colon >= 0 {
		loc = colon + 1
	}
	return span{int32(start), int32(x.pos)}, int32(loc), true
}

// checkText checks raw text or an attribute value as encoding/xml does:
// every character allowed in XML, every entity one of the five or a
// character reference, no ]]> in text. plain means nothing needs decoding.
func checkText(raw string, attr bool) (plain, ok bool) {
	plain = true
	for i := 0; i < len(raw); i++ {
		c := raw[i]
		if ' ' <= c && c < 0x80 && c != '&' && c != '<' && c != '>' {
			continue // most characters: plain ASCII
		}
		switch {
		case c == '&':
			semi := strings.IndexByte(raw[i:], ';')
			if semi < 0 {
				return false, false
			}
			switch ent := raw[i+1 : i+semi]; ent {
			case "lt", "gt", "amp", "apos", "quot":
			default:
				if _, ok := charRef(ent); !ok {
					return false, false
				}
			}
			i += semi
			plain = false
		case c == '\r':
			plain = false
		case c == '<':
			return false, false // text stops before it; a value may not hold it
		case c == '>' && !attr && i >= 2 && raw[i-1] == ']' && raw[i-2] == ']':
			return false, false
		case c < 0x20 && c != '\t' && c != '\n':
			return false, false
		case 0xE1 <= c && c <= 0xEC && i+2 < len(raw) && raw[i+1]&0xC0 == 0x80 && raw[i+2]&0xC0 == 0x80:
			// U+1000 to U+CFFF, Chinese text among them: all allowed.
			i += 2
		case c >= 0x80:
			r, size := utf8.DecodeRuneInString(raw[i:])
			if r == utf8.RuneError && size == 1 || !inCharRange(r) {
				return false, false
			}
			i += size - 1
		}
	}
	return plain, true
}

// decode turns raw text or an attribute value into its value as
// encoding/xml gives it.
func (x *xmlScanner) decode(raw string, attr bool) (string, bool) {
	plain, ok := checkText(raw, attr)
	if !ok {
		return "", false
	}
	if plain {
		return raw, true
	}
	b := x.buf[:0]
	for i := 0; i < len(raw); i++ {
		c := raw[i]
		switch c {
		case '\r':
			b = append(b, '\n')
			if i+1 < len(raw) && raw[i+1] == '\n' {
				i++
			}
		case '&':
			semi := strings.IndexByte(raw[i:], ';')
			ent := raw[i+1 : i+semi]
			i += semi
			switch ent {
			case "lt":
				b = append(b, '<')
			case "gt":
				b = append(b, '>')
			case "amp":
				b = append(b, '&')
			case "apos":
				b = append(b, '\'')
			case "quot":
				b = append(b, '"')
			default:
				r, _ := charRef(ent)
				b = utf8.AppendRune(b, r)
			}
		default:
			b = append(b, c)
		}
	}
	x.buf = b
	return string(b), true
}

// charRef reads #123 or #x7B; a reference to a character XML does not
// allow, which encoding/xml refuses, fails here too.
func charRef(ent string) (rune, bool) {
	if len(ent) < 2 || ent[0] != '#' {
		return 0, false
	}
	digits, base := ent[1:], 10
	if digits[0] == 'x' {
		digits, base = digits[1:], 16
	}
	if digits == "" || digits[0] == '+' || digits[0] == '-' {
		return 0, false
	}
	n, err := strconv.ParseUint(digits, base, 32)
	if err != nil || !inCharRange(rune(n)) || (0xD800 <= n && n <= 0xDFFF) {
		return 0, false
	}
	return rune(n), true
}

func inCharRange(r rune) bool {
	return r == 0x09 || r == 0x0A || r == 0x0D ||
		r >= 0x20 && r <= 0xD7FF ||
		r >= 0xE000 && r <= 0xFFFD ||
		r >= 0x10000 && r <= 0x10FFFF
}

// attr returns the value of the attribute named name as written.
func (x *xmlScanner) attr(name string) (string, bool) {
	for i := range x.attrs {
		if x.attrName(i) == name {
			return x.attrValue(i), true
		}
	}
	return "", false
}

// local is a qualified name without its prefix, as encoding/xml's
// Name.Local.
func local(name string) string {
	if i := strings.IndexByte(name, ':'); i >= 0 {
		return name[i+1:]
	}
	return name
}

// skip consumes the element just started, with everything in it.
func (x *xmlScanner) skip() {
	depth := len(x.stack)
	for len(x.stack) >= depth && x.next() != tokEOF {
	}
}

// rootSpace is the namespace of the root element just started, resolved
// from its own declarations as encoding/xml resolves it.
func (x *xmlScanner) rootSpace() string {
	decl := "xmlns"
	if prefix, _, ok := strings.Cut(x.name(), ":"); ok {
		decl = "xmlns:" + prefix
	}
	v, _ := x.attr(decl)
	return v
}

// wellFormed scans a whole part whose root must be root in namespace ns,
// as excelize decodes it at open.
func wellFormed(part, ns, root string, lim Limits) bool {
	x := newScanner(part, lim)
	if x.next() != tokStart || local(x.name()) != root || x.rootSpace() != ns {
		return false
	}
	x.lean = true
	for x.next() != tokEOF {
	}
	return !x.failed
}
