#!/usr/bin/env python3
"""Checks that the README's two commands share one build.

`cargo run -p adyen-webhook-server -- --demo` builds the server's dependencies; `cargo test
--workspace` then must not build any of them again. Cargo unifies features per command, so a
crate the tests ask more features of (and every crate above it) would be built twice: hack/
asks for those features on the server's side. This compares the two commands' unit graphs
(`cargo --unit-graph`, read through RUSTC_BOOTSTRAP since only stable is installed), without
building anything, and fails on a dependency the second command would build again.
"""

import json
import os
import subprocess
import sys

ENV = dict(os.environ, RUSTC_BOOTSTRAP="1")


def graph(args):
    out = subprocess.run(
        ["cargo", *args, "--unit-graph", "-Z", "unstable-options"],
        check=True, capture_output=True, text=True, env=ENV,
    )
    return json.loads(out.stdout)["units"]


def identities(units):
    """A unit's identity: what cargo's fingerprint depends on, its dependencies' included."""
    memo = {}

    def ident(i):
        if i not in memo:
            u = units[i]
            profile = {k: v for k, v in u["profile"].items() if k != "name"}
            memo[i] = hash((
                u["pkg_id"], tuple(sorted(u["features"])), json.dumps(profile, sort_keys=True),
                u["mode"], u["target"]["name"], u["platform"] or "",
                tuple(sorted(ident(d["index"]) for d in u["dependencies"])),
            ))
        return memo[i]

    return {ident(i): units[i] for i in range(len(units))}


def main():
    meta = json.loads(subprocess.run(
        ["cargo", "metadata", "--format-version", "1", "--no-deps"],
        check=True, capture_output=True, text=True,
    ).stdout)
    members = set(meta["workspace_members"])
    demo = identities(graph(["build", "-p", "adyen-webhook-server"]))
    tests = identities(graph(["test", "--workspace", "--no-run"]))
    built = {u["pkg_id"] for u in demo.values()}
    again = sorted({
        u["pkg_id"].split("#")[-1]
        for key, u in tests.items()
        if key not in demo and u["pkg_id"] in built and u["pkg_id"] not in members
    })
    deps = len(built - members)
    if again:
        print(f"cargo test --workspace would build again {len(again)} of the {deps} dependencies "
              f"the demo built: {', '.join(again)}", file=sys.stderr)
        print("Ask hack/Cargo.toml for the features the tests use (python3 .ci/one-build.py "
              "names the packages; compare `cargo tree -e features` of both).", file=sys.stderr)
        sys.exit(1)
    print(f"one build: cargo test --workspace reuses all {deps} dependencies the demo built")


if __name__ == "__main__":
    main()
