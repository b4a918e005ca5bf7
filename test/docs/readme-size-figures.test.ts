import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import path from "node:path";
import { test } from "node:test";
import { repo } from "../build/bundle-graph.js";

// The README names the limits `npm run size` enforces; they are read from scripts/size.mjs here, so
// that raising one there without saying so in the README fails.

/** The KiB figure of `const NAME = X * 1024;` in scripts/size.mjs. */
function limitKiB(name: string): string {
  const script = readFileSync(path.join(repo, "scripts", "size.mjs"), "utf8");
  const found = script.match(new RegExp(`const ${name} = ([\\d.]+) \\* 1024;`))?.[1];
  assert.ok(found, `scripts/size.mjs has no ${name}`);
  return found;
}

test("the README names the size limits that npm run size enforces", () => {
  const readme = readFileSync(path.join(repo, "README.md"), "utf8").replace(/\s+/g, " ");
  const ceiling = limitKiB("CORE_CEILING");
  const budget = limitKiB("CORE_PROTOBUF_BUDGET");
  assert.ok(
    readme.includes(`fails on growth past ${ceiling} KiB`),
    `README.md should say the size run fails on growth past ${ceiling} KiB (scripts/size.mjs)`,
  );
  assert.ok(
    readme.includes(`with the protobuf codec must stay within ${budget} KiB`),
    `README.md should say the core with the protobuf codec must stay within ${budget} KiB`,
  );
});
