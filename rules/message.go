package rules

import (
	"math"
	"regexp"
	"strconv"
	"strings"

	"countybrief/pipeline/workspace"
)

// segment is a piece of a message: literal text or one {{placeholder}}.
type segment struct {
	text string
	ref  refKind
	idx  int    // indicator index for refCur and refPrev
	name string // field for refUnit
}

type refKind int

const (
	refText      refKind = iota
	refCur               // {{code}}, or {{total.code}} in a county rule
	refPrev              // {{prev.code}}
	refUnit              // {{unit.name}}
	refValue             // {{value}}: the each: indicator
	refPrevValue         // {{prev_value}}
	refLabel             // {{label}}: the each: indicator's label
	refUnits             // {{units}}: number of units in a county check
)

var placeholder = regexp.MustCompile(`\{\{(.*?)\}\}`)

// placeholders splits text into segments, reporting every placeholder
// that names nothing the rule can show.
func (l *loader) placeholders(p *reader, text, field string, at pos, r *rule) []segment {
	var segs []segment
	last := 0
	for _, m := range placeholder.FindAllStringSubmatchIndex(text, -1) {
		segs = append(segs, segment{text: text[last:m[0]]})
		last = m[1]
		name := strings.TrimSpace(text[m[2]:m[3]])
		seg, ok := l.ref(name, r)
		if !ok {
			p.add(at, field, "placeholder {{%s}} names no %s", name, l.shown(r))
			continue
		}
		segs = append(segs, seg)
	}
	return append(segs, segment{text: text[last:]})
}

func (l *loader) shown(r *rule) string {
	switch {
	case r.county:
		return "figure of a county rule (total.<code> or units)"
	case r.each != nil:
		return "figure (<code>, prev.<code>, unit.<field>, value, prev_value or label)"
	}
	return "figure (<code>, prev.<code> or unit.<field>)"
}

func (l *loader) ref(name string, r *rule) (segment, bool) {
	index := func(code string) (segment, bool) {
		i, ok := l.types.index[code]
		return segment{ref: refCur, idx: i}, ok
	}
	if r.county {
		if name == nameUnits {
			return segment{ref: refUnits}, true
		}
		if code, ok := strings.CutPrefix(name, nameTotal+"."); ok {
			return index(code)
		}
		return segment{}, false
	}
	if r.each != nil {
		switch name {
		case nameValue:
			return segment{ref: refValue}, true
		case namePrevValue:
			return segment{ref: refPrevValue}, true
		case "label":
			return segment{ref: refLabel}, true
		}
	}
	if code, ok := strings.CutPrefix(name, namePrev+"."); ok {
		seg, ok := index(code)
		seg.ref = refPrev
		return seg, ok
	}
	if f, ok := strings.CutPrefix(name, nameUnit+"."); ok {
		switch f {
		case "code", "name", "kind", "members":
			return segment{ref: refUnit, name: f}, true
		}
		return segment{}, false
	}
	return index(name)
}

// view is what a message is filled from.
type view struct {
	cur, prev []float64
	unit      workspace.Unit
	each      int
	units     int
}

func (t *envTypes) render(segs []segment, v view) string {
	var b strings.Builder
	for _, s := range segs {
		switch s.ref {
		case refText:
			b.WriteString(s.text)
		case refCur:
			b.WriteString(formatNumber(v.cur[s.idx]))
		case refPrev:
			if v.prev != nil {
				b.WriteString(formatNumber(v.prev[s.idx]))
			}
		case refUnit:
			switch s.name {
			case "code":
				b.WriteString(v.unit.Code)
			case "name":
				b.WriteString(v.unit.Name)
			case "kind":
				b.WriteString(v.unit.Kind)
			case "members":
				b.WriteString(strconv.Itoa(v.unit.Members))
			}
		case refValue:
			b.WriteString(formatNumber(v.cur[v.each]))
		case refPrevValue:
			if v.prev != nil {
				b.WriteString(formatNumber(v.prev[v.each]))
			}
		case refLabel:
			b.WriteString(t.label(v.each))
		case refUnits:
			b.WriteString(strconv.Itoa(v.units))
		}
	}
	return b.String()
}

// formatNumber shows a figure as a clerk wrote it: 12 not 12.0, and at
// most two decimals for computed figures such as per-member averages.
func formatNumber(x float64) string {
	if math.IsNaN(x) || math.IsInf(x, 0) {
		return strconv.FormatFloat(x, 'f', -1, 64)
	}
	if x != math.Trunc(x) {
		x = math.Round(x*100) / 100
	}
	return strconv.FormatFloat(x, 'f', -1, 64)
}
