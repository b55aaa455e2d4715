#!/usr/bin/env bash
# Load test of the reference webhook server: wrk on loopback, for a bounded time, against a
# release build on a fresh SQLite database (or the database in LOAD_DATABASE_URL), then checks
# that nothing was lost or stored twice, that memory stayed flat and that the worker kept pace.
#
# Usage: bash examples/server/load/run.sh
#
# 1. Installs wrk (Debian's package) if it is missing, builds the server and the load_bodies
#    example in release mode.
# 2. Writes LOAD_BODIES distinct signed bodies (an AUTHORISATION and a CAPTURE per payment),
#    signed with a fixed test key the server is started with.
# 3. Starts the server on 127.0.0.1 (a free port) and samples its resident memory (VmRSS) every
#    second.
# 4. Runs wrk for LOAD_SECONDS with LOAD_CONNECTIONS connections; each wrk thread sends its share
#    of the bodies over and over, so every body is delivered several times, as Adyen redelivers.
# 5. Waits for the worker to process everything, reads the store back through
#    GET /api/notifications (admin listener), stops the server (SIGTERM: graceful) and prints a summary.
#
# Fails (exit 1) on: any 5xx, any answer other than 200 [accepted], any socket error or timeout,
# a body not stored, a body stored twice, a row that was never sent, fewer counted deliveries
# than 200s, a notification left unprocessed, the worker having processed less than
# LOAD_WORKER_MIN_PERCENT of the stored notifications by the end of the load (it must keep pace
# with the webhook, not only catch up afterwards), resident memory growing by more than
# LOAD_RSS_GROWTH_MB from the start of the load to its peak, or by more than LOAD_RSS_DRIFT_MB
# over the second half of the run (memory must level off, not keep climbing).
#
# Environment (defaults): LOAD_SECONDS (30), LOAD_CONNECTIONS (50), LOAD_THREADS (2),
# LOAD_BODIES (4000, at most 10000: the API lists that many), LOAD_RSS_GROWTH_MB (64),
# LOAD_RSS_DRIFT_MB (8), LOAD_WORKER_MIN_PERCENT (50; 0 turns the check off: with a much shorter
# LOAD_SECONDS or more LOAD_BODIES the backlog may legitimately outlast the load),
# LOAD_DATABASE_URL (an empty database; default a temporary SQLite file),
# CARGO_TARGET_DIR (target/).
# Everything goes to 127.0.0.1 only; the server and the memory sampler it starts are stopped on
# exit, and the temporary directory is removed (LOAD_KEEP=1 keeps it, with the server's log).
set -euo pipefail

die() {
  echo "load: $*" >&2
  exit 2
}
say() { echo "load: $*" >&2; }

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)"
cd "$root"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$root/target}"

seconds="${LOAD_SECONDS:-30}"
connections="${LOAD_CONNECTIONS:-50}"
threads="${LOAD_THREADS:-2}"
bodies="${LOAD_BODIES:-4000}"
rss_growth_mb="${LOAD_RSS_GROWTH_MB:-64}"
rss_drift_mb="${LOAD_RSS_DRIFT_MB:-8}"
worker_min_percent="${LOAD_WORKER_MIN_PERCENT:-50}"
# A test key (the one in ADYEN.md's example; its key check value is 9540DA). Never a real one.
key=00727DB817A85C8503AD29EAD1523DB869AF0E536893BB3046C92DE7CB045CB1

[[ "$bodies" -ge 2 && "$bodies" -le 10000 ]] || die "LOAD_BODIES must be from 2 to 10000"
[[ "$connections" -ge "$threads" ]] || die "LOAD_CONNECTIONS must be at least LOAD_THREADS"

if ! command -v wrk >/dev/null; then
  say "installing wrk (Debian's package)"
  [[ "$(id -u)" == 0 ]] || die "wrk is missing; install it (apt-get install wrk) or run me as root"
  DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >&2
fi
for tool in curl python3; do
  command -v "$tool" >/dev/null || die "$tool is needed"
done

say "building the server and the body writer (release)"
cargo build --release --quiet -p adyen-webhook-server --bin adyen-webhook-server \
  --example load_bodies
server_bin="$CARGO_TARGET_DIR/release/adyen-webhook-server"
bodies_bin="$CARGO_TARGET_DIR/release/examples/load_bodies"

work="$(mktemp -d /tmp/adyen-load.XXXXXX)"
server_pid=""
sampler_pid=""
cleanup() {
  [[ -n "$sampler_pid" ]] && kill "$sampler_pid" 2>/dev/null || true
  if [[ -n "$server_pid" ]] && kill -0 "$server_pid" 2>/dev/null; then
    kill -TERM "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
  fi
  if [[ "${LOAD_KEEP:-}" == 1 ]]; then
    say "kept $work"
  else
    rm -rf "$work"
  fi
}
trap cleanup EXIT

"$bodies_bin" "$key" "$bodies" >"$work/bodies.jsonl"
say "$bodies signed bodies, $(wc -c <"$work/bodies.jsonl") bytes"

free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
port="$(free_port)"
admin_port="$(free_port)"
database_url="${LOAD_DATABASE_URL:-sqlite://$work/load.db?mode=rwc}"
base="http://127.0.0.1:$port"
admin="http://127.0.0.1:$admin_port"
# Every stored notification, page by page, as one JSON array.
list_all() {
  python3 - "$admin" <<'PY'
import json, sys, urllib.request
admin, rows, before = sys.argv[1], [], None
while True:
    url = admin + "/api/notifications?limit=200" + (f"&before={before}" if before else "")
    page = json.load(urllib.request.urlopen(url))
    rows += page["notifications"]
    before = page["nextBefore"]
    if before is None:
        break
json.dump(rows, sys.stdout)
PY
}

(
  cd "$work"
  # Every wrk connection may have a request in flight: none is shed for being one too many.
  exec env -i PATH="$PATH" ADYEN_HMAC_KEY="$key" PORT="$port" BIND_ADDRESS=127.0.0.1 \
    ADMIN_PORT="$admin_port" MAX_WEBHOOKS_IN_FLIGHT="$((connections * 2))" \
    DATABASE_URL="$database_url" RUST_LOG="${RUST_LOG:-warn}" "$server_bin"
) >"$work/server.log" 2>&1 &
server_pid=$!
for _ in $(seq 100); do
  curl -fsS "$base/health" >/dev/null 2>&1 && break
  kill -0 "$server_pid" 2>/dev/null || { cat "$work/server.log" >&2; die "the server did not start"; }
  sleep 0.1
done
curl -fsS "$admin/api/notifications?limit=1" >/dev/null || die "the server does not answer"

rss() { awk '/^VmRSS:/ { print $2 }' "/proc/$server_pid/status" 2>/dev/null || true; }
(
  while kill -0 "$server_pid" 2>/dev/null; do
    echo "$(date +%s.%N) $(rss)"
    sleep 1
  done
) >"$work/rss.log" &
sampler_pid=$!

say "wrk: $seconds s, $connections connections, $threads threads, on $base (server pid $server_pid)"
start_rss="$(rss)"
load_start="$(date +%s.%N)"
LOAD_BODIES_FILE="$work/bodies.jsonl" LOAD_THREADS="$threads" \
  wrk -t"$threads" -c"$connections" -d"${seconds}s" --timeout 10s \
  -s "$root/examples/server/load/notifications.lua" "$base/api/webhooks/notifications" \
  >"$work/wrk.out"
load_end="$(date +%s.%N)"
end_rss="$(rss)"
grep '^{' "$work/wrk.out" | tail -1 >"$work/wrk.json" || true
[[ -s "$work/wrk.json" ]] || { cat "$work/wrk.out" >&2; die "no summary from wrk"; }

# How far the worker got during the load, then how long it takes to catch up.
list_all >"$work/at-end-of-load.json"
drain_start="$(date +%s.%N)"
for _ in $(seq 240); do
  list_all >"$work/stored.json"
  if python3 -c '
import json, sys
rows = json.load(open(sys.argv[1]))
sys.exit(0 if all(r["processing"]["state"] == "processed" for r in rows) else 1)
' "$work/stored.json"; then
    break
  fi
  sleep 0.5
done
drain_end="$(date +%s.%N)"
after_rss="$(rss)"

kill "$sampler_pid" 2>/dev/null || true
wait "$sampler_pid" 2>/dev/null || true
sampler_pid=""
kill -TERM "$server_pid"
wait "$server_pid" || say "the server exited with status $?"
server_pid=""

python3 - "$work" "$bodies" "$connections" "$threads" "$seconds" "$start_rss" "$end_rss" \
  "$after_rss" "$load_start" "$load_end" "$drain_start" "$drain_end" "$rss_growth_mb" \
  "$rss_drift_mb" "$database_url" "$worker_min_percent" <<'PY'
import json, os, sys
from datetime import datetime

(work, bodies, connections, threads, seconds, start_rss, end_rss, after_rss, load_start,
 load_end, drain_start, drain_end, growth_mb, drift_mb, database_url,
 worker_min_percent) = sys.argv[1:]
worker_min_percent = float(worker_min_percent)
bodies, connections, threads = int(bodies), int(connections), int(threads)
start_rss, end_rss, after_rss = int(start_rss), int(end_rss or 0), int(after_rss or 0)
load_start, load_end = float(load_start), float(load_end)
drain = float(drain_end) - float(drain_start)
growth_kb, drift_kb = int(growth_mb) * 1024, int(drift_mb) * 1024

wrk = json.load(open(os.path.join(work, "wrk.json")))
rows = json.load(open(os.path.join(work, "stored.json")))
at_end = json.load(open(os.path.join(work, "at-end-of-load.json")))
processed_during = sum(1 for r in at_end if r["processing"]["state"] == "processed")
# The worker's lag: from a notification's first delivery to the end of its processing.
epoch = lambda stamp: datetime.fromisoformat(stamp).timestamp()
lags = sorted(epoch(r["processing"]["processedAt"]) - epoch(r["receivedAt"])
              for r in rows if r["processing"]["processedAt"])
last_processed = max((epoch(r["processing"]["processedAt"]) for r in rows
                      if r["processing"]["processedAt"]), default=load_start)
pct = lambda q: lags[min(len(lags) - 1, int(q * len(lags)))] if lags else 0.0
samples = []
for line in open(os.path.join(work, "rss.log")):
    parts = line.split()
    if len(parts) == 2:
        samples.append((float(parts[0]), int(parts[1])))
during = [kb for t, kb in samples if load_start <= t <= load_end]
peak = max(during + [start_rss, end_rss])
half = load_start + (load_end - load_start) / 2
second_half = [kb for t, kb in samples if half <= t <= load_end] or [end_rss]

failures = []
statuses = {k: v for k, v in wrk["statuses"].items()}
answered = sum(statuses.values())
ok = statuses.get("200", 0)
fivexx = sum(v for k, v in statuses.items() if k.startswith("5"))
other = answered - ok
errors = wrk["errors"]
if fivexx:
    failures.append(f"{fivexx} answers were 5xx")
if other - fivexx:
    failures.append(f"{other - fivexx} answers were neither 200 nor 5xx: {statuses}")
if wrk["accepted_without_body"]:
    failures.append(f"{wrk['accepted_without_body']} 2xx answers without [accepted]")
if any(errors.values()):
    failures.append(f"socket errors or timeouts: {errors}")
if wrk["bodies"] != bodies:
    failures.append(f"wrk loaded {wrk['bodies']} bodies, not {bodies}")
if wrk["min_rounds"] < 2:
    failures.append(
        f"a wrk thread went round its bodies only {wrk['min_rounds']} times: raise LOAD_SECONDS "
        "or lower LOAD_BODIES, so that every body is answered at least once")

expected = {f"{7_700_000_000_000_000 + n:016}": ("AUTHORISATION" if n % 2 == 0 else "CAPTURE")
            for n in range(bodies)}
keys = [(r["pspReference"], r["eventCode"], r["success"]) for r in rows]
duplicates = len(keys) - len(set(keys))
stored = {psp for psp, _, _ in keys}
lost = [psp for psp in expected if psp not in stored]
unknown = [k for k in keys if expected.get(k[0]) != k[1] or k[2] is not True]
unprocessed = sum(1 for r in rows if r["processing"]["state"] != "processed")
deliveries = sum(r["deliveries"] for r in rows)
if duplicates:
    failures.append(f"{duplicates} notifications stored twice")
if lost:
    failures.append(f"{len(lost)} bodies not stored, e.g. {lost[:3]}")
if unknown:
    failures.append(f"{len(unknown)} rows that were never sent, e.g. {unknown[:3]}")
if unprocessed:
    failures.append(f"{unprocessed} notifications still unprocessed after {drain:.0f} s")
# All the distinct bodies are stored within the first seconds; the rest of the load is
# redeliveries. A worker kept from the database by the webhook traffic processed 2 to 19 % of
# them during the load.
if at_end and processed_during * 100 < worker_min_percent * len(at_end):
    failures.append(f"the worker processed {processed_during} of {len(at_end)} notifications "
                    f"during the load, less than {worker_min_percent:g} %")
# Each 200 is a committed delivery; a request still in flight when wrk stopped may have been
# committed without its answer being counted: at most one a connection.
if not ok <= deliveries <= ok + connections:
    failures.append(f"{deliveries} deliveries counted in the store for {ok} answers of 200")
if peak - start_rss > growth_kb:
    failures.append(f"resident memory grew by {(peak - start_rss) / 1024:.1f} MiB (bound "
                    f"{growth_kb // 1024} MiB)")
drift = max(second_half) - second_half[0]
if drift > drift_kb:
    failures.append(f"resident memory still grew by {drift / 1024:.1f} MiB over the second half "
                    f"of the run (bound {drift_kb // 1024} MiB)")

duration = wrk["duration_us"] / 1e6
lat = wrk["latency_us"]
ms = lambda us: f"{us / 1000:.1f} ms"
mib = lambda kb: f"{kb / 1024:.1f} MiB"
backend = "PostgreSQL" if database_url.startswith("postgres") else "SQLite"
print(f"""
== load: reference server, release build, {backend}, 127.0.0.1, {os.cpu_count()} cores
wrk             {threads} threads, {connections} connections, {duration:.1f} s
requests        {wrk['requests']} answered ({wrk['requests'] / duration:.0f}/s), {wrk['sent']} sent
statuses        {json.dumps(statuses, sort_keys=True)}; 5xx {fivexx}; socket errors {errors}
latency         mean {ms(lat['mean'])}, p50 {ms(lat['p50'])}, p90 {ms(lat['p90'])}, p99 {ms(lat['p99'])}, p99.9 {ms(lat['p999'])}, max {ms(lat['max'])}
bodies          {bodies} distinct, each sent {wrk['min_rounds']:.1f}+ times
store           {len(rows)} rows, {len(set(keys))} distinct, lost {len(lost)}, stored twice {duplicates}, never sent {len(unknown)}
deliveries      {deliveries} counted in the store for {ok} answers of 200 (+{deliveries - ok} in flight at the stop)
worker          {processed_during} of {len(at_end)} processed by the end of the load; all {len(rows) - unprocessed} {drain:.1f} s later
worker lag      first delivery to processed: p50 {pct(0.5):.1f} s, p99 {pct(0.99):.1f} s, max {pct(1):.1f} s; last processed {last_processed - load_start:.1f} s into the {load_end - load_start:.1f} s load
memory (VmRSS)  start {mib(start_rss)}, peak {mib(peak)}, end of load {mib(end_rss)}, after the worker caught up {mib(after_rss)}; second-half drift {mib(drift)}
bounds          growth <= {growth_kb // 1024} MiB, second-half drift <= {drift_kb // 1024} MiB, processed during the load >= {worker_min_percent:g} %""")
if failures:
    print("\nFAILED:")
    for failure in failures:
        print(f"  - {failure}")
    sys.exit(1)
print("\nOK: no 5xx, nothing lost, nothing stored twice, memory flat, the worker kept pace")
PY
