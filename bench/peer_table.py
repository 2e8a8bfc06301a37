"""The indicator-table reading both Python peers share, so that they differ
only in how they open a workbook (peer_openpyxl.py, peer_stdlib.py)."""

CODE_HEADER = "代碼"
VALUE_HEADER = "數值"
UNIT_CODE_LABEL = "單位代碼"


def read_sheet(rows):
    unit = None
    code_col = value_col = None
    values = {}
    for row in rows:
        if code_col is None:
            for i, cell in enumerate(row):
                if cell == UNIT_CODE_LABEL and i + 1 < len(row):
                    unit = str(row[i + 1]).strip() if row[i + 1] is not None else None
                elif cell == CODE_HEADER:
                    code_col = i
                elif cell == VALUE_HEADER:
                    value_col = i
            if code_col is not None and value_col is None:
                code_col = None  # a 代碼 label outside the table header
            continue
        code = row[code_col] if code_col < len(row) else None
        if not isinstance(code, str) or not code.isidentifier():
            continue
        value = row[value_col] if value_col < len(row) else None
        if value is None or value == "":
            continue  # blank counts as 0
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            return unit, {}, "not a number in %s: %r" % (code, value), True
        values[code] = values.get(code, 0) + value
    return unit, values, None, code_col is not None
