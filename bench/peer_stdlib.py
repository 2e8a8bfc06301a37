#!/usr/bin/python3
"""The fast peer: the totals script a user who cares about speed would write
with Python's standard library only.

Opens every .xlsx under INBOX/<unit folder>/ with zipfile, finds the sheets
through xl/workbook.xml and its relationships, reads the shared strings and
each sheet with xml.etree.ElementTree, and sums the indicator table as
peer_openpyxl.py does (the same 代碼/數值 headers, the same skips: a file it
cannot open, a 單位代碼 that is not the folder's, a value that is not a
number). Two processes (multiprocessing.Pool(2)), one per core.

Prints the sums and, with --json PATH, every file's verdict and values, in
peer_openpyxl.py's format, so the harness checks its sums the same way.

    /usr/bin/python3 bench/peer_stdlib.py [--json OUT] [--processes 2] INBOX
"""

import argparse
import multiprocessing
import posixpath
import zipfile
import xml.etree.ElementTree as ET

from peer_table import Tally, form_paths, read_sheet

MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
PKG_REL = "{http://schemas.openxmlformats.org/package/2006/relationships}"


def column(ref):
    """0-based column of a cell reference such as "AB12"."""
    n = 0
    for ch in ref:
        if not ch.isalpha():
            break
        n = n * 26 + ord(ch.upper()) - 64
    return n - 1


def text_of(el):
    return "".join(t.text or "" for t in el.iter(MAIN + "t"))


def sheet_paths(z):
    """The worksheets' part names in the workbook's order."""
    wb = ET.fromstring(z.read("xl/workbook.xml"))
    rels = ET.fromstring(z.read("xl/_rels/workbook.xml.rels"))
    target = {r.get("Id"): r.get("Target") for r in rels.iter(PKG_REL + "Relationship")}
    paths = []
    for s in wb.iter(MAIN + "sheet"):
        t = target.get(s.get(REL + "id"))
        if t:
            paths.append(t.lstrip("/") if t.startswith("/") else posixpath.normpath("xl/" + t))
    return paths


def rows(z, path, shared):
    root = ET.fromstring(z.read(path))
    for row in root.iter(MAIN + "row"):
        cells = []
        for c in row.iter(MAIN + "c"):
            ref = c.get("r")
            i = column(ref) if ref else len(cells)
            while len(cells) < i:
                cells.append(None)
            t = c.get("t")
            v = c.find(MAIN + "v")
            if t == "inlineStr":
                is_ = c.find(MAIN + "is")
                value = text_of(is_) if is_ is not None else None
            elif v is None or v.text is None:
                value = None
            elif t == "s":
                value = shared[int(v.text)]
            elif t in ("str", "e"):
                value = v.text
            elif t == "b":
                value = v.text == "1"
            else:
                x = v.text
                value = float(x) if any(ch in x for ch in ".eE") else int(x)
            cells.append(value)
        yield cells


def read_form(path):
    """(path, unit_code, {code: value}, problem); problem is None when the
    file could be totalled."""
    try:
        with zipfile.ZipFile(path) as z:
            names = set(z.namelist())
            shared = []
            if "xl/sharedStrings.xml" in names:
                shared = [text_of(si) for si in ET.fromstring(z.read("xl/sharedStrings.xml")).iter(MAIN + "si")]
            for p in sheet_paths(z):
                unit, values, problem, found = read_sheet(rows(z, p, shared))
                if found:
                    return path, unit, values, problem
            return path, None, {}, "no indicator table"
    except Exception as e:  # an office script skips what it cannot open
        return path, None, {}, "unreadable: %s" % type(e).__name__


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("inbox")
    ap.add_argument("--json", dest="json_out")
    ap.add_argument("--processes", type=int, default=2)
    args = ap.parse_args()

    tally = Tally()
    with multiprocessing.Pool(args.processes) as pool:
        for path, unit, values, problem in pool.imap(read_form, form_paths(args.inbox), chunksize=32):
            tally.add(path, unit, values, problem)
    tally.report(args.json_out)


if __name__ == "__main__":
    main()
