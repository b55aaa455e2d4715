#!/usr/bin/env bash
# What crates.io would get: the library and its models crate package and publish (dry run), and
# each package holds its source, README and licences, and nothing else of the repository (no
# tests or their vectors, no benchmarks or their peers, no fuzzing corpus, no server).
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(-p tower-adyen-webhook-models -p tower-adyen-webhook -p adyen-webhook-cli)

for package in tower-adyen-webhook tower-adyen-webhook-models adyen-webhook-cli; do
    files="$(cargo package -p "$package" --list --allow-dirty 2>/dev/null)"
    for needed in Cargo.toml README.md LICENSE-MIT LICENSE-APACHE; do
        if ! grep -qx "$needed" <<<"$files"; then
            echo "$package: the package lacks $needed" >&2
            exit 1
        fi
    done
    if stray="$(grep -E '^(tests|benches|fuzz|examples|models/spec|spec|generator|target)/' <<<"$files")"; then
        echo "$package: the package holds files it should not:" >&2
        echo "$stray" >&2
        exit 1
    fi
    echo "$package: $(wc -l <<<"$files") files, source, README and licences only"
done

# All at once, so that each is verified against the others as packaged.
cargo publish --dry-run --allow-dirty "${packages[@]}"
