package render

import (
	"fmt"
	"io"
	"testing"
)

// The office's own outputs at county and region scale: a batch writes
// them every time the figures change, so they must not cost more than
// the units they list. Every unit here has a state line and a counted
// file, as in a real batch (manyUnits repeats only the figures).

func BenchmarkAuditReport(b *testing.B) {
	benchRegion(b, (*Renderer).AuditReport)
}

func BenchmarkChaseList(b *testing.B) {
	benchRegion(b, (*Renderer).ChaseList)
}

func benchRegion(b *testing.B, write func(*Renderer, io.Writer, Briefing) error) {
	ws := testWorkspace(b, "")
	r := newRenderer(b, ws)
	for _, n := range benchUnits {
		br := manyUnits(b, ws, n)
		lines, counted := br.Units, br.Counted
		br.Units, br.Counted = make([]UnitLine, 0, n), make([]FileReport, 0, n)
		for i := 0; len(br.Units) < n; i++ {
			l := lines[i%len(lines)]
			l.Unit.Code = fmt.Sprintf("%s-%d", l.Unit.Code, i)
			br.Units = append(br.Units, l)
			if len(counted) > 0 {
				c := counted[i%len(counted)]
				c.Unit.Code = l.Unit.Code
				br.Counted = append(br.Counted, c)
			}
		}
		benchWrite(b, r, br, write, "bytes")
	}
}
