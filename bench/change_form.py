#!/usr/bin/python3
"""Makes the "one changed file" of the benchmark: a unit's corrected form.

Copies SRC (a form the batch accepted) to DST with one value raised by one,
the way a clerk corrects a figure in a spreadsheet program and sends the
file again. The value chosen (建議 suggestions) takes part in no rule that
one more could break, so the batch must accept the file; the harness checks
that it did.

    /usr/bin/python3 bench/change_form.py SRC DST
"""

import sys
import warnings

import openpyxl

CODE = "suggestions"
CODE_HEADER = "代碼"
VALUE_HEADER = "數值"


def main():
    if len(sys.argv) != 3:
        sys.exit("usage: change_form.py SRC DST")
    src, dst = sys.argv[1], sys.argv[2]
    warnings.simplefilter("ignore")
    wb = openpyxl.load_workbook(src)
    for ws in wb.worksheets:
        code_col = value_col = None
        for row in ws.iter_rows():
            if code_col is None:
                for cell in row:
                    if cell.value == CODE_HEADER:
                        code_col = cell.column
                    elif cell.value == VALUE_HEADER:
                        value_col = cell.column
                if value_col is None:
                    code_col = None
                continue
            if ws.cell(row=row[0].row, column=code_col).value == CODE:
                cell = ws.cell(row=row[0].row, column=value_col)
                cell.value = (cell.value or 0) + 1
                wb.save(dst)
                print("%s: %s %s -> %s" % (dst, CODE, cell.value - 1, cell.value))
                return
    sys.exit("%s: no %s row" % (src, CODE))


if __name__ == "__main__":
    main()
