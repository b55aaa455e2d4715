#!/usr/bin/env bash
# Runs every benchmark of the crate and prints one table: the floor, the crate's parse + verify,
# the whole layer, the header-signed layer and its floor, Adyen's official Python, Node, Java and
# Go libraries on the same bodies (standard and header-signed), an axum server with and without
# the layer (and with parse + verify written in its handler instead) under wrk on loopback,
# floods of over-limit bodies, the instruction counts with the guard's verdict
# (benches/instructions/check.sh), the allocation counts of tests/allocations.rs, and every
# target met or missed.
#
# Usage: benches/run.sh [--quick]
#
#   --quick   shorter runs (criterion 1 s warm-up + 3 s, 5 s of load), for a look while iterating
#
# Installs what it needs and is missing: wrk (Debian's package, through apt-get), valgrind and
# gungraun-runner (benches/instructions/install.sh) and, through
# benches/official/run.sh, a JDK, Go and three jars (Debian's packages) and Adyen's libraries in a
# temporary directory. Traffic goes to 127.0.0.1
# only; every load is bounded in time and in requests; every server started is stopped.
#
# Environment: CARGO_TARGET_DIR (default: target/), E2E_SECONDS (default 10), E2E_ROUNDS
# (default 3), E2E_CONNECTIONS (default 32), FLOOD_CONNECTIONS (default 64), FLOOD_ROUNDS (default
# 3), BENCH_SECONDS (the
# official libraries' timed runs, default 2.5), BENCH_WARMUP_SECONDS (the Java library's shortest
# warm-up, default 3).
set -euo pipefail

die() {
  echo "run.sh: $*" >&2
  exit 1
}
say() { echo "run.sh: $*" >&2; }

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$root/target}"

criterion_args=()
e2e_seconds="${E2E_SECONDS:-10}"
rounds="${E2E_ROUNDS:-3}"
if [[ "${1:-}" == "--quick" ]]; then
  criterion_args=(--warm-up-time 1 --measurement-time 3)
  e2e_seconds="${E2E_SECONDS:-5}"
  rounds="${E2E_ROUNDS:-1}"
  flood_rounds="${FLOOD_ROUNDS:-1}"
  export BENCH_SECONDS="${BENCH_SECONDS:-1}"
elif [[ -n "${1:-}" ]]; then
  die "usage: benches/run.sh [--quick]"
fi
flood_rounds="${flood_rounds:-${FLOOD_ROUNDS:-3}}"
connections="${E2E_CONNECTIONS:-32}"
flood_connections="${FLOOD_CONNECTIONS:-64}"
limit=$((256 * 1024))      # the layer's default body limit
over=$((1024 * 1024))      # the size of the over-limit bodies
max_requests=5000000       # a bound on any one load, far above what 2 cores do in its time
port=18080

tmp="$(mktemp -d)"
server_pid=""
cleanup() {
  if [[ -n "$server_pid" ]]; then kill "$server_pid" 2>/dev/null || true; fi
  rm -rf "$tmp"
}
trap cleanup EXIT

# --- Tools ---------------------------------------------------------------------------------------
command -v python3 >/dev/null || die "python3 not found"
if ! command -v wrk >/dev/null; then
  say "installing wrk (Debian package)"
  sudo=""
  [[ "$(id -u)" == 0 ]] || sudo="sudo"
  command -v apt-get >/dev/null || die "wrk not found and no apt-get to install it"
  $sudo apt-get update -qq >&2 && $sudo apt-get install -y -qq wrk >&2 || die "could not install wrk"
fi
# Server and load generator each get a core of their own when the machine has two or more.
pin_server=()
pin_load=()
if command -v taskset >/dev/null && (($(nproc) >= 2)); then
  pin_server=(taskset -c 0)
  pin_load=(taskset -c 1)
fi

# --- Micro benchmarks ----------------------------------------------------------------------------
say "criterion: floor, parse + verify"
cargo bench --bench verify -- "${criterion_args[@]}" >"$tmp/verify.log" 2>&1 \
  || { cat "$tmp/verify.log" >&2; die "cargo bench --bench verify failed"; }
say "criterion: the whole layer"
cargo bench --bench layer -- "${criterion_args[@]}" >"$tmp/layer.log" 2>&1 \
  || { cat "$tmp/layer.log" >&2; die "cargo bench --bench layer failed"; }

# Instruction counts, and the guard's verdict on them against the committed baseline (a failing
# guard is reported in the table, it does not stop the run).
say "instruction counts (callgrind), and the guard"
"$root/benches/instructions/install.sh" || die "could not install valgrind and gungraun-runner"
guard="$(INSTRUCTIONS_OUT="$tmp/instructions.json" "$root/benches/instructions/check.sh" 2>"$tmp/guard.err" \
  | tee "$tmp/guard.log" | tail -n 1)" || true
cat "$tmp/guard.log" >&2
[[ -s "$tmp/instructions.json" ]] || { cat "$tmp/guard.err" >&2; die "benches/instructions/check.sh measured nothing"; }

# Allocations per item: tests/allocations.rs counts them with a counting global allocator (the
# counts are exact, whatever the load) and prints JSON lines {"name": ..., "allocations_per_item":
# N}, one a figure; every other line of its output is ignored. Its own assertions fail it when a
# count grows past its bound.
say "allocations per item"
cargo test --quiet --test allocations -- --nocapture 2>"$tmp/allocations.err" \
  | grep '^{' >"$tmp/allocations.jsonl" \
  || { cat "$tmp/allocations.err" >&2; die "cargo test --test allocations failed"; }

say "Adyen's official libraries"
"$root/benches/official/run.sh" >"$tmp/official.jsonl" || die "benches/official/run.sh failed"

# --- End to end ----------------------------------------------------------------------------------
say "building the end-to-end server"
server="$(cargo bench --bench e2e_server --no-run --message-format=json 2>/dev/null | python3 -c '
import json, sys
for line in sys.stdin:
    m = json.loads(line)
    if m.get("reason") == "compiler-artifact" and m["target"]["name"] == "e2e_server" and m.get("executable"):
        print(m["executable"])
')"
[[ -x "$server" ]] || die "could not build benches/e2e_server.rs"
count="$("$server" bodies "$tmp/bodies")"

# start_server MODE [LIMIT]: starts it in the background, waits until it listens.
start_server() {
  "${pin_server[@]}" "$server" serve "$1" "$port" "${2:-$limit}" 1 >"$tmp/server.log" 2>&1 &
  server_pid=$!
  for _ in $(seq 100); do
    grep -q listening "$tmp/server.log" && return 0
    kill -0 "$server_pid" 2>/dev/null || break
    sleep 0.05
  done
  cat "$tmp/server.log" >&2
  die "the $1 server did not start"
}

# stop_server: prints the server's peak RSS in KiB, then stops it.
stop_server() {
  awk '/^VmHWM:/ { print $2 }' "/proc/$server_pid/status"
  kill "$server_pid"
  wait "$server_pid" 2>/dev/null || true
  server_pid=""
}

# cpu_ticks WHEN: the server's user and system CPU time so far, in clock ticks, as JSON members
# named userWHEN and systemWHEN (fields 14 and 15 of /proc/PID/stat; the command name before
# them has no spaces here).
cpu_ticks() {
  awk -v w="$1" '{ printf "\"user%s\":%d,\"system%s\":%d", w, $14, w, $15 }' \
    "/proc/$server_pid/stat"
}

# run_wrk MODE CONNECTIONS SECONDS: one bounded wrk run; prints its JSON line.
run_wrk() {
  E2E_BODIES="$tmp/bodies" E2E_COUNT="$count" E2E_REQUESTS="$max_requests" E2E_THREADS=1 \
    E2E_MODE="$1" E2E_OVER="$over" \
    "${pin_load[@]}" wrk -t1 -c"$2" -d"${3}s" --timeout 5s \
    -s "$root/benches/e2e/load.lua" "http://127.0.0.1:$port/webhook" | tail -n 1
}

# load NAME MODE CONNECTIONS: a warm-up second, then the measured run, appended to e2e.jsonl
# with the server's peak RSS; stops the server.
load() {
  local result rss before after
  run_wrk "$2" "$3" 1 >/dev/null
  before="$(cpu_ticks _before)"
  result="$(run_wrk "$2" "$3" "$e2e_seconds")"
  after="$(cpu_ticks _after)"
  rss="$(stop_server)"
  echo "{\"name\":\"$1\",\"connections\":$3,\"peak_rss_kib\":$rss,\"cpu\":{$before,$after},\"ticks_per_second\":$(getconf CLK_TCK),\"wrk\":$result}" \
    >>"$tmp/e2e.jsonl"
}

: >"$tmp/e2e.jsonl"
# Alternating rounds, so that a burst of other work on the machine hits both servers alike.
for round in $(seq "$rounds"); do
  for mode in bare layered inline; do
    say "load: $mode server, round $round of $rounds"
    start_server "$mode"
    load "$mode" valid "$connections"
  done
done
# Floods of over-limit bodies: the layered server, and the same server draining the bodies
# without keeping them (hyper's own buffers), so that the layer's share of the memory shows.
# Several rounds, each drain then layered, since peak RSS moves with the allocator's luck.
for round in $(seq "$flood_rounds"); do
  for flood in length chunked; do
    for mode in drain layered; do
      say "flood: over-limit bodies ($flood), $mode server, round $round of $flood_rounds"
      start_server "$mode" "$limit"
      load "flood_${flood}_$mode" "$flood" "$flood_connections"
    done
  done
done

# --- The table -----------------------------------------------------------------------------------
# The raw results are kept beside criterion's, so the table can be printed again.
results="$CARGO_TARGET_DIR/bench-results"
mkdir -p "$results"
cp "$tmp/official.jsonl" "$tmp/e2e.jsonl" "$tmp/instructions.json" "$tmp/allocations.jsonl" \
  "$results/"
python3 "$root/benches/table.py" \
  --criterion "$CARGO_TARGET_DIR/criterion" \
  --official "$results/official.jsonl" \
  --e2e "$results/e2e.jsonl" \
  --instructions "$results/instructions.json" --guard "$guard" \
  --allocations "$results/allocations.jsonl" \
  --limit "$limit" --over "$over" --seconds "$e2e_seconds"
