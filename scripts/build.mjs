#!/usr/bin/env node
// `npm run build`: everything under dist/.
//
// The ESM and CJS builds are readable (not minified); every build carries linked source maps.
//
//   dist/index.js, protobuf.js, presence/index.js, resilience/index.js, react/index.js, server/index.js
//                                                  ESM (shared code in dist/chunks/), dependencies external
//   dist/index.cjs, protobuf.cjs, presence/index.cjs, resilience/index.cjs, react/index.cjs, server/index.cjs
//                                                  CJS, one self-contained file per entry point
//   dist/server/cli.js                             the `herald-server` command (ESM, node shebang)
//   dist/herald.min.js                             browser IIFE of the core, global `herald`, minified
//   dist/herald-protobuf.min.js                    browser IIFE of the protobuf codec, global `heraldProtobuf`
//   dist/herald-presence.min.js                    browser IIFE of the presence store, global `heraldPresence`
//   dist/herald-resilience.min.js                  browser IIFE of the resilient socket, global `heraldResilience`
//   dist/console/                                  the operator console's page (scripts/build-console.mjs)
//   dist/**/*.d.ts and *.d.cts                     declarations from tsc; the .d.cts twins point at .cjs
//                                                  so that `require` consumers get CJS-typed declarations
//
// `node scripts/build.mjs --iife-only` builds just the browser bundles (used by `npm run size`).
import { spawnSync } from "node:child_process";
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import * as esbuild from "esbuild";
import { buildConsole } from "./build-console.mjs";

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const dist = path.join(repo, "dist");
const src = path.join(repo, "src");
const iifeOnly = process.argv.includes("--iife-only");

/** Package entry points: dist name (without extension) -> source file. */
const entries = {
  index: "src/index.ts",
  protobuf: "src/protobuf.ts",
  "presence/index": "src/presence/index.ts",
  "resilience/index": "src/resilience/index.ts",
  "react/index": "src/react/index.ts",
  "server/index": "src/server/index.ts",
  // The test kit (Node only); it loads the server lazily, when startTestServer is first called.
  "testing/index": "src/testing/index.ts",
};
const cli = { "server/cli": "src/server/cli.ts" };
const nodeTarget = "node20";
// The IIFE is for current browsers loading a <script> (every engine since 2022 runs ES2022). Below
// ES2022 esbuild would lower the SDK's #private class members to WeakMaps, several hundred bytes more.
const browserTarget = "es2022";

// The browser bundles talk to the platform's own fetch and WebSocket. `cross-fetch` is loaded only
// where a platform has no fetch; package.json's `browser` field maps it to nothing for app bundlers,
// and here it resolves to an empty ES module (smaller than esbuild's empty CommonJS stand-in).
// isomorphic-ws's browser build probes for legacy globals, so it resolves to a tiny module that
// hands out the global WebSocket. Nothing is patched, no side effects. The ESM/CJS builds keep both
// packages external: app bundlers pick their browser or React Native builds themselves, and Node
// gets ws.
const platformModules = {
  "cross-fetch": "export default undefined;\n",
  "isomorphic-ws": `
const WebSocketFn = globalThis.WebSocket;
export default WebSocketFn;
export { WebSocketFn as WebSocket };
`,
};

/** esbuild plugin: `cross-fetch` -> nothing, `isomorphic-ws` -> the platform's WebSocket (browser bundles only). */
const platformGlobalsPlugin = {
  name: "platform-globals",
  setup(build) {
    build.onResolve({ filter: /^(cross-fetch|isomorphic-ws)$/ }, (args) => ({
      path: args.path,
      namespace: "platform-globals",
    }));
    build.onLoad({ filter: /.*/, namespace: "platform-globals" }, (args) => ({
      contents: platformModules[args.path],
      loader: "js",
    }));
  },
};

// The server reads its version from package.json relative to its own source file; in dist/ that file
// is bundled into a different place, so the build writes the version in instead.
const { version } = JSON.parse(readFileSync(path.join(repo, "package.json"), "utf8"));
const packageVersionPlugin = {
  name: "package-version",
  setup(build) {
    build.onLoad({ filter: /[\\/]src[\\/]server[\\/]version\.ts$/ }, () => ({
      contents: `/** herald's version, from package.json at build time. */\nexport const version = ${JSON.stringify(version)};\n`,
      loader: "ts",
    }));
  },
};

function fail(message) {
  throw new Error(message);
}

function requireSources(map) {
  const missing = Object.values(map).filter((file) => !existsSync(path.join(repo, file)));
  if (missing.length) fail(`missing entry point source(s): ${missing.join(", ")}`);
}

const abs = (map) => Object.fromEntries(Object.entries(map).map(([k, v]) => [k, path.join(repo, v)]));

async function buildIife(out) {
  requireSources(entries);
  const bundles = [
    { entry: entries.index, file: "herald.min.js", globalName: "herald" },
    // For pages that load the core by <script> and want the binary format: `heraldProtobuf.protobufCodec`.
    { entry: entries.protobuf, file: "herald-protobuf.min.js", globalName: "heraldProtobuf" },
    // The presence store on top of the core: `new heraldPresence.PresenceStore(socket, client, session)`.
    { entry: entries["presence/index"], file: "herald-presence.min.js", globalName: "heraldPresence" },
    // The resilient socket on top of the core: `heraldResilience.createResilientSocket(client, options)`.
    { entry: entries["resilience/index"], file: "herald-resilience.min.js", globalName: "heraldResilience" },
  ];
  for (const { entry, file, globalName } of bundles) {
    // The global is a plain object of the entry's exports, assigned by a small generated entry:
    // esbuild's own `globalName` wraps the exports in a module-namespace emulation whose helpers
    // cost about 200 bytes of the core's gzip budget.
    const names = await exportNames(path.join(repo, entry));
    await esbuild.build({
      stdin: {
        contents: `import { ${names.join(", ")} } from ${JSON.stringify(`./${entry}`)};\nglobalThis.${globalName} = { ${names.join(", ")} };\n`,
        resolveDir: repo,
        sourcefile: `${globalName}-global.js`,
        loader: "js",
      },
      outfile: path.join(out, file),
      bundle: true,
      format: "iife",
      // Module code is strict; the wrapper keeps it so.
      banner: { js: '"use strict";' },
      platform: "browser",
      target: browserTarget,
      minify: true,
      sourcemap: "linked",
      legalComments: "none",
      plugins: [platformGlobalsPlugin],
      logLevel: "warning",
    });
  }
}

/**
 * Source paths in a map are relative to where it was written; builds written to `out` and moved
 * to dist/ afterwards get them made right for dist/ (or a stack trace names files outside the
 * package).
 */
function relocateSourceMaps(out) {
  for (const entry of readdirSync(out, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile() || !entry.name.endsWith(".map")) continue;
    const written = entry.parentPath;
    const final = path.join(dist, path.relative(out, written));
    const mapFile = path.join(written, entry.name);
    const map = JSON.parse(readFileSync(mapFile, "utf8"));
    // Modules of a plugin's namespace (`platform-globals:...`) are no files: left as they are.
    map.sources = map.sources.map((s) =>
      s.includes(":") ? s : path.relative(final, path.resolve(written, s)).split(path.sep).join("/"),
    );
    writeFileSync(mapFile, JSON.stringify(map));
  }
}

/** The names an entry point exports. */
async function exportNames(entry) {
  const result = await esbuild.build({
    entryPoints: [entry],
    bundle: true,
    write: false,
    format: "esm",
    packages: "external",
    metafile: true,
    outdir: "out",
    logLevel: "warning",
  });
  const [output] = Object.values(result.metafile.outputs).filter((o) => o.entryPoint);
  const names = output?.exports ?? [];
  if (!names.length || names.includes("default")) fail(`${entry}: expected named exports only`);
  return names;
}

async function buildEsm(out) {
  await esbuild.build({
    entryPoints: abs({ ...entries, ...cli }),
    outdir: out,
    outbase: src,
    bundle: true,
    splitting: true,
    format: "esm",
    platform: "node",
    target: nodeTarget,
    packages: "external",
    chunkNames: "chunks/[name]-[hash]",
    sourcemap: "linked",
    plugins: [packageVersionPlugin],
    logLevel: "warning",
  });
  // The command runs as `herald-server`: make sure it starts with a shebang and is executable.
  const cliFile = path.join(out, "server", "cli.js");
  const code = readFileSync(cliFile, "utf8");
  if (!code.startsWith("#!")) writeFileSync(cliFile, `#!/usr/bin/env node\n${code}`);
  chmodSync(cliFile, 0o755);
}

async function buildCjs(out) {
  // No code splitting in CJS: each entry is one file (shared code such as HeraldError is duplicated;
  // HeraldError.is() checks a brand, so it still recognises errors from another copy).
  for (const [name, file] of Object.entries(entries)) {
    const server = name.startsWith("server/") || name.startsWith("testing/");
    await esbuild.build({
      entryPoints: [path.join(repo, file)],
      outfile: path.join(out, `${name}.cjs`),
      bundle: true,
      format: "cjs",
      platform: "node",
      target: nodeTarget,
      packages: "external",
      sourcemap: "linked",
      logLevel: "warning",
      plugins: [packageVersionPlugin],
      // Server code may locate files relative to itself; give CJS a real import.meta.url.
      ...(server && {
        define: { "import.meta.url": "__herald_import_meta_url" },
        banner: {
          js: '"use strict";\nconst __herald_import_meta_url = require("node:url").pathToFileURL(__filename).href;',
        },
      }),
    });
  }
}

function walk(dir) {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((d) => d.isFile())
    .map((d) => path.join(d.parentPath, d.name));
}

// Relative module specifiers in declaration files: `from "./x.js"`, `import("./x.js")`, `import "./x.js"`.
const relativeSpecifier = /((?:from|import)\s*\(?\s*["'])(\.{1,2}\/[^"']+?)\.js(["'])/g;

function buildDeclarations(out) {
  const r = spawnSync(
    process.execPath,
    [
      path.join(repo, "node_modules", "typescript", "bin", "tsc"),
      "-p",
      "tsconfig.build.json",
      "--outDir",
      out,
    ],
    { cwd: repo, stdio: "inherit" },
  );
  if (r.status !== 0) fail("tsc reported errors (declarations)");
  // Hand-written declarations beside generated JS (src/gen/pb.d.ts) are not emitted by tsc; copy any
  // that the emitted declarations refer to, and fail on any other dangling reference.
  const declarations = walk(out).filter((f) => f.endsWith(".d.ts"));
  for (const file of declarations) {
    for (const m of readFileSync(file, "utf8").matchAll(relativeSpecifier)) {
      const target = path.resolve(path.dirname(file), `${m[2]}.d.ts`);
      if (existsSync(target)) continue;
      const source = path.join(src, path.relative(out, target));
      if (!existsSync(source)) fail(`${path.relative(repo, file)} refers to ${m[2]}.js, which has no types`);
      mkdirSync(path.dirname(target), { recursive: true });
      writeFileSync(target, readFileSync(source));
      declarations.push(target);
    }
  }
  for (const file of declarations) {
    const text = readFileSync(file, "utf8").replace(relativeSpecifier, "$1$2.cjs$3");
    writeFileSync(file.replace(/\.d\.ts$/, ".d.cts"), text);
  }
}

async function main() {
  if (iifeOnly) {
    await buildIife(dist);
    return;
  }
  requireSources({ ...entries, ...cli });
  // Build beside dist/ and swap it in at the end, so that nothing reading dist/ (a test run, a
  // concurrent build) ever sees it half-written or missing for more than an instant.
  const cache = path.join(repo, "node_modules", ".cache");
  mkdirSync(cache, { recursive: true });
  const out = mkdtempSync(path.join(cache, "herald-dist-"));
  try {
    await buildEsm(out);
    await buildCjs(out);
    await buildIife(out);
    await buildConsole({ outdir: out });
    buildDeclarations(out);
    relocateSourceMaps(out);
    const old = `${out}-old`;
    if (existsSync(dist)) renameSync(dist, old);
    renameSync(out, dist);
    rmSync(old, { recursive: true, force: true });
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
  console.log("build: dist/ ready (ESM, CJS, browser IIFE, declarations)");
}

try {
  await main();
} catch (err) {
  // esbuild has already printed its own diagnostics; say which step failed.
  console.error(`build: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
}
