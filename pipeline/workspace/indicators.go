package workspace

import (
	"countybrief/pipeline/vocab"
	"regexp"
)

// Value types of an indicator.
const (
	TypeInteger = "integer"
	TypeDecimal = "decimal"
)

// How an indicator is merged into the county figure. Every county figure
// is in the indicator's own measure word: a count of the units that
// reported something is not the indicator's figure but merge's Reached.
const (
	AggSum       = "sum"
	AggPerMember = "per_member" // sum of Of divided by the sum of MembersCode
)

// MaxDecimals bounds an indicator's decimal places.
const MaxDecimals = 4

// MembersCode is the indicator that holds a unit's party-member count, the
// weight of every per-member figure.
const MembersCode = "members"

// Indicator is one line of the catalogue. Indicators whose aggregate is
// per_member are derived: they have no row on the form.
type Indicator struct {
	Code      string `yaml:"code"`
	Label     string `yaml:"label"`
	Level     int    `yaml:"level"`
	Activity  string `yaml:"activity"`
	Measure   string `yaml:"measure"`
	Type      string `yaml:"type"`
	Required  bool   `yaml:"required"`
	Aggregate string `yaml:"aggregate"`
	Of        string `yaml:"of,omitempty"`
	// Decimals is how many decimal places every printed figure of the
	// indicator has (table, change, workbook); nil means the type's
	// default (see Places).
	Decimals *int `yaml:"decimals,omitempty"`
}

// Derived reports whether the indicator is computed rather than filled in.
func (in Indicator) Derived() bool { return in.Aggregate == AggPerMember }

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

// Level is one of the three levels with its four activities.
type Level struct {
	Level      int      `yaml:"level"`
	Name       string   `yaml:"name"`
	Activities []string `yaml:"activities"`
}

// Catalogue is the indicator catalogue in file order.
type Catalogue struct {
	Levels     []Level     `yaml:"levels"`
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

func parseCatalogue(file string, data []byte) (*Catalogue, error) {
	var c Catalogue
	doc, err := decodeStrict(file, data, &c)
	if err != nil {
		return nil, err
	}
	var ps vocab.Problems
	activityLevel := map[string]int{}
	for _, l := range c.Levels {
		if len(l.Activities) != 4 {
			ps.Add(file, keyLine(doc(), "levels"), "activities", "level %d lists %d activities, want 4", l.Level, len(l.Activities))
		}
		for _, a := range l.Activities {
			activityLevel[a] = l.Level
		}
	}
	items := seqItems(doc(), "indicators")
	seen := map[string]int{}
	for i, in := range c.Indicators {
		line := lineOf(items, i)
		switch {
		case !indicatorCode.MatchString(in.Code):
			// Codes are names in rule expressions, so they must be identifiers.
			ps.Add(file, line, "code", "%q must start with a-z and hold only a-z, 0-9 and '_'", in.Code)
		case seen[in.Code] > 0:
			ps.Add(file, line, "code", "%q already used on line %d", in.Code, seen[in.Code])
		default:
			seen[in.Code] = line
		}
		if in.Label == "" {
			ps.Add(file, line, "label", "missing")
		}
		if lv, ok := activityLevel[in.Activity]; !ok {
			ps.Add(file, line, "activity", "%q is not an activity listed under levels", in.Activity)
		} else if lv != in.Level {
			ps.Add(file, line, "level", "%d, but activity %s belongs to level %d", in.Level, in.Activity, lv)
		}
		if in.Type != TypeInteger && in.Type != TypeDecimal {
			ps.Add(file, line, "type", "%q must be %s or %s", in.Type, TypeInteger, TypeDecimal)
		}
		if d := in.Decimals; d != nil && (*d < 0 || *d > MaxDecimals || in.Type == TypeInteger && *d != 0) {
			ps.Add(file, line, "decimals", "%d：整數指標只能是 0，小數指標在 0 到 %d 之間", *d, MaxDecimals)
		}
		switch in.Aggregate {
		case AggSum:
		case AggPerMember:
			if in.Of == "" {
				ps.Add(file, line, "of", "per_member needs the indicator it divides")
			}
		case "count_nonzero":
			// Its county figure counted units under the measure word of
			// the units' values: 15 townships printed as 「15 次」.
			ps.Add(file, line, "aggregate", "count_nonzero 已取消：它把填了非零數的單位個數當作本指標的數（如 15 個鄉鎮印成「15 次」）。請改為 sum；要說有幾個單位，在模板裡用 .Reached / .TownReached / .OrganReached")
		default:
			ps.Add(file, line, "aggregate", "%q must be sum or per_member", in.Aggregate)
		}
	}
	for i, in := range c.Indicators {
		if in.Of == "" {
			continue
		}
		if of, ok := c.ByCode(in.Of); !ok || of.Derived() {
			ps.Add(file, lineOf(items, i), "of", "%q is not an input indicator", in.Of)
		}
	}
	if _, ok := seen[MembersCode]; !ok {
		ps.Add(file, 0, "indicators", "the %q indicator (party members, the weight of per-member figures) is missing", MembersCode)
	}
	return &c, ps.Err()
}
