package render

import (
	"bufio"
	"fmt"
	"io"
	"strings"
)

// Text writes the briefing as UTF-8 plain text: the PDF's words in the
// PDF's order, for reading on a phone, pasting into e-mail, and checking
// the PDF against.
func (r *Renderer) Text(w io.Writer, b Briefing) error {
	d, err := r.build(&b)
	if err != nil {
		return err
	}
	bw := bufio.NewWriter(w)
	for i, bl := range d.blocks {
		lines := textLines(bl)
		if len(lines) == 0 {
			continue
		}
		if i > 0 {
			bw.WriteString("\n")
		}
		for _, line := range lines {
			bw.WriteString(line)
			bw.WriteString("\n")
		}
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("write text: %w", err)
	}
	return nil
}

const indent = "　　"

// textLines is a block as lines of text, in the order the PDF draws it.
func textLines(bl block) []string {
	switch bl.kind {
	case kMasthead, kDistribution, kTitle:
		return bl.lines
	case kH1, kH2:
		return []string{bl.text()}
	case kNote, kLead:
		return []string{indent + bl.arg + plain(bl.text())}
	case kPara:
		return []string{indent + plain(bl.text())}
	case kTable:
		out := []string{bl.arg, strings.Join(bl.tbl.header, "\t")}
		for _, row := range bl.tbl.rows {
			out = append(out, strings.Join(row.cells, "\t"))
		}
		return out
	case kChart:
		c := bl.cht
		out := []string{bl.arg2, strings.Join(c.series, "　")}
		for _, cat := range c.cats {
			var vals []string
			for i, v := range cat.values {
				// A stacked bar has no segment, so no label, for an absent state.
				if c.stacked && v == 0 {
					continue
				}
				vals = append(vals, c.valueText(i, v))
			}
			out = append(out, cat.name+"\t"+strings.Join(vals, "\t"))
		}
		return out
	}
	return nil
}
