package workspace

import (
	"countybrief/pipeline/vocab"
	"regexp"

	"gopkg.in/yaml.v3"
)

// Value types of an indicator.
const (
	TypeInteger = "integer"
	TypeDecimal = "decimal"
)

// How an indicator is merged into the county figure (merge.Merge).
// Every county figure is in the indicator's own measure word; a count of
// the units that reported something non-zero is CountNonzero, a derived
// indicator whose measure is the units' (個單位), never the value's.
const (
	AggSum  = "sum"
	AggMin  = "min"  // over the units that reported it
	AggMax  = "max"  // over the units that reported it
	AggMean = "mean" // over the units that reported it, each unit weighing the same
	// AggRatio is derived: the sum of Of over the sum of Per, times Scale
	// (人均 is Scale 1, 率 100, 每萬人 10000), so that a large unit
	// weighs more than a small one.
	AggRatio = "ratio"
	// AggCountNonzero is derived: how many units reported Of non-zero.
	AggCountNonzero = "count_nonzero"
)

// Aggregates lists every aggregate, in the order the office is told them.
var Aggregates = []string{AggSum, AggMin, AggMax, AggMean, AggRatio, AggCountNonzero}

// MaxDecimals bounds an indicator's decimal places.
const MaxDecimals = 4

// Indicator is one line of the catalogue. Derived indicators (ratio,
// count_nonzero) have no row on the form: they are computed from the
// filled-in ones.
type Indicator struct {
	Code      string `yaml:"code"`
	Label     string `yaml:"label"`
	Section   string `yaml:"section,omitempty"`
	Group     string `yaml:"group,omitempty"`
	Measure   string `yaml:"measure"`
	Type      string `yaml:"type"`
	Required  bool   `yaml:"required"`
	Aggregate string `yaml:"aggregate"`
	Of        string `yaml:"of,omitempty"`
	Per       string `yaml:"per,omitempty"`
	// Scale multiplies a ratio; the loader sets it to 1 when the file
	// leaves it out.
	Scale float64 `yaml:"scale,omitempty"`
	// Decimals is how many decimal places every printed figure of the
	// indicator has (table, change, workbook); nil means the type's
	// default (see Places).
	Decimals *int `yaml:"decimals,omitempty"`
}

// Derived reports whether the indicator is computed rather than filled in.
func (in Indicator) Derived() bool {
	return in.Aggregate == AggRatio || in.Aggregate == AggCountNonzero
}

// Places is the decimal places the indicator's figures are printed with:
// Decimals, or by default none for an integer and one for a decimal, so
// that one indicator never shows 5485.6 beside 5522.
func (in Indicator) Places() int {
	switch {
	case in.Decimals != nil:
		return *in.Decimals
	case in.Type == TypeDecimal:
		return 1
	}
	return 0
}

// Section is a heading of the catalogue (a form's and a briefing's part)
// with the groups under it, both in file order. A catalogue may have
// none, and a section may have no groups.
type Section struct {
	Name   string   `yaml:"name"`
	Groups []string `yaml:"groups,omitempty"`
}

// Catalogue is the indicator catalogue in file order. Version names the
// catalogue's edition, so that a form can say which one it was made from.
type Catalogue struct {
	Version string `yaml:"version,omitempty"`
	// Title heads the blank form; Note, when set, is the form's first
	// instruction (what the figures count, e.g. 累計數 or 本月數).
	Title      string      `yaml:"title,omitempty"`
	Note       string      `yaml:"note,omitempty"`
	Sections   []Section   `yaml:"sections,omitempty"`
	Indicators []Indicator `yaml:"indicators"`
}

// ByCode returns the indicator with the code.
func (c *Catalogue) ByCode(code string) (Indicator, bool) {
	for _, in := range c.Indicators {
		if in.Code == code {
			return in, true
		}
	}
	return Indicator{}, false
}

// Inputs returns the indicators that appear as rows on the form.
func (c *Catalogue) Inputs() []Indicator {
	var out []Indicator
	for _, in := range c.Indicators {
		if !in.Derived() {
			out = append(out, in)
		}
	}
	return out
}

var indicatorCode = regexp.MustCompile(`^[a-z][a-z0-9_]{0,47}$`)

// Keys the catalogue knows, per mapping; anything else is a typing
// mistake or a key of the old three-level format.
var (
	catalogueKeys = []string{"version", "title", "note", "sections", "indicators"}
	sectionKeys   = []string{"name", "groups"}
	indicatorKeys = []string{"code", "label", "section", "group", "measure", "type", "required", "aggregate", "of", "per", "scale", "decimals"}
)

// oldKeys are the keys of the campaign-only format, with how to write
// them now.
var oldKeys = map[string]vocab.Text{
	"levels":   say("levels 已改名為 sections，每個部分寫成 {name: 部分名稱, groups: [小類, …]}，不再寫 level 編號，activities 改為 groups"),
	"level":    say("level 已取消：請改寫 section: 所屬部分的名稱（sections 裡的 name），例如把 level: 1 改為 section: 領導班子"),
	"activity": say("activity 已改名為 group：請把 activity: 培育一個典型 改為 group: 培育一個典型"),
}

// checkKeys reports every key the format does not know, at its line,
// with the keys that may be written there.
func checkKeys(file string, doc *yaml.Node, ps *vocab.Problems) {
	if doc == nil || len(doc.Content) == 0 || doc.Content[0].Kind != yaml.MappingNode {
		return
	}
	check := func(m *yaml.Node, known []string) {
		if m.Kind != yaml.MappingNode {
			return
		}
		for i := 0; i+1 < len(m.Content); i += 2 {
			k := m.Content[i]
			switch {
			case contains(known, k.Value):
			case oldKeys[k.Value] != vocab.Text{}:
				ps.Add(file, k.Line, k.Value, oldKeys[k.Value])
			default:
				ps.Add(file, k.Line, k.Value, say("沒有這個欄位；這裡可寫的欄位有 %s", list(known)))
			}
		}
	}
	top := doc.Content[0]
	check(top, catalogueKeys)
	for _, n := range seqItems(doc, "sections") {
		check(n, sectionKeys)
	}
	for _, n := range seqItems(doc, "indicators") {
		check(n, indicatorKeys)
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func parseCatalogue(file string, data []byte) (*Catalogue, error) {
	var ps vocab.Problems
	var node yaml.Node
	if err := yaml.Unmarshal(data, &node); err == nil {
		checkKeys(file, &node, &ps)
		if len(ps) > 0 {
			return nil, ps.Err()
		}
	}
	var c Catalogue
	doc, err := decodeStrict(file, data, &c)
	if err != nil {
		return nil, err
	}
	secLines := seqItems(doc(), "sections")
	groups := map[string][]string{}
	for i, s := range c.Sections {
		line := lineOf(secLines, i)
		switch {
		case s.Name == "":
			ps.Add(file, line, "name", say("沒有填部分的名稱"))
		case groups[s.Name] != nil:
			ps.Add(file, line, "name", say("部分「%s」已經列過一次；每個部分只列一次", s.Name))
		}
		seen := map[string]bool{}
		for _, g := range s.Groups {
			if g == "" || seen[g] {
				ps.Add(file, line, "groups", say("部分「%s」的小類「%s」是空的或重複了；每個小類寫一次", s.Name, g))
			}
			seen[g] = true
		}
		groups[s.Name] = append([]string{}, s.Groups...)
	}
	items := seqItems(doc(), "indicators")
	if len(c.Indicators) == 0 {
		ps.Add(file, keyLine(doc(), "indicators"), "indicators", say("沒有列出任何指標；每個指標寫一行 {code: …, label: …, measure: …, type: integer, required: true, aggregate: sum}"))
	}
	seen := map[string]int{}
	for i := range c.Indicators {
		in := &c.Indicators[i]
		line := lineOf(items, i)
		switch {
		case !indicatorCode.MatchString(in.Code):
			// Codes are names in rule expressions, so they must be identifiers.
			ps.Add(file, line, "code", say("「%s」不能用：代碼以小寫英文字母開頭，只含小寫字母、數字和底線，例如 problems_found", shown(in.Code)))
		case seen[in.Code] > 0:
			ps.Add(file, line, "code", say("「%s」已在第 %d 行用過；每個指標的代碼不能重複", shown(in.Code), seen[in.Code]))
		default:
			seen[in.Code] = line
		}
		if in.Label == "" {
			ps.Add(file, line, "label", say("沒有填指標名稱（表格上顯示的中文名稱）"))
		}
		checkPlace(file, line, *in, c.Sections, groups, &ps)
		if in.Type != TypeInteger && in.Type != TypeDecimal {
			ps.Add(file, line, "type", say("「%s」不對：只能是 %s（整數）或 %s（可帶小數）", shown(in.Type), TypeInteger, TypeDecimal))
		}
		if d := in.Decimals; d != nil && (*d < 0 || *d > MaxDecimals || in.Type == TypeInteger && *d != 0) {
			ps.Add(file, line, "decimals", say("%d：整數指標只能是 0，小數指標在 0 到 %d 之間", *d, MaxDecimals))
		}
		checkAggregate(file, line, in, &ps)
	}
	for i, in := range c.Indicators {
		for _, ref := range []struct{ field, code string }{{"of", in.Of}, {"per", in.Per}} {
			if ref.code == "" {
				continue
			}
			if of, ok := c.ByCode(ref.code); !ok || of.Derived() {
				ps.Add(file, lineOf(items, i), ref.field, say("「%s」不是表上填報的指標；%s 要寫本目錄裡一個 aggregate 為 sum、min、max 或 mean 的指標代碼", shown(ref.code), ref.field))
			}
		}
	}
	return &c, ps.Err()
}

// checkPlace checks the indicator's section and group against the
// catalogue's: both are needed when the catalogue has them, so that every
// form row and table row has its one place.
func checkPlace(file string, line int, in Indicator, sections []Section, groups map[string][]string, ps *vocab.Problems) {
	var names []string
	for _, s := range sections {
		names = append(names, s.Name)
	}
	switch {
	case len(sections) == 0 && in.Section != "":
		ps.Add(file, line, "section", say("「%s」：本目錄沒有 sections，不要寫 section；要分部分，先在 sections 裡列出", shown(in.Section)))
		return
	case len(sections) == 0:
	case in.Section == "":
		ps.Add(file, line, "section", say("沒有填；本目錄分部分，請寫 section: %s 之一", list(names)))
		return
	case groups[in.Section] == nil && !contains(names, in.Section):
		ps.Add(file, line, "section", say("「%s」不在 sections 裡；只能是 %s 之一", shown(in.Section), list(names)))
		return
	}
	gs := groups[in.Section]
	switch {
	case len(gs) == 0 && in.Group != "":
		ps.Add(file, line, "group", say("「%s」：部分「%s」沒有列 groups，不要寫 group；要分小類，先在該部分的 groups 裡列出", shown(in.Group), in.Section))
	case len(gs) == 0:
	case in.Group == "":
		ps.Add(file, line, "group", say("沒有填；部分「%s」分小類，請寫 group: %s 之一", in.Section, list(gs)))
	case !contains(gs, in.Group):
		ps.Add(file, line, "group", say("「%s」不是部分「%s」的小類；只能是 %s 之一", shown(in.Group), in.Section, list(gs)))
	}
}

// checkAggregate checks the aggregate and the fields only derived
// indicators take, and sets a ratio's default scale.
func checkAggregate(file string, line int, in *Indicator, ps *vocab.Problems) {
	switch in.Aggregate {
	case AggSum, AggMin, AggMax, AggMean:
		for _, f := range []struct {
			name string
			set  bool
		}{{"of", in.Of != ""}, {"per", in.Per != ""}, {"scale", in.Scale != 0}} {
			if f.set {
				ps.Add(file, line, f.name, say("只有 aggregate: ratio（比率）或 count_nonzero（單位數）才寫 %s；%s 指標由各單位填報，請刪去 %s", f.name, in.Aggregate, f.name))
			}
		}
	case AggRatio:
		if in.Of == "" || in.Per == "" {
			ps.Add(file, line, "of", say("ratio 要寫分子和分母，例如 {aggregate: ratio, of: reading_note_chars, per: members, scale: 1}（人均 scale 1，率 scale 100，每萬人 scale 10000）"))
		}
		switch {
		case in.Scale < 0:
			ps.Add(file, line, "scale", say("%v 不對：scale 是正數（人均 1，率 100，每萬人 10000）", in.Scale))
		case in.Scale == 0:
			in.Scale = 1
		}
	case AggCountNonzero:
		if in.Of == "" {
			ps.Add(file, line, "of", say("count_nonzero 要寫 of：數的是填了非零數的單位個數，例如 {aggregate: count_nonzero, of: county_leader_visits, measure: 個單位}"))
		}
		if in.Per != "" || in.Scale != 0 {
			ps.Add(file, line, "per", say("count_nonzero 只寫 of，不寫 per 和 scale"))
		}
	case "":
		ps.Add(file, line, "aggregate", say("沒有填：只能是 %s", aggregateChoices()))
	default:
		ps.Add(file, line, "aggregate", say("「%s」不對：只能是 %s", shown(in.Aggregate), aggregateChoices()))
	}
	if in.Derived() && in.Required {
		ps.Add(file, line, "required", say("%s 指標由程式計算，表上沒有這一行，請刪去 required", in.Aggregate))
	}
}

func aggregateChoices() vocab.Text {
	n := len(Aggregates)
	return say("%s 或 %s", list(Aggregates[:n-1]), Aggregates[n-1])
}
