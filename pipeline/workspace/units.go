package workspace

import (
	"countybrief/pipeline/vocab"
	"regexp"
)

// Unit kinds as they appear in units.yaml.
const (
	KindTownship = "鄉鎮"
	KindOrgan    = "縣直"
)

// Unit is one reporting unit (參學單位).
type Unit struct {
	Code    string `yaml:"code"`
	Name    string `yaml:"name"`
	Kind    string `yaml:"kind"`
	Members int    `yaml:"members"`
}

// Units is the registry in file order.
type Units []Unit

var unitCode = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_-]{0,31}$`)

func parseUnits(file string, data []byte) (Units, error) {
	var f struct {
		Units Units `yaml:"units"`
	}
	doc, err := decodeStrict(file, data, &f)
	if err != nil {
		return nil, err
	}
	at := func(i int) int { return lineOf(seqItems(doc(), "units"), i) }
	var ps vocab.Problems
	if len(f.Units) == 0 {
		ps.Add(file, 0, "units", "no units listed")
	}
	seen := map[string]int{}
	for i, u := range f.Units {
		switch {
		case !unitCode.MatchString(u.Code):
			// The code becomes a folder name, so it must be safe on every filesystem.
			ps.Add(file, at(i), "code", "%q must be 1-32 letters, digits, '-' or '_'", u.Code)
		case seen[u.Code] > 0:
			ps.Add(file, at(i), "code", "%q already used on line %d", u.Code, at(seen[u.Code]-1))
		default:
			seen[u.Code] = i + 1
		}
		if u.Name == "" {
			ps.Add(file, at(i), "name", "missing")
		}
		if u.Kind != KindTownship && u.Kind != KindOrgan {
			ps.Add(file, at(i), "kind", "%q must be %s or %s", u.Kind, KindTownship, KindOrgan)
		}
		if u.Members < 0 {
			ps.Add(file, at(i), "members", "must not be negative")
		}
	}
	return f.Units, ps.Err()
}
