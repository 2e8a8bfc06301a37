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
// Read has two readers. The fast one opens the zip itself and scans the
// workbook, relationships, shared strings and sheets with a strict XML
// scanner, row by row; it costs about a quarter of the CPU and a seventh
// of the memory of opening the file with excelize, which decodes styles
// and theme into structures. It must read every file exactly as the
// excelize reader does, so it still unzips every part and checks that the
// styles, theme, calculation chain and content types are well-formed XML,
// because excelize refuses a file when any of these fails; and it gives up
// on anything it cannot vouch for: a formula without a cached value in a
// value cell (what openpyxl writes), a merge over an empty value cell,
// rich inline text, an odd package layout, a damaged part or a malformed
// attribute that excelize decodes as a number. The file is then read by
// excelize, as before. One difference is known and accepted: in the
// styles, theme and calculation chain the fast reader checks the XML, not
// the numbers in it, so a file whose styles part is well-formed but holds
// a non-number where excelize wants one reads in the fast reader, where
// excelize calls it corrupt; no spreadsheet program writes such a file.
package form
