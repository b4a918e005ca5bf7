import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import path from "node:path";
import { before, describe, test } from "node:test";
import { promisify } from "node:util";
import vm from "node:vm";
import { repo, requireBuild } from "./bundle-graph.js";

/** The README's table of browser bundles: script, global, and the entry point whose exports it holds. */
function documentedGlobals(): { script: string; global: string; entry: string }[] {
  const readme = readFileSync(path.join(repo, "README.md"), "utf8");
  const rows = [...readme.matchAll(/^\| `(dist\/[\w.-]+\.min\.js)`\s*\| `(\w+)`\s*\| `(herald[\w/]*)`/gm)];
  return rows.map(([, script, global, entry]) => ({
    script: script as string,
    global: global as string,
    entry: entry as string,
  }));
}

/** The names an entry point of the built package exports, as Node imports it. */
async function exportsOf(entry: string): Promise<string[]> {
  const { stdout } = await promisify(execFile)(
    process.execPath,
    [
      "--input-type=module",
      "-e",
      `console.log(JSON.stringify(Object.keys(await import(${JSON.stringify(entry)}))))`,
    ],
    { cwd: repo },
  );
  return (JSON.parse(stdout) as string[]).sort();
}

describe("the browser globals the README documents", () => {
  before(requireBuild);

  test("the README lists the core and each optional bundle built into dist/", () => {
    const scripts = documentedGlobals().map((g) => g.script);
    assert.ok(scripts.includes("dist/herald.min.js"), `listed: ${scripts.join(", ")}`);
    const built = readFileSync(path.join(repo, "scripts", "build.mjs"), "utf8");
    for (const file of built.matchAll(/file: "([\w.-]+\.min\.js)"/g)) {
      assert.ok(
        scripts.includes(`dist/${file[1]}`),
        `dist/${file[1]} is built but not in the README's table`,
      );
    }
  });

  for (const { script, global, entry } of documentedGlobals()) {
    test(`${script} defines only \`${global}\`, holding every export of "${entry}"`, async () => {
      // A fresh page-like context: the core first (the optional bundles run on top of it).
      // A few of the web platform's globals that the bundles use at load time.
      const page: Record<string, unknown> = {
        TextDecoder,
        TextEncoder,
        URL,
        URLSearchParams,
        setTimeout,
        clearTimeout,
      };
      vm.createContext(page);
      const before = new Set(Object.getOwnPropertyNames(vm.runInContext("globalThis", page)));
      const load = (file: string) => vm.runInContext(readFileSync(path.join(repo, file), "utf8"), page);
      if (script !== "dist/herald.min.js") load("dist/herald.min.js");
      const afterCore = new Set(Object.getOwnPropertyNames(vm.runInContext("globalThis", page)));
      load(script);
      const added = Object.getOwnPropertyNames(vm.runInContext("globalThis", page)).filter(
        (name) => !(script === "dist/herald.min.js" ? before : afterCore).has(name),
      );
      assert.deepEqual(added, [global]);
      const value = vm.runInContext(global, page) as Record<string, unknown>;
      assert.deepEqual(Object.keys(value).sort(), await exportsOf(entry));
    });
  }
});
