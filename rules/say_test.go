package rules

import (
	"errors"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"unicode"

	"countybrief/pipeline/vocab"
)

// TestEveryProblemHasEnglish fails when a problem the package writes has
// no English, when a problem is written in English (the office reads
// Chinese), or when an English entry is no longer used: every format
// given to add or say with a letter in it must be Chinese and have an
// entry in english with the same verbs.
func TestEveryProblemHasEnglish(t *testing.T) {
	helpers := map[string]int{"add": 2, "say": 0}
	used := map[string]bool{}
	files, _ := filepath.Glob("*.go")
	fset := token.NewFileSet()
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, parser.SkipObjectResolution)
		if err != nil {
			t.Fatal(err)
		}
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
			if id, ok := call.Args[i].(*ast.Ident); ok && id.Name == "format" {
				return true // add passing its format on to say
			}
			lit, ok := call.Args[i].(*ast.BasicLit)
			if !ok || lit.Kind != token.STRING {
				t.Errorf("%s: %s is given a format that is not a literal", fset.Position(call.Pos()), fn)
				return true
			}
			s, _ := strconv.Unquote(lit.Value)
			if !strings.ContainsFunc(withoutVerbs(s), unicode.IsLetter) {
				// Verbs and punctuation: English only where the
				// punctuation is Chinese.
				used[s] = true
				if _, ok := english[s]; !ok && strings.ContainsFunc(s, func(r rune) bool { return r > unicode.MaxASCII }) {
					t.Errorf("%s: problem %q has no English", fset.Position(lit.Pos()), s)
				}
				return true
			}
			if !strings.ContainsFunc(s, func(r rune) bool { return unicode.Is(unicode.Han, r) }) {
				t.Errorf("%s: problem %q is written in English", fset.Position(lit.Pos()), s)
				return true
			}
			used[s] = true
			if strings.Contains(s, "%q") {
				t.Errorf("%s: %q quotes in English inside Chinese; write 「%%s」", fset.Position(lit.Pos()), s)
			}
			en, ok := english[s]
			switch {
			case !ok:
				t.Errorf("%s: problem %q has no English", fset.Position(lit.Pos()), s)
			case verbs(en) != verbs(s):
				t.Errorf("%q: the English %q has other verbs", s, en)
			}
			return true
		})
	}
	for k := range english {
		if !used[k] {
			t.Errorf("%q is in english but no problem is written with it", k)
		}
	}
}

// verbs are the formatting verbs of a format, in order, %q as %s.
func verbs(format string) string {
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

// Every problem of a broken rule file has its English, nested sentences
// and the library's detail included, and no English problem leaves any
// Chinese of the program's behind (the office's own words, such as a kind
// of unit, may stay).
func TestProblemsInEnglish(t *testing.T) {
	ws := testWorkspace(t)
	for _, tt := range []struct{ file, want string }{
		{"misc.bad.yaml", "misc.bad.yaml:3:11: expr: not a valid expression (expr says: expected bool, but got float64)"},
		{"problems.bad.yaml", `problems.bad.yaml:11:15: rule b.dup: severity: "fatal" must be error (returned), warning (flagged) or explain (explained)`},
		{"message.bad.yaml", "message.bad.yaml:15:10: rule m.syntax: fix: {{round}} is neither a helper nor a figure (.<code>, .prev.<code>, .has_prev or .unit.<field>)"},
		{"examples.bad.yaml", "examples.bad.yaml:9:59: rule e.county: examples[1].units[1].values: the catalogue (indicators.yaml) has no member; did you mean members?"},
	} {
		dir := t.TempDir()
		data, err := os.ReadFile(filepath.Join("testdata", tt.file))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, tt.file), data, 0o644); err != nil {
			t.Fatal(err)
		}
		_, err = LoadDir(dir, ws.Catalogue, ws.Kinds)
		var ps vocab.Problems
		if !errors.As(err, &ps) {
			t.Fatalf("%s: %v", tt.file, err)
		}
		found := false
		for _, p := range ps {
			en := p.English()
			found = found || strings.HasSuffix(en, tt.want)
			if p.En == "" || strings.ContainsAny(p.En, "請應該沒有不是缺少，：（") {
				t.Errorf("%s: no English: %s", tt.file, en)
			}
		}
		if !found {
			t.Errorf("%s: no problem reads %q:\n%s", tt.file, tt.want, englishOf(ps))
		}
	}
}

func englishOf(ps vocab.Problems) string {
	var b strings.Builder
	for _, p := range ps {
		b.WriteString(p.English() + "\n")
	}
	return b.String()
}
