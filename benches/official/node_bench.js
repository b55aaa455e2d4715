// Time Adyen's official Node library (`@adyen/api-library` on npm) verifying HMAC-signed
// notifications.
//
// Usage: node node_bench.js WORKLOAD.jsonl
// (run.sh points NODE_PATH at a private install of the library.)
//
// Only lines with `"valid": true` are used, so every verification must succeed; a failure aborts
// the run rather than reporting the speed of an early-exit path. One timed pass parses every body
// with JSON.parse and verifies every item in it, which is the work a webhook endpoint does per
// request. Prints a single JSON line to stdout.
//
// Set BENCH_SECONDS to change the length of the timed run (default 2.5).
"use strict";

const fs = require("fs");
const { hmacValidator: HmacValidator } = require("@adyen/api-library");
const { version } = require("@adyen/api-library/package.json");

const WARMUP_NS = 300_000_000n;

function loadValid(path) {
  const cases = fs
    .readFileSync(path, "utf8")
    .split("\n")
    .filter((line) => line.trim() !== "")
    .map((line) => JSON.parse(line))
    .filter((c) => c.valid)
    .map((c) => ({ body: c.body, key: c.key }));
  if (cases.length === 0) {
    throw new Error(`${path}: no lines with valid: true`);
  }
  return cases;
}

// The validator holds no per-call state, so one instance serves every call, as it would in a
// long-running server.
const validator = new HmacValidator();

function runPass(cases) {
  for (const { body, key } of cases) {
    const envelope = JSON.parse(body);
    for (const entry of envelope.notificationItems) {
      const item = entry.NotificationRequestItem;
      if (validator.validateHMAC(item, key) !== true) {
        throw new Error(`verification failed for a valid item: ${item.pspReference}`);
      }
    }
  }
}

function main() {
  if (process.argv.length !== 3) {
    console.error("usage: node node_bench.js WORKLOAD.jsonl");
    process.exit(2);
  }
  const cases = loadValid(process.argv[2]);
  const requests = cases.length;
  const items = cases.reduce((n, c) => n + JSON.parse(c.body).notificationItems.length, 0);
  const targetNs = BigInt(Math.round(Number(process.env.BENCH_SECONDS || "2.5") * 1e9));

  // Warm-up lets the JIT reach its optimised tiers and also calibrates: its mean pass time sizes
  // the timed run, so the timer is read only twice around one block.
  let warmPasses = 0n;
  let elapsed;
  const warmStart = process.hrtime.bigint();
  do {
    runPass(cases);
    warmPasses += 1n;
    elapsed = process.hrtime.bigint() - warmStart;
  } while (elapsed < WARMUP_NS);
  let iterations = (targetNs * warmPasses) / elapsed;
  if (iterations < 1n) iterations = 1n;

  const n = Number(iterations);
  const start = process.hrtime.bigint();
  for (let i = 0; i < n; i++) {
    runPass(cases);
  }
  const totalNs = Number(process.hrtime.bigint() - start);

  const round1 = (x) => Math.round(x * 10) / 10;
  console.log(
    JSON.stringify({
      runtime: "node",
      library: `@adyen/api-library ${version}`,
      requests,
      items,
      ns_per_request: round1(totalNs / (n * requests)),
      ns_per_item: round1(totalNs / (n * items)),
      iterations: n,
    }),
  );
}

main();
