package main

import (
	"bytes"
	"context"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"unicode"

	"countybrief/pipeline"
	"countybrief/pipeline/vocab"
	"countybrief/pipeline/vocab/englishtest"
	"countybrief/pipeline/workspace"
)

// helpers take a message key as their first argument (after a writer for
// printf and println).
var helpers = map[string]int{"tr": 0, "usageError": 0, "errorf": 0, "N": 0, "printf": 1, "println": 1}

// TestEveryMessageHasEnglish fails when a user-facing string of the
// command has no English: every string literal with a Chinese character
// in the command's code must be a key passed to a printing helper, and
// every such key must be in the English catalogue, and no key may be
// written in English.
func TestEveryMessageHasEnglish(t *testing.T) {
	have := map[string]bool{}
	for _, m := range allEnglish() {
		if have[m.zh] {
			t.Errorf("%q is twice in the English catalogue", m.zh)
		}
		have[m.zh] = true
	}
	used := map[string]bool{}
	files, _ := filepath.Glob("*.go")
	fset := token.NewFileSet()
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") || strings.HasPrefix(name, "messages_") && strings.HasSuffix(name, "_en.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, parser.SkipObjectResolution)
		if err != nil {
			t.Fatal(err)
		}
		keys := map[*ast.BasicLit]bool{}
		englishtest.HelperArgs(f, helpers, func(_ *ast.CallExpr, _ string, arg ast.Expr) {
			if lit, ok := arg.(*ast.BasicLit); ok && lit.Kind == token.STRING {
				keys[lit] = true
			}
		})
		ast.Inspect(f, func(n ast.Node) bool {
			lit, ok := n.(*ast.BasicLit)
			if !ok || lit.Kind != token.STRING {
				return true
			}
			s, err := strconv.Unquote(lit.Value)
			if err != nil {
				return true
			}
			if !strings.ContainsFunc(s, isCJK) {
				// A key is the Traditional text: an English key
				// would print English to every office.
				if keys[lit] && strings.ContainsFunc(s, unicode.IsLetter) && !formatOnly(s) {
					t.Errorf("%s: %q is a message key written in English", fset.Position(lit.Pos()), s)
				}
				return true
			}
			switch {
			case strings.Contains(s, "%q"):
				t.Errorf("%s: %q quotes in English inside Chinese; write 「%%s」", fset.Position(lit.Pos()), s)
			case !keys[lit]:
				t.Errorf("%s: %q is printed without the catalogue", fset.Position(lit.Pos()), s)
			case !have[s]:
				t.Errorf("%s: %q has no English", fset.Position(lit.Pos()), s)
			}
			used[s] = true
			return true
		})
	}
	for k := range have {
		if !used[k] {
			t.Errorf("%q is in the English catalogue but no longer printed", k)
		}
	}
}

// formatOnly reports a key that is only verbs and punctuation ("%s: %v"),
// the same in every language.
func formatOnly(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] == '%' {
			// skip flags, width and precision, then the verb
			for i++; i < len(s) && strings.IndexByte("+-# 0123456789.", s[i]) >= 0; i++ {
			}
			continue
		}
		if unicode.IsLetter(rune(s[i])) {
			return false
		}
	}
	return true
}

func isCJK(r rune) bool {
	return unicode.Is(unicode.Han, r) || (r >= 0x3000 && r <= 0x303f) || (r >= 0xff00 && r <= 0xffef)
}

// The same usage error in each language the program speaks, chosen by
// --lang before or after the command, the locale, or config.yaml.
func TestLanguageChoice(t *testing.T) {
	hans := t.TempDir()
	if err := os.WriteFile(filepath.Join(hans, "config.yaml"), []byte("language: zh-Hans\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	locale := func(lang string) func(string) string {
		return func(v string) string {
			if v == "LANG" {
				return lang
			}
			return ""
		}
	}
	for _, tt := range []struct {
		args   []string
		getenv func(string) string
		want   string
	}{
		{[]string{"history"}, nil, "請寫一個單位代碼或名稱"},
		{[]string{"--lang", "en", "history"}, nil, "name one unit code or name"},
		{[]string{"history", "--lang=en"}, nil, "name one unit code or name"},
		{[]string{"history"}, locale("en_GB.UTF-8"), "name one unit code or name"},
		{[]string{"history"}, locale("zh_CN.UTF-8"), "請寫一個單位代碼或名稱"},
		{[]string{"history", "--workspace", hans}, nil, "请写一个单位代码或名称"},
		{[]string{"history", "--workspace", hans, "--lang", "en"}, nil, "name one unit code or name"},
		{[]string{"--lang", "fr", "history"}, nil, "--lang 只能是 en、zh-Hant 或 zh-Hans"},
		{[]string{"init", "--lang=zh-CN", "ws"}, nil, "--lang 只能是 en、zh-Hant 或 zh-Hans"},
	} {
		var out bytes.Buffer
		code := run(context.Background(), tt.args, &env{stdout: &out, stderr: &out, getenv: tt.getenv})
		if code != 2 || !strings.Contains(out.String(), tt.want) {
			t.Errorf("%v: exit %d, %q; want 2 and %q", tt.args, code, out.String(), tt.want)
		}
	}
}

// englishWords are words that give away a sentence left in English.
var englishWords = regexp.MustCompile(`(?i)\b(usage|the|flag|default|string|provided|unknown|takes|arguments|must|should|name a|of|is)\b`)

// TestEveryCommandSpeaksItsLanguage walks every command as a person
// meets it: the command list, each command's help, a flag it does not
// have, a flag without its value, and a command that does not exist, in
// each language. Traditional and Simplified output has no English
// sentence, Simplified none of Traditional's characters, English none
// of Chinese punctuation (the office's own words, such as a shipped
// report's title, may stay Chinese).
func TestEveryCommandSpeaksItsLanguage(t *testing.T) {
	conv, err := workspace.Converter(workspace.Simplified)
	if err != nil {
		t.Fatal(err)
	}
	t.Chdir(t.TempDir()) // a command that runs after all runs here
	runs := [][]string{{}, {"help"}, {"frobnicate"}}
	for _, c := range commands() {
		if c.name == "serve" || c.name == "web" {
			continue // another desk's; its own tests walk it
		}
		runs = append(runs, []string{c.name, "-h"}, []string{c.name, "--bogus"}, []string{c.name, "--workspace"})
	}
	runs = append(runs, []string{"rules"}, []string{"rules", "frob"}, []string{"rules", "check", "-h"}, []string{"rules", "check", "extra"},
		[]string{"ledger"}, []string{"ledger", "frob"}, []string{"ledger", "rebuild", "-h"}, []string{"ledger", "rebuild", "extra"})
	// A fresh office's success lines, on an office of the language's
	// script (an English speaker's office is Traditional).
	for _, lang := range []string{workspace.Traditional, workspace.Simplified} {
		if code, out := inProcess("init", "--lang", lang, lang); code != 0 {
			t.Fatalf("init: %s", out)
		}
	}
	runs = append(runs, []string{"validate", "--workspace", "WS"}, []string{"rules", "check", "--workspace", "WS"},
		[]string{"rules", "test", "--workspace", "WS"}, []string{"status", "--workspace", "WS"})
	for _, lang := range []string{workspace.Traditional, workspace.Simplified, English} {
		for _, args := range runs {
			ws := lang
			if lang == English {
				ws = workspace.Traditional
			}
			args = slices.Clone(args)
			if i := slices.Index(args, "WS"); i >= 0 {
				args[i] = ws
			}
			_, out := inProcess(append([]string{"--lang", lang}, args...)...)
			// Flag names, command names and config keys are the same in
			// every language.
			text := regexp.MustCompile(`-[a-z-]+|countybrief [a-z-]+|[a-z_]+\.yaml|[a-z_]+_[a-z_]+`).ReplaceAllString(out, "")
			switch lang {
			case English:
				// The font advice is render's and has no English yet.
				text = regexp.MustCompile(`(?m)^: fonts\..*$`).ReplaceAllString(text, "")
				if i := strings.IndexAny(text, "：，；。"); i >= 0 {
					t.Errorf("%s %v: Chinese in English: %q", lang, args, out)
				}
			default:
				if m := englishWords.FindString(text); m != "" {
					t.Errorf("%s %v: %q is English:\n%s", lang, args, m, out)
				}
				if lang == workspace.Simplified && conv(out) != out {
					t.Errorf("%s %v: Traditional characters in Simplified:\n%s", lang, args, out)
				}
			}
		}
	}
}

// A command run outside a workspace says so in one sentence and what to
// do, in the user's language, rather than list three unreadable files.
func TestOutsideAWorkspace(t *testing.T) {
	dir := t.TempDir()
	for _, tt := range []struct {
		lang, want string
	}{
		{workspace.Traditional, "不是工作區（裡面沒有 config.yaml）"},
		{workspace.Simplified, "不是工作区（里面没有 config.yaml）"},
		{English, "is not a workspace (it has no config.yaml)"},
	} {
		for _, cmd := range []string{"validate", "run", "status", "template"} {
			code, out := inProcess("--lang", tt.lang, cmd, "--workspace", dir)
			if code != 2 || !strings.Contains(out, tt.want) || strings.Contains(out, "units.yaml") {
				t.Errorf("%s %s: exit %d, %q; want 2 and %q", tt.lang, cmd, code, out, tt.want)
			}
		}
	}
}

// The run summary passes the library's words (a finding, the font
// advice) to a Simplified reader in Simplified.
func TestRunSummaryInTheUsersScript(t *testing.T) {
	var out bytes.Buffer
	e := &env{stdout: &out, stderr: &out, lang: workspace.Simplified}
	printSummary(e, &out, &pipeline.Summary{Period: "2008-12",
		Files: []pipeline.FileResult{{Name: "表.xlsx", Unit: "Z01", Status: vocab.FileRejected,
			Findings: []vocab.Finding{{Severity: vocab.Error, Message: "「黨員人數」是必填項", Fix: "請填寫人數"},
				{Rule: "form.required", Severity: vocab.Error, Sheet: "填報表", Cell: "C13", Message: "「戶數」沒有填寫"},
				{Rule: "unit.ratio", Severity: vocab.Warning, Sheet: "填報表", Cell: "C13", Message: "規則「比例」未檢查"}}}},
		Fonts: []vocab.Text{{Zh: "小標宋（報頭、標題）沒有找到合用的字體"}}}, "全縣")
	if strings.Contains(out.String(), "未检查") {
		t.Errorf("a rule waiting on an unread cell has a line of its own:\n%s", out.String())
	}
	for _, want := range []string{"「党员人数」是必填项 怎样改：请填写人数", "字体：小标宋（报头、标题）没有找到合用的字体", "「户数」没有填写（改好后还要按 1 条审核规则检查这一格）"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("summary lacks %q:\n%s", want, out.String())
		}
	}
}

// The run summary names a finding on the total by config.yaml's area:
// (全市 at a city), in the user's script.
func TestRunSummaryNamesTheArea(t *testing.T) {
	tests := []struct{ lang, area, want string }{
		{workspace.Traditional, "全縣", "全縣審核：【提示】全縣問題解決率低於六成"},
		{workspace.Traditional, "全市", "全市審核：【提示】全縣問題解決率低於六成"},
		{workspace.Simplified, "全縣", "全县审核：【提示】全县问题解决率低于六成"},
	}
	for _, tt := range tests {
		var out bytes.Buffer
		e := &env{stdout: &out, stderr: &out, lang: tt.lang}
		printSummary(e, &out, &pipeline.Summary{Period: "2008-12",
			CountyFindings: []vocab.Finding{{Rule: "county.solved_ratio", Severity: vocab.Warning, Message: "全縣問題解決率低於六成"}}}, tt.area)
		if !strings.Contains(out.String(), tt.want) {
			t.Errorf("%s %s: summary lacks %q:\n%s", tt.lang, tt.area, tt.want, out.String())
		}
	}
}

// A broken rule file stops every command that loads the rules the way
// validate reports it: exit 2, the heading, then one line per problem
// naming file, line, rule and field, in the user's language.
func TestBrokenRuleFileStopsEveryCommandAlike(t *testing.T) {
	t.Chdir(t.TempDir())
	if code, out := inProcess("init", "ws"); code != 0 {
		t.Fatal(out)
	}
	f, err := os.OpenFile(filepath.Join("ws", "rules", "unit.yaml"), os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	_, err = f.WriteString("  - id: my.check\n    description: 測試\n    severity: fatal\n    expr: problems_solved <= 1\n    message: 太多\n    fix: 改\n")
	f.Close()
	if err != nil {
		t.Fatal(err)
	}
	place := regexp.MustCompile(`rules/unit\.yaml:\d+:\d+: `)
	for _, tt := range []struct{ lang, heading, problem string }{
		{workspace.Traditional, "工作區的文件有問題：\n", "規則 my.check: severity: 「fatal」只能是"},
		{English, "the workspace files have problems:\n", `rule my.check: severity: "fatal" must be`},
	} {
		for _, cmd := range []string{"validate", "run", "publish"} {
			code, out := inProcess("--lang", tt.lang, cmd, "--workspace", "ws")
			if code != 2 || !strings.Contains(out, tt.heading) || !strings.Contains(out, tt.problem) || !place.MatchString(out) || strings.Contains(out, "load rules") {
				t.Errorf("%s %s: exit %d:\n%s", tt.lang, cmd, code, out)
			}
		}
	}
}
