"""Prints the table of benches/run.sh from the results it gathered. Not meant to be run alone."""

import argparse
import json
import os
import platform
import subprocess


def estimate_ns(criterion, group, name):
    path = os.path.join(criterion, group, name, "new", "estimates.json")
    with open(path, encoding="utf-8") as f:
        estimates = json.load(f)
    # Criterion's headline figure: the slope of a linear sampling, else the mean.
    return (estimates.get("slope") or estimates["mean"])["point_estimate"]


def ns(value):
    if value >= 1e6:
        return f"{value / 1e6:.2f} ms"
    if value >= 1e3:
        return f"{value / 1e3:.2f} µs"
    return f"{value:.0f} ns"


def machine():
    model = "unknown CPU"
    with open("/proc/cpuinfo", encoding="utf-8") as f:
        for line in f:
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    with open("/proc/meminfo", encoding="utf-8") as f:
        mem_gib = int(f.readline().split()[1]) / 2**20
    rustc = subprocess.run(["rustc", "--version"], capture_output=True, text=True).stdout.strip()
    load = os.getloadavg()[0]
    return (
        f"{os.cpu_count()} x {model}, {mem_gib:.0f} GiB, Linux {platform.release()}, {rustc}; "
        f"load average {load:.1f} when the table was printed"
    )


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--criterion", required=True)
    parser.add_argument("--official", required=True)
    parser.add_argument("--e2e", required=True)
    parser.add_argument("--limit", type=int, required=True)
    parser.add_argument("--over", type=int, required=True)
    parser.add_argument("--seconds", type=int, required=True)
    args = parser.parse_args()

    with open(args.official, encoding="utf-8") as f:
        official = {r["runtime"]: r for r in map(json.loads, filter(str.strip, f))}
    with open(args.e2e, encoding="utf-8") as f:
        e2e = [json.loads(line) for line in f if line.strip()]
    requests = official["python"]["requests"]
    items = official["python"]["items"]

    crit = lambda group, name: estimate_ns(args.criterion, group, name)
    floor = crit("workload", "floor")
    crate = crit("workload", "crate_parse_verify")
    layer = crit("layer", "workload")
    rows = []

    def row(what, per_request, per_item, ratio="", target="", verdict=""):
        rows.append((what, per_request, per_item, ratio, target, verdict))

    def check(ok):
        return "met" if ok else "**missed**"

    row("floor: serde_json into IgnoredAny + one HMAC-SHA256 per item (key state precomputed)",
        ns(floor / requests), ns(floor / items), "1.00")
    ratio = crate / floor
    row("crate: `NotificationRequest::from_slice` + `HmacKeys::verify_item` on every item",
        ns(crate / requests), ns(crate / items), f"crate/floor **{ratio:.2f}**", "≤ 1.5",
        check(ratio <= 1.5))
    row("  of which parse (`from_slice`)", ns(crit("workload", "crate_parse") / requests),
        ns(crit("workload", "crate_parse") / items), f"{crit('workload', 'crate_parse') / floor:.2f} x floor")
    row("  of which verify (`verify_item`)", ns(crit("workload", "crate_verify") / requests),
        ns(crit("workload", "crate_verify") / items), f"{crit('workload', 'crate_verify') / floor:.2f} x floor")
    row("whole layer through `oneshot`, every workload request", ns(layer / requests),
        ns(layer / items), f"{layer / floor:.2f} x floor")
    for name, n in (("one_item", 1), ("six_items", 6)):
        t = crit("layer", name)
        f = crit("layer", f"floor_{name}")
        row(f"whole layer, one {n}-item body (floor for it: {ns(f)})", ns(t), ns(t / n),
            f"{t / f:.2f} x floor")

    crate_item = crate / items
    # Each official library on the same bodies: what it takes to parse and verify them, per item,
    # against the crate. A runtime missing from the results (an older official.jsonl) is left out.
    peers = (
        ("python", "Python", "parse + verify every item", 15),
        ("node", "Node", "parse + verify every item", 6),
        ("java", "Java", "`NotificationRequest.fromJson` (a new Gson a call, as its "
         "`WebhookHandler` parses) + `HMACValidator.validateHMAC` on every item", 20),
        ("java_shared_gson", "Java", "the same with one Gson shared by every call", None),
        ("go", "Go", "`webhook.HandleRequest` + `hmacvalidator.ValidateHmac` on every item", 10),
    )
    for runtime, name, what, target in peers:
        if runtime not in official:
            continue
        r = official[runtime]
        ratio = r["ns_per_item"] / crate_item
        library = r["library"].removesuffix(", one shared Gson")
        if target is None:
            row(f"{name}: {library}, {what}", ns(r["ns_per_request"]), ns(r["ns_per_item"]),
                f"{name}/crate {ratio:.1f}")
        else:
            row(f"{name}: {library}, {what}", ns(r["ns_per_request"]), ns(r["ns_per_item"]),
                f"{name}/crate **{ratio:.1f}**", f"≥ {target}", check(ratio >= target))
    # Header-signed bodies (tests/data/header-signed.jsonl, valid lines): verification of the raw
    # body only. Only the Java and Go benchmarks have this mode, and the crate has no criterion
    # figure for it yet, so these rows carry no ratio.
    for runtime, name, what in (
            ("java_header", "Java", "`HMACValidator.validateHMAC(signature, key, payload)`"),
            ("go_header", "Go", "`hmacvalidator.ValidateHmacPayload`")):
        if runtime not in official:
            continue
        r = official[runtime]
        row(f"{name}: {r['library']}, {what} on each of {r['requests']} valid header-signed "
            f"bodies (no parse)", ns(r["ns_per_request"]), "")

    def median(values):
        values = sorted(values)
        return values[len(values) // 2]

    servers = {}
    cpu = {}
    described = {}
    for mode in ("bare", "layered", "inline"):
        runs = [r for r in e2e if r["name"] == mode]
        rps = median([r["wrk"]["rps"] for r in runs])
        servers[mode] = rps
        typical = min(runs, key=lambda r: abs(r["wrk"]["rps"] - rps))["wrk"]
        errors = sum(r["wrk"][k] for r in runs for k in r["wrk"] if k.startswith("errors_"))
        rss = max(r["peak_rss_kib"] for r in runs) / 1024
        requests_done = sum(r["wrk"]["requests"] for r in runs)
        # The server's own CPU time per request, user and system, over all the runs: what a
        # request costs, however much of its core the server was given on a shared machine.
        user, system = (
            sum((r["cpu"][f"{kind}_after"] - r["cpu"][f"{kind}_before"]) / r["ticks_per_second"]
                for r in runs) * 1e9 / requests_done
            for kind in ("user", "system"))
        cpu[mode] = user + system
        label = {
            "bare": "axum, handler answers `[accepted]`",
            "layered": "axum + `VerifyWebhookLayer`",
            "inline": "axum, no layer, parse + verify in the handler with the public API",
        }[mode]
        described[mode] = (
            f"HTTP {mode} ({label}): {rps:,.0f} req/s, p50 {typical['p50_us']} µs, "
            f"p99 {typical['p99_us']} µs, peak RSS {rss:.1f} MiB, {errors} errors; server CPU "
            f"{ns(user + system)} a request ({ns(user)} user, {ns(system)} system); median of "
            f"{len(runs)} x {args.seconds} s, {runs[0]['connections']} connections")
    row(described["bare"], ns(1e9 / servers["bare"]), "")
    ratio = servers["layered"] / servers["bare"]
    row(described["layered"], ns(1e9 / servers["layered"]), "",
        f"layered/bare **{ratio:.2f}** (bare/layered {1 / ratio:.2f}); CPU a request "
        f"layered/bare {cpu['layered'] / cpu['bare']:.2f}", "≥ 0.9", check(ratio >= 0.9))
    row(described["inline"], ns(1e9 / servers["inline"]), "",
        f"layered/inline {servers['layered'] / servers['inline']:.2f}")

    for flood in ("length", "chunked"):
        layered = next(r for r in e2e if r["name"] == f"flood_{flood}_layered")
        drain = next(r for r in e2e if r["name"] == f"flood_{flood}_drain")
        w = layered["wrk"]
        connections = layered["connections"]
        bound = connections * args.limit / 2**20
        how = "with Content-Length" if flood == "length" else "chunked, no Content-Length"
        rss = layered["peak_rss_kib"] / 1024
        base = drain["peak_rss_kib"] / 1024
        # What the layer holds beyond the server's own buffers. With Content-Length the layer
        # answers from the header and reads nothing, so it is below the draining server.
        share = max(0.0, rss - base)
        row(f"flood of {args.over // 1024} KiB bodies, {how}, {connections} connections, "
            f"limit {args.limit // 1024} KiB: {w['requests']:,} requests, "
            f"{w['errors_status']:,} answered 413; peak RSS {rss:.1f} MiB, against "
            f"{base:.1f} MiB for the same server reading and dropping the bodies", "", "",
            f"layer's share **{share:.1f} MiB**",
            f"≤ {connections} x limit = {bound:.0f} MiB", check(share <= 1.25 * bound))

    print(f"Workload: {requests} valid requests, {items} items (tests/data/notifications.jsonl).")
    print(f"Machine: {machine()}.")
    print()
    print("| what | per request | per item | ratio | target | |")
    print("| --- | ---: | ---: | --- | --- | --- |")
    for r in rows:
        print("| " + " | ".join(r) + " |")


if __name__ == "__main__":
    main()
