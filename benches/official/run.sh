#!/usr/bin/env bash
# Time Adyen's official Python and Node libraries on the notification workload, as a baseline
# for the Rust benchmarks.
#
# Usage: benches/official/run.sh [WORKLOAD.jsonl]
#
# Both libraries are installed fresh into a temporary directory, removed on exit, so the run
# neither depends on nor alters anything installed on the machine. stdout gets exactly one JSON
# line per runtime; install output goes to stderr.
#
# Environment:
#   PYTHON           interpreter used to create the virtualenv (default: python3)
#   ADYEN_PY_SPEC    pip requirement for the Python library (default: adyen)
#   ADYEN_NODE_SPEC  npm package spec for the Node library (default: @adyen/api-library)
#   BENCH_SECONDS    length of each timed run in seconds (default: 2.5)
set -euo pipefail

die() {
  echo "run.sh: $*" >&2
  exit 1
}

script_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
workload="${1:-$script_dir/../../tests/data/notifications.jsonl}"
[[ -f "$workload" ]] || die "workload not found: $workload"
# Absolute, so the path stays right whatever directory the benchmarks run from.
workload="$(cd "$(dirname "$workload")" && pwd)/$(basename "$workload")"

python="${PYTHON:-python3}"
py_spec="${ADYEN_PY_SPEC:-adyen}"
node_spec="${ADYEN_NODE_SPEC:-@adyen/api-library}"
command -v "$python" >/dev/null || die "$python not found (set PYTHON to a Python 3 interpreter)"
command -v node >/dev/null || die "node not found"
command -v npm >/dev/null || die "npm not found"

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

echo "run.sh: installing $py_spec into a virtualenv" >&2
"$python" -m venv "$tmp/venv" >&2 || die "could not create a Python virtualenv with $python"
"$tmp/venv/bin/python" -m pip install --quiet --disable-pip-version-check "$py_spec" >&2 \
  || die "pip install $py_spec failed"

echo "run.sh: installing $node_spec" >&2
mkdir "$tmp/node"
npm install --prefix "$tmp/node" --silent --no-audit --no-fund --no-save "$node_spec" >&2 \
  || die "npm install $node_spec failed"

"$tmp/venv/bin/python" "$script_dir/python_bench.py" "$workload" \
  || die "Python benchmark failed"
NODE_PATH="$tmp/node/node_modules" node "$script_dir/node_bench.js" "$workload" \
  || die "Node benchmark failed"
