package pipeline_test

import (
	"os/exec"
	"strings"
	"testing"
)

// layers places every package of the module. A package may import only
// packages of lower layers, and, within the stages' layer, only the pairs
// in alsoAllowed. docs/DESIGN.md draws the same picture; a new package
// must be placed here before its first import can pass.
var layers = map[string]int{
	// 0: words and tools every stage may use; they import nothing of ours.
	"pipeline/vocab":             0,
	"pipeline/safefile":          0,
	"pipeline/lock":              0,
	"pipeline/schedule":          0,
	"pipeline/render/typeset":    0,
	"pipeline/form/xlsxscan":     0,
	"templates":                  0,
	"pipeline/internal/testuser": 0,
	"pipeline/internal/zipfloor": 0,
	"internal/pgtest":            0,
	"internal/plainjson":         0,
	"internal/hugeheap":          0,
	"examples":                   0,
	// 1: the files the office edits, loaded and validated.
	"pipeline/workspace": 1,
	// The check of a package's English (vocab.English), for tests only.
	"pipeline/vocab/englishtest": 1,
	// 2: the stages of a batch; they know nothing of one another.
	"pipeline/inbox":  2,
	"pipeline/form":   2,
	"rules":           2,
	"pipeline/ledger": 2,
	"pipeline/merge":  2,
	"pipeline/render": 2,
	"pipeline/rollup": 2,
	// 3: the orchestrator, which alone knows the order of the stages, and
	// the sample county built with the form writer.
	"pipeline":      3,
	"pipeline/demo": 3,
	// 4: the web desk, a second face beside the command line that calls
	// the same orchestrator functions.
	"web": 4,
	// 5: the command line, which parses flags and calls one function.
	"cmd/countybrief": 5,
}

// alsoAllowed are the imports between stages that the design admits: the
// renderer draws the merged totals; the 上報 reader hands the batch a
// form's Submission and merges a county's units again to check its totals.
var alsoAllowed = map[[2]string]bool{
	{"pipeline/render", "pipeline/merge"}: true,
	{"pipeline/rollup", "pipeline/form"}:  true,
	{"pipeline/rollup", "pipeline/merge"}: true,
}

func TestImportsFollowTheLayers(t *testing.T) {
	out, err := exec.Command("go", "list", "-f", `{{.ImportPath}} {{join .Imports " "}}`, "countybrief/...").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	const module = "countybrief/"
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		fields := strings.Fields(line)
		pkg := strings.TrimPrefix(fields[0], module)
		if fields[0] == "countybrief" {
			pkg = ""
		}
		from, ok := layers[pkg]
		if !ok {
			t.Errorf("package %s has no layer: place it in layers (and in docs/DESIGN.md)", pkg)
			continue
		}
		for _, imp := range fields[1:] {
			if !strings.HasPrefix(imp, module) {
				continue
			}
			dep := strings.TrimPrefix(imp, module)
			to, ok := layers[dep]
			switch {
			case !ok:
				t.Errorf("%s imports %s, which has no layer", pkg, dep)
			case to < from || alsoAllowed[[2]string{pkg, dep}]:
			default:
				t.Errorf("%s (layer %d) imports %s (layer %d): a package may import only lower layers", pkg, from, dep, to)
			}
		}
	}
}
