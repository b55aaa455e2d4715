"""Time Adyen's official Python library (`adyen` on PyPI) verifying HMAC-signed notifications.

Usage: python_bench.py WORKLOAD.jsonl [HEADER.jsonl]

Only lines with `"valid": true` are used, so every verification must succeed; a failure aborts
the run rather than reporting the speed of an early-exit path. One timed pass parses every body
with `json.loads` and verifies every item in it, which is the work a webhook endpoint does per
request. Prints a single JSON line to stdout.

With HEADER.jsonl (header-signed webhooks: the body's bytes signed, the signature in the
HmacSignature header; written by header_workload.py), also times
`Adyen.util.is_valid_hmac_payload(signature, key, body)` on its valid lines, after checking the
library's verdict on every line, the invalid ones included. The body is given as the bytes a
server receives, encoded beforehand; that figure is verification only, with no parse.

Set BENCH_SECONDS to change the length of the timed run (default 2.5).
"""

import importlib.metadata
import json
import os
import sys
import time

from Adyen.util import is_valid_hmac_notification, is_valid_hmac_payload

WARMUP_NS = 300_000_000


def load_valid(path):
    cases = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            if not line.strip():
                continue
            case = json.loads(line)
            if case["valid"]:
                cases.append((case["body"], case["key"]))
    if not cases:
        sys.exit(f"{path}: no lines with valid: true")
    return cases


def run_pass(cases):
    for body, key in cases:
        envelope = json.loads(body)
        for entry in envelope["notificationItems"]:
            # Pass the item itself: given the whole envelope, the library checks only the
            # first item and silently ignores the rest.
            item = entry["NotificationRequestItem"]
            # An explicit check rather than `assert`, which `python -O` would strip. The
            # library returns None (not False) for an item with no additionalData.
            if is_valid_hmac_notification(item, key) is not True:
                raise SystemExit(f"verification failed for a valid item: {item.get('pspReference')}")


def load_headers(path):
    """Every line's verdict checked; the valid ones returned as (signature, key, body bytes)."""
    cases = []
    wrong = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            if not line.strip():
                continue
            case = json.loads(line)
            body = case["body"].encode("utf-8")
            verdict = is_valid_hmac_payload(case["signature"], case["key"], body)
            if verdict is not case["valid"]:
                wrong.append(case["name"])
            if case["valid"]:
                cases.append((case["signature"], case["key"], body))
    if wrong:
        sys.exit(f"python, header-signed: wrong verdict on {len(wrong)} lines: {wrong[:5]}")
    if not cases:
        sys.exit(f"{path}: no lines with valid: true")
    return cases


def header_pass(cases):
    for signature, key, body in cases:
        if is_valid_hmac_payload(signature, key, body) is not True:
            raise SystemExit("verification failed for a valid header-signed body")


def timed(run, cases, target_ns):
    """(total ns, iterations) of a timed run of `run` over `cases`, sized by a warm-up."""
    warm_passes = 0
    start = time.perf_counter_ns()
    while True:
        run(cases)
        warm_passes += 1
        elapsed = time.perf_counter_ns() - start
        if elapsed >= WARMUP_NS:
            break
    iterations = max(1, target_ns * warm_passes // elapsed)
    start = time.perf_counter_ns()
    for _ in range(iterations):
        run(cases)
    return time.perf_counter_ns() - start, iterations


def main():
    if len(sys.argv) not in (2, 3):
        sys.exit(f"usage: {sys.argv[0]} WORKLOAD.jsonl [HEADER.jsonl]")
    cases = load_valid(sys.argv[1])
    headers = load_headers(sys.argv[2]) if len(sys.argv) == 3 else None
    requests = len(cases)
    items = sum(len(json.loads(body)["notificationItems"]) for body, _ in cases)
    target_ns = int(float(os.environ.get("BENCH_SECONDS", "2.5")) * 1e9)

    # Warm-up also calibrates: its mean pass time sizes the timed run, so the timer is read
    # only twice around one block and its own cost stays out of the figures.
    warm_passes = 0
    start = time.perf_counter_ns()
    while True:
        run_pass(cases)
        warm_passes += 1
        elapsed = time.perf_counter_ns() - start
        if elapsed >= WARMUP_NS:
            break
    iterations = max(1, target_ns * warm_passes // elapsed)

    start = time.perf_counter_ns()
    for _ in range(iterations):
        run_pass(cases)
    total_ns = time.perf_counter_ns() - start

    print(json.dumps({
        "runtime": "python",
        "library": f"adyen {importlib.metadata.version('adyen')}",
        "requests": requests,
        "items": items,
        "ns_per_request": round(total_ns / (iterations * requests), 1),
        "ns_per_item": round(total_ns / (iterations * items), 1),
        "iterations": iterations,
    }))
    if headers is not None:
        total_ns, iterations = timed(header_pass, headers, target_ns)
        print(json.dumps({
            "runtime": "python_header",
            "library": f"adyen {importlib.metadata.version('adyen')}",
            "requests": len(headers),
            "ns_per_request": round(total_ns / (iterations * len(headers)), 1),
            "iterations": iterations,
        }))


if __name__ == "__main__":
    main()
