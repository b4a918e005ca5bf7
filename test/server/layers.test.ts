import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..", "src", "server");

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory()
      ? sources(path.join(dir, e.name))
      : e.name.endsWith(".ts")
        ? [path.join(dir, e.name)]
        : [],
  );
}

/** Each server file with the server files it imports (relative imports inside src/server only). */
function importGraph(): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  for (const file of sources(root)) {
    const text = readFileSync(file, "utf8");
    const targets: string[] = [];
    for (const m of text.matchAll(/^(?:import|export)[^;]*?from "(\.[^"]+)"/gms)) {
      const target = path.resolve(path.dirname(file), (m[1] as string).replace(/\.js$/, ".ts"));
      if (target.startsWith(root)) targets.push(path.relative(root, target));
    }
    graph.set(path.relative(root, file), targets);
  }
  return graph;
}

/** The layer of a file: transport above services above storage; anything else is shared. */
function layer(file: string): number {
  if (file.startsWith("transport/")) return 3;
  if (file.startsWith("services/")) return 2;
  if (file.startsWith("storage/")) return 1;
  return 0;
}

test("the server's layers import only downwards: transport -> services -> storage", () => {
  const graph = importGraph();
  assert.ok(graph.size > 20, "the server's files were found");
  const upward: string[] = [];
  for (const [file, targets] of graph) {
    for (const target of targets) {
      const shared = layer(file) === 0 || layer(target) === 0;
      if (!shared && layer(target) > layer(file)) upward.push(`${file} -> ${target}`);
      // Shared files (options, logger, refusals) sit below every layer, except the wiring.
      if (layer(file) === 0 && layer(target) > 0 && !["index.ts", "cli.ts"].includes(file))
        upward.push(`${file} -> ${target}`);
    }
  }
  assert.deepEqual(upward, []);
});

test("the server's files import one another without a circle", () => {
  const graph = importGraph();
  const cycles: string[] = [];
  const state = new Map<string, "open" | "done">();
  const visit = (file: string, trail: string[]) => {
    if (state.get(file) === "done") return;
    if (state.get(file) === "open") {
      cycles.push([...trail.slice(trail.indexOf(file)), file].join(" -> "));
      return;
    }
    state.set(file, "open");
    for (const next of graph.get(file) ?? []) visit(next, [...trail, file]);
    state.set(file, "done");
  };
  for (const file of graph.keys()) visit(file, []);
  assert.deepEqual(cycles, []);
});
