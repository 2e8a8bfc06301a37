// Package form writes the XLSX form a unit fills in, reads a filled form
// back into a Submission with findings, and writes the 退回 copy that shows
// a unit which cells to correct.
//
// The form is one sheet, 填報表: an identity block (單位代碼, 單位名稱 and
// 報送期 prefilled and locked), then one row per input indicator with its
// code in a column of its own. Read finds rows by that code, so a clerk who
// inserts, moves or hides rows does not break it; it falls back to the label
// when a code cell was deleted, and finds the form sheet by content, so a
// renamed sheet or an extra sheet is harmless.
//
// Read never returns an error for bad content: everything wrong with a file,
// down to "this is a PDF", is a rules.Finding with a Chinese message and fix.
// The error is kept for I/O trouble. Every excelize call on a received file
// runs behind a guard that turns a library panic into a finding, because a
// malformed file must not stop the batch.
//
// The sheet is protected (SHA-512) against accidental edits, not against a
// determined clerk: the password is sheetPassword in write.go.
package form
