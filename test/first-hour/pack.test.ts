import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import {
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import { startTestServer, type TestServer } from "../../src/testing/index.js";
import { repo } from "../build/bundle-graph.js";
import {
  asCommonJs,
  assertFirstLookOutput,
  assertRanThrough,
  firstLook,
  run,
  withPort,
} from "./readme-example.js";

const nodeModules = path.join(repo, "node_modules");

/**
 * Packs the package the way a fresh clone would: a copy of the repository's files (tracked and
 * new, nothing git ignores, so no dist/) with the installed node_modules, then `npm pack`, whose
 * `prepack` must build. Returns the tarball's path.
 */
async function packFreshClone(work: string): Promise<string> {
  const clone = path.join(work, "clone");
  const files = execFileSync("git", ["ls-files", "-z", "--cached", "--others", "--exclude-standard"], {
    cwd: repo,
    encoding: "utf8",
  })
    .split("\0")
    .filter((f) => f && !f.startsWith("node_modules"));
  for (const file of files) {
    mkdirSync(path.dirname(path.join(clone, file)), { recursive: true });
    try {
      copyFileSync(path.join(repo, file), path.join(clone, file));
    } catch (err) {
      // A file deleted but not yet committed is still listed: skip it, as a clone would not have it.
      if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err;
    }
  }
  symlinkSync(nodeModules, path.join(clone, "node_modules"), "dir");
  const packed = await run("npm", ["pack", "--json", "--pack-destination", work], {
    cwd: clone,
    timeoutMs: 240_000,
    env: {
      ...process.env,
      npm_config_audit: "false",
      npm_config_fund: "false",
      npm_config_update_notifier: "false",
    },
  });
  assertRanThrough(packed, "npm pack");
  const json = packed.stdout.slice(packed.stdout.indexOf("["));
  const [info] = JSON.parse(json) as { filename: string; files: { path: string }[] }[];
  assert.ok(info, "npm pack printed no result");
  const inside = new Set(info.files.map((f) => f.path));
  for (const built of [
    "dist/index.js",
    "dist/index.cjs",
    "dist/index.d.ts",
    "dist/server/cli.js",
    "dist/herald.min.js",
  ]) {
    assert.ok(inside.has(built), `${built} is not in the tarball: prepack did not build`);
  }
  return path.join(work, info.filename);
}

/**
 * A fresh app with the tarball installed: node_modules/herald is the tarball's content, and each
 * dependency it declares (plus better-sqlite3, the server's peer, and @types/node for TypeScript)
 * is linked from this repository's install, so no network is needed.
 */
function installInto(app: string, tarball: string): void {
  const herald = path.join(app, "node_modules", "herald");
  mkdirSync(herald, { recursive: true });
  execFileSync("tar", ["-xzf", tarball, "-C", herald, "--strip-components=1"]);
  const pkg = JSON.parse(readFileSync(path.join(herald, "package.json"), "utf8"));
  const linked = [...Object.keys(pkg.dependencies ?? {}), "better-sqlite3", "@types/node"];
  for (const name of linked) {
    const target = path.join(app, "node_modules", name);
    mkdirSync(path.dirname(target), { recursive: true });
    symlinkSync(path.join(nodeModules, name), target, "dir");
  }
  writeFileSync(
    path.join(app, "package.json"),
    JSON.stringify({
      name: "first-look-app",
      private: true,
      type: "module",
      dependencies: { herald: `file:${tarball}` },
    }),
  );
}

const tsc = path.join(nodeModules, "typescript", "bin", "tsc");
const tsx = path.join(nodeModules, "tsx", "dist", "cli.mjs");

/** tsconfig.json of the app's TypeScript project, for one module resolution. */
function tsconfig(resolution: "nodenext" | "bundler"): object {
  return {
    compilerOptions: {
      target: "ES2022",
      module: resolution === "nodenext" ? "nodenext" : "esnext",
      moduleResolution: resolution,
      lib: ["ES2022"],
      types: ["node"],
      strict: true,
      // test/build/consumer-types.test.ts checks the declarations with skipLibCheck off; here it is the
      // example that is checked, and checking all of @types/node again would only cost time.
      skipLibCheck: true,
      outDir: "out",
      ...(resolution === "bundler" && { noEmit: true }),
    },
    files: ["first-look.ts"],
  };
}

// The four runs are independent: they share the app but write files of their own, so they run at once.
describe("the packed package in a fresh app", { concurrency: true }, () => {
  let work: string;
  let app: string;
  const servers: TestServer[] = [];

  /** The README example pointed at a server of its own (the runs go at once; their users must not meet). */
  async function example(): Promise<string> {
    const server = await startTestServer();
    servers.push(server);
    return withPort(firstLook(), server.port);
  }

  before(async () => {
    work = mkdtempSync(path.join(tmpdir(), "herald-first-hour-"));
    const tarball = await packFreshClone(work);
    app = path.join(work, "app");
    installInto(app, tarball);
  });
  after(async () => {
    await Promise.all(servers.map((server) => server.close()));
    if (work) rmSync(work, { recursive: true, force: true });
  });

  test("runs the README example as an ES module", async () => {
    writeFileSync(path.join(app, "first-look.mjs"), await example());
    const result = await run(process.execPath, ["first-look.mjs"], { cwd: app });
    assertRanThrough(result, "first-look.mjs");
    assertFirstLookOutput(result.stdout);
  });

  test("runs the README example as CommonJS", async () => {
    writeFileSync(path.join(app, "first-look.cjs"), asCommonJs(await example()));
    const result = await run(process.execPath, ["first-look.cjs"], { cwd: app });
    assertRanThrough(result, "first-look.cjs");
    assertFirstLookOutput(result.stdout);
  });

  /** A TypeScript project of the README example with `moduleResolution` set, type-checked by tsc. */
  async function typeCheckedExample(resolution: "nodenext" | "bundler"): Promise<string> {
    const project = path.join(app, `ts-${resolution}`);
    mkdirSync(project);
    writeFileSync(path.join(project, "first-look.ts"), await example());
    writeFileSync(path.join(project, "tsconfig.json"), JSON.stringify(tsconfig(resolution)));
    assertRanThrough(
      await run(process.execPath, [tsc, "-p", "."], { cwd: project, timeoutMs: 240_000 }),
      `tsc (${resolution})`,
    );
    return project;
  }

  test("the README example type-checks with moduleResolution nodenext, and its output runs", async () => {
    const project = await typeCheckedExample("nodenext");
    const result = await run(process.execPath, [path.join("out", "first-look.js")], { cwd: project });
    assertRanThrough(result, "the compiled example");
    assertFirstLookOutput(result.stdout);
  });

  test("the README example type-checks with moduleResolution bundler, and runs as TypeScript", async () => {
    const project = await typeCheckedExample("bundler");
    const result = await run(process.execPath, [tsx, "first-look.ts"], { cwd: project });
    assertRanThrough(result, "the example under tsx");
    assertFirstLookOutput(result.stdout);
  });
});
