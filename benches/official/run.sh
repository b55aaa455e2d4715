#!/usr/bin/env bash
# Time Adyen's official Python, Node, Java and Go libraries on the notification workload, as a
# baseline for the Rust benchmarks.
#
# Usage: benches/official/run.sh [WORKLOAD.jsonl]
#
# Python's and Node's libraries are installed fresh from their registries into a temporary
# directory. Java's and Go's cannot be (no Maven repository, no Go module proxy): the few files of
# each that parse and verify a notification are in java/ and go/ beside this script, unmodified
# (see their SOURCE files), and are compiled into the same temporary directory, Java against
# Debian's gson, commons-codec and jackson-annotations jars, Go as a module with no requirements
# and no network. What is missing of a JDK, those jars and Go is installed with apt-get (as root,
# or through sudo). The temporary directory is removed on exit, so the run depends on nothing
# installed beyond those system packages and leaves nothing else behind. stdout gets exactly one
# JSON line per figure; install and check output goes to stderr.
#
# The Java and Go benchmarks first check every verdict of the workload (tampered lines too). All
# four also time their header-signed validators (the HmacSignature header over the raw body) on
# the header-signed workload that header_workload.py writes: Adyen's spec example bodies
# (tests/data/adyen/spec-header-signed.jsonl) signed with one key, and the bodies, keys and
# signatures of Adyen's library tests (tests/data/library-header-signed.jsonl), after checking
# each library's verdict on every line, tampered ones included.
#
# Environment:
#   PYTHON           interpreter used to create the virtualenv (default: python3)
#   ADYEN_PY_SPEC    pip requirement for the Python library (default: adyen)
#   ADYEN_NODE_SPEC  npm package spec for the Node library (default: @adyen/api-library)
#   BENCH_SECONDS    length of each timed run in seconds (default: 2.5)
#   BENCH_WARMUP_SECONDS  the Java benchmark's warm-up before each timed run (default: 3)
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

# Debian's packages for the Java and Go peers, installed only when missing.
jars=/usr/share/java
declare -A jar_package=(
  [gson.jar]=libgoogle-gson-java
  [commons-codec.jar]=libcommons-codec-java
  [jackson-annotations.jar]=libjackson2-annotations-java
)
packages=()
command -v javac >/dev/null && command -v java >/dev/null || packages+=(default-jdk-headless)
command -v go >/dev/null || packages+=(golang-go)
for jar in "${!jar_package[@]}"; do
  [[ -f "$jars/$jar" ]] || packages+=("${jar_package[$jar]}")
done
if ((${#packages[@]})); then
  echo "run.sh: installing ${packages[*]} (Debian packages)" >&2
  command -v apt-get >/dev/null || die "missing ${packages[*]} and no apt-get to install them"
  sudo=""
  [[ "$(id -u)" == 0 ]] || sudo="sudo"
  $sudo apt-get update -qq >&2 \
    && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${packages[@]}" >&2 \
    || die "could not install ${packages[*]}"
fi

# label DIR: the library's name and version as its SOURCE file records it.
label() { sed -n 's/^label: *//p' "$1/SOURCE"; }

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

headers="$tmp/header-signed.jsonl"
"$python" "$script_dir/header_workload.py" "$script_dir/../../tests/data/adyen/spec-header-signed.jsonl" \
  "$script_dir/../../tests/data/library-header-signed.jsonl" >"$headers" \
  || die "could not write the header-signed workload"

echo "run.sh: installing $py_spec into a virtualenv" >&2
"$python" -m venv "$tmp/venv" >&2 || die "could not create a Python virtualenv with $python"
"$tmp/venv/bin/python" -m pip install --quiet --disable-pip-version-check "$py_spec" >&2 \
  || die "pip install $py_spec failed"

echo "run.sh: installing $node_spec" >&2
mkdir "$tmp/node"
npm install --prefix "$tmp/node" --silent --no-audit --no-fund --no-save "$node_spec" >&2 \
  || die "npm install $node_spec failed"

echo "run.sh: compiling Adyen's Java library files and the Java benchmark" >&2
classpath="$jars/gson.jar:$jars/commons-codec.jar:$jars/jackson-annotations.jar"
mkdir "$tmp/java"
javac -nowarn -encoding UTF-8 -d "$tmp/java" -cp "$classpath" \
  "$script_dir/java/JavaBench.java" $(find "$script_dir/java/src" -name '*.java') >&2 \
  || die "javac failed"

echo "run.sh: building Adyen's Go library files and the Go benchmark" >&2
# A copy of the module, and every cache Go writes, inside the temporary directory; no proxy, so a
# requirement that crept into go.mod fails here instead of reaching out.
cp -R "$script_dir/go" "$tmp/go-module"
(
  cd "$tmp/go-module"
  GOFLAGS=-mod=mod GOPROXY=off GOSUMDB=off GOTOOLCHAIN=local GOCACHE="$tmp/go-cache" \
    GOPATH="$tmp/go-path" GOMODCACHE="$tmp/go-path/pkg/mod" \
    go build -trimpath -o "$tmp/go-bench" ./bench
) >&2 || die "go build failed"

"$tmp/venv/bin/python" "$script_dir/python_bench.py" "$workload" "$headers" \
  || die "Python benchmark failed"
NODE_PATH="$tmp/node/node_modules" node "$script_dir/node_bench.js" "$workload" "$headers" \
  || die "Node benchmark failed"
ADYEN_LIBRARY="$(label "$script_dir/java")" java -cp "$tmp/java:$classpath" JavaBench \
  "$workload" "$headers" || die "Java benchmark failed"
ADYEN_LIBRARY="$(label "$script_dir/go")" "$tmp/go-bench" "$workload" "$headers" \
  || die "Go benchmark failed"
