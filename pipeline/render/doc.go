// Package render turns a period's checked figures into what the office
// sends out: the briefing as a PDF set on the GB/T 9704 grid and as its
// plain-text twin (the same words in the same order), the totals workbook,
// the chase list (催報 and 退回) and, for the office alone, the 審核報告
// with every finding: the briefing carries counts and few names, never
// what a unit's file got wrong.
//
// The words come from text/template files (package templates, overridden
// per workspace) that write a small block markup; this package sets the
// blocks. Every line of Chinese is broken by package typeset and placed
// glyph by glyph, since fpdf's own line breaking drops characters.
// Output is deterministic: two renders of one Briefing are byte-identical.
//
// Writers are plain io.Writers; the caller makes files atomic.
package render
