#!/usr/bin/env bash
# The mutation gate: every mutant cargo-mutants makes of the lines a change touches, in the
# library (src/) and in the reference server's business logic and store
# (examples/server/src/payments.rs, store.rs), must be caught by a test. A missed mutant fails
# the gate and is printed.
#
#   bash .ci/mutants.sh                      # the diff against the previous commit (HEAD~1)
#   MUTANTS_BASE=origin/main bash .ci/mutants.sh   # what a branch changed since it left main
#
# The change is the diff from the merge base of MUTANTS_BASE (default HEAD~1) and HEAD to the
# working tree. On a root
# commit there is no previous commit: the gate says so and passes, since there is nothing to
# compare with (set MUTANTS_BASE to compare with something else).
#
# Each mutant runs only the tests that can see it: the library's unit and integration tests
# (`--lib --tests`, every feature: the metrics code is behind `metrics`), not its doctests, which
# compile one by one and take longer than everything else together; the server's unit tests and
# the in-process integration tests of the store and of what goes through the worker and the store
# (`store`, `durable`, `e2e`, `platform`, `standard_events`, `metrics`), on SQLite and, when TEST_DATABASE_URL is set, on
# PostgreSQL too; not `no_loss` (minutes of faults and restarts) nor `hostile_server` (the HTTP
# surface, through a spawned binary), which reach these files only through the same paths. Builds have no debug info, share one target
# directory (target/mutants) across runs, and each test run has a timeout.
#
# Equivalent mutants, which no test can catch, are listed with the reason in
# .cargo/mutants.toml.
#
# MUTANTS_JOBS (default 1) mutants are built and tested at once; MUTANTS_TIMEOUT (default 120)
# seconds is the most a mutant's tests may take.
set -euo pipefail
cd "$(dirname "$0")/.."

version=27.1.0
jobs="${MUTANTS_JOBS:-1}"
timeout="${MUTANTS_TIMEOUT:-120}"
out="${MUTANTS_OUT:-target/mutants-gate}"

log() { echo "mutants: $*" >&2; }

base="${MUTANTS_BASE:-}"
if [ -z "$base" ]; then
    if ! git rev-parse --quiet --verify 'HEAD~1^{commit}' >/dev/null; then
        if [ "$(git rev-parse --is-shallow-repository)" = true ]; then
            log "HEAD~1 is not in this shallow clone: fetch it (git fetch --deepen=1) or set MUTANTS_BASE"
            exit 1
        fi
        log "HEAD is a root commit: there is no previous commit to diff against, nothing to gate" \
            "(set MUTANTS_BASE to compare with another commit)"
        exit 0
    fi
    base=HEAD~1
fi
# The merge base, so that what the base gained since the branch left it is not taken for the
# change (for HEAD~1 it is HEAD~1 itself).
base_commit="$(git merge-base "$(git rev-parse --verify "$base^{commit}")" HEAD)"
log "mutating what changed since $base ($(git rev-parse --short "$base_commit"))"

mkdir -p "$out"
library_diff="$out/library.diff"
server_diff="$out/server.diff"
git diff "$base_commit" -- src >"$library_diff"
git diff "$base_commit" -- examples/server/src/payments.rs examples/server/src/store.rs >"$server_diff"

if [ ! -s "$library_diff" ] && [ ! -s "$server_diff" ]; then
    log "nothing changed in src/ nor in the server's payments.rs and store.rs: nothing to mutate"
    exit 0
fi

# cargo-mutants itself, once there is something to mutate: the one on PATH if it is this
# version, else one installed once into a cache directory.
mutants=""
if command -v cargo-mutants >/dev/null &&
    [ "$(cargo-mutants mutants --version 2>/dev/null)" = "cargo-mutants $version" ]; then
    mutants=cargo-mutants
else
    root="${MUTANTS_TOOL_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/cargo-mutants-$version}"
    if [ ! -x "$root/bin/cargo-mutants" ]; then
        log "installing cargo-mutants $version into $root"
        cargo install --quiet --locked cargo-mutants --version "$version" --root "$root"
    fi
    mutants="$root/bin/cargo-mutants"
fi

export CARGO_PROFILE_DEV_DEBUG=0 CARGO_PROFILE_TEST_DEBUG=0
# One target directory for every run, so that a run reuses the last one's build: only while one
# mutant is built at a time. Cargo names a workspace member's artifacts the same whatever
# directory the copy of the tree is in, so two copies building into one target directory test
# each other's mutants (a mutant breaking every parse then passes, or an innocent one fails).
# Several jobs each build in their copy's own target directory instead.
if [ "$jobs" = 1 ]; then
    export CARGO_TARGET_DIR="${MUTANTS_TARGET_DIR:-$PWD/target/mutants}"
else
    unset CARGO_TARGET_DIR
fi
export CARGO_TERM_COLOR=never

failed=0
# run NAME DIFF ARGS...: one cargo-mutants run over the lines DIFF touches.
run() {
    local name="$1" diff="$2"
    shift 2
    if [ ! -s "$diff" ]; then
        log "$name: no change"
        return
    fi
    log "$name: $(grep -c '^@@' "$diff") changed hunks"
    local status=0
    "$mutants" mutants --in-diff "$diff" --jobs "$jobs" --timeout "$timeout" --no-shuffle \
        --output "$out/$name" "$@" || status=$?
    # 0: every mutant caught (or none in the changed lines). Anything else fails the gate: 2
    # missed mutants, 3 timeouts, 4 the tests failing without a mutant.
    case "$status" in
        0) ;;
        *)
            failed=1
            log "$name: FAILED (cargo-mutants exit $status)"
            if [ -s "$out/$name/mutants.out/missed.txt" ]; then
                log "$name: missed mutants, each needs a test (or, if equivalent, an entry in .cargo/mutants.toml):"
                sed 's/^/  MISSED: /' "$out/$name/mutants.out/missed.txt" >&2
            fi
            if [ -s "$out/$name/mutants.out/timeout.txt" ]; then
                log "$name: mutants whose tests timed out:"
                sed 's/^/  TIMEOUT: /' "$out/$name/mutants.out/timeout.txt" >&2
            fi
            ;;
    esac
}

# --cargo-arg applies to the build too, so that nothing else (benchmarks, examples, doctests)
# is built for each mutant.
run library "$library_diff" --package tower-adyen-webhook --all-features \
    --cargo-arg=--lib --cargo-arg=--tests
run server "$server_diff" --package adyen-webhook-server \
    --cargo-arg=--lib --cargo-arg=--test=store --cargo-arg=--test=durable --cargo-arg=--test=e2e \
    --cargo-arg=--test=platform --cargo-arg=--test=standard_events --cargo-arg=--test=metrics

if [ "$failed" != 0 ]; then
    log "FAILED: the mutants above survived the tests"
    exit 1
fi
log "every mutant of the changed lines was caught"
