// Package templates holds the default briefing templates and the helpers
// they call. The templates write a small block markup (see briefing.tmpl)
// that the render package sets as PDF and as plain text; an office
// overrides any file by putting one of the same name in the workspace's
// templates folder.
//
// The helpers write figures the way Chinese official prose does: counts in
// Arabic digits (227), approximate totals floored to a round figure with
// 餘 (1536 → 1500餘; 1500余 once converted to Simplified), money in 萬 with one decimal (113000 → 11.3萬),
// per-member figures as a floor (5123 → 5000, for 「5000字以上」). A figure
// that does not exist (a ratio over a zero denominator) reaches them as
// NaN and every helper writes Absent (—) for it.
//
// # Figures
//
// The view knows no indicator and no kind of unit by name; a template
// names them, and a name the catalogue or registry lacks fails the trial
// run at load (validate), at the template's file and line:
//
//	.All "code"               county figure, in the indicator's measure word
//	.Kind "鄉鎮" "code"        figure over the units of one kind
//	.Reached "code"           units that reported it non-zero (a number of units)
//	.KindReached "鄉鎮" "code" the same within one kind
//	.Change "code"            "，比上期增加12個", or nothing
//
// A briefing can also walk the catalogue without naming codes:
//
//	{{range .Sections}}{{.Name}}{{range .Groups}}{{.Name}}{{range .Indicators}}
//	  {{.Label}}{{.Text}}{{.Measure}}{{.Change}}{{range .Kinds}}{{.Kind}}{{.Text}}{{end}}
//	{{end}}{{end}}{{end}}
//
// Each section has Name, Groups (a section without groups has one group
// with no name) and Indicators; indicators outside any section come last
// in a section with no name, and .Indicators lists them all. Each
// indicator has Code, Label, Measure, Places, Value (NaN when absent),
// Text (the figure with its places, or —), Kinds (Kind, Value, Text per
// kind of unit, in the registry's order), Change and Reached.
//
// # Tables and charts
//
// Tables and charts are declared in the markup; arguments are key=value
// words before the caption (no spaces inside a value):
//
//	.table [indicators=a,b,…] [by=kind|none] [group=HEAD] [total=HEAD] CAPTION
//
// A row per indicator (all of them when indicators= is left out) under a
// heading row per section (一、…), with the label, the measure word, the
// county figure in a column headed total= (合計 by default) and, with
// by=kind (the default), a column per kind of unit. group= adds a first
// column, headed HEAD, with each indicator's group.
//
//	.chart bar indicators=a,b,… CAPTION
//
// A group of bars per kind of unit, a bar per indicator.
//
//	.chart reporting CAPTION
//
// A group of bars per kind of unit, a bar per reporting state that occurs:
// each group adds up to the units of its kind.
//
//	.chart line indicators=a,b,… CAPTION
//
// A line per indicator of its county figure over the periods: a point for
// each earlier period (the latest issue of that period, as the ledger
// numbered them) and one for this issue, labelled by period, at most the
// last 12, with the figure at each point in the indicator's places. A
// period whose issue lacks the figure (an indicator added since, a ratio
// over nothing) is a gap in the line, printed —, never 0; the first issue
// draws one point. by= does not apply. The text twin lists the same
// figures, a line per period.
package templates
