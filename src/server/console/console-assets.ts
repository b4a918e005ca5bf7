import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

/** The files the console page is made of. */
export type ConsoleAssetName = "index.html" | "console.css" | "console.js" | "herald.min.js";

/** A file of the console page, ready to send. */
export interface ConsoleAsset {
  contentType: string;
  body: Buffer;
}

const contentTypes: Record<ConsoleAssetName, string> = {
  "index.html": "text/html; charset=utf-8",
  "console.css": "text/css; charset=utf-8",
  "console.js": "text/javascript; charset=utf-8",
  "herald.min.js": "text/javascript; charset=utf-8",
};

/** Where the page's files come from: a built package, or a source checkout built on demand. */
type Origin =
  | { kind: "built"; consoleDir: string; sdkBundle: string }
  | { kind: "source"; repo: string }
  | { kind: "missing" };

function locate(): Origin {
  const here = path.dirname(fileURLToPath(import.meta.url));
  // From sources (src/server/console/*.ts) the repository is three levels up; the page's
  // TypeScript is bundled in memory, so an edit shows on the next page load.
  const repo = path.resolve(here, "..", "..", "..");
  if (
    import.meta.url.endsWith(".ts") &&
    existsSync(path.join(repo, "scripts", "build-console.mjs")) &&
    existsSync(path.join(repo, "src", "console", "index.html"))
  ) {
    return { kind: "source", repo };
  }
  // From a build, this module sits in dist/server/ or dist/chunks/; the page is in dist/console/.
  for (let dir = here, i = 0; i < 4; i++, dir = path.dirname(dir)) {
    const consoleDir = path.join(dir, "console");
    if (existsSync(path.join(consoleDir, "console.js"))) {
      return { kind: "built", consoleDir, sdkBundle: path.join(dir, "herald.min.js") };
    }
  }
  return { kind: "missing" };
}

/** Loads the page's files, once per process (source checkouts: the page once per page load). */
export class ConsoleAssets {
  private readonly origin = locate();
  private built: Promise<Map<string, Uint8Array>> | undefined;
  private sdkBuilt: Promise<void> | undefined;

  /** The file, or undefined when this installation has no console page (a partial build). */
  async get(name: ConsoleAssetName): Promise<ConsoleAsset | undefined> {
    const body = await this.read(name);
    return body === undefined ? undefined : { contentType: contentTypes[name], body };
  }

  private async read(name: ConsoleAssetName): Promise<Buffer | undefined> {
    const origin = this.origin;
    if (origin.kind === "missing") return undefined;
    if (origin.kind === "built") {
      const file = name === "herald.min.js" ? origin.sdkBundle : path.join(origin.consoleDir, name);
      return existsSync(file) ? readFile(file) : undefined;
    }
    if (name === "herald.min.js") {
      const file = path.join(origin.repo, "dist", "herald.min.js");
      if (!existsSync(file)) await this.buildSdkBundle(origin.repo);
      return existsSync(file) ? readFile(file) : undefined;
    }
    if (name === "index.html" || this.built === undefined) this.built = this.buildPage(origin.repo);
    const files = await this.built;
    const body = files.get(name);
    return body === undefined ? undefined : Buffer.from(body);
  }

  private async buildPage(repo: string): Promise<Map<string, Uint8Array>> {
    const script = pathToFileURL(path.join(repo, "scripts", "build-console.mjs")).href;
    const mod = (await import(script)) as {
      buildConsole(options: { write: false }): Promise<Map<string, Uint8Array>>;
    };
    return mod.buildConsole({ write: false });
  }

  /** A fresh checkout has no dist/ yet: build the browser bundles once, as `npm run build` would. */
  private buildSdkBundle(repo: string): Promise<void> {
    this.sdkBuilt ??= new Promise<void>((resolve) => {
      execFile(
        process.execPath,
        [path.join(repo, "scripts", "build.mjs"), "--iife-only"],
        { cwd: repo },
        () => resolve(),
      );
    });
    return this.sdkBuilt;
  }
}
