#!/usr/bin/env bash
# The instruction-count guard: runs benches/instructions.rs under callgrind (gungraun) and fails
# when any benchmark executes more than 10% more instructions than benches/instructions/baseline.json
# records. A drop of more than 10% passes with a note: refresh the baseline so that it guards the
# new figure.
#
# Usage: benches/instructions/check.sh            # measure, compare, fail on a growth
#        benches/instructions/check.sh --refresh  # measure and write the baseline
#
# Counts are deterministic for one build on one valgrind, but a different rustc, valgrind or
# gungraun changes them by more than the threshold. So the comparison is always within one
# toolchain: when this machine's rustc, valgrind or gungraun-runner is not the one the baseline
# records, the commit that last wrote the baseline is measured again here, in a temporary git
# worktree, and the current code is compared with that instead (a note says so; refresh the
# baseline to skip the second measurement).
#
# Needs valgrind and gungraun-runner at the version of the gungraun dev-dependency in Cargo.lock
# (cargo install gungraun-runner --version V --locked); .ci/run installs both.
#
# Environment: CARGO_TARGET_DIR (default: target/), INSTRUCTIONS_THRESHOLD (percent, default 10),
# INSTRUCTIONS_OUT (a file to keep this run's counts in, as {benchmark: instructions}).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$root"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$root/target}"
baseline="benches/instructions/baseline.json"
threshold="${INSTRUCTIONS_THRESHOLD:-10}"

die() {
  echo "check.sh: $*" >&2
  exit 1
}

refresh=false
case "${1:-}" in
  --refresh) refresh=true ;;
  "") ;;
  *) die "usage: benches/instructions/check.sh [--refresh]" ;;
esac

command -v valgrind >/dev/null || die "valgrind not found (Debian: apt-get install valgrind)"
locked="$(python3 - <<'PY'
import tomllib
with open("Cargo.lock", "rb") as f:
    lock = tomllib.load(f)
print(next(p["version"] for p in lock["package"] if p["name"] == "gungraun"))
PY
)"
runner="$(gungraun-runner --version 2>/dev/null | awk '{ print $2 }' || true)"
[[ "$runner" == "$locked" ]] || die "gungraun-runner ${runner:-not found}, the gungraun crate is $locked: cargo install gungraun-runner --version $locked --locked"

# The toolchain the counts depend on, as one JSON object.
toolchain() {
  python3 - "$(rustc --version)" "$(valgrind --version)" "$runner" <<'PY'
import json, sys
print(json.dumps({"rustc": sys.argv[1], "valgrind": sys.argv[2], "gungraun": sys.argv[3]}))
PY
}

# measure DIR OUT: runs the benchmarks of the checkout in DIR, writes {name: instructions} to OUT.
measure() {
  local dir="$1" out="$2"
  echo "check.sh: counting instructions in $dir" >&2
  (cd "$dir" && cargo bench --quiet --bench instructions -- --output-format=json) >"$out.raw" \
    || die "cargo bench --bench instructions failed in $dir"
  python3 "$root/benches/instructions/counts.py" "$out.raw" >"$out"
}

tmp="$(mktemp -d)"
worktree=""
cleanup() {
  if [[ -n "$worktree" ]]; then git -C "$root" worktree remove --force "$worktree" >/dev/null 2>&1 || true; fi
  rm -rf "$tmp"
}
trap cleanup EXIT

measure "$root" "$tmp/current.json"
if [[ -n "${INSTRUCTIONS_OUT:-}" ]]; then cp "$tmp/current.json" "$INSTRUCTIONS_OUT"; fi

if $refresh; then
  python3 - "$tmp/current.json" "$(toolchain)" "$(grep -m1 '^model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')" >"$baseline" <<'PY'
import json, sys
counts = json.load(open(sys.argv[1]))
print(json.dumps({
    "what": "instructions executed by each benchmark of benches/instructions.rs (callgrind Ir), "
            "the guard's baseline",
    "produced_by": "benches/instructions/check.sh --refresh",
    "toolchain": json.loads(sys.argv[2]),
    "cpu": sys.argv[3],
    "instructions": counts,
}, indent=2))
PY
  echo "check.sh: wrote $baseline" >&2
  cat "$baseline"
  exit 0
fi

[[ -f "$baseline" ]] || die "no $baseline: write one with benches/instructions/check.sh --refresh"
reference="$tmp/reference.json"
if python3 - "$baseline" "$(toolchain)" <<'PY'
import json, sys
sys.exit(0 if json.load(open(sys.argv[1]))["toolchain"] == json.loads(sys.argv[2]) else 1)
PY
then
  python3 -c 'import json, sys; print(json.dumps(json.load(open(sys.argv[1]))["instructions"]))' \
    "$baseline" >"$reference"
  against="the baseline"
else
  commit="$(git log -1 --format=%H -- "$baseline")"
  [[ -n "$commit" ]] || die "the toolchain differs from the baseline's and $baseline has no commit to measure again: refresh it"
  echo "check.sh: note: the baseline was recorded with $(python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["toolchain"])' "$baseline"), this is $(toolchain); measuring ${commit:0:12}, which wrote the baseline, with this toolchain (refresh the baseline to skip this)" >&2
  worktree="$tmp/baseline-worktree"
  git worktree add --detach --quiet "$worktree" "$commit" || die "could not check out $commit"
  measure "$worktree" "$reference"
  against="${commit:0:12} measured here"
fi

python3 - "$reference" "$tmp/current.json" "$threshold" "$against" <<'PY'
import json, sys
reference, current = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))
threshold, against = float(sys.argv[3]), sys.argv[4]
failed, notes = [], []
print(f"{'benchmark':32} {'reference':>12} {'now':>12} {'change':>8}")
for name in sorted(set(reference) | set(current)):
    if name not in current:
        failed.append(f"{name}: in the baseline but not measured (renamed or removed? refresh)")
        continue
    if name not in reference:
        notes.append(f"{name}: not in the baseline yet (refresh it)")
        print(f"{name:32} {'':>12} {current[name]:>12,}")
        continue
    change = 100.0 * (current[name] - reference[name]) / reference[name]
    print(f"{name:32} {reference[name]:>12,} {current[name]:>12,} {change:>+7.1f}%")
    if change > threshold:
        failed.append(f"{name}: {current[name]:,} instructions, {change:+.1f}% over {against} "
                      f"({reference[name]:,}), more than the {threshold:g}% allowed")
    elif change < -threshold:
        notes.append(f"{name}: {change:+.1f}% against {against}: a real improvement? Refresh the "
                     "baseline (benches/instructions/check.sh --refresh) so that it guards it")
for note in notes:
    print(f"note: {note}")
for failure in failed:
    print(f"FAILED: {failure}")
if failed:
    sys.exit(1)
print(f"instruction counts within {threshold:g}% of {against}")
PY
