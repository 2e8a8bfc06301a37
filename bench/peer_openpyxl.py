#!/usr/bin/python3
"""The peer: what an office IT helper would write today to total the forms.

Reads every .xlsx under INBOX/<unit folder>/ with openpyxl
(load_workbook(read_only=True, data_only=True)), finds the indicator table by
its 代碼 (code) and 數值 (value) headers, and sums the values per indicator
code. A file is skipped, as such a script would skip it, when openpyxl cannot
open it, when the 單位代碼 in the form is not the folder's code, or when a
value cell holds something that is not a number. It makes no other check.

Prints the sums, one "code<TAB>value" line each, sorted by code. With
--json PATH it also writes every file's verdict and values, so that the
harness can compare the peer's sums with the batch's totals over exactly the
files the batch accepted.

Run with Debian's interpreter, which has python3-openpyxl:
    /usr/bin/python3 bench/peer_openpyxl.py [--json OUT] INBOX
"""

import argparse
import json
import os
import sys
import warnings

import openpyxl

from peer_table import read_sheet


def read_form(path):
    """Returns (unit_code, {code: value}, problem); problem is None when the
    file could be totalled."""
    try:
        wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as e:  # an office script skips what it cannot open
        return None, {}, "unreadable: %s" % type(e).__name__
    try:
        for ws in wb.worksheets:
            unit, values, problem, found = read_sheet(ws.iter_rows(values_only=True))
            if found:
                return unit, values, problem
        return None, {}, "no indicator table"
    finally:
        wb.close()


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("inbox")
    ap.add_argument("--json", dest="json_out")
    args = ap.parse_args()
    # openpyxl warns about the data validation and protection it does not read.
    warnings.simplefilter("ignore")

    files = []
    totals = {}
    for folder in sorted(os.listdir(args.inbox)):
        d = os.path.join(args.inbox, folder)
        if not os.path.isdir(d):
            continue
        for name in sorted(os.listdir(d)):
            if not name.lower().endswith(".xlsx") or name.startswith("~$"):
                continue
            unit, values, problem = read_form(os.path.join(d, name))
            if problem is None and unit != folder:
                problem = "unit code %s in folder %s" % (unit, folder)
            files.append({"folder": folder, "name": name, "unit": unit,
                          "counted": problem is None, "problem": problem,
                          "values": values if problem is None else {}})
            if problem is None:
                for code, v in values.items():
                    totals[code] = totals.get(code, 0) + v

    for code in sorted(totals):
        print("%s\t%s" % (code, totals[code]))
    counted = sum(1 for f in files if f["counted"])
    print("# %d files read, %d counted, %d skipped" % (len(files), counted, len(files) - counted),
          file=sys.stderr)
    if args.json_out:
        with open(args.json_out, "w", encoding="utf-8") as f:
            json.dump({"files": files, "totals": totals}, f, ensure_ascii=False)


if __name__ == "__main__":
    main()
