// Package rollup carries a county's published issue one level up. Write
// turns the totals workbook into the 上報 workbook: the same
// sheets for people, plus a very hidden, protected sheet (Sheet) that a
// program reads: the county's code at the city, its name, the period,
// the issue number, the catalogue version, the date, the county figure
// and the subtotal of every kind per indicator, and every counted unit
// with its values, its file's name and the sha256 of the file the
// county counted. A seal, the sha256 of all of it, closes the sheet.
//
// Reader reads what a city's inbox holds: a 上報 workbook through Parse,
// anything else through the form reader it wraps, so that a city's batch
// takes a county's workbook as that county's form, through the same
// identity checks, rules, ledger and 退回 path. The county's figure of
// each input indicator is the county's value at the city; derived
// indicators are computed again from them, so a ratio stays a ratio of
// sums.
//
// What the reader refuses, each a finding on the sheet's cell: a seal
// that does not match (a figure, code or period edited after publishing),
// another catalogue version, a county figure or subtotal that is not what
// its units' values make, a malformed sha256 or a unit listed twice. The
// seal is a checksum, not a signature: it catches an edit made in Excel,
// not a forger who recomputes it; the city trusts a county's folder as a
// county trusts a unit's.
//
// The sheet's labels are fixed Traditional text whatever the county's
// script, because a program reads them; the 上報說明 sheet people see is
// in the county's script. Every received file is read within the form
// reader's limits (size, unzip, XML depth and elements, rows and cells),
// over xlsxscan first and excelize when it gives up.
package rollup
