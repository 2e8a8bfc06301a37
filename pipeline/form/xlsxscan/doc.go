// Package xlsxscan reads the cells of an XLSX workbook without excelize:
// archive/zip's directory, deflated parts inflated in place (deflate.go,
// held to compress/flate), and a strict XML scanner over the workbook,
// its relationships, the shared strings and the sheets, streamed row by
// row.
// It costs about a quarter of the CPU and a seventh of the memory of
// opening the file with excelize, which decodes styles and theme into
// structures.
//
// It exists to read a file exactly as excelize reads it, faster, and so it
// is strict: it still unzips every part and checks that the styles, theme,
// calculation chain and content types are well-formed XML, because
// excelize refuses a file when any of these fails; and whatever it cannot
// vouch for (an odd package layout, a damaged part, rich inline text, a
// malformed attribute that excelize decodes as a number, a cell whose
// value only a formula or a merge could give) is ErrUnsupported, and the
// caller reads the file with excelize instead. On the forms countybrief
// writes and on their re-saves by Excel, WPS, LibreOffice and openpyxl it
// is never unsupported. One difference is known and accepted: in the
// styles, theme and calculation chain it checks the XML, not the numbers
// in it, so a styles part that is well-formed but holds a non-number where
// excelize wants one reads here, where excelize calls the file corrupt; no
// spreadsheet program writes such a file.
//
// A file over a bound of Limits is a *LimitError (errors.Is ErrLimit)
// naming the bound and, for the XML bounds, the part. CheckBounds counts
// every part of a file against the XML bounds as encoding/xml would see
// it, for a caller about to hand the file to excelize.
//
// The package imports only the standard library.
package xlsxscan
