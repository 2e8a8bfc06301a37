package workspace

import (
	"countybrief/pipeline/vocab"
	"maps"
	"os"
	"regexp"
	"slices"
	"strings"
	"unicode/utf8"

	"gopkg.in/yaml.v3"
)

// Unit is one reporting unit. Kind is whatever the registry calls its
// sort of unit (鄉鎮, 縣直, 企業…): the program knows no kind by name, it
// only breaks figures down by them.
type Unit struct {
	Code string `yaml:"code"`
	Name string `yaml:"name"`
	Kind string `yaml:"kind"`
	// Members is a number the registry keeps per unit; rules see it as
	// unit.members. It is also shorthand for prefill: {members: N} when
	// the catalogue has an input indicator members (see resolvePrefill).
	Members int `yaml:"members"`
	// Prefill is what the unit's blank form holds before the clerk types
	// anything, by input indicator code: figures the office already knows
	// (a registry count, last year's base) for the clerk to check. Read
	// only: units that prefill the same one figure share one map.
	Prefill map[string]float64 `yaml:"prefill,omitempty"`
	// Contact and Phone are whom the office rings when the unit owes a
	// file (聯繫人, 電話); the chase list gives them. Both are optional.
	Contact string `yaml:"contact,omitempty"`
	Phone   string `yaml:"phone,omitempty"`
}

// Units is the registry in file order.
type Units []Unit

// unitsFile is units.yaml as written: kinds orders the breakdowns by
// kind, and is optional.
type unitsFile struct {
	Kinds []string `yaml:"kinds,omitempty"`
	Units Units    `yaml:"units"`
}

var unitCode = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_-]{0,31}$`)

// phone is one or more telephone numbers as offices write them: digits
// with an area code, dashes, spaces, brackets, a leading +, an extension
// after 轉 or ext, several joined by 、 or /.
var phone = regexp.MustCompile(`^\+?[0-9()（） -]{3,20}((轉|ext\.?|x)\s*[0-9]{1,6})?([、/,，]\s*\+?[0-9()（） -]{3,20}((轉|ext\.?|x)\s*[0-9]{1,6})?){0,3}$`)

func parseUnits(file string, data []byte) (Units, []string, error) {
	var f unitsFile
	doc, err := decodeStrict(file, data, &f)
	if err != nil {
		return nil, nil, err
	}
	at := func(i int) int { return lineOf(seqItems(doc(), "units"), i) }
	var ps vocab.Problems
	if len(f.Units) == 0 {
		ps.Add(file, 0, "units", say("沒有列出任何單位；每個單位寫一行 {code: …, name: …, kind: …}"))
	}
	listed := map[string]bool{}
	for _, k := range f.Kinds {
		if k == "" || listed[k] {
			ps.Add(file, keyLine(doc(), "kinds"), "kinds", say("「%s」是空的或重複了；每種單位寫一次", shown(k)))
		}
		listed[k] = true
	}
	seen := map[string]int{}
	for i, u := range f.Units {
		switch {
		case !unitCode.MatchString(u.Code):
			// The code becomes a folder name, so it must be safe on every filesystem.
			ps.Add(file, at(i), "code", say("「%s」不能用：單位代碼是 1 到 32 個英文字母、數字、'-' 或 '_'（它也是收件夾的名稱）", shown(u.Code)))
		case seen[u.Code] > 0:
			ps.Add(file, at(i), "code", say("「%s」已在第 %d 行用過；每個單位的代碼不能重複", shown(u.Code), at(seen[u.Code]-1)))
		default:
			seen[u.Code] = i + 1
		}
		if u.Name == "" {
			ps.Add(file, at(i), "name", say("沒有填單位名稱"))
		}
		switch {
		case u.Kind == "":
			ps.Add(file, at(i), "kind", say("沒有填單位類別（如 鄉鎮、縣直、企業）；簡報按類別分組統計"))
		case len(f.Kinds) > 0 && !listed[u.Kind]:
			ps.Add(file, at(i), "kind", say("「%s」不在 kinds 裡；只能是 %s 之一，或把它加進 kinds", shown(u.Kind), list(f.Kinds)))
		}
		if u.Members < 0 {
			ps.Add(file, at(i), "members", say("不能是負數"))
		}
		if u.Contact != "" && (strings.TrimSpace(u.Contact) == "" || utf8.RuneCountInString(u.Contact) > 20 || strings.ContainsAny(u.Contact, "\r\n\t")) {
			ps.Add(file, at(i), "contact", say("「%s」不對：聯繫人寫一行姓名（可帶職務），不超過 20 個字", shown(u.Contact)))
		}
		if u.Phone != "" && !phone.MatchString(u.Phone) {
			ps.Add(file, at(i), "phone", say("「%s」不像電話號碼：寫數字，可帶區號、「-」、空格、括號、開頭的「+」和分機（如 0852-6223001 轉 8012）；多個號碼用「、」或「/」分開", shown(u.Phone)))
		}
	}
	return f.Units, kindOrder(f.Kinds, f.Units), ps.Err()
}

// membersCode is the input indicator the registry's members count
// prefills when a unit's prefill does not name it, so that a units.yaml
// written before prefill existed keeps its forms prefilled.
const membersCode = "members"

// resolvePrefill checks every unit's prefill against the catalogue, which
// the registry cannot see when it is parsed or taken from the unit cache,
// and applies the members shorthand. data is units.yaml, parsed again
// only to place a problem at its line; nil when the registry came from
// the cache by the file's stamp, and then read for that.
func resolvePrefill(file string, data []byte, us Units, cat *Catalogue) error {
	inputs := map[string]Indicator{}
	for _, in := range cat.Inputs() {
		inputs[in.Code] = in
	}
	var doc *yaml.Node
	at := func(i int, code string) int {
		if doc == nil {
			if data == nil {
				data, _ = os.ReadFile(file) // a problem says which file either way
			}
			doc = &yaml.Node{}
			_ = yaml.Unmarshal(data, doc) // it decoded before, or came from the cache of a file that did
		}
		return prefillLine(seqItems(doc, "units"), i, code)
	}
	_, shorthand := inputs[membersCode]
	shared := map[onePrefill]map[string]float64{}
	var ps vocab.Problems
	check := func(i int, u *Unit, code string) {
		v := u.Prefill[code]
		in, ok := inputs[code]
		switch {
		case !ok:
			ps.Add(file, at(i, code), "prefill", say("「%s」不是表上填報的指標；prefill 只能寫 indicators.yaml 裡 aggregate 不是 ratio、count_nonzero 的指標代碼", shown(code)))
		case !(v >= 0):
			ps.Add(file, at(i, code), "prefill", say("%s: %v 不對：預填的數不能是負數", code, v))
		case in.Type == TypeInteger && v != float64(int64(v)):
			ps.Add(file, at(i, code), "prefill", say("%s: %v 不對：「%s」是整數指標，預填的數要寫整數", code, v, in.Label))
		case code == membersCode && u.Members != 0 && v != float64(u.Members):
			ps.Add(file, at(i, code), "prefill", say("members: %v 與本單位的 members: %d 不同；members: N 就是 prefill: {members: N} 的簡寫，請只寫一處", v, u.Members))
		}
	}
	for i := range us {
		u := &us[i]
		// Most units prefill one code, which needs no sorting: sorting
		// allocated for each of a region's 73,000 units.
		if len(u.Prefill) > 1 {
			for _, code := range slices.Sorted(maps.Keys(u.Prefill)) {
				check(i, u, code)
			}
		} else {
			for code := range u.Prefill {
				check(i, u, code)
			}
		}
		if _, set := u.Prefill[membersCode]; shorthand && !set {
			// The map may be shared already (decodeUnits): the unit gets
			// its own, or the one every unit of its count shares.
			if len(u.Prefill) == 0 {
				if m, ok := shared[onePrefill{membersCode, float64(u.Members)}]; ok {
					u.Prefill = m
					continue
				}
			}
			own := make(map[string]float64, len(u.Prefill)+1)
			maps.Copy(own, u.Prefill)
			own[membersCode] = float64(u.Members)
			u.Prefill = own
		}
		if len(u.Prefill) == 1 {
			for code, v := range u.Prefill {
				k := onePrefill{code, v}
				if m, ok := shared[k]; ok {
					u.Prefill = m
				} else {
					shared[k] = u.Prefill
				}
			}
		}
	}
	return ps.Err()
}

// onePrefill is a prefill of one figure. A map of one figure is some 250
// bytes, which for a region's 73,000 units was 19 MB, more than the rest
// of the registry, held by every batch: units whose prefill is the same
// one figure (a members count repeats across a region; the members
// shorthand gives every unit one) share one map.
type onePrefill struct {
	code  string
	value float64
}

// prefillLine is the line of code under the prefill of unit i, or of the
// unit when the key cannot be found.
func prefillLine(items []*yaml.Node, i int, code string) int {
	if i >= len(items) {
		return 0
	}
	line := items[i].Line
	if _, p := mapEntry(items[i], "prefill"); p != nil {
		line = p.Line
		if k, _ := mapEntry(p, code); k != nil {
			line = k.Line
		}
	}
	return line
}

// mapEntry is the key and value nodes of key in mapping m, or nils.
func mapEntry(m *yaml.Node, key string) (k, v *yaml.Node) {
	if m.Kind != yaml.MappingNode {
		return nil, nil
	}
	for j := 0; j+1 < len(m.Content); j += 2 {
		if m.Content[j].Value == key {
			return m.Content[j], m.Content[j+1]
		}
	}
	return nil, nil
}

// kindOrder is the listed kinds, then any other kind in the order the
// registry first has it.
func kindOrder(listed []string, units Units) []string {
	out := append([]string{}, listed...)
	seen := map[string]bool{}
	for _, k := range listed {
		seen[k] = true
	}
	for _, u := range units {
		if !seen[u.Kind] {
			seen[u.Kind] = true
			out = append(out, u.Kind)
		}
	}
	return out
}
