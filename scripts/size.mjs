#!/usr/bin/env node
// `npm run size`: min+gzip size of the core browser bundle (dist/herald.min.js), printed, with the
// budget enforced (exit 1 when over). Rebuilds the bundle first so the figure is never stale.
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";

const BUDGET = 12 * 1024;
const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const file = path.join(repo, "dist", "herald.min.js");

const r = spawnSync(process.execPath, [path.join(repo, "scripts", "build.mjs"), "--iife-only"], {
  cwd: repo,
  stdio: "inherit",
});
if (r.status !== 0) process.exit(r.status || 1);

const code = readFileSync(file);
const gzipped = gzipSync(code, { level: 9 }).length;
const kib = (n) => `${(n / 1024).toFixed(2)} KiB`;
const share = ((gzipped / BUDGET) * 100).toFixed(0);
console.log(`size: dist/herald.min.js  ${kib(code.length)} min, ${kib(gzipped)} min+gzip`);
console.log(`size: budget ${kib(BUDGET)} min+gzip (${share}% used)`);
if (gzipped > BUDGET) {
  console.error(`size: over budget by ${gzipped - BUDGET} bytes`);
  process.exit(1);
}
