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
// The rows follow the catalogue whatever its shape: a section is a
// heading row (一、…), a group one merged cell in column A over its rows
// (小類), and a catalogue without groups numbers its rows there (序號).
// Derived indicators have no row. A unit's prefill (units.yaml) is in its
// rows, marked in 說明. Only the value cells are unlocked, each with a
// validation rule of its type (whole number or decimal, at least 0) that
// the spreadsheet program enforces while the clerk types.
//
// A second sheet, MetaSheet, very hidden and protected, holds the
// catalogue's version and the code, type and label of every input. A
// form of another version is read, with a warning, when every input it
// has still is one of the same type (an optional input added since is
// read as blank); otherwise it is rejected naming each indicator added,
// retired or retyped. A form without the sheet, made before it existed,
// is read by its codes as before.
//
// Read never returns an error for bad content: everything wrong with a file,
// down to "this is a PDF", is a vocab.Finding with a Chinese message and fix.
// The error is kept for I/O trouble. Every excelize call on a received file
// runs behind a guard that turns a library panic into a finding, because a
// malformed file must not stop the batch.
//
// The sheet is protected against accidental edits, not against a determined
// clerk, and without a password: the password used to be a constant printed
// in this source, so it kept no one out, and its SHA-512 hash with 100,000
// spins cost about 100 ms a form, which a county-sized sample or a
// benchmark of 7,300 forms pays for nothing. A protected sheet without a
// password still keeps its locked cells locked in Excel, WPS and
// LibreOffice; unprotecting it is a deliberate menu command.
//
// Read has two readers behind one small interface (workbook), over which
// the form is read once: the identity block, the rows found by code or
// label, the numbers and the findings. The fast one, package xlsxscan,
// opens the zip itself and scans the parts with a strict XML scanner; it
// costs about a quarter of the CPU and a seventh of the memory of
// excelize, must read every file exactly as excelize does, and gives up
// (xlsxscan.ErrUnsupported) on whatever it cannot vouch for, such as a
// formula without a cached value in a value cell, which openpyxl writes.
// The file is then checked against the XML bounds of Limits and read by
// excelize, as before.
//
// The 退回 copy is made the same way: a workbook written plainly, as the
// forms countybrief issues are, gets its marks, notes, opinion column and
// 審核意見 spliced into its own parts (fastReturn), at a fifth of the CPU
// of opening and writing it with excelize; any other is written by
// excelize, and a clerk sees the same copy either way.
package form
