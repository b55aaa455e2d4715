"""Reads gungraun's JSON output (`cargo bench --bench instructions -- --output-format=json`) and
prints {"function::id": instructions executed (callgrind's Ir)}, sorted, as one JSON object."""

import json
import sys


def main():
    counts = {}
    with open(sys.argv[1], encoding="utf-8") as f:
        for line in f:
            line = line.strip()
            if not line.startswith("{"):
                continue
            summary = json.loads(line)
            name = summary["function_name"]
            if summary.get("id"):
                name += "::" + summary["id"]
            callgrind = [p for p in summary["profiles"] if p["tool"] == "Callgrind"]
            if len(callgrind) != 1:
                sys.exit(f"counts.py: {name}: expected one callgrind profile")
            counts[name] = callgrind[0]["data"]["total"]["metrics"]["Ir"]["values"]["new"]
    if not counts:
        sys.exit("counts.py: no benchmark in the output")
    print(json.dumps(dict(sorted(counts.items())), indent=2))


if __name__ == "__main__":
    main()
