#!/usr/bin/env python3
"""Checks that every workspace package's `rust-version` is true.

Only the stable toolchain is installed here, so the declared minimum cannot be checked by
building with it. Instead, this reads the locked dependency tree with `cargo metadata` and fails
when a dependency (normal or build, for the target platform) declares a `rust-version` above the
package's own. Dev-dependencies are left out: they build the package's tests, not the package.

Usage: python3 .ci/rust-version.py [--print]   (--print lists each package's highest dependency)
"""

import json
import subprocess
import sys


def version_key(text):
    parts = [int(p) for p in text.split(".")]
    return tuple(parts + [0] * (3 - len(parts)))


def main():
    show = "--print" in sys.argv[1:]
    host = subprocess.run(
        ["rustc", "-vV"], check=True, capture_output=True, text=True
    ).stdout
    target = next(l.split(": ", 1)[1] for l in host.splitlines() if l.startswith("host: "))
    metadata = json.loads(
        subprocess.run(
            ["cargo", "metadata", "--format-version", "1", "--locked",
             "--filter-platform", target],
            check=True, capture_output=True, text=True,
        ).stdout
    )
    packages = {p["id"]: p for p in metadata["packages"]}
    nodes = {n["id"]: n for n in metadata["resolve"]["nodes"]}

    def runtime_deps(node):
        for dep in node["deps"]:
            kinds = {k["kind"] for k in dep["dep_kinds"]}
            if kinds & {None, "build"}:
                yield dep["pkg"]

    failures = []
    for member in metadata["workspace_members"]:
        package = packages[member]
        declared = package.get("rust_version")
        if not declared:
            failures.append(f"{package['name']}: no rust-version declared")
            continue
        seen, stack, highest = set(), list(runtime_deps(nodes[member])), []
        while stack:
            pkg = stack.pop()
            if pkg in seen:
                continue
            seen.add(pkg)
            stack.extend(runtime_deps(nodes[pkg]))
            needs = packages[pkg].get("rust_version")
            if needs:
                highest.append((version_key(needs), needs, packages[pkg]["name"],
                                packages[pkg]["version"]))
        highest.sort(reverse=True)
        too_new = [h for h in highest if h[0] > version_key(declared)]
        if show and highest:
            _, needs, name, version = highest[0]
            print(f"{package['name']} declares {declared}; its most demanding dependency is "
                  f"{name} {version} ({needs}), of {len(seen)}")
        for _, needs, name, version in too_new[:5]:
            failures.append(
                f"{package['name']} declares rust-version {declared}, "
                f"but {name} {version} needs {needs}"
            )
        if len(too_new) > 5:
            failures.append(f"{package['name']}: and {len(too_new) - 5} more dependencies")
    sys.stdout.flush()
    for failure in failures:
        print(failure, file=sys.stderr)
    if failures:
        sys.exit(1)
    if not show:
        print(f"rust-version: {len(metadata['workspace_members'])} packages, "
              "each at least what its locked dependencies need")


if __name__ == "__main__":
    main()
