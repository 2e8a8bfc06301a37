package render

import (
	"fmt"
	"math"
	"strings"
	"time"

	"countybrief/pipeline/merge"
	"countybrief/pipeline/vocab"
	"countybrief/pipeline/workspace"
	"countybrief/templates"
)

// Briefing is everything one issue says, and what the office's own
// lists (chase list, 審核報告) say beside it.
type Briefing struct {
	Issue int
	// Draft marks every page 草稿 and puts 草稿 where the masthead names
	// the issue: a draft has no number until the office publishes it.
	Draft    bool
	Date     time.Time
	Period   string
	Totals   merge.Totals
	Previous *merge.Totals // nil when there is no earlier issue
	// History is the earlier numbered issues, oldest first, for the line
	// charts over periods; an issue whose totals are not known (restored
	// after the ledger was lost) has empty ones, drawn as gaps.
	History []PastIssue
	// Units is every unit of the registry, in registry order, each in its
	// one state: every count, chart and list of units is made from it, so
	// that they all add up to the registry.
	Units []UnitLine
	// Reported are the counted units' figures, for the per-unit sheet.
	Reported       []UnitValues
	CountyFindings []vocab.Finding
	// Rejected is the latest file of every unit whose latest file was
	// rejected (state Returned or AcceptedLatestReturned, or a code not in
	// the registry), with its findings. Counted is every file whose
	// figures are in the totals, with its findings (warnings). Both are
	// for the office (審核報告, chase list), never for the briefing.
	Rejected []FileReport
	Counted  []FileReport
	// Outliers are counted figures far from their kind's (outlier.peer),
	// for the 審核報告 only.
	Outliers []Outlier
}

// PastIssue is what an earlier issue said of the county.
type PastIssue struct {
	Issue  int
	Period string
	Totals merge.Totals
}

// UnitLine is one unit and where it stands.
// Units are the registry's, by pointer: a region's lists hold 73,000
// lines each, and a copy of the unit in every line was a fifth of what a
// draft held.
type UnitLine struct {
	Unit  *workspace.Unit
	State vocab.State
	// Late: the counted file came after the deadline, or the deadline has
	// passed and the unit still owes a file.
	Late bool
	// File and ReceivedAt are the unit's latest file (duplicates aside),
	// accepted or not; Counted is the file whose figures are in the
	// totals, when one is.
	File       string
	ReceivedAt time.Time
	Counted    string
}

// FileReport is one received file and what the checks found in it.
type FileReport struct {
	Unit       *workspace.Unit // only Code is set for a code not in the registry
	File       string
	ReceivedAt time.Time
	Findings   []vocab.Finding
}

// UnitValues are one reported unit's accepted figures, by position in
// the catalogue's inputs: a region's every unit is held at once, and a
// map of codes was four times the figures.
type UnitValues struct {
	Unit    *workspace.Unit
	Figures merge.Figures
	// Source is the file the figures were read from, for a published
	// issue's 來源 sheet; nil in a draft, which has no such sheet, and
	// whose every unit carried 56 bytes of it (11 MB at 204,000 units).
	Source *UnitSource
}

// UnitSource is the file a unit's figures were read from. Cells holds
// "sheet!A1" by code and is nil for a file recorded before cells were
// kept. Cells may be shared between units: never change it.
type UnitSource struct {
	File       string
	ReceivedAt time.Time
	SHA256     string
	Cells      map[string]string
}

// view is what the templates see. It carries counts of units by state
// and, when few are still owed, their names: the briefing goes to the
// leadership and upward, so what a file got wrong stays in the office's
// 審核報告 and chase list.
type view struct {
	Issue    int
	Date     time.Time
	Period   string
	Name     string
	County   string
	Office   string
	Units    int
	Reported int
	// States and Kinds count the units in each state that occurs, for the
	// county and per kind; each adds up to the units it covers.
	States []stateCount
	Kinds  []kindCount
	// Owed is how many units still owe a file (first or corrected), by
	// kind in OwedKinds; OwedNames names them, in registry order, only
	// when there are no more than the configured few.
	Owed         int
	OwedKinds    []kindOwed
	OwedNames    []string
	Distribution workspace.Distribution
	// Sections walk the catalogue, so that a briefing can list figures
	// without naming codes: each section with its groups and indicators,
	// indicators outside any section in a last section with no name.
	// Indicators is every indicator in catalogue order.
	Sections   []sectionView
	Indicators []figureView
	b          *Briefing
	cat        *workspace.Catalogue
	kinds      []string
	facts      map[string]any
}

type sectionView struct {
	Name       string
	Groups     []groupView
	Indicators []figureView
}

// groupView is a group of a section; indicators of a section that has no
// groups are in one group with no name.
type groupView struct {
	Name       string
	Indicators []figureView
}

// figureView is an indicator with its figures. Value is NaN and Text —
// when the figure does not exist; Change is as .Change; Reached is the
// number of units that reported a filled-in indicator non-zero.
type figureView struct {
	Code, Label, Measure string
	Places               int
	Value                float64
	Text                 string
	Kinds                []kindFigure
	Change               string
	Reached              float64
}

type kindFigure struct {
	Kind  string
	Value float64
	Text  string
}

// walk lays the catalogue out for the templates.
func walk(ws *workspace.Workspace, b *Briefing) ([]sectionView, []figureView) {
	cat := ws.Catalogue
	fig := func(in workspace.Indicator) figureView {
		f := figureView{Code: in.Code, Label: in.Label, Measure: in.Measure, Places: in.Places(),
			Value: figure(b.Totals.All, in), Text: figureText(b.Totals.All, in), Reached: b.Totals.Reached.All[in.Code]}
		for _, k := range ws.Kinds {
			m := b.Totals.ByKind[k]
			f.Kinds = append(f.Kinds, kindFigure{Kind: k, Value: figure(m, in), Text: figureText(m, in)})
		}
		if b.Previous != nil {
			f.Change = change(in, b.Totals.All, b.Previous.All)
		}
		return f
	}
	var all []figureView
	for _, in := range cat.Indicators {
		all = append(all, fig(in))
	}
	var sections []sectionView
	placed := map[string]bool{}
	for _, sec := range cat.Sections {
		sv := sectionView{Name: sec.Name}
		groups := sec.Groups
		if len(groups) == 0 {
			groups = []string{""}
		}
		for _, g := range groups {
			gv := groupView{Name: g}
			for i, in := range cat.Indicators {
				if in.Section == sec.Name && in.Group == g {
					gv.Indicators = append(gv.Indicators, all[i])
				}
			}
			sv.Groups = append(sv.Groups, gv)
		}
		for i, in := range cat.Indicators {
			if in.Section == sec.Name {
				sv.Indicators = append(sv.Indicators, all[i])
				placed[in.Code] = true
			}
		}
		sections = append(sections, sv)
	}
	rest := sectionView{}
	for i, in := range cat.Indicators {
		if !placed[in.Code] {
			rest.Indicators = append(rest.Indicators, all[i])
		}
	}
	if len(rest.Indicators) > 0 {
		rest.Groups = []groupView{{Indicators: rest.Indicators}}
		sections = append(sections, rest)
	}
	return sections, all
}

// stateCount is how many units are in one state.
type stateCount struct {
	State vocab.State
	Label string
	Count int
}

// kindOwed is how many units of one kind still owe a file.
type kindOwed struct {
	Kind  string
	Count int
}

type kindCount struct {
	Kind   string
	Count  int
	States []stateCount
}

// newView builds the template data. Nothing a unit typed reaches it, only
// registry names, which New has checked against the fonts.
func newView(ws *workspace.Workspace, b *Briefing) *view {
	v := &view{
		Issue:        b.Issue,
		Date:         b.Date,
		Period:       b.Period,
		Name:         ws.Config.BriefingName,
		County:       ws.Config.County,
		Office:       ws.Config.Office,
		Units:        len(b.Units),
		Distribution: ws.Config.Distribution,
		b:            b,
		cat:          ws.Catalogue,
		kinds:        ws.Kinds,
		facts:        ws.Config.CountyFacts,
	}
	v.Sections, v.Indicators = walk(ws, b)
	v.States = countStates(b.Units, "")
	for _, kind := range v.kinds {
		k := kindCount{Kind: kind, States: countStates(b.Units, kind)}
		for _, s := range k.States {
			k.Count += s.Count
		}
		v.Kinds = append(v.Kinds, k)
	}
	owedKinds := map[string]int{}
	var owed []string
	for _, u := range b.Units {
		switch {
		case u.State.Counted():
			v.Reported++
		default:
			v.Owed++
			owedKinds[u.Unit.Kind]++
			owed = append(owed, u.Unit.Name)
		}
	}
	for _, kind := range v.kinds {
		if n := owedKinds[kind]; n > 0 {
			v.OwedKinds = append(v.OwedKinds, kindOwed{kind, n})
		}
	}
	if v.Owed <= ws.Config.BriefingNamesMax {
		v.OwedNames = owed
	}
	return v
}

// countStates counts the units of kind ("" for all) in each state that
// occurs, in the order of vocab.States.
func countStates(units []UnitLine, kind string) []stateCount {
	n := map[vocab.State]int{}
	for _, u := range units {
		if kind == "" || u.Unit.Kind == kind {
			n[u.State]++
		}
	}
	var out []stateCount
	for _, s := range vocab.States() {
		if n[s] > 0 {
			out = append(out, stateCount{s, s.Label(), n[s]})
		}
	}
	return out
}

// noIndicator is the error of a template that names a code the catalogue
// lacks: the trial run at load meets it, so the office hears of it at
// validate, with the template's file and line.
func noIndicator(code string) error {
	return fmt.Errorf("指標目錄（indicators.yaml）裡沒有代碼「%s」；請改用目錄裡的代碼，或先在目錄裡加上這個指標", code)
}

// value is the figure of code in m; a figure that does not exist (a ratio
// over nothing) is NaN, which every figure helper prints as —.
func (v *view) value(m map[string]float64, code string) (float64, error) {
	in, ok := v.cat.ByCode(code)
	if !ok {
		return 0, noIndicator(code)
	}
	return figure(m, in), nil
}

func figure(m map[string]float64, in workspace.Indicator) float64 {
	if x, ok := m[in.Code]; ok {
		return x
	}
	if in.Aggregate == workspace.AggSum || in.Aggregate == workspace.AggCountNonzero {
		return 0
	}
	return math.NaN()
}

func (v *view) kind(kind string) (map[string]float64, error) {
	for _, k := range v.kinds {
		if k == kind {
			return v.b.Totals.ByKind[kind], nil
		}
	}
	return nil, fmt.Errorf("名冊（units.yaml）裡沒有「%s」這類單位；只能是 %s 之一", kind, strings.Join(v.kinds, "、"))
}

// All is the county figure of an indicator.
func (v *view) All(code string) (float64, error) { return v.value(v.b.Totals.All, code) }

// Kind is the figure of an indicator over the units of one kind.
func (v *view) Kind(kind, code string) (float64, error) {
	m, err := v.kind(kind)
	if err != nil {
		return 0, err
	}
	return v.value(m, code)
}

// Reached is how many units reported an indicator non-zero: a number of
// units, not of the indicator's measure word.
func (v *view) Reached(code string) (float64, error) { return v.value(v.b.Totals.Reached.All, code) }

// KindReached is how many units of one kind reported an indicator non-zero.
func (v *view) KindReached(kind, code string) (float64, error) {
	if _, err := v.kind(kind); err != nil {
		return 0, err
	}
	return v.value(v.b.Totals.Reached.ByKind[kind], code)
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
		return "", noIndicator(code)
	}
	if v.b.Previous == nil {
		return "", nil
	}
	return change(in, v.b.Totals.All, v.b.Previous.All), nil
}

// change is how the figure moved, or nothing when either figure does not
// exist or it did not move.
func change(in workspace.Indicator, cur, prev map[string]float64) string {
	now, was := figure(cur, in), figure(prev, in)
	if math.IsNaN(now) || math.IsNaN(was) {
		return ""
	}
	d := now - was
	switch {
	case d > 0:
		return fmt.Sprintf("，比上期增加%s%s", templates.Fixed(d, in.Places()), in.Measure)
	case d < 0:
		return fmt.Sprintf("，比上期減少%s%s", templates.Fixed(-d, in.Places()), in.Measure)
	}
	return ""
}

// sampleUnits bounds the units of the sample briefing.
const sampleUnits = 100

// sampleBriefing is the data a template is trial-run on at load: the
// last units take every state but Accepted, the others are accepted, so
// that every state and the list of the few units owed appear; every
// unit counted reported 1 of everything. A
// region's registry is sampled evenly down to sampleUnits, its last unit
// kept: the trial run needs the briefing's shape, not the region's size,
// and merging thousands of units was a quarter of New. (Every unit's
// name is checked against the fonts apart from the trial run.)
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
	var lines []UnitLine
	// Every unit reports the same ones, so they share one map and one row.
	vs := map[string]float64{}
	for _, in := range ws.Catalogue.Inputs() {
		vs[in.Code] = 1
	}
	row := merge.FiguresOf(merge.Codes(ws.Catalogue), vs)
	var others []vocab.State
	for _, st := range vocab.States() {
		if st != vocab.Accepted {
			others = append(others, st)
		}
	}
	for i := range units {
		u := &units[i]
		st := vocab.Accepted
		if k := i - (len(units) - len(others)); k >= 0 {
			st = others[k]
		}
		lines = append(lines, UnitLine{Unit: u, State: st, Late: st == vocab.Overdue})
		if st.Counted() {
			values[u.Code] = vs
			reported = append(reported, UnitValues{Unit: u, Figures: row})
		}
	}
	t := merge.Merge(ws.Catalogue, units, values)
	date := time.Date(2008, 12, 6, 0, 0, 0, 0, time.UTC)
	return Briefing{
		Issue: 1, Date: date, Period: ws.Config.Period, Totals: t, Previous: &t,
		Units: lines, Reported: reported,
		CountyFindings: []vocab.Finding{{Rule: "sample", Severity: vocab.Warning, Message: "樣例審核提示"}},
	}
}
