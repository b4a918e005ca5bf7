import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync } from "node:fs";
import { builtinModules } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";
import * as esbuild from "esbuild";

/** The repository root (metafile paths are relative to it). */
export const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");

/**
 * Fails with a clear message unless `npm run build` has produced dist/. The tests of the built package
 * do not build it themselves: test files run in parallel, and two builds at once would clobber dist/.
 */
export function requireBuild(): void {
  const missing = ["dist/index.js", "dist/index.cjs", "dist/index.d.cts", "dist/server/cli.js"].filter(
    (f) => !existsSync(path.join(repo, f)),
  );
  if (missing.length > 0) {
    throw new Error(`${missing.join(", ")} missing: run \`npm run build\` first (\`npm test\` does)`);
  }
}

/** An import that left the bundle: a package kept external, or a Node built-in. */
export interface ExternalImport {
  /** The specifier as written, e.g. "protobufjs/minimal.js" or "node:fs". */
  path: string;
  /** The file that imports it, relative to the repository root. */
  importer: string;
}

/** What one entry point reaches. */
export interface BundleGraph {
  /** Every bundled source file, relative to the repository root (e.g. "src/errors.ts"). */
  inputs: string[];
  /** Imports kept out of the bundle. */
  externals: ExternalImport[];
  /** With `staticOnly`: the dynamic imports, kept out of the graph (empty otherwise). */
  dynamic: ExternalImport[];
}

/** Type-checks the TypeScript project in `project` with the repository's compiler; fails with its errors. */
export function assertTypeChecks(project: string): void {
  const tsc = spawnSync(
    process.execPath,
    [path.join(repo, "node_modules", "typescript", "bin", "tsc"), "-p", project],
    {
      cwd: project,
      encoding: "utf8",
    },
  );
  assert.equal(tsc.status, 0, `tsc found errors:\n${tsc.stdout}${tsc.stderr}`);
}

/** The package name of a bare specifier: "protobufjs/minimal.js" -> "protobufjs", "@a/b/c" -> "@a/b". */
export function packageName(specifier: string): string {
  const parts = specifier.split("/");
  return specifier.startsWith("@") ? parts.slice(0, 2).join("/") : (parts[0] ?? specifier);
}

/**
 * Bundles `entry` (relative to the repository root) the way the package build does for Node (every
 * dependency external) and returns the module graph from esbuild's metafile. `staticOnly` keeps
 * dynamic imports out of the graph and lists them in `dynamic`: what importing the entry loads at
 * once, as opposed to on demand.
 */
export async function packageGraph(
  entry: string,
  { staticOnly = false }: { staticOnly?: boolean } = {},
): Promise<BundleGraph> {
  const dynamic: ExternalImport[] = [];
  const result = await esbuild.build({
    absWorkingDir: repo,
    entryPoints: [entry],
    bundle: true,
    write: false,
    outdir: "out",
    format: "esm",
    platform: "node",
    packages: "external",
    metafile: true,
    logLevel: "silent",
    plugins: staticOnly
      ? [
          {
            name: "dynamic-imports-external",
            setup(build) {
              build.onResolve({ filter: /.*/ }, (args) => {
                if (args.kind !== "dynamic-import") return undefined;
                dynamic.push({ path: args.path, importer: path.relative(repo, args.importer) });
                return { path: args.path, external: true };
              });
            },
          },
        ]
      : [],
  });
  const inputs = Object.keys(result.metafile.inputs).sort();
  const externals = Object.entries(result.metafile.inputs).flatMap(([importer, input]) =>
    input.imports
      .filter((i) => i.external && !(staticOnly && i.kind === "dynamic-import"))
      .map((i) => ({ path: i.path, importer })),
  );
  return { inputs, externals, dynamic };
}

const builtins = new Set(builtinModules.flatMap((m) => [m, `node:${m}`]));

/** Whether a specifier names a Node built-in module ("fs", "node:fs", "fs/promises", "node:test"). */
export function isBuiltin(specifier: string): boolean {
  return specifier.startsWith("node:") || builtins.has(specifier) || builtins.has(packageName(specifier));
}

/**
 * Bundles `entry` with all its dependencies for a platform without Node (a browser, or React Native
 * when `reactNative` is set: its package fields win, as Metro resolves them) and lists every import of
 * a Node built-in module instead of failing on the first one.
 */
export async function builtinImportsForPlatform(
  entry: string,
  { reactNative = false }: { reactNative?: boolean } = {},
): Promise<{ inputs: string[]; builtins: ExternalImport[] }> {
  const found: ExternalImport[] = [];
  const result = await esbuild.build({
    absWorkingDir: repo,
    entryPoints: [entry],
    bundle: true,
    write: false,
    outdir: "out",
    format: "esm",
    platform: "browser",
    ...(reactNative && {
      mainFields: ["react-native", "browser", "module", "main"],
      conditions: ["react-native"],
    }),
    metafile: true,
    logLevel: "silent",
    plugins: [
      {
        name: "record-builtins",
        setup(build) {
          build.onResolve({ filter: /.*/ }, (args) => {
            if (args.kind === "entry-point" || !isBuiltin(args.path)) return undefined;
            found.push({ path: args.path, importer: path.relative(repo, args.importer) });
            return { path: args.path, external: true };
          });
        },
      },
    ],
  });
  return { inputs: Object.keys(result.metafile.inputs).sort(), builtins: found };
}

/**
 * Bundles `code` (an app's module importing "herald/...") the way an app's bundler does: from a
 * scratch app whose node_modules/herald is this repository, so the built package resolves through
 * its `exports` map and its `browser` / `react-native` fields. Returns the inputs (real paths
 * relative to the repository root) and the minified output.
 */
export async function appBundle(
  code: string,
  { reactNative = false }: { reactNative?: boolean } = {},
): Promise<{ inputs: string[]; output: string }> {
  const cache = path.join(repo, "node_modules", ".cache");
  mkdirSync(cache, { recursive: true });
  const app = mkdtempSync(path.join(cache, "herald-app-"));
  try {
    mkdirSync(path.join(app, "node_modules"));
    symlinkSync(repo, path.join(app, "node_modules", "herald"), "dir");
    const result = await esbuild.build({
      stdin: { contents: code, resolveDir: app, sourcefile: "app.js", loader: "js" },
      absWorkingDir: repo,
      bundle: true,
      write: false,
      format: "esm",
      platform: "browser",
      ...(reactNative && {
        mainFields: ["react-native", "browser", "module", "main"],
        conditions: ["react-native"],
      }),
      minify: true,
      metafile: true,
      logOverride: { "ignored-bare-import": "silent" },
      logLevel: "silent",
    });
    return {
      inputs: Object.keys(result.metafile.inputs).sort(),
      output: result.outputFiles[0]?.text ?? "",
    };
  } finally {
    rmSync(app, { recursive: true, force: true });
  }
}
