#!/usr/bin/env python3
"""Writes the seed corpora in fuzz/seeds/ from the test vectors in tests/data/.

Run it again when the vectors change; the seeds are committed, so fuzzing needs no Python.
"""
import hashlib
import json
import os
import shutil

HERE = os.path.dirname(os.path.abspath(__file__))
DATA = os.path.join(HERE, "..", "tests", "data")
SEEDS = os.path.join(HERE, "seeds")

# The layer target reads a 48-byte control block before the body (see fuzz_targets/layer.rs):
# byte 0 header_signed, 5 auth, 6 content_length, 7 signature, 8 resign, 19 split, 20..28 seed,
# 28..36 pending, 36 trailers, 37 fail_at_end, 38 answer, 39 content_type.
CONTROL = 48


def control(**fields):
    block = bytearray(CONTROL)
    offsets = {"header_signed": 0, "forward": 1, "auth": 5, "content_length": 6,
               "signature": 7, "resign": 8, "split": 19, "seed": 20, "pending": 28,
               "trailers": 36, "fail": 37, "answer": 38, "content_type": 39}
    for name, value in fields.items():
        if isinstance(value, bytes):
            block[offsets[name]:offsets[name] + len(value)] = value
        else:
            block[offsets[name]] = value
    return bytes(block)


def vectors(name):
    with open(os.path.join(DATA, name), encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def write(target, data):
    folder = os.path.join(SEEDS, target)
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, hashlib.sha1(data).hexdigest()), "wb") as f:
        f.write(data)


def main():
    shutil.rmtree(SEEDS, ignore_errors=True)
    notifications = [v["body"].encode() for v in vectors("notifications.jsonl")]
    headers = vectors("header-signed.jsonl") + vectors("library-header-signed.jsonl")

    for body in notifications:
        write("notifications", body)
        write("layer", control() + body)
    for i, body in enumerate(notifications[:8]):
        write("layer", control(resign=1 + i % 3, forward=i % 2, split=7, seed=b"\x05" * 8,
                               pending=b"\xaa" * 8, content_length=1 + i % 6) + body)
    write("layer", control(fail=1, split=3, seed=b"\x09" * 8) + notifications[0])
    write("layer", control(auth=1, answer=2) + notifications[0])

    for vector in headers:
        body = vector["body"].encode()
        write("header_signed", b"\x01" + body)
        signature = (vector.get("signature") or "").encode()
        write("header_signed", b"\x03" + bytes([len(signature)]) + signature + body)
        write("layer", control(header_signed=1, signature=1) + body)
    write("layer", control(header_signed=1, signature=3) + headers[0]["body"].encode())
    for key in ("00727DB817A85C8503AD29EAD1523DB869AF0E536893BB3046C92DE7CB045CB1",
                " 00727db817a85c8503ad29ead1523db869af0e536893bb3046c92de7cb045cb1,\n"
                "DFB1EB5485895CFA84146406857104ABB4CBCABDC8AAF103A624C8F6A3EAAB00 "):
        write("header_signed", key.encode())

    for header in (b"Basic YWR5ZW46czNjcmV0", b"basic  YTpi", b"Bearer x"):
        # username "", password "", right_header false, then one value (arbitrary's format:
        # the collection length comes from the end of the input).
        write("basic_auth", b"\x00\x00\x00" + header)

    total = sum(os.path.getsize(os.path.join(d, f)) for d, _, fs in os.walk(SEEDS) for f in fs)
    count = sum(len(fs) for _, _, fs in os.walk(SEEDS))
    print(f"{count} seeds, {total} bytes")


if __name__ == "__main__":
    main()
