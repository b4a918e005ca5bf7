#!/usr/bin/env node
// The operator console's page (src/console/): its TypeScript bundled into console.js, beside
// index.html and console.css. `node scripts/build-console.mjs` writes dist/console/; the build
// (scripts/build.mjs) calls buildConsole() with its own output folder; the server, run from
// sources, calls it with { write: false } and serves the files from memory.
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import * as esbuild from "esbuild";

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const source = path.join(repo, "src", "console");

/**
 * Builds the console page. Returns its files by name; with `write` (the default) also writes them
 * into `outdir/console/` (default: dist/).
 * @param {{ outdir?: string, write?: boolean }} [options]
 * @returns {Promise<Map<string, Uint8Array>>}
 */
export async function buildConsole({ outdir = path.join(repo, "dist"), write = true } = {}) {
  const result = await esbuild.build({
    entryPoints: [path.join(source, "main.ts")],
    bundle: true,
    write: false,
    format: "iife",
    platform: "browser",
    // The page runs in the operator's current browser.
    target: "es2022",
    minify: true,
    legalComments: "none",
    outfile: "console.js",
    logLevel: "warning",
  });
  const files = new Map();
  files.set("console.js", result.outputFiles[0].contents);
  for (const name of ["index.html", "console.css"]) files.set(name, readFileSync(path.join(source, name)));
  if (write) {
    const dir = path.join(outdir, "console");
    mkdirSync(dir, { recursive: true });
    for (const [name, body] of files) writeFileSync(path.join(dir, name), body);
  }
  return files;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  try {
    await buildConsole();
    console.log("build-console: dist/console/ ready");
  } catch (err) {
    console.error(`build-console: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  }
}
