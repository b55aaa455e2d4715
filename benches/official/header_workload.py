"""Writes the header-signed workload every benchmark times, one JSON line per case, to stdout.

Usage: header_workload.py SPEC.jsonl LIBRARY.jsonl

The bodies are the same as `benches/common/mod.rs`'s `header_signed_bodies`, in the same order:
every example body of Adyen's specs (SPEC.jsonl, `tests/data/adyen/spec-header-signed.jsonl`),
signed here over its exact bytes with the example key from Adyen's documentation, then the lines
of LIBRARY.jsonl (`tests/data/library-header-signed.jsonl`: bodies, keys and signatures from
Adyen's library tests, some of them invalid). After each spec body come two lines a validator
must refuse: the body with a space appended (the signature unchanged), and the body with the next
body's signature.

A line: name, key (hex), body, signature (base64), valid; the format the Java and Go benchmarks
read. Standard library only.
"""

import base64
import binascii
import hashlib
import hmac
import json
import sys

KEY = "00727DB817A85C8503AD29EAD1523DB869AF0E536893BB3046C92DE7CB045CB1"


def sign(body, key):
    mac = hmac.new(binascii.a2b_hex(key), body.encode("utf-8"), hashlib.sha256)
    return base64.b64encode(mac.digest()).decode("ascii")


def read(path):
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def main():
    if len(sys.argv) != 3:
        sys.exit(f"usage: {sys.argv[0]} SPEC.jsonl LIBRARY.jsonl")
    spec, library = read(sys.argv[1]), read(sys.argv[2])
    signatures = [sign(case["body"], KEY) for case in spec]
    out = []
    for i, case in enumerate(spec):
        body, name = case["body"], case["name"]
        out.append({"name": name, "key": KEY, "body": body, "signature": signatures[i],
                    "valid": True})
        out.append({"name": f"{name}, tampered", "key": KEY, "body": body + " ",
                    "signature": signatures[i], "valid": False})
        out.append({"name": f"{name}, another body's signature", "key": KEY, "body": body,
                    "signature": signatures[(i + 1) % len(spec)], "valid": False})
    for case in library:
        out.append({k: case[k] for k in ("name", "key", "body", "signature", "valid")})
    for line in out:
        print(json.dumps(line, ensure_ascii=False))


if __name__ == "__main__":
    main()
