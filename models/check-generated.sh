#!/usr/bin/env bash
# Fails if models/src/generated is not exactly what the generator makes from models/spec:
# generated code is never edited by hand, and the same specs always give the same bytes.
set -euo pipefail
cd "$(dirname "$0")/.."

out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT

cargo run --quiet -p adyen-models-gen -- models/spec "$out"
if ! diff -r "$out" models/src/generated; then
    echo "models/src/generated differs from what the generator makes from models/spec." >&2
    echo "Run: cargo run -p adyen-models-gen -- models/spec models/src/generated" >&2
    exit 1
fi
echo "models/src/generated is up to date with models/spec ($(sed -n 's/^commit: //p' models/spec/SOURCE))."
