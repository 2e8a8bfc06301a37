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
		"problems.bad.yaml:8:9: 規則 b.dup: id: 已在 ",
		"problems.bad.yaml:11:15: 規則 b.dup: severity: 「fatal」只能是 error（退回）、warning（提醒）或 explain（須說明）",
		"problems.bad.yaml:12:14: 規則 b.dup: message: {{.problems_fund}}：指標目錄（indicators.yaml）裡沒有 problems_fund；是不是 problems_found？",
		"problems.bad.yaml:14:5: 規則 b.dup: expresion: 未知字段",
		"problems.bad.yaml:17:29: 規則 b.unknown: expr: 指標目錄（indicators.yaml）裡沒有 problems_fund；是不是 problems_found？",
		"problems.bad.yaml:23:29: 規則 b.syntax: expr: 表達式寫得不對（expr 的說明：unexpected token EOF）",
		"problems.bad.yaml:31:17: 規則 b.block: expr: 指標目錄（indicators.yaml）裡沒有 problems_fund；是不是 problems_found？",
		"problems.bad.yaml:42:37: 規則 b.example: examples[1].values: 指標目錄（indicators.yaml）裡沒有 problem_found；是不是 problems_found？",
		"problems.bad.yaml:43:15: 規則 b.example: examples[1].want: 「maybe」只能是 pass（應該通過）或 fail（應該不通過）",
	},
	"misc.bad.yaml": {
		"misc.bad.yaml:2:5: id: 缺少：每條規則要有 id",
		"misc.bad.yaml:3:11: expr: 表達式寫得不對（expr 的說明：expected bool, but got float64）",
		"misc.bad.yaml:10:24: 規則 c.county: expr: 指標目錄（indicators.yaml）裡沒有 typical_sitez；是不是 typical_sites？",
		"misc.bad.yaml:12:14: 規則 c.county: message: {{.problems_found}} 不是全縣規則可用的數（.total.代碼 或 .units）",
		"misc.bad.yaml:15:11: 規則 c.value: expr: value 和 prev_value 只在寫了 each: 的規則裡有",
		"misc.bad.yaml:21:16: 規則 c.unit: expr: unit 沒有 kinds 這一項（只有 code、name、kind、members）",
		"misc.bad.yaml:22:12: 規則 c.unit: kinds: 單位名冊（units.yaml）沒有「鄉村」這類單位；只能寫 鄉鎮、縣直",
		"misc.bad.yaml:26:9: 規則 form.mine: id: 以 form. 開頭的 id 留給表格讀取程序，請換一個",
		"misc.bad.yaml:28:11: 規則 form.mine: each: 「everything」只能是 inputs（每個填報的指標）、integer（每個整數指標）或指標代碼的列表",
		"misc.bad.yaml:29:11: 規則 form.mine: expr: value 和 prev_value 只在寫了 each: 的規則裡有",
		"misc.bad.yaml:37:15: 規則 c.explain_county: severity: explain 只用於單位規則：全縣的數沒有單位表格的一行可以說明",
		"misc.bad.yaml:42:15: 規則 c.explain_nowhere: severity: explain 要指向一個格子：單位在數字那一行的「說明」裡說明，而這條規則沒有讀任何數字（請加 cell:）",
		"misc.bad.yaml:45:9: 規則 outlier.mine: id: 以 outlier. 開頭的 id 留給異常值檢查，請換一個",
	},
	"examples.bad.yaml": {
		"examples.bad.yaml:9:18: 規則 e.county: examples[1].values: 全縣示例改用 units: 列出單位",
		"examples.bad.yaml:9:47: 規則 e.county: examples[1].units[1].kind: 單位名冊（units.yaml）沒有「村」這類單位；只能寫 鄉鎮、縣直",
		"examples.bad.yaml:9:59: 規則 e.county: examples[1].units[1].values: 指標目錄（indicators.yaml）裡沒有 member；是不是 members？",
		"examples.bad.yaml:9:70: 規則 e.county: examples[1].units[1].values: notes_per_member 由其他數字算出；請改寫那些數字",
		"examples.bad.yaml:17:17: 規則 e.unit: examples[1].units: 只有全縣示例才列 units",
		"examples.bad.yaml:17:28: 規則 e.unit: examples[1].prev: 指標目錄（indicators.yaml）裡沒有 membres；是不是 members？",
		"examples.bad.yaml:17:59: 規則 e.unit: examples[1].values.members: 「ten」不是數字",
	},
	"verdict.bad.yaml": {
		"verdict.bad.yaml:9:9: 規則 e.wrong_verdict: examples[1]: 應該 fail，實際 pass",
	},
	"runtime.bad.yaml": {
		"runtime.bad.yaml:12:9: 規則 t.runtime: examples[2]: 應該 fail，實際 error（運行時出錯：runtime error: integer divide by zero）",
		"runtime.bad.yaml:6:11: 規則 t.runtime: expr: 執行時出錯（「鄉鎮」類單位，每個數字都是空白，沒有上一期）：runtime error: integer divide by zero",
	},
	"probe.bad.yaml": {
		"probe.bad.yaml:6:11: 規則 p.modulo: expr: 執行時出錯（「鄉鎮」類單位，每個數字都是空白，沒有上一期）：runtime error: integer divide by zero",
		"probe.bad.yaml:15:11: 規則 p.kind_map: expr: 執行時出錯（「縣直」類單位，每個數字都是10，沒有上一期）：invalid operation: <nil> <= float64",
		"probe.bad.yaml:24:11: 規則 p.no_prev: expr: 執行時出錯（「鄉鎮」類單位，每個數字都是10，沒有上一期）：index out of range",
		"probe.bad.yaml:33:11: 規則 p.large: expr: 執行時出錯（「鄉鎮」類單位，每個數字都是1e12，沒有上一期）：memory budget exceeded",
		"probe.bad.yaml:42:11: 規則 p.text: expr: 執行時出錯（「鄉鎮」類單位，每個數字都是1e12，沒有上一期）：invalid operation: int(1e+12)",
		"probe.bad.yaml:42:11: 規則 p.text: expr: 執行時出錯（「鄉鎮」類單位，每個數字都是0.5，沒有上一期）：invalid operation: int(0.5)",
		"probe.bad.yaml:52:11: 規則 p.each: expr: 執行時出錯（「鄉鎮」類單位，每個數字都是空白，沒有上一期）：runtime error: integer divide by zero",
		"probe.bad.yaml:72:11: 規則 p.first_unit: expr: 執行時出錯（沒有單位）：index out of range",
	},
	"message.bad.yaml": {
		"message.bad.yaml:8:14: 規則 m.old: message: 數字前面要寫點：請把 {{problems_solved}} → {{.problems_solved}}、{{prev.problems_found}} → {{.prev.problems_found}}",
		"message.bad.yaml:14:14: 規則 m.syntax: message: 不是有效的模板，請檢查 {{ 和 }} 是否成對（text/template 的說明：bad character U+3002 '。'）",
		"message.bad.yaml:15:10: 規則 m.syntax: fix: {{round}} 既不是函數，也不是可用的數（.代碼、.prev.代碼、.has_prev 或 .unit.項目）",
		"message.bad.yaml:21:14: 規則 m.names: message: {{.prev}} 不是可用的數（.代碼、.prev.代碼、.has_prev、.unit.項目、.value、.prev_value 或 .label）",
		"message.bad.yaml:21:14: 規則 m.names: message: {{.unit.phone}} 不是可用的數（.代碼、.prev.代碼、.has_prev、.unit.項目、.value、.prev_value 或 .label）",
		"message.bad.yaml:21:14: 規則 m.names: message: {{.help_fund}}：指標目錄（indicators.yaml）裡沒有 help_fund；是不是 help_funds？",
		"message.bad.yaml:21:14: 規則 m.names: message: {{.total.members}} 不是可用的數（.代碼、.prev.代碼、.has_prev、.unit.項目、.value、.prev_value 或 .label）",
		"message.bad.yaml:22:10: 規則 m.names: fix: {{.}} 是所有的數；請寫出一個可用的數（.代碼、.prev.代碼、.has_prev、.unit.項目、.value、.prev_value 或 .label）",
		"message.bad.yaml:27:14: 規則 m.type: message: 試運行出錯（text/template 的說明：{{.unit.name}}: wrong type for value; expected float64; got string）",
		"message.bad.yaml:28:10: 規則 m.type: fix: 試運行出錯（單位沒有上一期時；上一期的數請寫在 {{if .has_prev}}…{{end}} 裡）（text/template 的說明：{{.prev.help_funds}}: invalid value; expected float64）",
		"message.bad.yaml:33:14: 規則 m.blocks: message: {{range}}：提示裡沒有可以逐個重複的列表",
		"message.bad.yaml:33:14: 規則 m.blocks: message: {{template}} 只用在簡報模板裡；提示是一段話",
		"message.bad.yaml:34:10: 規則 m.blocks: fix: {{define}} 和 {{block}} 只用在簡報模板裡；提示是一段話",
		"message.bad.yaml:40:14: 規則 m.county: message: {{.total.problems_fund}}：指標目錄（indicators.yaml）裡沒有 problems_fund；是不是 problems_found？",
		"message.bad.yaml:40:14: 規則 m.county: message: {{.members}} 不是全縣規則可用的數（.total.代碼 或 .units）",
		"message.bad.yaml:40:14: 規則 m.county: message: {{.prev.members}} 不是全縣規則可用的數（.total.代碼 或 .units）",
	},
	"syntax.bad.yaml": {
		"syntax.bad.yaml:1: 不是有效的 YAML，請檢查這一行的縮進、冒號和引號（YAML 的說明：did not find expected ',' or ']'）",
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
