package rules

import (
	"countybrief/pipeline/vocab"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Each *.bad.yaml in testdata fails with exactly these problems (as
// substrings, in order); each *.good.yaml loads, passes its examples and
// never fails at run time under Probe.
var badFiles = map[string][]string{
	"problems.bad.yaml": {
		"problems.bad.yaml:8:9: rule b.dup: id: already used at ",
		"problems.bad.yaml:11:15: rule b.dup: severity: \"fatal\" must be error, warning or explain",
		"problems.bad.yaml:12:14: rule b.dup: message: {{.problems_fund}}：指標目錄（indicators.yaml）裡沒有 problems_fund；是不是 problems_found？",
		"problems.bad.yaml:14:5: rule b.dup: expresion: 未知字段",
		"problems.bad.yaml:17:29: rule b.unknown: expr: 指標目錄（indicators.yaml）裡沒有 problems_fund；是不是 problems_found？",
		"problems.bad.yaml:23:29: rule b.syntax: expr: unexpected token EOF",
		"problems.bad.yaml:31:17: rule b.block: expr: 指標目錄（indicators.yaml）裡沒有 problems_fund；是不是 problems_found？",
		"problems.bad.yaml:42:37: rule b.example: example 1: values: 指標目錄（indicators.yaml）裡沒有 problem_found；是不是 problems_found？",
		"problems.bad.yaml:43:15: rule b.example: example 1: want: \"maybe\" 必須是 pass 或 fail",
	},
	"misc.bad.yaml": {
		"misc.bad.yaml:2:5: id: missing",
		"misc.bad.yaml:3:11: expr: expected bool, but got float64",
		"misc.bad.yaml:10:24: rule c.county: expr: 指標目錄（indicators.yaml）裡沒有 typical_sitez；是不是 typical_sites？",
		"misc.bad.yaml:12:14: rule c.county: message: {{.problems_found}} names no figure of a county rule",
		"misc.bad.yaml:15:11: rule c.value: expr: value and prev_value exist only in rules with each:",
		"misc.bad.yaml:21:16: rule c.unit: expr: unit has no field kinds",
		"misc.bad.yaml:22:12: rule c.unit: kinds: 單位名冊（units.yaml）沒有「鄉村」這類單位；只能寫 鄉鎮、縣直",
		"misc.bad.yaml:26:9: rule form.mine: id: ids starting form. are kept",
		"misc.bad.yaml:28:11: rule form.mine: each: \"everything\" must be inputs, integer or a list",
		"misc.bad.yaml:29:11: rule form.mine: expr: value and prev_value exist only in rules with each:",
		"misc.bad.yaml:37:15: rule c.explain_county: severity: explain is only for unit rules",
		"misc.bad.yaml:42:15: rule c.explain_nowhere: severity: explain needs a cell",
		"misc.bad.yaml:45:9: rule outlier.mine: id: ids starting outlier. are kept",
	},
	"examples.bad.yaml": {
		"examples.bad.yaml:9:18: rule e.county: example 1: values: 全縣示例改用 units: 列出單位",
		"examples.bad.yaml:9:47: rule e.county: example 1: units[1]: kind: 單位名冊（units.yaml）沒有「村」這類單位；只能寫 鄉鎮、縣直",
		"examples.bad.yaml:9:59: rule e.county: example 1: units[1]: values: 指標目錄（indicators.yaml）裡沒有 member；是不是 members？",
		"examples.bad.yaml:9:70: rule e.county: example 1: units[1]: values: notes_per_member 由其他數字算出",
		"examples.bad.yaml:17:17: rule e.unit: example 1: units: 只有全縣示例才列 units",
		"examples.bad.yaml:17:28: rule e.unit: example 1: prev: 指標目錄（indicators.yaml）裡沒有 membres；是不是 members？",
		"examples.bad.yaml:17:59: rule e.unit: example 1: values.members: \"ten\" 不是數字",
	},
	"verdict.bad.yaml": {
		"verdict.bad.yaml:9:9: rule e.wrong_verdict: example 1: 應該 fail，實際 pass",
	},
	"runtime.bad.yaml": {
		"runtime.bad.yaml:12:9: rule t.runtime: example 2: 應該 fail，實際 error：runtime error: integer divide by zero",
		"runtime.bad.yaml:6:11: rule t.runtime: expr: 執行時出錯（「鄉鎮」類單位，每個數字都是空白，沒有上一期）：runtime error: integer divide by zero",
	},
	"probe.bad.yaml": {
		"probe.bad.yaml:6:11: rule p.modulo: expr: 執行時出錯（「鄉鎮」類單位，每個數字都是空白，沒有上一期）：runtime error: integer divide by zero",
		"probe.bad.yaml:15:11: rule p.kind_map: expr: 執行時出錯（「縣直」類單位，每個數字都是10，沒有上一期）：invalid operation: <nil> <= float64",
		"probe.bad.yaml:24:11: rule p.no_prev: expr: 執行時出錯（「鄉鎮」類單位，每個數字都是10，沒有上一期）：index out of range",
		"probe.bad.yaml:33:11: rule p.large: expr: 執行時出錯（「鄉鎮」類單位，每個數字都是1e12，沒有上一期）：memory budget exceeded",
		"probe.bad.yaml:42:11: rule p.text: expr: 執行時出錯（「鄉鎮」類單位，每個數字都是1e12，沒有上一期）：invalid operation: int(1e+12)",
		"probe.bad.yaml:42:11: rule p.text: expr: 執行時出錯（「鄉鎮」類單位，每個數字都是0.5，沒有上一期）：invalid operation: int(0.5)",
		"probe.bad.yaml:52:11: rule p.each: expr: 執行時出錯（「鄉鎮」類單位，每個數字都是空白，沒有上一期）：runtime error: integer divide by zero",
		"probe.bad.yaml:72:11: rule p.first_unit: expr: 執行時出錯（沒有單位）：index out of range",
	},
	"message.bad.yaml": {
		"message.bad.yaml:8:14: rule m.old: message: a figure is written with a dot first: write {{problems_solved}} as {{.problems_solved}}, {{prev.problems_found}} as {{.prev.problems_found}}",
		"message.bad.yaml:14:14: rule m.syntax: message: not a valid template: bad character U+3002 '。'",
		"message.bad.yaml:15:10: rule m.syntax: fix: {{round}} is neither a helper nor a figure (",
		"message.bad.yaml:21:14: rule m.names: message: {{.prev}} names no figure (",
		"message.bad.yaml:21:14: rule m.names: message: {{.unit.phone}} names no figure (",
		"message.bad.yaml:21:14: rule m.names: message: {{.help_fund}}：指標目錄（indicators.yaml）裡沒有 help_fund；是不是 help_funds？",
		"message.bad.yaml:21:14: rule m.names: message: {{.total.members}} names no figure (",
		"message.bad.yaml:22:10: rule m.names: fix: {{.}} is every figure at once; name one figure (",
		"message.bad.yaml:27:14: rule m.type: message: {{.unit.name}}: wrong type for value; expected float64; got string",
		"message.bad.yaml:28:10: rule m.type: fix: {{.prev.help_funds}}: invalid value; expected float64 on a unit with no earlier period (show previous figures inside {{if .has_prev}}…{{end}})",
		"message.bad.yaml:33:14: rule m.blocks: message: {{range}}: a message has no list to repeat over",
		"message.bad.yaml:33:14: rule m.blocks: message: {{template}} belongs in the briefing templates",
		"message.bad.yaml:34:10: rule m.blocks: fix: {{define}} and {{block}} belong in the briefing templates",
		"message.bad.yaml:40:14: rule m.county: message: {{.total.problems_fund}}：指標目錄（indicators.yaml）裡沒有 problems_fund；是不是 problems_found？",
		"message.bad.yaml:40:14: rule m.county: message: {{.members}} names no figure of a county rule",
		"message.bad.yaml:40:14: rule m.county: message: {{.prev.members}} names no figure of a county rule",
	},
	"syntax.bad.yaml": {
		"syntax.bad.yaml:1: 不是有效的 YAML：did not find expected ',' or ']'",
	},
	"toplevel.bad.yaml": {
		"toplevel.bad.yaml:1:1: groups: 未知字段（規則文件只有 rules:）",
		"toplevel.bad.yaml:3:8: rules: 應該是規則列表",
	},
}

func TestLoadTestdata(t *testing.T) {
	ws := testWorkspace(t)
	files, err := filepath.Glob(filepath.Join("testdata", "*.yaml"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no testdata: %v", err)
	}
	for _, path := range files {
		name := filepath.Base(path)
		t.Run(name, func(t *testing.T) {
			// Each file alone in a folder, so problems name only it.
			dir := t.TempDir()
			data, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
				t.Fatal(err)
			}
			var got []string
			set, err := LoadDir(dir, ws.Catalogue, ws.Kinds)
			var ps vocab.Problems
			switch {
			case errors.As(err, &ps):
				for _, p := range ps {
					got = append(got, p.Error())
				}
			case err != nil:
				t.Fatalf("load: %v", err)
			default:
				for _, err := range set.Test() {
					got = append(got, err.Error())
				}
				for _, p := range set.Probe(ws.Units) {
					got = append(got, p.Error())
				}
			}
			want := badFiles[name]
			if strings.HasSuffix(name, ".good.yaml") {
				want = nil
			} else if want == nil {
				t.Fatalf("%s has no expected problems in badFiles", name)
			}
			if len(got) != len(want) {
				t.Fatalf("got %d problems, want %d:\n%s", len(got), len(want), strings.Join(got, "\n"))
			}
			for i := range want {
				if !strings.Contains(got[i], want[i]) {
					t.Errorf("problem %d:\n got %s\nwant …%s…", i+1, got[i], want[i])
				}
				// LoadDir names files by their path on disk.
				if !strings.HasPrefix(got[i], filepath.Join(dir, name)) {
					t.Errorf("problem %d does not start with the file path: %s", i+1, got[i])
				}
			}
		})
	}
}

func TestLoadDirMissing(t *testing.T) {
	ws := testWorkspace(t)
	_, err := LoadDir(filepath.Join(t.TempDir(), "nope"), ws.Catalogue, ws.Kinds)
	var ps vocab.Problems
	if err == nil || errors.As(err, &ps) {
		t.Fatalf("want a read error, got %v", err)
	}
	if !errors.Is(err, os.ErrNotExist) {
		t.Errorf("error does not wrap ErrNotExist: %v", err)
	}
}

// A file with several broken rules reports them all, from every file.
func TestLoadReportsAllFiles(t *testing.T) {
	ws := testWorkspace(t)
	dir := t.TempDir()
	for _, name := range []string{"problems.bad.yaml", "misc.bad.yaml", "features.good.yaml", "README.txt"} {
		data := []byte("not rules")
		if name != "README.txt" {
			var err error
			if data, err = os.ReadFile(filepath.Join("testdata", name)); err != nil {
				t.Fatal(err)
			}
		}
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	_, err := LoadDir(dir, ws.Catalogue, ws.Kinds)
	var ps vocab.Problems
	if !errors.As(err, &ps) {
		t.Fatalf("want vocab.Problems, got %v", err)
	}
	if want := len(badFiles["problems.bad.yaml"]) + len(badFiles["misc.bad.yaml"]); len(ps) != want {
		t.Errorf("got %d problems, want %d:\n%v", len(ps), want, err)
	}
	if !strings.HasPrefix(ps[0].File, filepath.Join(dir, "misc.bad.yaml")) {
		t.Errorf("files not in name order: first problem in %s", ps[0].File)
	}
}
