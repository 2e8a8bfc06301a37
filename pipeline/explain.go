package pipeline

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"countybrief/pipeline/form"
	"countybrief/pipeline/ledger"
	"countybrief/pipeline/merge"
	"countybrief/pipeline/render"
	"countybrief/pipeline/vocab"
	"countybrief/pipeline/workspace"
	"countybrief/rules"
	"countybrief/templates"
)

// ErrUnknownName marks an indicator or unit the workspace lacks: the
// caller's slip, said in words for the clerk.
var ErrUnknownName = errors.New("unknown name")

type unknownName string

func (e unknownName) Error() string        { return string(e) }
func (e unknownName) Is(target error) bool { return target == ErrUnknownName }

// ExplainOptions narrow an explanation.
type ExplainOptions struct {
	Period string // "" is the period of config.yaml
	Unit   string // "" is every counted unit
	// Issue, when set, explains the figure as issue 第N期 printed it: the
	// files that issue counted, in its period.
	Issue int
}

// Explanation is where one county figure came from: the figure as the
// briefing has it (merge over each unit's latest accepted file), how its
// aggregate makes it, and every unit value behind it with its file and
// cell.
type Explanation struct {
	Period string `json:"period"`
	// Area labels the figure of the whole area (config.yaml's area:, 全縣
	// by default).
	Area      string `json:"area"`
	Code      string `json:"code"`
	Label     string `json:"label"`
	Measure   string `json:"measure"`
	Aggregate string `json:"aggregate"`
	// Exists is false when the figure does not exist (a ratio over a zero
	// denominator, a minimum nobody reported); Text is then —.
	Value  float64 `json:"value"`
	Exists bool    `json:"exists"`
	Text   string  `json:"text"`
	// How says in words how the aggregate makes the figure, with the
	// numbers it is made of.
	How string `json:"how"`
	// Reported is how many units' files the period counts.
	Reported int `json:"reported"`
	// Unit is ExplainOptions.Unit; Lines then hold only its values.
	Unit  string       `json:"unit,omitempty"`
	Lines []SourceLine `json:"lines"`
	// CountyFindings are the county rules' findings that read the figure
	// or what it is made of.
	CountyFindings []vocab.Finding `json:"county_findings,omitempty"`
}

// SourceLine is one unit value behind a figure.
type SourceLine struct {
	Unit string `json:"unit"`
	Name string `json:"name"`
	Kind string `json:"kind"`
	// Code is the indicator the value is of: the figure's own, or for a
	// ratio its numerator's or denominator's, for a count of units what
	// is counted.
	Code        string    `json:"code"`
	Label       string    `json:"label"`
	Value       float64   `json:"value"`
	File        string    `json:"file"`
	ReceivedAt  time.Time `json:"received_at"`
	SHA256      string    `json:"sha256"`
	ArchivePath string    `json:"archive_path"`
	// Cell is "sheet!A1", or render.NoCell.
	Cell string `json:"cell"`
	// Findings are the file's findings on this cell or code.
	Findings []vocab.Finding `json:"findings,omitempty"`
	// Below are the county's units behind the value, when the file is a
	// county's 上報 workbook (a city's explain walks down to them).
	Below []CountyUnitLine `json:"below,omitempty"`
}

// Explain tells where the county figure of indicator code (its code or
// its label) comes from in a period.
func Explain(ctx context.Context, ws *workspace.Workspace, code string, opts ExplainOptions) (*Explanation, error) {
	in, err := indicatorNamed(ws.Catalogue, code)
	if err != nil {
		return nil, err
	}
	if opts.Unit != "" {
		if _, ok := ws.Unit(opts.Unit); !ok {
			return nil, unknownName(fmt.Sprintf("單位名冊（%s）裡沒有單位 %s", workspace.UnitsFile, opts.Unit))
		}
	}
	if opts.Period == "" {
		opts.Period = ws.Config.Period
	}
	checker, err := NewChecker(ws)
	if err != nil {
		return nil, err
	}
	led, err := ledger.Open(ctx, ws.LedgerPath())
	if err != nil {
		return nil, fmt.Errorf("open ledger: %w", err)
	}
	defer led.Close()
	var current []ledger.Record
	if opts.Issue > 0 {
		pub, err := led.Publication(ctx, opts.Issue)
		if errors.Is(err, ledger.ErrNoIssue) {
			return nil, unknownName(fmt.Sprintf("沒有第%d期：還沒有發布過這一期", opts.Issue))
		}
		if err != nil {
			return nil, err
		}
		opts.Period = pub.Period
		current, err = led.CountedRecords(ctx, opts.Issue)
	} else {
		current, err = led.Current(ctx, opts.Period)
	}
	if err != nil {
		return nil, err
	}
	ids := make([]int64, len(current))
	for i, rec := range current {
		ids[i] = rec.ID
	}
	cells, err := led.Cells(ctx, ids)
	if err != nil {
		return nil, err
	}
	found, err := led.Findings(ctx, ids)
	if err != nil {
		return nil, err
	}

	// The figure and the county findings are made as the batch makes
	// them (assemble), so that explain prints what the briefing prints.
	values := make(map[string]map[string]float64, len(current))
	for _, rec := range current {
		values[rec.UnitCode] = rec.Values
	}
	totals := merge.Merge(ws.Catalogue, ws.Units, values)
	var inputs []rules.UnitInput
	for _, u := range ws.Units {
		if v, ok := values[u.Code]; ok {
			inputs = append(inputs, rules.UnitInput{Unit: u, Values: v})
		}
	}
	county, _ := checker.County(inputs, totals.All)

	ex := &Explanation{Period: opts.Period, Area: ws.Config.AreaWord(), Code: in.Code, Label: in.Label, Measure: in.Measure,
		Aggregate: in.Aggregate, Reported: len(current), Unit: opts.Unit}
	ex.Value, ex.Exists = totals.All[in.Code]
	ex.Text = templates.Absent
	if ex.Exists {
		ex.Text = templates.Fixed(ex.Value, in.Places())
	}
	codes := sourceCodes(in)
	var all []SourceLine
	for _, rec := range current {
		u, ok := ws.Unit(rec.UnitCode)
		if !ok {
			u = workspace.Unit{Code: rec.UnitCode}
		}
		up := countyUnits(ws, rec, cells[rec.ID])
		for _, c := range codes {
			v, ok := rec.Values[c]
			if !ok {
				continue
			}
			line := SourceLine{Unit: u.Code, Name: u.Name, Kind: u.Kind, Code: c, Label: labelOf(ws.Catalogue, c),
				Value: v, File: rec.OrigName, ReceivedAt: rec.ReceivedAt, SHA256: rec.SHA256,
				ArchivePath: rec.ArchivePath, Cell: render.NoCell, Below: countyLines(up, c)}
			if cell, ok := cells[rec.ID][c]; ok {
				line.Cell = cell
			}
			for _, f := range found[rec.ID] {
				if bearsOn(f, c, line.Cell) {
					line.Findings = append(line.Findings, f)
				}
			}
			all = append(all, line)
		}
	}
	ex.How = how(ws.Catalogue, in, all, len(current))
	// Lines follow the registry, as every list of units does.
	order := make(map[string]int, len(ws.Units))
	for i, u := range ws.Units {
		order[u.Code] = i
	}
	slices.SortStableFunc(all, func(a, b SourceLine) int { return rank(order, a.Unit) - rank(order, b.Unit) })
	for _, line := range all {
		if opts.Unit == "" || line.Unit == opts.Unit {
			ex.Lines = append(ex.Lines, line)
		}
	}
	for _, f := range county {
		for _, c := range append(codes, in.Code) {
			if _, ok := f.Values[c]; ok {
				ex.CountyFindings = append(ex.CountyFindings, f)
				break
			}
		}
	}
	return ex, nil
}

// rank places a code not in the registry after every unit that is.
func rank(order map[string]int, code string) int {
	if i, ok := order[code]; ok {
		return i
	}
	return len(order)
}

// indicatorNamed finds an indicator by code or, since a clerk asked about
// a figure may know only its name, by label.
func indicatorNamed(cat *workspace.Catalogue, name string) (workspace.Indicator, error) {
	if in, ok := cat.ByCode(name); ok {
		return in, nil
	}
	var codes []string
	for _, in := range cat.Indicators {
		if in.Label == name {
			return in, nil
		}
		codes = append(codes, in.Code)
	}
	return workspace.Indicator{}, unknownName(fmt.Sprintf("指標目錄（%s）裡沒有「%s」；請寫指標的代碼或名稱，代碼有：%s",
		workspace.IndicatorsFile, name, strings.Join(codes, "、")))
}

func labelOf(cat *workspace.Catalogue, code string) string {
	in, _ := cat.ByCode(code)
	return in.Label
}

// sourceCodes are the input indicators a figure is made of.
func sourceCodes(in workspace.Indicator) []string {
	switch in.Aggregate {
	case workspace.AggRatio:
		return []string{in.Of, in.Per}
	case workspace.AggCountNonzero:
		return []string{in.Of}
	}
	return []string{in.Code}
}

// bearsOn reports whether a finding is about the value of code read from
// cell: it points at the cell, or its rule read the value.
func bearsOn(f vocab.Finding, code, cell string) bool {
	if f.Sheet != "" && f.Sheet+"!"+f.Cell == cell {
		return true
	}
	_, read := f.Values[code]
	return read
}

// how says how the figure is made of the lines, every unit's.
func how(cat *workspace.Catalogue, in workspace.Indicator, lines []SourceLine, reported int) string {
	sum := map[string]float64{}
	n := map[string]int{}
	nonzero := 0
	low, high := math.Inf(1), math.Inf(-1)
	var lowUnit, highUnit string
	for _, l := range lines {
		sum[l.Code] += l.Value
		n[l.Code]++
		if l.Value != 0 {
			nonzero++
		}
		if l.Value < low {
			low, lowUnit = l.Value, l.Name
		}
		if l.Value > high {
			high, highUnit = l.Value, l.Name
		}
	}
	c := in.Code
	switch in.Aggregate {
	case workspace.AggSum:
		return fmt.Sprintf("%d 個單位填報數之和", n[c])
	case workspace.AggMean:
		return fmt.Sprintf("%d 個單位填報數的平均：合計 %s ÷ %d", n[c], templates.Figure(sum[c]), n[c])
	case workspace.AggMin:
		if n[c] == 0 {
			return "沒有單位填報，沒有最小值"
		}
		return fmt.Sprintf("%d 個單位填報數中最小的一個（%s）", n[c], lowUnit)
	case workspace.AggMax:
		if n[c] == 0 {
			return "沒有單位填報，沒有最大值"
		}
		return fmt.Sprintf("%d 個單位填報數中最大的一個（%s）", n[c], highUnit)
	case workspace.AggRatio:
		s := fmt.Sprintf("%s %d 個單位之和 %s ÷ %s %d 個單位之和 %s", labelOf(cat, in.Of), n[in.Of],
			templates.Figure(sum[in.Of]), labelOf(cat, in.Per), n[in.Per], templates.Figure(sum[in.Per]))
		if in.Scale != 1 {
			s += " × " + templates.Figure(in.Scale)
		}
		if sum[in.Per] == 0 {
			s += "；分母為 0，沒有這個數"
		}
		return s
	case workspace.AggCountNonzero:
		return fmt.Sprintf("%s 不為 0 的單位數（%d 個報送單位中）", labelOf(cat, in.Of), reported)
	}
	return in.Aggregate
}

// cellsOf is where each of a form's values was read, as the ledger keeps
// it: the cells of values that were not read explain no figure.
func cellsOf(sub *form.Submission) map[string]string {
	out := make(map[string]string, len(sub.Values))
	for code := range sub.Values {
		if loc, ok := sub.Cells[code]; ok {
			out[code] = loc.Sheet + "!" + loc.Cell
		}
	}
	return out
}

// addSources tells the briefing which file and cells each reported
// unit's figures came from, for the totals workbook's 來源 sheet.
// current is what brief.Reported was made from.
func addSources(ctx context.Context, led *ledger.Ledger, brief *render.Briefing, current []ledger.Record) error {
	byUnit := make(map[string]*ledger.Record, len(current))
	ids := make([]int64, len(current))
	for i := range current {
		byUnit[current[i].UnitCode] = &current[i]
		ids[i] = current[i].ID
	}
	cells, err := led.Cells(ctx, ids)
	if err != nil {
		return fmt.Errorf("cells of the counted files: %w", err)
	}
	for i := range brief.Reported {
		u := &brief.Reported[i]
		if rec := byUnit[u.Unit.Code]; rec != nil {
			u.Source = &render.UnitSource{File: rec.OrigName, ReceivedAt: rec.ReceivedAt, SHA256: rec.SHA256, Cells: cells[rec.ID]}
		}
	}
	return nil
}
