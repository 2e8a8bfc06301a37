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
import warnings

import openpyxl

from peer_table import Tally, form_paths, read_sheet


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

    tally = Tally()
    for path in form_paths(args.inbox):
        tally.add(path, *read_form(path))
    tally.report(args.json_out)


if __name__ == "__main__":
    main()
