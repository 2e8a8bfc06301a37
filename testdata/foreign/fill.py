"""Fill the blank form with openpyxl, as a unit using another program would.

Usage: fill.py BLANK.xlsx VALUES.json OUT.xlsx

Rows are found by the indicator code in the 代碼 column. A few values are
typed as text the way clerks type them (thousands separators, full-width
digits, a measure word) and members is a formula openpyxl leaves without a
cached result.
"""
import json
import sys

import openpyxl

blank, values_path, out = sys.argv[1:4]
with open(values_path, encoding="utf-8") as fh:
    spec = json.load(fh)
values, identity = spec["values"], spec["identity"]

typed = {
    "households_benefited": "1,536",
    "people_benefited": "７，０２１",
    "tutoring_sessions": "5場次",
    "help_funds": " 5,200.5 ",
}

wb = openpyxl.load_workbook(blank)
ws = wb["填報表"]
labels = {"填報人": identity["filled_by"], "聯繫電話": identity["phone"], "填報日期": identity["date"]}
seen = set()
for row in ws.iter_rows():
    for cell in row:
        if cell.value in labels:
            ws.cell(row=cell.row, column=cell.column + 1, value=labels[cell.value])
        code = cell.value
        if isinstance(code, str) and code in values:
            target = ws.cell(row=cell.row, column=3)
            v = values[code]
            if code in typed:
                target.value = typed[code]
            elif code == "members":
                target.value = "=%d+%d" % (v - 33, 33)
            elif float(v).is_integer():
                target.value = int(v)
            else:
                target.value = v
            seen.add(code)
missing = set(values) - seen
if missing:
    sys.exit("codes not on the form: %s" % sorted(missing))
wb.save(out)
