// Package examples holds the complete reports an office can start from
// with `countybrief init --example NAME`. Each example is a folder of the
// files in which it differs from the built-in defaults (config.yaml,
// units.yaml, indicators.yaml, rules/, templates/); the defaults are the
// campaign's report, so the campaign has no folder here and no file is
// kept twice.
//
// Nothing here is Go knowledge of a report: the program reads these files
// exactly as it reads an office's own, which is what the tests of the
// examples prove. The package imports nothing of this module, so that any
// layer may list the examples.
package examples

import (
	"embed"
	"fmt"
	"io/fs"
	"strings"
)

// Campaign is the example that the built-in defaults are, and the report
// `init` lays out when no example is named.
const Campaign = "campaign"

// Example is one shipped report.
type Example struct {
	Name string
	// Title says in a few words what the report is, for the office
	// choosing one.
	Title string
	// Files are the example's own files, as they go into a workspace
	// (rules/unit.yaml…); nil when the defaults are the whole report.
	Files fs.FS
}

//go:embed safety city
var files embed.FS

var list = []Example{
	{Name: Campaign, Title: "學習實踐活動「四個一」進展簡報（默認）"},
	{Name: "safety", Title: "每月安全生產大檢查簡報", Files: sub("safety")},
	{Name: "city", Title: "市活動辦匯總各縣（區）上報表的學習實踐活動簡報", Files: sub("city")},
}

func sub(dir string) fs.FS {
	f, err := fs.Sub(files, dir)
	if err != nil {
		panic(err) // dir is a literal embedded above
	}
	return f
}

// All lists the examples, the default first.
func All() []Example { return append([]Example(nil), list...) }

// Lookup returns the example with the name; the error lists the names
// there are, for the clerk who mistyped one.
func Lookup(name string) (Example, error) {
	var names []string
	for _, e := range list {
		if e.Name == name {
			return e, nil
		}
		names = append(names, fmt.Sprintf("%s（%s）", e.Name, e.Title))
	}
	return Example{}, fmt.Errorf("沒有名為「%s」的示例報表；可選：%s", name, strings.Join(names, "、"))
}
