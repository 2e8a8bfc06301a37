// Package templates holds the default briefing templates and the helpers
// they call. The templates write a small block markup (see briefing.tmpl)
// that the render package sets as PDF and as plain text; an office
// overrides any file by putting one of the same name in the workspace's
// templates folder.
//
// The helpers write figures the way Chinese official prose does: counts in
// Arabic digits (227), approximate totals floored to a round figure with
// 余 (1536 → 1500余), money in 萬 with one decimal (113000 → 11.3萬),
// per-member figures as a floor (5123 → 5000, for 「5000字以上」).
package templates
