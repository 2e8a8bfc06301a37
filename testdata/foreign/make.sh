#!/bin/sh
# Regenerates the forms filled by programs other than excelize. Run from the
# repository root; needs Go, LibreOffice (libreoffice-calc-nogui) and
# python3-openpyxl. The outputs are committed; TestForeignWriters reads them.
set -eu
dir=testdata/foreign
# blank.xlsx, excelize.xlsx and values.json from the Go side.
go test ./pipeline/form -run TestForeignWriters -update
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
lo() {
	libreoffice "-env:UserInstallation=file://$tmp/profile" --headless "$@" >/dev/null
}
# LibreOffice opens the excelize form and saves it as its own XLSX.
lo --convert-to xlsx --outdir "$tmp/lo" "$dir/excelize.xlsx"
mv "$tmp/lo/excelize.xlsx" "$dir/libreoffice.xlsx"
# Through ODS and back, so that every part is written by LibreOffice.
lo --convert-to ods --outdir "$tmp/ods" "$dir/excelize.xlsx"
lo --convert-to xlsx --outdir "$tmp/lo2" "$tmp/ods/excelize.ods"
mv "$tmp/lo2/excelize.xlsx" "$dir/libreoffice-via-ods.xlsx"
# openpyxl fills the blank form, typing some numbers as text.
/usr/bin/python3 "$dir/fill.py" "$dir/blank.xlsx" "$dir/values.json" "$dir/openpyxl.xlsx"
# LibreOffice recalculates openpyxl's formula and saves its cached value.
cp "$dir/openpyxl.xlsx" "$tmp/openpyxl-lo.xlsx"
lo --convert-to xlsx --outdir "$tmp/lo3" "$tmp/openpyxl-lo.xlsx"
mv "$tmp/lo3/openpyxl-lo.xlsx" "$dir/openpyxl-then-libreoffice.xlsx"
