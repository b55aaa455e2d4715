#!/usr/bin/env python3
"""Collect every example payload of Adyen's header-signed webhook specs, across their history.

Reads a local clone of https://github.com/Adyen/adyen-openapi (a bare git directory is enough)
and writes `spec-header-signed.jsonl` beside this script: one line per distinct example body,
from every revision of every `json/<family>-v*.json` file of the families below.

    python3 tests/data/adyen/collect_spec_examples.py /path/to/adyen-openapi[.git]

Examples are taken from `components.examples` (less those only the responses refer to: they
are acknowledgements, not webhooks) and from the inline examples of each webhook's request body. Bodies are deduplicated by their exact compact text; the first one met is kept,
walking families in the order below, then commits newest first (`git log` order), then files,
then example names, all sorted. The output is therefore the same on every run for the same
history.

Each line: `name` (the example's name in the spec), `repo`, `path` and `commit` (where it was
found: the newest revision that has it), `type` (the body's `type`, else the webhook the example
is attached to, else null) and `body` (the example as compact JSON text, keys in the spec's
order, non-ASCII kept as is: the formatting serde_json writes).

Python 3.11 standard library only.
"""

import json
import subprocess
import sys
from pathlib import Path

REPO = "Adyen/adyen-openapi"

# The header-signed webhook families: the `json/*Notification*.json` specs with a `webhooks`
# section, less the classic-platforms family (MarketPayNotificationService), whose bodies are
# dispatched on `eventType` rather than `type` (see models/README.md).
FAMILIES = [
    "BalancePlatformAccountingNotification",
    "BalancePlatformAcsNotification",
    "BalancePlatformBalanceNotification",
    "BalancePlatformConfigurationNotification",
    "BalancePlatformDisputeNotification",
    "BalancePlatformGrantNotification",
    "BalancePlatformNegativeBalanceCompensationWarningNotification",
    "BalancePlatformPaymentNotification",
    "BalancePlatformRelayedAuthorisationNotification",
    "BalancePlatformReportNotification",
    "BalancePlatformTransactionNotification",
    "BalancePlatformTransferNotification",
    "ManagementNotificationService",
    "TokenizationNotification",
]


def git(gitdir, *args):
    return subprocess.run(
        ["git", "-C", gitdir, *args], check=True, capture_output=True
    ).stdout.decode("utf-8")


def compact(value):
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def refs_in(node):
    """The names of the component examples a part of a spec refers to."""
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith("#/components/examples/"):
            yield ref.rsplit("/", 1)[1]
        for value in node.values():
            yield from refs_in(value)
    elif isinstance(node, list):
        for value in node:
            yield from refs_in(value)


def examples_of(spec):
    """(name, body, webhook or None) for every example in one spec file, sorted by name."""
    found = {}
    webhooks = spec.get("webhooks") or {}
    # Examples of the responses (the acknowledgement Adyen expects back) are not webhook bodies.
    responses = set(refs_in([op.get("responses") for item in webhooks.values()
                             for op in (item or {}).values() if isinstance(op, dict)]))
    components = (spec.get("components") or {}).get("examples") or {}
    for name, example in components.items():
        if name in responses:
            continue
        if isinstance(example, dict) and "value" in example:
            found[name] = [example["value"], None]
    for hook, item in sorted(webhooks.items()):
        for operation in (item or {}).values():
            if not isinstance(operation, dict):
                continue
            content = ((operation.get("requestBody") or {}).get("content") or {})
            for media in content.values():
                for name, example in sorted((media.get("examples") or {}).items()):
                    if not isinstance(example, dict):
                        continue
                    ref = example.get("$ref")
                    if isinstance(ref, str) and ref.startswith("#/components/examples/"):
                        target = ref.rsplit("/", 1)[1]
                        if target in found and found[target][1] is None:
                            found[target][1] = hook
                    elif "value" in example:
                        found.setdefault(f"{hook}:{name}", [example["value"], hook])
                if "example" in media:
                    found.setdefault(f"{hook}:example", [media["example"], hook])
    for name in sorted(found):
        body, hook = found[name]
        yield name, body, hook


def main():
    if len(sys.argv) != 2:
        sys.exit(f"usage: {sys.argv[0]} ADYEN_OPENAPI_GIT_DIR")
    gitdir = sys.argv[1]
    out = Path(__file__).with_name("spec-header-signed.jsonl")
    seen = set()
    lines = []
    for family in FAMILIES:
        pattern = f"json/{family}-v*.json"
        commits = git(gitdir, "log", "--format=%H", "--", pattern).split()
        for commit in commits:
            paths = sorted(
                p
                for p in git(gitdir, "ls-tree", "--name-only", commit, "json/").split("\n")
                if p.startswith(f"json/{family}-v") and p.endswith(".json")
            )
            for path in paths:
                spec = json.loads(git(gitdir, "show", f"{commit}:{path}"))
                for name, body, hook in examples_of(spec):
                    text = compact(body)
                    if text in seen:
                        continue
                    seen.add(text)
                    event_type = body.get("type") if isinstance(body, dict) else None
                    if not isinstance(event_type, str):
                        event_type = hook.lstrip("/") if hook else None
                    lines.append(
                        compact(
                            {
                                "name": name,
                                "repo": REPO,
                                "path": path,
                                "commit": commit,
                                "type": event_type,
                                "body": text,
                            }
                        )
                    )
    out.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    print(f"{len(lines)} examples written to {out}", file=sys.stderr)


if __name__ == "__main__":
    main()
