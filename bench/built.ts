// Benchmarks measure herald as users run it: the built JavaScript under dist/ (`npm run bench:*`
// builds first). Run from the TypeScript sources, the loader's transpiler wraps every function
// created at run time in a naming helper, a cost the package does not have.
//
// The modules are typed by their sources, so a bench still type-checks before anything is built.
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";

/** Imports a built entry point, e.g. `built<typeof import("../src/index.js")>("index.js")`. */
export async function built<T>(entry: string): Promise<T> {
  const url = new URL(`../dist/${entry}`, import.meta.url);
  if (!existsSync(fileURLToPath(url))) {
    throw new Error(`dist/${entry} is missing: run \`npm run build\` (the bench:* scripts do)`);
  }
  return (await import(url.href)) as T;
}
