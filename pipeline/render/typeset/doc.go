// Package typeset sets Chinese text the way a careful typesetter would on
// the GB/T 9704 grid: its own line breaker (fpdf's MultiCell drops a CJK
// character at every automatic break, so no line is left to it), and the
// fonts — found by role, taken from TrueType collections face by face,
// chained for per-character fallback and checked for coverage before
// anything is drawn.
//
// CJK faces run to 5–20 MB each and a process finds nine, of which a
// briefing draws from a few and from those a few hundred glyphs. So a face
// is found by reading its directory, character map and widths only, and is
// embedded from a subset holding the glyphs a render draws, read from the
// file the first time they are drawn and kept for the next render.
//
// Break is pure: it takes runes and a width function and returns lines with
// the x position of every rune, so the PDF renderer only draws.
package typeset
