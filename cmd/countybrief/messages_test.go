package main

import (
	"bytes"
	"context"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"unicode"
)

// helpers take a message key as their first argument (after a writer for
// printf and println).
var helpers = map[string]int{"tr": 0, "usageError": 0, "errorf": 0, "N": 0, "printf": 1, "println": 1}

// TestEveryMessageHasEnglish fails when a user-facing string of the
// command has no English: every string literal with a Chinese character
// in the command's code must be a key passed to a printing helper, and
// every such key must be in the English catalogue. cmd_fonts.go is
// another engineer's file and still prints untranslated.
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
		if strings.HasSuffix(name, "_test.go") || name == "cmd_fonts.go" || name == "messages_en.go" {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, parser.SkipObjectResolution)
		if err != nil {
			t.Fatal(err)
		}
		keys := map[*ast.BasicLit]bool{}
		ast.Inspect(f, func(n ast.Node) bool {
			call, ok := n.(*ast.CallExpr)
			if !ok {
				return true
			}
			var fn string
			switch f := call.Fun.(type) {
			case *ast.Ident:
				fn = f.Name
			case *ast.SelectorExpr:
				fn = f.Sel.Name
			}
			i, ok := helpers[fn]
			if !ok || len(call.Args) <= i {
				return true
			}
			if lit, ok := call.Args[i].(*ast.BasicLit); ok && lit.Kind == token.STRING {
				keys[lit] = true
			}
			return true
		})
		ast.Inspect(f, func(n ast.Node) bool {
			lit, ok := n.(*ast.BasicLit)
			if !ok || lit.Kind != token.STRING {
				return true
			}
			s, err := strconv.Unquote(lit.Value)
			if err != nil || !strings.ContainsFunc(s, isCJK) {
				return true
			}
			switch {
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
	} {
		var out bytes.Buffer
		code := run(context.Background(), tt.args, &env{stdout: &out, stderr: &out, getenv: tt.getenv})
		if code != 2 || !strings.Contains(out.String(), tt.want) {
			t.Errorf("%v: exit %d, %q; want 2 and %q", tt.args, code, out.String(), tt.want)
		}
	}
}
