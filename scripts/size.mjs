#!/usr/bin/env node
// `npm run size`: min+gzip size of the core browser bundle (dist/herald.min.js), printed, with the
// budget enforced (exit 1 when over). Rebuilds the bundles first so the figure is never stale.
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";

// The core with reconnection built in must stay within 14 KiB (nakama-js is 14.1 KB without any).
const BUDGET = 14 * 1024;
const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

const r = spawnSync(process.execPath, [path.join(repo, "scripts", "build.mjs"), "--iife-only"], {
  cwd: repo,
  stdio: "inherit",
});
if (r.status !== 0) process.exit(r.status || 1);

const kib = (n) => `${(n / 1024).toFixed(2)} KiB`;
/** Prints a bundle's sizes and returns its min+gzip byte count. */
function measure(file, note = "") {
  const code = readFileSync(path.join(repo, "dist", file));
  const gzipped = gzipSync(code, { level: 9 }).length;
  console.log(`size: dist/${file}  ${kib(code.length)} min, ${kib(gzipped)} min+gzip${note}`);
  return gzipped;
}

const core = measure("herald.min.js");
// The protobuf codec's and presence store's bundles are only reported: optional, loaded on top of the core.
measure("herald-protobuf.min.js", " (optional, not budgeted)");
measure("herald-presence.min.js", " (optional, not budgeted)");
console.log(`size: core budget ${kib(BUDGET)} min+gzip, ${((core / BUDGET) * 100).toFixed(0)}% used`);
if (core > BUDGET) {
  console.error(`size: the core bundle is over budget by ${core - BUDGET} bytes`);
  process.exit(1);
}
