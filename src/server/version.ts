import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

/**
 * herald's version, from its package.json: the nearest one named "herald" above this module,
 * which holds both from the sources and from a bundled chunk in dist/.
 */
export const version: string = (() => {
  try {
    let dir = path.dirname(fileURLToPath(import.meta.url));
    for (let i = 0; i < 6; i++) {
      const file = path.join(dir, "package.json");
      if (existsSync(file)) {
        const pkg = JSON.parse(readFileSync(file, "utf8")) as { name?: string; version?: string };
        if (pkg.name === "herald" && pkg.version) return pkg.version;
      }
      dir = path.dirname(dir);
    }
  } catch {
    // Fall through: an unknown version must not stop the server.
  }
  return "0.0.0";
})();
