#!/usr/bin/env bash
# Installs what benches/instructions/check.sh needs and is missing: valgrind (Debian's package,
# through apt-get, as root or through sudo) and gungraun-runner at the version of the gungraun
# dev-dependency locked in Cargo.lock (cargo install --locked, into ~/.cargo/bin).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."

if ! command -v valgrind >/dev/null; then
  echo "install.sh: installing valgrind (Debian package)" >&2
  command -v apt-get >/dev/null || { echo "install.sh: no valgrind and no apt-get" >&2; exit 1; }
  sudo=""
  [[ "$(id -u)" == 0 ]] || sudo="sudo"
  $sudo apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq valgrind >&2
fi

version="$(python3 - <<'PY'
import tomllib
with open("Cargo.lock", "rb") as f:
    lock = tomllib.load(f)
print(next(p["version"] for p in lock["package"] if p["name"] == "gungraun"))
PY
)"
if [[ "$(gungraun-runner --version 2>/dev/null)" != "gungraun-runner $version" ]]; then
  echo "install.sh: installing gungraun-runner $version (cargo install)" >&2
  # Its own target directory, so that the workspace's build is left as it is.
  CARGO_TARGET_DIR="${TMPDIR:-/tmp}/gungraun-runner-build" \
    cargo install --quiet --locked gungraun-runner --version "$version" >&2
  rm -rf "${TMPDIR:-/tmp}/gungraun-runner-build"
fi
