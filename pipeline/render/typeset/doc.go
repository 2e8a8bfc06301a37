// Package typeset sets Chinese text the way a careful typesetter would on
// the GB/T 9704 grid: its own line breaker (fpdf's MultiCell drops a CJK
// character at every automatic break, so no line is left to it), and the
// fonts — found by role, extracted from TrueType collections, chained for
// per-character fallback and checked for coverage before anything is drawn.
//
// Break is pure: it takes runes and a width function and returns lines with
// the x position of every rune, so the PDF renderer only draws.
package typeset
