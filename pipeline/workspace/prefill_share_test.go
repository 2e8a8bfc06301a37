package workspace

import (
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

// TestPrefillShared: units that prefill the same one figure share one map,
// whether the registry is parsed or read from the cache, and every unit
// still prefills its own figures: the members shorthand is applied to a
// unit's own map before any sharing, so that units whose written prefill
// is the same but whose members differ keep their own counts.
func TestPrefillShared(t *testing.T) {
	const catalogue = "indicators:\n" +
		"  - {code: members, label: 人數, measure: 人, type: integer, required: true, aggregate: sum}\n" +
		"  - {code: checked, label: 檢查企業, measure: 家, type: integer, required: true, aggregate: sum}\n"
	const units = "units:\n" +
		"  - {code: A1, name: 甲, kind: 企業, members: 30}\n" +
		"  - {code: A2, name: 乙, kind: 企業, members: 30}\n" +
		"  - {code: A3, name: 丙, kind: 企業, members: 31}\n" +
		"  - {code: A4, name: 丁, kind: 企業, members: 30, prefill: {members: 30}}\n" +
		"  - {code: A5, name: 戊, kind: 企業, members: 40, prefill: {checked: 12}}\n" +
		"  - {code: A6, name: 己, kind: 企業, members: 50, prefill: {checked: 12}}\n" +
		"  - {code: A7, name: 庚, kind: 企業, prefill: {checked: 12, members: 0}}\n" +
		"  - {code: A8, name: 辛, kind: 企業, prefill: {members: 0}}\n"
	want := map[string]map[string]float64{
		"A1": {"members": 30}, "A2": {"members": 30}, "A3": {"members": 31}, "A4": {"members": 30},
		"A5": {"checked": 12, "members": 40}, "A6": {"checked": 12, "members": 50},
		"A7": {"checked": 12, "members": 0}, "A8": {"members": 0},
	}
	// Pairs that share a map, and pairs that must not.
	same := [][2]string{{"A1", "A2"}, {"A1", "A4"}}
	apart := [][2]string{{"A1", "A3"}, {"A5", "A6"}, {"A5", "A7"}, {"A1", "A8"}}

	dir := t.TempDir()
	if _, err := Init(dir, nil); err != nil {
		t.Fatal(err)
	}
	for name, data := range map[string]string{IndicatorsFile: catalogue, UnitsFile: units} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.MkdirAll(filepath.Join(dir, "work"), 0o755); err != nil {
		t.Fatal(err)
	}
	for _, pass := range []string{"parsed", "cached"} {
		ws, err := Load(dir)
		if err != nil {
			t.Fatalf("%s: %v", pass, err)
		}
		if pass == "parsed" {
			if _, err := os.Stat(filepath.Join(ws.WorkDir(), unitCacheFile)); err != nil {
				t.Fatalf("no cache after the first load: %v", err)
			}
		}
		prefill := func(code string) map[string]float64 {
			u, ok := ws.Unit(code)
			if !ok {
				t.Fatalf("%s: no unit %s", pass, code)
			}
			return u.Prefill
		}
		for code, w := range want {
			if got := prefill(code); !reflect.DeepEqual(got, w) {
				t.Errorf("%s: %s prefill %v, want %v", pass, code, got, w)
			}
		}
		for _, p := range same {
			if reflect.ValueOf(prefill(p[0])).Pointer() != reflect.ValueOf(prefill(p[1])).Pointer() {
				t.Errorf("%s: %s and %s prefill the same figure in two maps", pass, p[0], p[1])
			}
		}
		for _, p := range apart {
			if reflect.ValueOf(prefill(p[0])).Pointer() == reflect.ValueOf(prefill(p[1])).Pointer() {
				t.Errorf("%s: %s and %s share a map", pass, p[0], p[1])
			}
		}
	}
}
