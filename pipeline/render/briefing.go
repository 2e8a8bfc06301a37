package render

import (
	"fmt"
	"strings"
	"time"

	"countybrief/pipeline/merge"
	"countybrief/pipeline/workspace"
	"countybrief/rules"
	"countybrief/templates"
)

// Briefing is everything one issue says.
type Briefing struct {
	Issue          int
	Date           time.Time
	Period         string
	Totals         merge.Totals
	Previous       *merge.Totals // nil when there is no earlier issue
	Reported       []UnitValues
	Missing        []workspace.Unit // 催報: not reported by the deadline
	Returned       []Returned       // 退回: latest file rejected
	CountyFindings []rules.Finding
}

// UnitValues are one reported unit's accepted figures.
type UnitValues struct {
	Unit   workspace.Unit
	Values map[string]float64
}

// Returned is a unit whose file was sent back, with short reasons.
type Returned struct {
	Unit    workspace.Unit
	File    string
	Reasons []string
}

// view is what the templates see.
type view struct {
	Issue        int
	Date         time.Time
	Period       string
	Name         string
	County       string
	Office       string
	Units        int
	Reported     int
	Missing      []string
	Returned     []returnedView
	Findings     []string
	Distribution workspace.Distribution
	b            *Briefing
	cat          *workspace.Catalogue
	facts        map[string]any
}

type returnedView struct {
	Name    string
	File    string
	Reasons string
}

// newView builds the template data. Text that comes from the units' files
// (reasons, findings) passes through visible, which spells out any
// character no font can draw as U+XXXX: one clerk's stray symbol must not
// stop the county's briefing, nor may it vanish.
func newView(ws *workspace.Workspace, b *Briefing, visible func(string) string) *view {
	v := &view{
		Issue:        b.Issue,
		Date:         b.Date,
		Period:       b.Period,
		Name:         ws.Config.BriefingName,
		County:       ws.Config.County,
		Office:       ws.Config.Office,
		Units:        len(ws.Units),
		Reported:     len(b.Reported),
		Distribution: ws.Config.Distribution,
		b:            b,
		cat:          ws.Catalogue,
		facts:        ws.Config.CountyFacts,
	}
	for _, u := range b.Missing {
		v.Missing = append(v.Missing, visible(u.Name))
	}
	for _, r := range b.Returned {
		// Reasons are sentences of their own; the briefing runs them into
		// one, so their full stops become semicolons.
		rs := make([]string, 0, len(r.Reasons))
		for _, reason := range r.Reasons {
			if reason = strings.TrimRight(strings.TrimSpace(visible(reason)), "。；;.，, "); reason != "" {
				rs = append(rs, reason)
			}
		}
		v.Returned = append(v.Returned, returnedView{Name: visible(r.Unit.Name), File: visible(r.File), Reasons: strings.Join(rs, "；") + "。"})
	}
	for _, f := range b.CountyFindings {
		v.Findings = append(v.Findings, strings.TrimRight(visible(f.Message), "。"))
	}
	return v
}

func (v *view) value(m map[string]float64, code string) (float64, error) {
	if _, ok := v.cat.ByCode(code); !ok {
		return 0, fmt.Errorf("no indicator %q in the catalogue", code)
	}
	return m[code], nil
}

// All is the county total of an indicator.
func (v *view) All(code string) (float64, error) { return v.value(v.b.Totals.All, code) }

// Town is the township subtotal of an indicator.
func (v *view) Town(code string) (float64, error) { return v.value(v.b.Totals.Township, code) }

// Organ is the county-organ subtotal of an indicator.
func (v *view) Organ(code string) (float64, error) { return v.value(v.b.Totals.Organ, code) }

// Reached is how many units reported an indicator non-zero: a number of
// units, not of the indicator's measure word.
func (v *view) Reached(code string) (float64, error) { return v.value(v.b.Totals.Reached.All, code) }

// TownReached is how many townships reported an indicator non-zero.
func (v *view) TownReached(code string) (float64, error) {
	return v.value(v.b.Totals.Reached.Township, code)
}

// OrganReached is how many county organs reported an indicator non-zero.
func (v *view) OrganReached(code string) (float64, error) {
	return v.value(v.b.Totals.Reached.Organ, code)
}

// Fact is a number from county_facts.
func (v *view) Fact(key string) (float64, error) {
	switch x := v.facts[key].(type) {
	case int:
		return float64(x), nil
	case float64:
		return x, nil
	case nil:
		return 0, fmt.Errorf("county_facts has no %q", key)
	default:
		return 0, fmt.Errorf("county_facts.%s is %v, not a number", key, x)
	}
}

// FactText is a text (a date, a name) from county_facts.
func (v *view) FactText(key string) (string, error) {
	x, ok := v.facts[key]
	if !ok {
		return "", fmt.Errorf("county_facts has no %q", key)
	}
	return fmt.Sprint(x), nil
}

// Change says how the county total moved since the previous issue, e.g.
// "，比上期增加12個"; nothing without a previous issue or a change.
func (v *view) Change(code string) (string, error) {
	in, ok := v.cat.ByCode(code)
	if !ok {
		return "", fmt.Errorf("no indicator %q in the catalogue", code)
	}
	if v.b.Previous == nil {
		return "", nil
	}
	d := v.b.Totals.All[code] - v.b.Previous.All[code]
	switch {
	case d > 0:
		return fmt.Sprintf("，比上期增加%s%s", templates.Fixed(d, in.Places()), in.Measure), nil
	case d < 0:
		return fmt.Sprintf("，比上期減少%s%s", templates.Fixed(-d, in.Places()), in.Measure), nil
	}
	return "", nil
}

// sampleUnits bounds the units of the sample briefing.
const sampleUnits = 100

// sampleBriefing is the data a template is trial-run on at load: every
// unit but two reported 1 of everything, one is missing and one returned,
// so that every branch of the default template runs. A region's registry
// is sampled evenly down to sampleUnits, its last unit kept: the trial
// run needs the briefing's shape, not the region's size, and merging
// thousands of units was a quarter of New. (Every unit's name is checked
// against the fonts apart from the trial run.)
func sampleBriefing(ws *workspace.Workspace) Briefing {
	units := ws.Units
	if n := len(units); n > sampleUnits {
		units = make(workspace.Units, sampleUnits)
		for i := range units {
			units[i] = ws.Units[i*(n-1)/(sampleUnits-1)]
		}
	}
	values := map[string]map[string]float64{}
	var reported []UnitValues
	var missing []workspace.Unit
	var returned []Returned
	// Every unit reports the same ones, so they share one map.
	vs := map[string]float64{}
	for _, in := range ws.Catalogue.Inputs() {
		vs[in.Code] = 1
	}
	for i, u := range units {
		switch {
		case i == len(units)-1 && i > 0:
			missing = append(missing, u)
			continue
		case i == len(units)-2 && i > 0:
			returned = append(returned, Returned{Unit: u, File: "sample.xlsx", Reasons: []string{"樣例退回原因"}})
			continue
		}
		values[u.Code] = vs
		reported = append(reported, UnitValues{Unit: u, Values: vs})
	}
	t := merge.Merge(ws.Catalogue, units, values)
	date := ws.Config.ReportDateTime()
	if date.IsZero() {
		date = time.Date(2008, 12, 6, 0, 0, 0, 0, time.UTC)
	}
	return Briefing{
		Issue: 1, Date: date, Period: ws.Config.Period, Totals: t, Previous: &t,
		Reported: reported, Missing: missing, Returned: returned,
		CountyFindings: []rules.Finding{{Rule: "sample", Severity: rules.Warning, Message: "樣例審核提示"}},
	}
}
