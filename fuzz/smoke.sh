#!/usr/bin/env bash
# A short fuzzing pass over every target, for CI: installs cargo-fuzz if it is missing, builds
# the targets, and runs each one for a few seconds from the committed seeds. Any crash, timeout
# or out-of-memory fails the script.
#
#   bash fuzz/smoke.sh            # 10 s a target
#   FUZZ_SECONDS=300 bash fuzz/smoke.sh
#   FUZZ_SANITIZER=address bash fuzz/smoke.sh
#
# Only the stable toolchain is needed: cargo-fuzz passes nightly-only flags (-Zsanitizer,
# -Cpasses=sancov-module), which stable rustc accepts under RUSTC_BOOTSTRAP=1.
set -euo pipefail
cd "$(dirname "$0")"

seconds="${FUZZ_SECONDS:-10}"
sanitizer="${FUZZ_SANITIZER:-none}"
export RUSTC_BOOTSTRAP=1

if ! cargo fuzz --version >/dev/null 2>&1; then
    cargo install cargo-fuzz --version 0.13.2 --locked
fi

# -a: debug assertions and overflow checks on, in an optimized build.
flags=(-O -a -s "$sanitizer")
cargo fuzz build "${flags[@]}"

# AddressSanitizer's quarantine alone takes a few hundred MB; without it the targets stay
# under 50 MB. A single allocation over 64 MB fails the run (enforced under a sanitizer).
rss_limit=512
if [ "$sanitizer" != none ]; then rss_limit=2048; fi

mkdir -p logs
for target in notifications header_signed basic_auth layer; do
    echo "== fuzz $target for ${seconds}s"
    mkdir -p "corpus/$target"
    log="logs/$target.log"
    # -timeout: one input taking 5 s is a hang; the memory limits catch unbounded buffering
    # (the layer's default body limit is 256 KiB).
    if ! cargo fuzz run "${flags[@]}" "$target" "corpus/$target" "seeds/$target" -- \
        -max_total_time="$seconds" -timeout=5 -rss_limit_mb="$rss_limit" -malloc_limit_mb=64 \
        -max_len=65536 \
        -print_final_stats=1 >"$log" 2>&1; then
        tail -n 60 "$log"
        echo "fuzz $target FAILED: the crashing input is under fuzz/artifacts/$target/"
        exit 1
    fi
    grep -E '^(#[0-9]+ +DONE|stat::number_of_executed_units|stat::peak_rss_mb)' "$log" || true
done
echo "fuzz smoke: all targets passed"
