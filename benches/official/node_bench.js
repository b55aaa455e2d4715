// Time Adyen's official Node library (`@adyen/api-library` on npm) verifying HMAC-signed
// notifications.
//
// Usage: node node_bench.js WORKLOAD.jsonl [HEADER.jsonl]
// (run.sh points NODE_PATH at a private install of the library.)
//
// Only lines with `"valid": true` are used, so every verification must succeed; a failure aborts
// the run rather than reporting the speed of an early-exit path. One timed pass parses every body
// with JSON.parse and verifies every item in it, which is the work a webhook endpoint does per
// request. Prints a single JSON line to stdout.
//
// With HEADER.jsonl (header-signed webhooks: the body's bytes signed, the signature in the
// HmacSignature header; written by header_workload.py), also times
// `hmacValidator.validateHMACSignature(key, signature, body)` on its valid lines, after checking
// the library's verdict on every line, the invalid ones included. The body is given as the string
// the library documents; that figure is verification only, with no parse.
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

// Every line's verdict checked; the valid ones returned.
function loadHeaders(path) {
  const lines = fs
    .readFileSync(path, "utf8")
    .split("\n")
    .filter((line) => line.trim() !== "")
    .map((line) => JSON.parse(line));
  const wrong = lines.filter(
    (c) => validator.validateHMACSignature(c.key, c.signature, c.body) !== c.valid,
  );
  if (wrong.length > 0) {
    throw new Error(
      `node, header-signed: wrong verdict on ${wrong.length} lines: ${wrong.slice(0, 5).map((c) => c.name)}`,
    );
  }
  const valid = lines.filter((c) => c.valid);
  if (valid.length === 0) {
    throw new Error(`${path}: no lines with valid: true`);
  }
  return valid;
}

function headerPass(cases) {
  for (const { key, signature, body } of cases) {
    if (validator.validateHMACSignature(key, signature, body) !== true) {
      throw new Error("verification failed for a valid header-signed body");
    }
  }
}

// Total ns and iterations of a timed run of `run` over `cases`, sized by a warm-up.
function timed(run, cases, targetNs) {
  let warmPasses = 0n;
  let elapsed;
  const warmStart = process.hrtime.bigint();
  do {
    run(cases);
    warmPasses += 1n;
    elapsed = process.hrtime.bigint() - warmStart;
  } while (elapsed < WARMUP_NS);
  let iterations = (targetNs * warmPasses) / elapsed;
  if (iterations < 1n) iterations = 1n;
  const n = Number(iterations);
  const start = process.hrtime.bigint();
  for (let i = 0; i < n; i++) {
    run(cases);
  }
  return { totalNs: Number(process.hrtime.bigint() - start), n };
}

function main() {
  if (process.argv.length !== 3 && process.argv.length !== 4) {
    console.error("usage: node node_bench.js WORKLOAD.jsonl [HEADER.jsonl]");
    process.exit(2);
  }
  const cases = loadValid(process.argv[2]);
  const headers = process.argv.length === 4 ? loadHeaders(process.argv[3]) : null;
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
  if (headers !== null) {
    const { totalNs, n } = timed(headerPass, headers, targetNs);
    console.log(
      JSON.stringify({
        runtime: "node_header",
        library: `@adyen/api-library ${version}`,
        requests: headers.length,
        ns_per_request: round1(totalNs / (n * headers.length)),
        iterations: n,
      }),
    );
  }
}

main();
