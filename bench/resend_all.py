#!/usr/bin/python3
"""Every unit sends its accepted form again, byte for byte: copies each file
a batch accepted (its summary's archive_path) back into inbox/<unit>/ under
its first name, as on a night when every unit's clerk presses send twice.

    /usr/bin/python3 bench/resend_all.py SUMMARY.json WORKSPACE
"""

import json
import os
import shutil
import sys


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__.strip().splitlines()[-1].strip())
    summary, ws = sys.argv[1], sys.argv[2]
    with open(summary, encoding="utf-8") as f:
        files = [x for x in json.load(f)["files"] if x["status"] == "accepted"]
    for x in files:
        d = os.path.join(ws, "inbox", x["unit"])
        os.makedirs(d, exist_ok=True)
        shutil.copyfile(x["archive_path"], os.path.join(d, x["name"]))
    print(len(files))


if __name__ == "__main__":
    main()
