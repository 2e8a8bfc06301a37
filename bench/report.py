#!/usr/bin/python3
"""Collects and reports the benchmark's measurements (stdlib only).

    report.py extract WORKSPACE REPDIR
        after one repetition, before the workspace is removed: keeps the
        batch's log, the cold briefing's totals from the ledger and the PDF
        sizes in REPDIR/extract.json.
    report.py render [--bin B] [--root R] [--cpus L] --md OUT.md --json OUT.json RESULTS N...
        writes the Markdown report and its data.

Layout of RESULTS (written by run.sh): <N>/demo.*, <N>/files, <N>/rep<r>/
{cold,warm,quiet,resend,changed,peer,stdlib,excelize,floor}.{measure.json,out,err},
{peer,stdlib,excelize}.json, change.txt, resend.txt.
"""

import argparse
import datetime
import json
import os
import platform
import re
import statistics
import subprocess
import sys

CASES = ("cold", "warm", "quiet", "resend", "changed")
# The peers sum the same cells; the floor only inflates every zip part.
# "peer" is the openpyxl script (its name from before there were others).
PEERS = ("stdlib", "excelize", "peer", "floor")
SUMMING_PEERS = ("stdlib", "excelize", "peer")
CASE_NAMES = {"cold": "cold (everything new)", "warm": "nothing new",
              "quiet": "nothing new, the batch after",
              "resend": "every unit resends the same bytes", "changed": "one changed file",
              "peer": "peer: openpyxl script", "stdlib": "peer: stdlib Python, 2 processes",
              "excelize": "peer: Go excelize GetRows, 2 workers", "floor": "floor: inflate every part, 2 workers"}
# Stages the batch reports in `msg="stage done"` log lines, in batch order.
STAGES = ("pickup", "read", "check", "ledger", "archive", "returns", "merge", "render")
# Stages the batch runs on several goroutines and sums over them.
PARALLEL_STAGES = ("read", "check")


def load(path):
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def load_if(path):
    return load(path) if os.path.exists(path) else None



def aggregates(ws):
    """Indicator code → how the batch totals it, from the catalogue's
    one-line entries (the demo writes them so; stdlib has no YAML)."""
    agg = {}
    try:
        with open(os.path.join(ws, "indicators.yaml"), encoding="utf-8") as f:
            for line in f:
                code = re.search(r"\bcode:\s*(\w+)", line)
                how = re.search(r"\baggregate:\s*(\w+)", line)
                if code and how:
                    agg[code.group(1)] = how.group(1)
    except OSError:
        pass
    return agg


def workbook_totals(path):
    """The county column of a totals workbook's 匯總 sheet, by indicator code."""
    import openpyxl
    # Not read_only: that mode trusts the sheet's dimension, which a
    # streamed sheet does not give, and stops after the first row.
    book = openpyxl.load_workbook(path, data_only=True)
    try:
        rows = book["匯總"].iter_rows(values_only=True)
        header = next(r for r in rows if r and "代碼" in r and "全縣" in r)
        code, county = header.index("代碼"), header.index("全縣")
        return {r[code]: float(r[county]) for r in rows
                if r and r[code] and isinstance(r[county], (int, float))}
    finally:
        book.close()


def extract(ws, rd):
    out = {"pdf_bytes": {}, "totals": None, "totals_error": None, "log": []}
    sums = {c: load(os.path.join(rd, c + ".out")) for c in CASES if os.path.exists(os.path.join(rd, c + ".out"))}
    # A batch writes a draft (no issue is numbered until `publish`): its
    # PDF is the briefing measured, its workbook's 匯總 sheet the totals.
    for case, s in sums.items():
        if s.get("draft"):
            p = s["draft"] if os.path.isabs(s["draft"]) else os.path.join(os.getcwd(), s["draft"])
            out["pdf_bytes"][case] = os.path.getsize(p)
    try:
        out["totals"] = {"all": workbook_totals(os.path.join(rd, "cold-totals.xlsx"))}
    except (OSError, KeyError, ValueError) as e:
        out["totals_error"] = "totals workbook: %s" % e
    out["aggregate"] = aggregates(ws)
    runs = {s.get("run_id"): c for c, s in sums.items()}
    logfile = os.path.join(ws, "logs", "countybrief.log")
    if os.path.exists(logfile):
        with open(logfile, encoding="utf-8") as f:
            for line in f:
                try:
                    e = json.loads(line)
                except ValueError:
                    continue
                if e.get("msg") == "stage done" and e.get("run") in runs:
                    out["log"].append({"case": runs[e["run"]], "stage": e.get("stage"),
                                       "seconds": e.get("seconds")})
    with open(os.path.join(rd, "extract.json"), "w", encoding="utf-8") as f:
        json.dump(out, f, ensure_ascii=False)


def reps(d):
    return sorted((os.path.join(d, x) for x in os.listdir(d) if x.startswith("rep")),
                  key=lambda p: int(p.rsplit("rep", 1)[1]))


def collect(d):
    """One N's figures: per case the median wall, the largest RSS, files."""
    rs = reps(d)
    n = {"files_in_inbox": int(open(os.path.join(d, "files")).read()),
         "demo": load_if(os.path.join(d, "demo.measure.json")), "repeats": len(rs), "cases": {}}
    for case in CASES + PEERS:
        # A peer may run in fewer repetitions than the batch, or none
        # (openpyxl above BENCH_OPENPYXL_MAX; an older results folder).
        have = [r for r in rs if os.path.exists(os.path.join(r, case + ".measure.json"))]
        if not have:
            continue
        ms = [load(os.path.join(r, case + ".measure.json")) for r in have]
        c = {"wall_s": [m["wall_s"] for m in ms], "maxrss_kb": max(m["maxrss_kb"] for m in ms),
             "cpu_s": statistics.median(m["user_s"] + m["sys_s"] for m in ms),
             "load": [m.get("load") for m in ms]}
        c["median_s"] = statistics.median(c["wall_s"])
        if case in PEERS:
            if case == "floor":
                fl = load(os.path.join(have[0], "floor.out"))
                c["files"], c["counted"] = fl["files"], fl["files"] - fl["unreadable"]
            else:
                pj = load(os.path.join(have[0], case + ".json"))
                c["files"] = len(pj["files"])
                c["counted"] = sum(1 for f in pj["files"] if f["counted"])
            # Paired with the cold batch of the same repetition: the two met
            # the same load, which a ratio of medians would not guarantee.
            pairs = [(load(os.path.join(r, case + ".measure.json")), load(os.path.join(r, "cold.measure.json")))
                     for r in have if os.path.exists(os.path.join(r, "cold.measure.json"))]
            c["paired_wall_ratio"] = [p["wall_s"] / b["wall_s"] for p, b in pairs]
            c["paired_cpu_ratio"] = [(p["user_s"] + p["sys_s"]) / (b["user_s"] + b["sys_s"]) for p, b in pairs]
        else:
            ss = [load(os.path.join(r, case + ".out")) for r in have]
            c["files"] = len(ss[0].get("files") or [])
            c["accepted"] = ss[0]["accepted"]
            c["rejected"] = ss[0]["rejected"]
            c["rendered"] = all(s["rendered"] for s in ss)
            ex = [load(os.path.join(r, "extract.json")) for r in have]
            sizes = [e["pdf_bytes"][case] for e in ex if case in e["pdf_bytes"]]
            c["pdf_bytes"] = max(sizes) if sizes else None
            stages = {}
            for e in ex:
                per = {}
                for ev in e["log"]:
                    if ev["case"] == case and isinstance(ev.get("seconds"), (int, float)):
                        per[ev["stage"]] = per.get(ev["stage"], 0) + ev["seconds"]
                for st, v in per.items():
                    stages.setdefault(st, []).append(v)
            c["stages_s"] = {st: statistics.median(v) for st, v in stages.items()}
            c["outside_run_s"] = statistics.median(
                m["wall_s"] - run_span(s) for m, s in zip(ms, ss))
        # A rate over one file or none says nothing; those rows show time.
        c["forms_per_s"] = c["files"] / c["median_s"] if case in ("cold",) + PEERS and c["files"] else None
        n["cases"][case] = c
    n["sanity"] = {"lines": [], "ok": True}
    for peer in SUMMING_PEERS:
        if os.path.exists(os.path.join(rs[0], peer + ".json")):
            s = sanity(rs[0], peer)
            n["sanity"]["ok"] = n["sanity"]["ok"] and s["ok"]
            n["sanity"]["lines"].append("%s: %s" % (CASE_NAMES[peer], s["lines"][0]))
            n["sanity"]["lines"] += ["  " + line for line in s["lines"][1:]]
    resend = [load(os.path.join(r, "resend.out")) for r in rs if os.path.exists(os.path.join(r, "resend.out"))]
    if resend and all(s["accepted"] == 0 and s["duplicates"] == n["cases"]["cold"]["accepted"]
                      and not s["rendered"] for s in resend):
        n["sanity"]["lines"].append("every resent file was a duplicate and nothing was rendered, in every repetition")
    elif resend:
        n["sanity"]["ok"] = False
        n["sanity"]["lines"].append("MISMATCH: the resent files were not all duplicates (accepted %s, duplicates %s, "
                                    "rendered %s)" % ([s["accepted"] for s in resend],
                                                      [s["duplicates"] for s in resend],
                                                      [s["rendered"] for s in resend]))
    idle = [load(os.path.join(r, c + ".out")) for r in rs for c in ("warm", "quiet")
            if os.path.exists(os.path.join(r, c + ".out"))]
    if all(len(s["files"]) == 0 and not s["rendered"] for s in idle):
        n["sanity"]["lines"].append("the batches with nothing new took no file and rendered nothing, in every repetition")
    else:
        n["sanity"]["ok"] = False
        n["sanity"]["lines"].append("MISMATCH: a batch with nothing new took files or rendered (files %s, rendered %s)"
                                    % ([len(s["files"]) for s in idle], [s["rendered"] for s in idle]))
    changed = [load(os.path.join(r, "changed.out")) for r in rs]
    if all(s["accepted"] == 1 and s["rejected"] == 0 and s["rendered"] for s in changed):
        n["sanity"]["lines"].append("the changed file was accepted and a new issue rendered in every repetition")
    else:
        n["sanity"]["ok"] = False
        n["sanity"]["lines"].append("MISMATCH: the changed file was not accepted and rendered in every repetition "
                                    "(accepted %s, rejected %s, rendered %s)"
                                    % ([s["accepted"] for s in changed], [s["rejected"] for s in changed],
                                       [s["rendered"] for s in changed]))
    return n


def run_span(summary):
    """Seconds between the summary's started and finished stamps (RFC 3339
    with nanoseconds, which datetime does not parse)."""
    def parse(t):
        m = re.match(r"(.*T\d\d:\d\d:\d\d)(?:\.(\d+))?(Z|[+-]\d\d:\d\d)$", t)
        frac = (m.group(2) or "0")[:6].ljust(6, "0")
        zone = "+00:00" if m.group(3) == "Z" else m.group(3)
        return datetime.datetime.fromisoformat("%s.%s%s" % (m.group(1), frac, zone))
    return (parse(summary["finished"]) - parse(summary["started"])).total_seconds()


def sanity(rd, name):
    """Compares a peer's sums over the files the batch accepted with the
    totals of the cold briefing, and lists files the two classify apart."""
    cold = load(os.path.join(rd, "cold.out"))
    peer = load(os.path.join(rd, name + ".json"))
    ex = load(os.path.join(rd, "extract.json"))
    out = {"lines": [], "ok": False}
    status = {(f["unit"], f["name"]): f for f in cold["files"]}
    accepted = {k for k, f in status.items() if f["status"] == "accepted"}
    by_file = {(f["folder"], f["name"]): f for f in peer["files"]}
    sums, missing = {}, []
    for k in sorted(accepted):
        f = by_file.get(k)
        if f is None or not f["counted"]:
            missing.append("%s/%s (%s)" % (k[0], k[1], f["problem"] if f else "not seen by the peer"))
            continue
        for code, v in f["values"].items():
            sums[code] = sums.get(code, 0) + v
    if ex["totals"] is None:
        out["lines"].append("batch totals unavailable: %s" % ex["totals_error"])
        return out
    batch = ex["totals"].get("all", {})
    agg = ex.get("aggregate") or {}
    # The peer only sums; an indicator the batch totals otherwise (counting
    # units, say) is not like for like and is named instead of compared.
    other = sorted(c for c in sums if agg.get(c, "sum") != "sum")
    diffs = []
    for code in sorted(set(sums) - set(other)):
        b = batch.get(code, 0)
        if abs(b - sums[code]) > 1e-6 * max(1.0, abs(b)):
            diffs.append("%s batch %s peer %s" % (code, b, sums[code]))
    derived = sorted(set(batch) - set(sums))
    if not diffs and not missing:
        out["ok"] = True
        out["lines"].append("peer sums over the %d files the batch accepted equal the batch totals "
                            "for all %d summed form indicators" % (len(accepted), len(sums) - len(other)))
    else:
        out["lines"].append("MISMATCH: %d indicators differ, %d accepted files the peer did not count"
                            % (len(diffs), len(missing)))
        out["lines"] += ["  " + x for x in diffs + missing]
    if other:
        out["lines"].append("not compared, the batch does not sum them: %s" % ", ".join(
            "%s (%s; peer sum %s, batch %s)" % (c, agg[c], sums[c], batch.get(c)) for c in other))
    if derived:
        out["lines"].append("derived by the batch, not on the form: %s" % ", ".join(derived))
    extra = []
    for k, f in sorted(by_file.items()):
        b = status.get(k)
        if f["counted"] and (b is None or b["status"] != "accepted"):
            rules = sorted({x["rule"] for x in (b or {}).get("findings") or [] if x.get("severity") == "error"})
            extra.append("%s/%s (batch: %s %s)" % (k[0], k[1], b["status"] if b else "not seen",
                                                  ", ".join(rules)))
    skipped = [f for f in peer["files"] if not f["counted"]]
    out["lines"].append("peer skipped %d files: %s" % (len(skipped), "; ".join(
        "%s/%s (%s)" % (f["folder"], f["name"], f["problem"]) for f in skipped) or "none"))
    if extra:
        out["lines"].append("the peer also counted %d files the batch rejected, so its own totals "
                            "are off by them: %s" % (len(extra), "; ".join(extra)))
    return out


def machine(results, bin_path, root, cpus):
    m = {"date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
         "nproc": len(os.sched_getaffinity(0)), "kernel": platform.release()}
    try:
        with open("/proc/cpuinfo") as f:
            models = re.findall(r"^model name\s*:\s*(.*)$", f.read(), re.M)
        m["cpu"] = models[0] if models else "unknown"
        m["cpus_online"] = len(models)
        with open("/proc/meminfo") as f:
            kb = int(re.search(r"^MemTotal:\s*(\d+)", f.read(), re.M).group(1))
        m["memory"] = "%.1f GB" % (kb * 1024 / 1e9)
        m["load"] = " ".join(open("/proc/loadavg").read().split()[:3])
        start = os.path.join(results, "loadavg-start")
        if os.path.exists(start):
            m["load_start"] = " ".join(open(start).read().split()[:3])
        for when in ("start", "end"):
            probe = os.path.join(results, "probe-%s.json" % when)
            if os.path.exists(probe):
                with open(probe) as f:
                    m["probe_" + when] = json.load(f)
    except (OSError, AttributeError):
        pass
    m["pinned_to"] = cpus or None
    m["go"] = run(["go", "version"])
    m["peer"] = run([sys.executable, "-c", "import sys, openpyxl; "
                     "print('Python %d.%d.%d' % sys.version_info[:3], 'openpyxl', openpyxl.__version__)"])
    m["binary_go"] = run(["go", "version", bin_path]).split(": ", 1)[-1]
    built = os.path.join(results, "build-commit")
    if os.path.exists(built):
        head = open(built).read().strip()
        # bench/ is not in the binary.
        dirty = [line[3:] for line in open(os.path.join(results, "build-dirty")).read().splitlines()
                 if not line[3:].startswith("bench/")]
        m["built_from"] = "the working tree at %s%s" % (head, " plus uncommitted changes to %s" % ", ".join(dirty)
                                                       if dirty else "")
    else:
        m["built_from"] = "a binary given in COUNTYBRIEF_BIN (%s); commit not known" % bin_path
    return m


def run(cmd):
    try:
        return subprocess.run(cmd, capture_output=True, text=True, timeout=30).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return "unknown"


def mb(kb):
    return kb * 1024 / 1e6


def fmt(x, spec):
    return "–" if x is None else format(x, spec)


def targets(data):
    """The issues' targets, checked against whatever sizes were measured."""
    rows = []

    def case(n, c):
        return data.get(str(n), {}).get("cases", {}).get(c)

    def add(name, got, ok, unit=""):
        if not got:  # None or False: a size or a figure this run lacks
            rows.append((name, "not measured", "–"))
        else:
            rows.append((name, got + unit, "met" if ok else "**missed**"))

    def paired(n, peer):
        """Median of the peer/cold wall ratios paired by repetition."""
        p = case(n, peer)
        return p and p["paired_wall_ratio"] and statistics.median(p["paired_wall_ratio"])

    def peak(n):
        d = data.get(str(n))
        return d and max(d["cases"][k]["maxrss_kb"] for k in CASES if k in d["cases"])

    # Issue 17: linear, ahead of the real peers, incremental at scale.
    a, b = case(7300, "cold"), case(73000, "cold")
    if a and b:
        t = (b["median_s"] / b["files"]) / (a["median_s"] / a["files"])
        u = (b["cpu_s"] / b["files"]) / (a["cpu_s"] / a["files"])
    add("cost per form at 73,000 ≤ 1.15× that at 7,300 (wall)", a and b and fmt(t, ".2f"), a and b and t <= 1.15, "×")
    add("cost per form at 73,000 ≤ 1.15× that at 7,300 (CPU)", a and b and fmt(u, ".2f"), a and b and u <= 1.15, "×")
    add("peak RSS at 73,000 ≤ 150 MB", peak(73000) and fmt(mb(peak(73000)), ".0f"),
        peak(73000) and mb(peak(73000)) <= 150, " MB")
    c = case(204000, "cold")
    add("cold 204,000 ≤ 90 s", c and fmt(c["median_s"], ".1f"), c and c["median_s"] <= 90, " s")
    # The issue bounds the cold batch's memory at 204,000 ("cold in ≤ 90 s
    # ... with RSS ≤ 256 MB"); the other cases' peak is shown beside it.
    add("peak RSS of the cold 204,000 ≤ 256 MB", c and fmt(mb(c["maxrss_kb"]), ".0f"),
        c and mb(c["maxrss_kb"]) <= 256, " MB")
    if peak(204000):
        rows.append(("peak RSS at 204,000, any case", fmt(mb(peak(204000)), ".0f") + " MB", "not a target"))
    for n in (730, 7300):
        r = paired(n, "stdlib")
        add("cold %s ≥ 2× faster than stdlib Python (paired median)" % format(n, ","), r and fmt(r, ".2f"),
            r and r >= 2, "×")
        r = paired(n, "excelize")
        add("cold %s ≥ 5× faster than excelize GetRows (paired median)" % format(n, ","), r and fmt(r, ".2f"),
            r and r >= 5, "×")
    r = paired(7300, "floor")
    add("cold 7,300 ≤ 2× the floor (paired median)", r and fmt(1 / r, ".2f"), r and 1 / r <= 2, "×")
    for what, cs, limit in (("nothing new", "warm", 0.5), ("one changed file", "changed", 1),
                            ("every unit resends the same bytes", "resend", 10)):
        c = case(73000, cs)
        add("%s at 73,000 ≤ %g s" % (what, limit), c and fmt(c["median_s"], ".2f"), c and c["median_s"] <= limit, " s")
    # The first batch with nothing new reads every folder the busy batch
    # emptied; a nightly or hourly schedule meets the ones after it.
    c = case(73000, "quiet")
    add("nothing new at 73,000, the batch after the first: ≤ 0.5 s", c and fmt(c["median_s"], ".2f"),
        c and c["median_s"] <= 0.5, " s")
    # Issue 11's, kept so that nothing slips back.
    c = case(7300, "cold")
    add("cold 7,300: ≤ 3 s incl. ledger and PDF", c and fmt(c["median_s"], ".2f"), c and c["median_s"] <= 3, " s")
    r = paired(7300, "peer")
    add("cold 7,300: ≥ 8× the openpyxl peer", r and fmt(r, ".1f"), r and r >= 8, "×")
    c = case(73, "cold")
    add("county (73) cold incl. PDF: ≤ 0.5 s", c and fmt(c["median_s"], ".2f"), c and c["median_s"] <= 0.5, " s")
    c = case(7300, "warm")
    add("nothing new at 7,300: ≤ 0.2 s", c and fmt(c["median_s"], ".2f"), c and c["median_s"] <= 0.2, " s")
    c = case(7300, "changed")
    add("one changed file at 7,300: ≤ 0.5 s", c and fmt(c["median_s"], ".2f"), c and c["median_s"] <= 0.5, " s")
    add("peak RSS at 7,300: ≤ 200 MB", peak(7300) and fmt(mb(peak(7300)), ".0f"),
        peak(7300) and mb(peak(7300)) <= 200, " MB")
    both = peak(730) and peak(7300)
    add("peak RSS 7,300 ≤ 1.5× that of 730", both and fmt(peak(7300) / peak(730), ".2f"),
        both and peak(7300) / peak(730) <= 1.5, "×")
    c = case(73, "cold")
    add("county PDF ≤ 600 KB", c and c["pdf_bytes"] and fmt(c["pdf_bytes"] / 1000, ".0f"),
        c and c["pdf_bytes"] and c["pdf_bytes"] <= 600e3, " KB")
    return rows


def render(args):
    data = {n: collect(os.path.join(args.results, n)) for n in args.sizes}
    m = machine(args.results, args.bin, args.root, args.cpus)
    L = []
    L.append("# countybrief batch benchmark")
    L.append("")
    L.append("- date: %s" % m["date"])
    L.append("- machine: %s CPUs usable (nproc) of %s × %s, %s RAM, Linux %s%s"
             % (m["nproc"], m.get("cpus_online", "?"), m.get("cpu", "?"), m.get("memory", "?"), m["kernel"],
                "; pinned to CPUs " + m["pinned_to"] if m["pinned_to"] else ""))
    L.append("- load average (1, 5, 15 min) at the start %s, at the end %s; the machine is shared, so other "
             "work ran alongside" % (m.get("load_start", "?"), m.get("load", "?")))
    if "probe_start" in m and "probe_end" in m:
        ps, pe = m["probe_start"], m["probe_end"]
        L.append("- the machine's costs at the start; at the end (`bench/goprogs/probe`, medians of 7 rounds): "
                 "an empty system call %.2f; %.2f µs, a folder's status %.2f; %.2f µs, a page fault %.1f; %.1f µs"
                 % (ps["syscall_us"], pe["syscall_us"], ps["stat_us"], pe["stat_us"], ps["fault_us"], pe["fault_us"]))
    L.append("- Go: %s; binary built with %s from %s" % (m["go"], m["binary_go"], m["built_from"]))
    L.append("- batch: `countybrief run --settle 0 --json`, one process per batch, wall time of the process "
             "(start, fonts, templates, ledger, PDF included); peak RSS is the process's ru_maxrss")
    L.append("- peers, over the same inbox: `bench/peer_stdlib.py` (zipfile + xml.etree, multiprocessing.Pool(2)); "
             "`bench/goprogs/peer_excelize` (excelize GetRows, 2 workers); `bench/peer_openpyxl.py` (one process; %s); "
             "the floor `bench/goprogs/floor` (opens and inflates every zip part, 2 workers, does nothing else)"
             % m["peer"])
    L.append("- wall: median of the repetitions; RSS: the largest; MB = 10^6 bytes, KB = 10^3 bytes; "
             "load: the 1-minute load average as each measurement started")
    L.append("")
    L.append("| units | case | files | wall s (median) | runs (s) | forms/s | peak RSS MB | CPU s | briefing PDF KB | load |")
    L.append("|---:|---|---:|---:|---|---:|---:|---:|---:|---|")
    for n in args.sizes:
        d = data[n]
        if d["demo"]:  # absent when the region came from BENCH_REGIONS
            L.append("| %s | workspace build (demo, not timed as batch) | %d | %.2f | | | %.0f | %.2f | | |"
                     % (n, d["files_in_inbox"], d["demo"]["wall_s"], mb(d["demo"]["maxrss_kb"]),
                        d["demo"]["user_s"] + d["demo"]["sys_s"]))
        for case in CASES + PEERS:
            c = d["cases"].get(case)
            if c is None:
                continue
            pdf = c.get("pdf_bytes")
            L.append("| %s | %s | %d | %.3f | %s | %s | %.0f | %.2f | %s | %s |"
                     % (n, CASE_NAMES[case], c["files"], c["median_s"],
                        " ".join("%.3f" % w for w in c["wall_s"]), fmt(c["forms_per_s"], ",.0f"),
                        mb(c["maxrss_kb"]), c["cpu_s"], fmt(pdf and pdf / 1000, ".0f"),
                        " ".join(fmt(x, ".1f") for x in c["load"])))
    L.append("")
    L.append("The cold batch against each peer and the floor, paired: in each repetition the peer ran just "
             "before the cold batch, so both met the same load; peer wall / batch wall, min and median over "
             "the repetitions (above 1: the batch is faster), and the same for CPU time:")
    L.append("")
    L.append("| units | against | wall ratio min | wall ratio median | CPU ratio median | pairs |")
    L.append("|---:|---|---:|---:|---:|---:|")
    for n in args.sizes:
        for peer in PEERS:
            p = data[n]["cases"].get(peer)
            if not p or not p["paired_wall_ratio"]:
                continue
            L.append("| %s | %s | %.2f | %.2f | %.2f | %d |"
                     % (n, CASE_NAMES[peer], min(p["paired_wall_ratio"]), statistics.median(p["paired_wall_ratio"]),
                        statistics.median(p["paired_cpu_ratio"]), len(p["paired_wall_ratio"])))
    L.append("")
    L.append("Sanity (totals: first repetition, cold):")
    L.append("")
    for n in args.sizes:
        lines = data[n]["sanity"]["lines"]
        L.append("- %s units:" % n)
        L += [("    - " if line.startswith("  ") else "  - ") + line.strip() for line in lines]
    L.append("")
    L.append("Stage shares: median seconds from the batch's `stage done` log lines, in brackets the share "
             "of the process's wall time. %s are summed over the worker goroutines, so on several cores "
             "they can exceed their share of the wall time. gc is the runtime's own estimate of the collector's CPU time (runtime/metrics, idle marking left out), in seconds only: it counts the time its workers held a processor, which on a loaded machine includes time the system gave to others, so it can exceed the process's CPU time; a CPU profile (`--cpuprofile`) gives the true share. The last column is the wall time outside the "
             "batch's own clock (summary `started`→`finished`): process start, workspace, fonts and "
             "templates, ledger open, exit." % " and ".join(PARALLEL_STAGES))
    L.append("")
    have = any(data[n]["cases"][c]["stages_s"] for n in args.sizes for c in CASES if c in data[n]["cases"])
    if not have:
        L.append("- the batch measured here logs no `stage done` events, so no stage shares are available.")
    else:
        names = list(STAGES) + sorted({s for n in args.sizes for c in CASES if c in data[n]["cases"]
                                       for s in data[n]["cases"][c]["stages_s"]} - set(STAGES))
        L.append("| units | case | " + " | ".join(names) + " | outside the batch's clock |")
        L.append("|---:|---|" + "---:|" * (len(names) + 1))
        for n in args.sizes:
            for case in CASES:
                c = data[n]["cases"].get(case)
                if c is None:
                    continue
                st = c["stages_s"]
                if not st:
                    continue
                # gc is the runtime's estimate of CPU time: no share.
                cells = ["%.3f" % st[s] if s == "gc" and s in st
                         else "%.3f (%.0f%%)" % (st[s], 100 * st[s] / c["median_s"]) if s in st else "–" for s in names]
                rest = c["outside_run_s"]
                L.append("| %s | %s | %s | %.3f (%.0f%%) |" % (n, CASE_NAMES[case], " | ".join(cells),
                                                               rest, 100 * rest / c["median_s"]))
    L.append("")
    L.append("Targets (issue):")
    L.append("")
    L.append("| target | measured | verdict |")
    L.append("|---|---:|---|")
    for name, got, verdict in targets(data):
        L.append("| %s | %s | %s |" % (name, got, verdict))
    L.append("")
    text = "\n".join(L)
    with open(args.md, "w", encoding="utf-8") as f:
        f.write(text)
    with open(args.json, "w", encoding="utf-8") as f:
        json.dump({"machine": m, "sizes": data}, f, ensure_ascii=False, indent=1)


def main():
    if len(sys.argv) > 1 and sys.argv[1] == "extract":
        if len(sys.argv) != 4:
            sys.exit("usage: report.py extract WORKSPACE REPDIR")
        extract(sys.argv[2], sys.argv[3])
        return
    ap = argparse.ArgumentParser()
    ap.add_argument("cmd", choices=["render"])
    ap.add_argument("--bin", default="")
    ap.add_argument("--root", default=".")
    ap.add_argument("--cpus", default="")
    ap.add_argument("--md", required=True)
    ap.add_argument("--json", required=True)
    ap.add_argument("results")
    ap.add_argument("sizes", nargs="+")
    render(ap.parse_args())


if __name__ == "__main__":
    main()
