"""What both Python peers share (the inbox listing, the indicator-table
reading, the verdicts and sums they print), so that they differ only in how
they open a workbook (peer_openpyxl.py, peer_stdlib.py)."""

import json
import os
import sys

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


def form_paths(inbox):
    """INBOX/<folder>/*.xlsx, sorted, without Excel's ~$ lock files."""
    paths = []
    for folder in sorted(os.listdir(inbox)):
        d = os.path.join(inbox, folder)
        if not os.path.isdir(d):
            continue
        for name in sorted(os.listdir(d)):
            if name.lower().endswith(".xlsx") and not name.startswith("~$"):
                paths.append(os.path.join(d, name))
    return paths


class Tally:
    """Every file's verdict and the sums over the files counted."""

    def __init__(self):
        self.files = []
        self.totals = {}

    def add(self, path, unit, values, problem):
        folder = os.path.basename(os.path.dirname(path))
        if problem is None and unit != folder:
            problem = "unit code %s in folder %s" % (unit, folder)
        self.files.append({"folder": folder, "name": os.path.basename(path), "unit": unit,
                           "counted": problem is None, "problem": problem,
                           "values": values if problem is None else {}})
        if problem is None:
            for code, v in values.items():
                self.totals[code] = self.totals.get(code, 0) + v

    def report(self, json_out):
        """Prints the sums and, with json_out, writes every verdict there."""
        for code in sorted(self.totals):
            print("%s\t%s" % (code, self.totals[code]))
        counted = sum(1 for f in self.files if f["counted"])
        print("# %d files read, %d counted, %d skipped" % (len(self.files), counted, len(self.files) - counted),
              file=sys.stderr)
        if json_out:
            with open(json_out, "w", encoding="utf-8") as f:
                json.dump({"files": self.files, "totals": self.totals}, f, ensure_ascii=False)
