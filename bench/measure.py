#!/usr/bin/python3
"""Runs one command and records its wall time and peak resident memory.

    measure.py RESULT.json STDOUT STDERR -- COMMAND [ARG...]

Wall time is taken with a monotonic clock around the child alone (this
interpreter's start is not in it). Peak RSS is ru_maxrss of the child's own
rusage from wait4, the figure GNU time's %M prints, so no package beyond
python3 is needed. Exits with the child's status; on SIGINT or SIGTERM it
stops the child and waits for it.
"""

import json
import os
import signal
import subprocess
import sys
import time


def main():
    if len(sys.argv) < 6 or sys.argv[4] != "--":
        sys.exit("usage: measure.py RESULT.json STDOUT STDERR -- COMMAND [ARG...]")
    result, out, err, cmd = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[5:]
    # The 1-minute load average as the measurement starts: the machine is
    # shared, and the report shows what each figure met.
    try:
        with open("/proc/loadavg") as f:
            load = float(f.read().split()[0])
    except (OSError, ValueError, IndexError):
        load = None
    with open(out, "wb") as fo, open(err, "wb") as fe:
        start = time.perf_counter()
        child = subprocess.Popen(cmd, stdout=fo, stderr=fe)
        # Stopping the harness stops the measured program too, and this
        # waits for it, so that no process outlives the harness. SIGTERM,
        # not the signal received: a background job of a script ignores
        # SIGINT, and its children inherit that. A program that goes on
        # (demo finishes the region it builds) is killed 10 s later.
        def stop(*_):
            child.terminate()
            signal.alarm(10)
        signal.signal(signal.SIGALRM, lambda *_: child.kill())
        for sig in (signal.SIGINT, signal.SIGTERM):
            signal.signal(sig, stop)
        _, status, usage = os.wait4(child.pid, 0)
        wall = time.perf_counter() - start
    # Popen's own bookkeeping must not wait for the pid again.
    child.returncode = os.waitstatus_to_exitcode(status)
    with open(result, "w") as f:
        json.dump({"wall_s": wall, "maxrss_kb": usage.ru_maxrss,
                   "user_s": usage.ru_utime, "sys_s": usage.ru_stime,
                   "exit": child.returncode, "load": load, "cmd": cmd}, f)
    code = child.returncode
    sys.exit(code if code >= 0 else 128 - code)


if __name__ == "__main__":
    main()
