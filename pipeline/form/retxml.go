package form

import (
	"strconv"
	"strings"
	"unicode/utf8"
)

// The small XML toolkit of the fast 退回 copy (retfast.go): it finds
// elements and attributes in the text of a part and splices new text in,
// leaving every other byte of the part as the unit's program wrote it.
// Whatever it cannot read plainly (a comment, CDATA, an unknown entity, a
// tag without its end) makes the caller fall back to excelize.

// xattr is an attribute of a start tag, its value as written (escaped).
type xattr struct{ name, raw string }

// tagEnd is the offset just past the '>' of the tag that starts at i, or
// -1 when the tag does not end; '>' inside a quoted value does not end it.
func tagEnd(s string, i int) int {
	var quote byte
	for j := i + 1; j < len(s); j++ {
		switch c := s[j]; {
		case quote != 0:
			if c == quote {
				quote = 0
			}
		case c == '"' || c == '\'':
			quote = c
		case c == '<':
			return -1
		case c == '>':
			return j + 1
		}
	}
	return -1
}

// tagAttrs parses the start tag tag ("<name a="v" …>" or "…/>"): its
// attributes and whether it closes itself; ok is false when it is not
// plainly written.
func tagAttrs(tag string) (attrs []xattr, selfClosing, ok bool) {
	rest, selfClosing, ok := tagBody(tag)
	for ok {
		var a xattr
		var more bool
		if a, rest, more, ok = nextAttr(rest); more {
			attrs = append(attrs, a)
		} else {
			return attrs, selfClosing, ok
		}
	}
	return nil, false, false
}

// tagBody is what follows a start tag's name, up to its end.
func tagBody(tag string) (rest string, selfClosing, ok bool) {
	if len(tag) < 3 || tag[0] != '<' || tag[len(tag)-1] != '>' {
		return "", false, false
	}
	body := tag[1 : len(tag)-1]
	if strings.HasSuffix(body, "/") {
		selfClosing = true
		body = body[:len(body)-1]
	}
	i := strings.IndexAny(body, " \t\r\n")
	if i < 0 {
		return "", selfClosing, body != ""
	}
	return body[i:], selfClosing, true
}

// nextAttr reads the next attribute of a tag's rest (tagBody): more is
// false at its end, ok false when it is not plainly written.
func nextAttr(rest string) (a xattr, after string, more, ok bool) {
	rest = strings.TrimLeft(rest, " \t\r\n")
	if rest == "" {
		return xattr{}, "", false, true
	}
	eq := strings.IndexByte(rest, '=')
	if eq <= 0 {
		return xattr{}, "", false, false
	}
	name := strings.TrimRight(rest[:eq], " \t\r\n")
	if name == "" || strings.ContainsAny(name, " \t\r\n\"'<>/") {
		return xattr{}, "", false, false
	}
	rest = strings.TrimLeft(rest[eq+1:], " \t\r\n")
	if rest == "" || (rest[0] != '"' && rest[0] != '\'') {
		return xattr{}, "", false, false
	}
	end := strings.IndexByte(rest[1:], rest[0])
	if end < 0 || strings.IndexByte(rest[1:1+end], '<') >= 0 {
		return xattr{}, "", false, false
	}
	return xattr{name, rest[1 : 1+end]}, rest[end+2:], true, true
}

// attr is the unescaped value of the attribute name, and whether the tag
// has it plainly written.
func attr(attrs []xattr, name string) (string, bool) {
	for _, a := range attrs {
		if a.name == name {
			v, ok := unescape(a.raw, true)
			return v, ok
		}
	}
	return "", false
}

// unescape decodes the entities of XML text as encoding/xml does: line
// ends become "\n", and in an attribute (inAttr) every white space
// character a space.
func unescape(s string, inAttr bool) (string, bool) {
	if !strings.ContainsAny(s, "&\r\n\t") {
		return s, true
	}
	s = strings.ReplaceAll(s, "\r\n", "\n")
	s = strings.ReplaceAll(s, "\r", "\n")
	if inAttr {
		s = strings.NewReplacer("\n", " ", "\t", " ").Replace(s)
	}
	if !strings.Contains(s, "&") {
		return s, true
	}
	var b strings.Builder
	for {
		i := strings.IndexByte(s, '&')
		if i < 0 {
			b.WriteString(s)
			return b.String(), true
		}
		b.WriteString(s[:i])
		s = s[i+1:]
		semi := strings.IndexByte(s, ';')
		if semi <= 0 {
			return "", false
		}
		ent := s[:semi]
		s = s[semi+1:]
		switch ent {
		case "lt":
			b.WriteByte('<')
		case "gt":
			b.WriteByte('>')
		case "amp":
			b.WriteByte('&')
		case "quot":
			b.WriteByte('"')
		case "apos":
			b.WriteByte('\'')
		default:
			if ent[0] != '#' || len(ent) < 2 {
				return "", false
			}
			var n uint64
			var err error
			if ent[1] == 'x' {
				n, err = strconv.ParseUint(ent[2:], 16, 32)
			} else {
				n, err = strconv.ParseUint(ent[1:], 10, 32)
			}
			if err != nil || !xmlChar(rune(n)) {
				return "", false
			}
			b.WriteRune(rune(n))
		}
	}
}

// xmlChar reports whether r may stand in XML 1.0 text.
func xmlChar(r rune) bool {
	return r == 0x09 || r == 0x0A || r == 0x0D || r >= 0x20 && r <= 0xD7FF ||
		r >= 0xE000 && r <= 0xFFFD || r >= 0x10000 && r <= 0x10FFFF
}

// escape writes s as XML text, or as an attribute's value (inAttr); a
// character XML cannot hold becomes U+FFFD, as encoding/xml writes it.
func escape(b *strings.Builder, s string, inAttr bool) {
	for _, r := range s {
		switch {
		case r == '&':
			b.WriteString("&amp;")
		case r == '<':
			b.WriteString("&lt;")
		case r == '>':
			b.WriteString("&gt;")
		case r == '"' && inAttr:
			b.WriteString("&quot;")
		case r == '\r':
			b.WriteString("&#xD;")
		case r == '\n' && inAttr:
			b.WriteString("&#xA;")
		case r == '\t' && inAttr:
			b.WriteString("&#x9;")
		case r == utf8.RuneError || !xmlChar(r):
			b.WriteRune('\uFFFD')
		default:
			b.WriteRune(r)
		}
	}
}

func escaped(s string, inAttr bool) string {
	var b strings.Builder
	escape(&b, s, inAttr)
	return b.String()
}

// element finds the first element named name at or after offset from: the
// offsets of its start tag's '<' and of the end of the whole element, and
// its start tag; ok is false when there is none or it is not plainly
// written. Elements of the same name nested in it are not supported, and
// none of the parts it looks in has any.
func element(s, name string, from int) (start, end int, tag string, ok bool) {
	for i := from; ; {
		j := strings.Index(s[i:], "<"+name)
		if j < 0 {
			return 0, 0, "", false
		}
		start = i + j
		k := start + 1 + len(name)
		if k < len(s) && (s[k] == ' ' || s[k] == '>' || s[k] == '/' || s[k] == '\t' || s[k] == '\r' || s[k] == '\n') {
			te := tagEnd(s, start)
			if te < 0 {
				return 0, 0, "", false
			}
			tag = s[start:te]
			if strings.HasSuffix(tag, "/>") {
				return start, te, tag, true
			}
			close := strings.Index(s[te:], "</"+name+">")
			if close < 0 {
				return 0, 0, "", false
			}
			return start, te + close + len(name) + 3, tag, true
		}
		i = k
	}
}

// children counts the elements named name directly in the text of a
// list element (fonts, fills, cellXfs…) and gives their spans.
func children(s, name string) ([][2]int, bool) {
	var out [][2]int
	for i := 0; ; {
		start, end, _, ok := element(s, name, i)
		if !ok {
			if strings.Contains(s[i:], "<"+name+" ") || strings.Contains(s[i:], "<"+name+">") || strings.Contains(s[i:], "<"+name+"/") {
				return nil, false
			}
			return out, true
		}
		out = append(out, [2]int{start, end})
		i = end
	}
}

// withAttr is the start tag tag with attribute name set to value (as
// written), added before the tag's end when it has none.
func withAttr(tag, name, value string) string { return editAttr(tag, name, &value) }

// withoutAttr is the start tag tag without attribute name.
func withoutAttr(tag, name string) string { return editAttr(tag, name, nil) }

// editAttr is tag with attribute name set to *value, or dropped when
// value is nil; a tag it cannot read stays as it is.
func editAttr(tag, name string, value *string) string {
	attrs, self, ok := tagAttrs(tag)
	if !ok {
		return tag
	}
	var b strings.Builder
	b.WriteString(tag[:strings.IndexAny(tag, " \t\r\n/>")])
	write := func(name, v string) {
		b.WriteString(" " + name + `="` + strings.ReplaceAll(v, `"`, "&quot;") + `"`)
	}
	set := value == nil
	for _, a := range attrs {
		switch {
		case a.name != name:
			write(a.name, a.raw)
		case value != nil:
			write(name, *value)
			set = true
		}
	}
	if !set {
		write(name, *value)
	}
	if self {
		b.WriteString("/>")
	} else {
		b.WriteString(">")
	}
	return b.String()
}

// splice is an edit of a part's text: [at, end) becomes text.
type splice struct {
	at, end int
	text    string
}

// applySplices makes the edits, given in order of position and not
// overlapping, to s.
func applySplices(s string, edits []splice) string {
	var b strings.Builder
	b.Grow(len(s) + 1024)
	last := 0
	for _, e := range edits {
		b.WriteString(s[last:e.at])
		b.WriteString(e.text)
		last = e.end
	}
	b.WriteString(s[last:])
	return b.String()
}
