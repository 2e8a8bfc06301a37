package demo

import (
	"fmt"
	"maps"
	"math"
	"math/rand/v2"
	"os"
	"time"

	"countybrief/pipeline/form"
	"countybrief/pipeline/vocab"
	"countybrief/pipeline/workspace"
	"countybrief/rules"
)

// maxDraws bounds the draws for one unit. The first half must pass every
// rule of the report, warnings included, so that a sample batch is mostly
// clean; the second half only the rules that reject a file, so that a
// warning no random figures avoid (a rule asking for a round number, say)
// does not stop the sample.
const maxDraws = 2000

// Fill writes a filled form for every unit of ws into its inbox folder,
// with figures drawn for a report the sample knows nothing of, and two
// faulty files the batch must reject: a first attempt with a number
// written in words, and a correction after a good file that breaks the
// report's own rules. It knows the report only through its files: each
// filled-in indicator gets a magnitude of its own and each unit a size,
// integers are whole and decimals have the indicator's places, and a
// unit's figures are drawn again until the workspace's unit rules pass
// them. The same seed gives the same bytes.
func Fill(ws *workspace.Workspace, seed uint64) ([]Fault, error) {
	set, err := rules.LoadDir(ws.RulesDir(), ws.Catalogue, ws.Kinds)
	if err != nil {
		return nil, fmt.Errorf("load the sample's rules: %w", err)
	}
	d := newDrawer(ws, set, seed)
	vals := make([]map[string]float64, len(ws.Units))
	for i, u := range ws.Units {
		if vals[i], err = d.unit(u); err != nil {
			return nil, err
		}
	}
	conv, err := workspace.Converter(ws.Config.Language)
	if err != nil {
		return nil, err
	}
	base := evening(ws.Config)
	stem := ws.Config.Period + "報表"
	err = parallel(len(ws.Units), func(i int) error {
		u := ws.Units[i]
		path := formPath(ws, u, conv(stem), "", "")
		if err := writeForm(path, ws, u, identity(ws, i, base, conv), vals[i], nil, conv); err != nil {
			return err
		}
		return os.Chtimes(path, base, base)
	})
	if err != nil {
		return nil, err
	}
	return writeFaults(ws, d.faults(vals), vals, base, stem, conv)
}

// drawer draws the figures of one report.
type drawer struct {
	ws     *workspace.Workspace
	set    *rules.Set
	rng    *rand.Rand
	inputs []workspace.Indicator
	// magnitude is a typical unit's figure of each filled-in indicator:
	// from tens to a few hundred, so that indicators differ as a real
	// report's do (enterprises checked, trainees, fines).
	magnitude map[string]float64
}

func newDrawer(ws *workspace.Workspace, set *rules.Set, seed uint64) *drawer {
	d := &drawer{ws: ws, set: set, rng: rand.New(rand.NewPCG(seed, 1)), inputs: ws.Catalogue.Inputs(), magnitude: map[string]float64{}}
	for _, in := range d.inputs {
		d.magnitude[in.Code] = math.Pow(10, 1+1.3*d.rng.Float64())
	}
	return d
}

// draw gives the indicator a figure for a unit of the given size; an
// optional one is left at zero now and then, as units leave such rows.
func (d *drawer) draw(in workspace.Indicator, size float64) float64 {
	if !in.Required && d.rng.Float64() < 0.2 {
		return 0
	}
	v := d.magnitude[in.Code] * size * (0.2 + 1.6*d.rng.Float64())
	if in.Type == workspace.TypeInteger {
		return math.Floor(v)
	}
	scale := math.Pow10(in.Places())
	return math.Round(v*scale) / scale
}

// unit draws one unit's figures until the report's unit rules accept
// them, drawing again only the indicators a failing rule read.
func (d *drawer) unit(u workspace.Unit) (map[string]float64, error) {
	size := 0.4 + 1.2*d.rng.Float64()
	vals := map[string]float64{}
	for _, in := range d.inputs {
		vals[in.Code] = d.draw(in, size)
	}
	// A figure a rule keeps failing is drawn smaller each time, so that
	// "part ≤ whole" rules end with a part near its whole rather than at
	// zero; the cycle starts again before a figure that must be at least
	// something could shrink to nothing.
	redrawn := map[string]int{}
	var failing []string
	for n := range maxDraws {
		var redraw map[string]bool
		failing = failing[:0]
		for _, f := range d.check(u, vals) {
			if f.Severity == vocab.Error || n < maxDraws/2 {
				failing = append(failing, f.Rule)
				redraw = d.readBy(f, redraw)
			}
		}
		if len(failing) == 0 {
			return vals, nil
		}
		for _, in := range d.inputs {
			if redraw == nil || redraw[in.Code] {
				redrawn[in.Code]++
				vals[in.Code] = d.draw(in, size*math.Pow(0.85, float64(redrawn[in.Code]%20)))
			}
		}
	}
	return nil, fmt.Errorf("sample figures for %s: %d draws and still rejected by %v", u.Code, maxDraws, failing)
}

func (d *drawer) check(u workspace.Unit, vals map[string]float64) []vocab.Finding {
	return d.set.CheckUnitReport(rules.UnitInput{Unit: u, Values: vals}).Findings
}

// readBy adds to redraw the filled-in indicators finding f names, a
// derived one standing for those it is computed from. A finding that
// names none leaves redraw nil: then every figure is drawn again.
func (d *drawer) readBy(f vocab.Finding, redraw map[string]bool) map[string]bool {
	for code := range f.Values {
		in, ok := d.ws.Catalogue.ByCode(code)
		if !ok {
			continue // prev.<code>: the sample has no earlier period
		}
		if redraw == nil {
			redraw = map[string]bool{}
		}
		switch {
		case !in.Derived():
			redraw[code] = true
		case in.Per != "":
			redraw[in.Of], redraw[in.Per] = true, true
		default:
			redraw[in.Of] = true
		}
	}
	return redraw
}

// faults picks the sample's wrong files: the second unit's first attempt
// has its first figure in words, and the last unit's correction carries
// figures the report's rules reject, found by drawing until a draw fails
// them. A report whose rules reject nothing gets only the first.
func (d *drawer) faults(vals []map[string]float64) []fault {
	units := d.ws.Units
	if len(units) == 0 || len(d.inputs) == 0 {
		return nil
	}
	out := []fault{{unit: units[min(1, len(units)-1)].Code, suffix: "（初稿）", rule: "form.number", edit: setCell(d.inputs[0].Code, "十二")}}
	last := units[len(units)-1]
	for range maxDraws {
		bad := maps.Clone(vals[len(units)-1])
		in := d.inputs[d.rng.IntN(len(d.inputs))]
		bad[in.Code] = d.draw(in, 1+9*d.rng.Float64())
		for _, f := range d.check(last, bad) {
			if f.Severity == vocab.Error {
				return append(out, fault{unit: last.Code, suffix: "（修改稿）", rule: f.Rule, after: true,
					spoil: func(map[string]float64) map[string]float64 { return bad }})
			}
		}
	}
	return out
}

// identity is what the clerk of unit i writes at the top of the form.
func identity(ws *workspace.Workspace, i int, at time.Time, conv func(string) string) form.Identity {
	u := ws.Units[i]
	return form.Identity{UnitCode: u.Code, UnitName: u.Name, Period: ws.Config.Period,
		FilledBy: conv(clerkName(i)), Phone: fmt.Sprintf("0851-2641%04d", 1000+i%9000), Date: at.Format("2006-01-02")}
}
