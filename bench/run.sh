#!/usr/bin/env bash
# Benchmark of the whole batch, as the office runs it: build countybrief,
# build a demo region of N units once per N, then from copies of it measure
# a cold batch, two batches with nothing new, every unit resending its
# file, a batch with one corrected file,
# and, over the same files, the peers (openpyxl; stdlib Python on two
# processes; excelize GetRows on two workers) and the floor (inflating
# every zip part on two workers). Prints a Markdown report and keeps it in
# bench/results/latest.md (and latest.json).
#
#   bench/run.sh [N...]            default: 73 730 7300
#
# Environment:
#   BENCH_REPEAT=R      measurements per case (default 3); the report gives
#                       the median wall time and the largest RSS
#   BENCH_REPEAT_LARGE=R  measurements per case above 100,000 units
#                       (default 1: a 204,000-unit round takes ~10 minutes)
#   BENCH_KEEP=DIR      keep the raw results folder there (to report several
#                       runs together: report.py render over one folder)
#   BENCH_PEER_REPEAT=R measurements of the peer (default BENCH_REPEAT, but
#                       1 from 5000 units up: a minute each)
#   BENCH_OPENPYXL_MAX=N  run the openpyxl peer up to N units (default 10000:
#                       it takes 6 ms a form, 7 minutes at 73,000)
#   BENCH_EXCELIZE_MAX=N  run the excelize peer up to N units (default: at
#                       every size; it takes 9 minutes at 204,000)
#   BENCH_CPUS=LIST     pin batch and peer to these CPUs (taskset -c LIST)
#   BENCH_REGIONS=DIR   take the region of N units from DIR/wN when it is
#                       there (made by `countybrief demo --units N --no-run
#                       DIR/wN` with the build measured, never run in)
#                       instead of building it: 10 minutes saved at 204,000;
#                       the report then has no workspace-build row for N
#   COUNTYBRIEF_BIN=B   measure this binary instead of building one
#   BENCH_OUT=DIR       where latest.md/latest.json go (default bench/results)
#   TMPDIR              scratch space (a 7300-unit region needs ~1 GB)
#
# Everything is in functions and main runs from the last line, so bash has
# read the whole file before it starts: editing the script during a long
# run does not change the run.
set -Eeuo pipefail
trap 'echo "bench: failed at line $LINENO: $BASH_COMMAND" >&2' ERR

py=/usr/bin/python3 # Debian's, with python3-openpyxl
cur=                # pid of the measurement running now
tmp=

die() {
  echo "bench: $*" >&2
  exit 1
}

cleanup() { [ -z "$tmp" ] || rm -rf "$tmp"; }

stop() {
  echo "bench: stopped by a signal (exit $1)" >&2
  if [ -n "$cur" ]; then
    kill -TERM "$cur" 2>/dev/null || true
    wait "$cur" 2>/dev/null || true
  fi
  exit "$1"
}

# measure NAME DIR CMD...: run CMD, keeping DIR/NAME.{measure.json,out,err}.
measure() {
  local name=$1 dir=$2
  shift 2
  # In the background and waited for, so that a signal reaches the trap
  # at once rather than after the measurement.
  "$py" "$here/measure.py" "$dir/$name.measure.json" "$dir/$name.out" "$dir/$name.err" -- "$@" &
  cur=$!
  if ! wait "$cur"; then
    cur=
    echo "bench: $name failed: $*" >&2
    tail -n 20 "$dir/$name.err" >&2
    exit 1
  fi
  cur=
}

batch() { # batch NAME DIR WORKSPACE
  measure "$1" "$2" "${pin[@]}" "$bin" run --workspace "$3" --settle 0 --json
}

# one_size N: the demo region of N units, then BENCH_REPEAT rounds of
# peer, cold, nothing new (twice), every unit resending, and one changed file, each round on a fresh copy.
one_size() {
  local n=$1 d=$res/$1 pristine=$tmp/ws-$1 ws reps peer_reps r rd unit src
  mkdir -p "$d"
  if [ -n "${BENCH_REGIONS:-}" ] && [ -d "$BENCH_REGIONS/w$n" ]; then
    # Read only, but for the registry's cache (below): the peers read its
    # inbox, every batch runs on a copy.
    pristine=$BENCH_REGIONS/w$n
    [ -z "$(find "$pristine/archive" -type f -print -quit)" ] || die "$pristine is not a pristine region: its archive has files"
    echo "bench: N=$n: the demo region in $pristine" >&2
    # The registry's cache is made by the binary measured: one of an
    # older format would have every cold batch parse the registry's YAML
    # (at 73,000 units a peak of 325 MB), which no office meets twice.
    measure validate "$d" "$bin" validate --workspace "$pristine"
  else
    echo "bench: N=$n: building the demo region" >&2
    measure demo "$d" "$bin" demo --units "$n" --no-run "$pristine"
  fi
  find "$pristine/inbox" -type f | wc -l >"$d/files"

  reps=${BENCH_REPEAT:-3}
  if [ "$n" -gt 100000 ]; then reps=${BENCH_REPEAT_LARGE:-1}; fi
  peer_reps=${BENCH_PEER_REPEAT:-}
  if [ -z "$peer_reps" ]; then
    if [ "$n" -ge 5000 ]; then peer_reps=1; else peer_reps=$reps; fi
  fi
  [[ $reps =~ ^[1-9][0-9]*$ && $peer_reps =~ ^[1-9][0-9]*$ ]] || die "repetitions must be 1 or more"
  for ((r = 1; r <= reps; r++)); do
    rd=$d/rep$r
    mkdir -p "$rd"
    echo "bench: N=$n: repetition $r/$reps" >&2
    # The peer reads the pristine inbox (it moves nothing), alternating
    # with the batch so that both meet the same load on a shared machine.
    # The fast peers and the floor run in every repetition, so that each
    # gives a paired ratio with the cold batch measured beside it.
    measure floor "$rd" "${pin[@]}" "$floor" -workers 2 "$pristine/inbox"
    measure stdlib "$rd" "${pin[@]}" "$py" "$here/peer_stdlib.py" --processes 2 --json "$rd/stdlib.json" "$pristine/inbox"
    # From 50,000 units up the excelize peer runs in the first repetition
    # only: 3 minutes at 73,000, and its targets are at 730 and 7,300.
    if { [ "$r" -le 1 ] || [ "$n" -lt 50000 ]; } && [ "$n" -le "${BENCH_EXCELIZE_MAX:-1000000000}" ]; then
      measure excelize "$rd" "${pin[@]}" "$excelize" -workers 2 -json "$rd/excelize.json" "$pristine/inbox"
    fi
    if [ "$r" -le "$peer_reps" ] && [ "$n" -le "${BENCH_OPENPYXL_MAX:-10000}" ]; then
      measure peer "$rd" "${pin[@]}" "$py" "$here/peer_openpyxl.py" --json "$rd/peer.json" "$pristine/inbox"
    fi

    # Each round has its own copy, and copies are removed only when the
    # benchmark ends: on ext4, folders made within minutes of deleting
    # thousands of others cost several times more (the inode allocator
    # skips recently freed inodes one by one, perf shows it in
    # recently_deleted), which a nightly run does not meet.
    ws=$tmp/run-$n-$r
    cp -a "$pristine" "$ws"
    sync
    batch cold "$rd" "$ws"
    # The draft is rewritten by the next batches: keep the cold one's
    # totals for the comparison with the peer.
    cp "$("$py" -c 'import json,sys; print(json.load(open(sys.argv[1]))["totals_workbook"])' "$rd/cold.out")" "$rd/cold-totals.xlsx"
    batch warm "$rd" "$ws"
    # The first batch with nothing new reads the folders the cold one
    # emptied; the one after it is what an idle schedule meets.
    batch quiet "$rd" "$ws"
    # Every unit sends its accepted form again, the same bytes.
    "$py" "$here/resend_all.py" "$rd/cold.out" "$ws" >"$rd/resend.txt"
    batch resend "$rd" "$ws"
    # One unit corrects one figure and sends its form again: the first
    # accepted file in unit order, found through the cold batch's summary
    # (so that the archive's layout is the batch's business).
    read -r unit src < <("$py" -c 'import json, sys
fs = [f for f in json.load(open(sys.argv[1]))["files"] if f["status"] == "accepted"]
f = min(fs, key=lambda f: (f["unit"], f["name"]))
print(f["unit"], f["archive_path"])' "$rd/cold.out") || die "N=$n: the cold batch accepted nothing"
    "$py" "$here/change_form.py" "$src" "$ws/inbox/$unit/更正.xlsx" >"$rd/change.txt"
    batch changed "$rd" "$ws"
    "$py" "$here/report.py" extract "$ws" "$rd"
  done
}

main() {
  here=$(cd "$(dirname "$0")" && pwd)
  root=$(cd "$here/.." && pwd)
  local out_dir=${BENCH_OUT:-$here/results} n

  [ -x "$py" ] || die "$py missing: apt-get install python3-openpyxl"
  "$py" -c 'import openpyxl' 2>/dev/null || die "openpyxl missing for $py: apt-get install python3-openpyxl"
  command -v go >/dev/null || die "go not on PATH (the excelize peer and the floor are built here)"

  local sizes=("$@")
  [ ${#sizes[@]} -gt 0 ] || sizes=(73 730 7300)
  for n in "${sizes[@]}"; do
    [[ $n =~ ^[1-9][0-9]*$ ]] || die "not a unit count: $n"
    [ "$n" -ge 73 ] || die "the demo region has at least the county's 73 units: $n"
  done

  pin=()
  if [ -n "${BENCH_CPUS:-}" ]; then
    command -v taskset >/dev/null || die "taskset missing: apt-get install util-linux"
    pin=(taskset -c "$BENCH_CPUS")
  fi

  trap cleanup EXIT
  trap 'stop 130' INT
  trap 'stop 143' TERM
  tmp=$(mktemp -d "${TMPDIR:-/tmp}/cbbench.XXXXXX")
  tmp=$(cd "$tmp" && pwd) # the summaries then name absolute paths
  res=$tmp/results
  mkdir -p "$res" "$out_dir"
  cp /proc/loadavg "$res/loadavg-start" 2>/dev/null || true

  bin=${COUNTYBRIEF_BIN:-}
  if [ -z "$bin" ]; then
    bin=$tmp/cb
    echo "bench: go build ./cmd/countybrief" >&2
    (cd "$root" && go build -o "$bin" ./cmd/countybrief) || die "build failed"
    # What was built: the commit and the files that differed from it.
    git -C "$root" rev-parse --short HEAD >"$res/build-commit" 2>/dev/null || true
    git -C "$root" status --porcelain --untracked-files=no >"$res/build-dirty" 2>/dev/null || true
  fi
  [ -x "$bin" ] || die "no binary at $bin"
  # The excelize peer and the floor: a module of their own under bench/.
  floor=$tmp/floor excelize=$tmp/peer_excelize probe=$tmp/probe
  echo "bench: go build bench/goprogs" >&2
  (cd "$here/goprogs" && go build -o "$floor" ./floor && go build -o "$excelize" ./peer_excelize &&
    go build -o "$probe" ./probe) ||
    die "building bench/goprogs failed"
  # What the machine charges for a system call and a page fault, before
  # and after: the report names both, to compare runs of other hours.
  "$probe" "$tmp" >"$res/probe-start.json" || die "bench/goprogs/probe failed"

  for n in "${sizes[@]}"; do
    one_size "$n"
  done

  "$probe" "$tmp" >"$res/probe-end.json" || die "bench/goprogs/probe failed"
  if [ -n "${BENCH_KEEP:-}" ]; then
    mkdir -p "$BENCH_KEEP" && cp -a "$res/." "$BENCH_KEEP/"
  fi
  "$py" "$here/report.py" render --bin "$bin" --root "$root" --cpus "${BENCH_CPUS:-}" \
    --md "$out_dir/latest.md" --json "$out_dir/latest.json" "$res" "${sizes[@]}"
  cat "$out_dir/latest.md"
}

main "$@"; exit
