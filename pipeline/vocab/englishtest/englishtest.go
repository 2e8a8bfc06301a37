// Package englishtest keeps a package's English table (vocab.English)
// complete: the test of every package that writes sentences with
// vocab.English.Say calls Check.
package englishtest

import (
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"unicode"

	"countybrief/pipeline/vocab"
)

// Check fails when a sentence the package in dir writes has no English,
// when one is written in English (the office reads Chinese), when one
// quotes with %q inside Chinese (「%s」 is the office's quote), or when an
// entry of english is no longer used. helpers are the functions a format
// is given to, by name, with the index of the format among their
// arguments; every such format with a letter in it must be Chinese and
// have an entry with the same verbs. A helper passing on a parameter
// called format is the helper's own business, and skipped.
func Check(t testing.TB, dir string, helpers map[string]int, english vocab.English) {
	t.Helper()
	used := map[string]bool{}
	files, err := filepath.Glob(filepath.Join(dir, "*.go"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no Go files in %s (%v)", dir, err)
	}
	fset := token.NewFileSet()
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, parser.SkipObjectResolution)
		if err != nil {
			t.Fatal(err)
		}
		HelperArgs(f, helpers, func(call *ast.CallExpr, fn string, arg ast.Expr) {
			if id, ok := arg.(*ast.Ident); ok && id.Name == "format" {
				return
			}
			lit, ok := arg.(*ast.BasicLit)
			if !ok || lit.Kind != token.STRING {
				t.Errorf("%s: %s is given a format that is not a literal", fset.Position(call.Pos()), fn)
				return
			}
			s, _ := strconv.Unquote(lit.Value)
			if !strings.ContainsFunc(withoutVerbs(s), unicode.IsLetter) {
				// Verbs and punctuation: English only where the
				// punctuation is Chinese.
				used[s] = true
				if _, ok := english[s]; !ok && strings.ContainsFunc(s, func(r rune) bool { return r > unicode.MaxASCII }) {
					t.Errorf("%s: %q has no English", fset.Position(lit.Pos()), s)
				}
				return
			}
			if !strings.ContainsFunc(s, func(r rune) bool { return unicode.Is(unicode.Han, r) }) {
				t.Errorf("%s: %q is written in English", fset.Position(lit.Pos()), s)
				return
			}
			used[s] = true
			if strings.Contains(s, "%q") {
				t.Errorf("%s: %q quotes in English inside Chinese; write 「%%s」", fset.Position(lit.Pos()), s)
			}
			en, ok := english[s]
			switch {
			case !ok:
				t.Errorf("%s: %q has no English", fset.Position(lit.Pos()), s)
			case Verbs(en) != Verbs(s):
				t.Errorf("%q: the English %q has other verbs", s, en)
			}
		})
	}
	for k := range english {
		if !used[k] {
			t.Errorf("%q is in the English table but nothing is written with it", k)
		}
	}
}

// HelperArgs calls visit with every call in f to a function named in
// helpers, by its name, and the argument at the helper's index; a call
// with fewer arguments is not a helper's.
func HelperArgs(f *ast.File, helpers map[string]int, visit func(call *ast.CallExpr, fn string, arg ast.Expr)) {
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
		if i, ok := helpers[fn]; ok && len(call.Args) > i {
			visit(call, fn, call.Args[i])
		}
		return true
	})
}

// Verbs are the formatting verbs of a format, in order, %q as %s.
func Verbs(format string) string {
	var b strings.Builder
	for i := 0; i < len(format); i++ {
		if format[i] != '%' {
			continue
		}
		for i++; i < len(format) && strings.IndexByte("+-# 0123456789.", format[i]) >= 0; i++ {
		}
		if i < len(format) {
			// A Chinese 「%s」 is an English %q.
			b.WriteByte(strings.NewReplacer("q", "s").Replace(format[i : i+1])[0])
		}
	}
	return b.String()
}

// withoutVerbs is a format with its verbs taken out.
func withoutVerbs(format string) string {
	var b strings.Builder
	for i := 0; i < len(format); i++ {
		if format[i] != '%' {
			b.WriteByte(format[i])
			continue
		}
		for i++; i < len(format) && strings.IndexByte("+-# 0123456789.", format[i]) >= 0; i++ {
		}
	}
	return b.String()
}
