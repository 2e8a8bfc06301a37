package form

import (
	"errors"
	"math"
	"strconv"
	"strings"

	"github.com/xuri/excelize/v2"
)

// A formula without a cached value (what openpyxl writes) is computed
// here, not by excelize's CalcCellValue, whose work has no bound: 90 rows
// each summing the 1,000 cells of the next took it 517 s. The evaluator
// knows what a clerk writes to add up a few cells (numbers, cells,
// ranges, + - * / ^, SUM, ROUND, ROUNDUP, ROUNDDOWN, INT, ABS, MAX, MIN)
// and charges every cell it visits, recursion included, to one budget per
// file (Limits.MaxFormula).

var (
	errTooComplex = errors.New("formula over the work budget")
	errNoCalc     = errors.New("formula cannot be computed")
)

// maxFormulaLen keeps a pasted essay out of the parser.
const maxFormulaLen = 500

// calc computes formulas of one sheet.
type calc struct {
	r      *reader
	g      *grid
	active map[[2]int]bool // cells being computed, to catch a cycle
}

// formula computes the formula of the cell at (col, row).
func (c *calc) formula(text string, col, row int) (float64, error) {
	key := [2]int{col, row}
	if c.active[key] {
		return 0, errNoCalc // a cycle, which Excel too refuses
	}
	if len(text) > maxFormulaLen {
		return 0, errNoCalc
	}
	c.active[key] = true
	defer delete(c.active, key)
	p := &formulaParser{c: c, s: strings.TrimPrefix(text, "=")}
	v, err := p.expr()
	if err == nil && p.peek() != 0 {
		err = errNoCalc
	}
	if err == nil && (math.IsNaN(v) || math.IsInf(v, 0)) {
		err = errNoCalc
	}
	return v, err
}

// cell is the number in a cell: its value as read, or its formula's
// result. blank is true for an empty cell; text is a cell that holds
// something other than a number.
func (c *calc) cell(col, row int) (v float64, blank bool, err error) {
	if c.r.formulaLeft--; c.r.formulaLeft < 0 {
		return 0, false, errTooComplex
	}
	if s := c.g.at(row, col); s != "" {
		v, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
		if err != nil {
			return 0, false, errNoCalc
		}
		return v, false, nil
	}
	f, err := c.r.book.Formula(c.g.sheet, col, row)
	if err != nil {
		return 0, false, errNoCalc
	}
	if f == "" {
		return 0, true, nil
	}
	v, err = c.formula(f, col, row)
	return v, false, err
}

// formulaParser reads one formula by recursive descent, computing as it
// goes.
type formulaParser struct {
	c   *calc
	s   string
	pos int
}

func (p *formulaParser) peek() byte {
	for p.pos < len(p.s) && p.s[p.pos] == ' ' {
		p.pos++
	}
	if p.pos == len(p.s) {
		return 0
	}
	return p.s[p.pos]
}

func (p *formulaParser) expr() (float64, error) {
	v, err := p.term()
	for err == nil {
		switch p.peek() {
		case '+', '-':
			op := p.s[p.pos]
			p.pos++
			var w float64
			if w, err = p.term(); op == '+' {
				v += w
			} else {
				v -= w
			}
		default:
			return v, nil
		}
	}
	return 0, err
}

func (p *formulaParser) term() (float64, error) {
	v, err := p.unary()
	for err == nil {
		switch p.peek() {
		case '*', '/':
			op := p.s[p.pos]
			p.pos++
			var w float64
			if w, err = p.unary(); err != nil {
				break
			}
			if op == '*' {
				v *= w
			} else if w == 0 {
				err = errNoCalc
			} else {
				v /= w
			}
		default:
			return v, nil
		}
	}
	return 0, err
}

func (p *formulaParser) unary() (float64, error) {
	switch p.peek() {
	case '-':
		p.pos++
		v, err := p.unary()
		return -v, err
	case '+':
		p.pos++
		return p.unary()
	}
	v, err := p.primary()
	if err == nil && p.peek() == '^' {
		p.pos++
		var w float64
		if w, err = p.unary(); err == nil {
			v = math.Pow(v, w)
		}
	}
	return v, err
}

func (p *formulaParser) primary() (float64, error) {
	c := p.peek()
	switch {
	case c == '(':
		p.pos++
		v, err := p.expr()
		if err == nil && p.peek() != ')' {
			err = errNoCalc
		}
		p.pos++
		return v, err
	case '0' <= c && c <= '9' || c == '.':
		start := p.pos
		for p.pos < len(p.s) && ('0' <= p.s[p.pos] && p.s[p.pos] <= '9' || p.s[p.pos] == '.' || p.s[p.pos] == 'E' || p.s[p.pos] == 'e' ||
			(p.s[p.pos] == '+' || p.s[p.pos] == '-') && (p.s[p.pos-1] == 'E' || p.s[p.pos-1] == 'e')) {
			p.pos++
		}
		v, err := strconv.ParseFloat(p.s[start:p.pos], 64)
		if err != nil {
			return 0, errNoCalc
		}
		return v, nil
	}
	name := p.word()
	if name == "" {
		return 0, errNoCalc
	}
	if p.peek() == '(' {
		return p.call(strings.ToUpper(name))
	}
	col, row, ok := parseA1(name)
	if !ok || p.peek() == ':' {
		return 0, errNoCalc // a range outside a function, a name, TRUE…
	}
	v, _, err := p.c.cell(col, row)
	return v, err
}

// word reads a name or reference: letters, digits, $, _ and points.
func (p *formulaParser) word() string {
	p.peek()
	start := p.pos
	for p.pos < len(p.s) {
		c := p.s[p.pos]
		if !('A' <= c|0x20 && c|0x20 <= 'z' || '0' <= c && c <= '9' || c == '$' || c == '_' || c == '.') {
			break
		}
		p.pos++
	}
	return p.s[start:p.pos]
}

// call computes a function of calcFunctions; its arguments may be ranges.
func (p *formulaParser) call(name string) (float64, error) {
	p.pos++ // (
	var args []float64
	for p.peek() != ')' {
		vs, err := p.arg()
		if err != nil {
			return 0, err
		}
		args = append(args, vs...)
		if p.peek() == ',' {
			p.pos++
			continue
		}
		if p.peek() != ')' {
			return 0, errNoCalc
		}
	}
	p.pos++
	return apply(name, args)
}

// arg reads one argument: a range gives the numbers in it, blanks and
// text left out as Excel's SUM leaves them.
func (p *formulaParser) arg() ([]float64, error) {
	save := p.pos
	if from := p.word(); from != "" && p.peek() == ':' {
		p.pos++
		to := p.word()
		c1, r1, ok1 := parseA1(from)
		c2, r2, ok2 := parseA1(to)
		if !ok1 || !ok2 {
			return nil, errNoCalc
		}
		var out []float64
		for row := min(r1, r2); row <= max(r1, r2); row++ {
			for col := min(c1, c2); col <= max(c1, c2); col++ {
				v, blank, err := p.c.cell(col, row)
				switch {
				case errors.Is(err, errTooComplex):
					return nil, err
				case err == nil && !blank:
					out = append(out, v)
				}
			}
		}
		return out, nil
	}
	p.pos = save
	v, err := p.expr()
	return []float64{v}, err
}

func apply(name string, args []float64) (float64, error) {
	digits := func() (float64, bool) {
		if len(args) != 2 {
			return 0, false
		}
		return math.Pow(10, math.Trunc(args[1])), true
	}
	switch name {
	case "SUM":
		sum := 0.0
		for _, v := range args {
			sum += v
		}
		return sum, nil
	case "MAX", "MIN":
		if len(args) == 0 {
			return 0, nil
		}
		v := args[0]
		for _, w := range args[1:] {
			if name == "MAX" {
				v = math.Max(v, w)
			} else {
				v = math.Min(v, w)
			}
		}
		return v, nil
	case "ABS", "INT":
		if len(args) != 1 {
			return 0, errNoCalc
		}
		if name == "ABS" {
			return math.Abs(args[0]), nil
		}
		return math.Floor(args[0]), nil
	case "ROUND", "ROUNDUP", "ROUNDDOWN":
		m, ok := digits()
		if !ok {
			return 0, errNoCalc
		}
		x := args[0] * m
		switch name {
		case "ROUND":
			x = math.Round(x)
		case "ROUNDUP":
			x = math.Copysign(math.Ceil(math.Abs(x)), x)
		default:
			x = math.Trunc(x)
		}
		return x / m, nil
	}
	return 0, errNoCalc
}

// parseA1 reads a reference as a clerk types it: any case, $ anywhere
// allowed.
func parseA1(ref string) (col, row int, ok bool) {
	ref = strings.ToUpper(strings.ReplaceAll(ref, "$", ""))
	col, row, err := excelize.CellNameToCoordinates(ref)
	return col, row, err == nil
}
