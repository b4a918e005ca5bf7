import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";

const src = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..", "src");
const folders = ["socket", "presence", "resilience"];
const MAX_LINES = 250;

/** Each file of the SDK's socket folders with the files under src/ it imports (type-only too). */
function importGraph(): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  for (const folder of folders) {
    for (const name of readdirSync(path.join(src, folder))) {
      if (!name.endsWith(".ts")) continue;
      const file = path.join(src, folder, name);
      const targets: string[] = [];
      for (const m of readFileSync(file, "utf8").matchAll(/^(?:import|export)[^;]*?from "(\.[^"]+)"/gms)) {
        const target = path.resolve(path.dirname(file), (m[1] as string).replace(/\.js$/, ".ts"));
        targets.push(path.relative(src, target));
      }
      graph.set(path.relative(src, file), targets);
    }
  }
  return graph;
}

test("the socket, presence and resilience files import one another without a circle", () => {
  const graph = importGraph();
  assert.ok(graph.size > 15, "the files were found");
  const cycles: string[] = [];
  const done = new Set<string>();
  const visit = (file: string, trail: string[]) => {
    if (trail.includes(file)) {
      cycles.push([...trail.slice(trail.indexOf(file)), file].join(" -> "));
      return;
    }
    if (done.has(file)) return;
    for (const target of graph.get(file) ?? []) visit(target, [...trail, file]);
    done.add(file);
  };
  for (const file of graph.keys()) visit(file, []);
  assert.deepEqual(cycles, []);
});

test("every socket and presence file stays under 250 lines", () => {
  const long: string[] = [];
  for (const file of importGraph().keys()) {
    const lines = readFileSync(path.join(src, file), "utf8").split("\n").length - 1;
    if (lines > MAX_LINES) long.push(`${file}: ${lines} lines`);
  }
  assert.deepEqual(long, []);
});
