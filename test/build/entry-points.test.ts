import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { type BundleGraph, packageGraph, packageName } from "./bundle-graph.js";

const serverCode = (graph: BundleGraph) => graph.inputs.filter((f) => f.startsWith("src/server/"));
const importsOf = (graph: BundleGraph, pkg: string) =>
  graph.externals.filter((i) => packageName(i.path) === pkg).map((i) => `${i.importer} -> ${i.path}`);

describe("package entry points", () => {
  test('the SDK core (".") reaches no server code, no protobufjs and no better-sqlite3', async () => {
    const graph = await packageGraph("src/index.ts");
    assert.ok(graph.inputs.includes("src/errors.ts"), "the core graph was not read");
    assert.deepEqual(serverCode(graph), [], "server code reachable from the core");
    assert.deepEqual(
      graph.inputs.filter((f) => f === "src/protocol/protobuf-codec.ts"),
      [],
      "the protobuf codec reachable from the core",
    );
    assert.deepEqual(importsOf(graph, "protobufjs"), [], "protobufjs imported from the core");
    assert.deepEqual(importsOf(graph, "better-sqlite3"), [], "better-sqlite3 imported from the core");
  });

  test('the protobuf codec ("./protobuf") reaches no protobuf runtime, no server code and no better-sqlite3', async () => {
    const graph = await packageGraph("src/protobuf.ts");
    // The positive half proves that the checks below look at a real graph.
    assert.ok(graph.inputs.includes("src/protocol/protobuf-codec.ts"), "the ./protobuf graph was not read");
    assert.deepEqual(importsOf(graph, "protobufjs"), [], "protobufjs imported from ./protobuf");
    assert.deepEqual(serverCode(graph), [], "server code reachable from ./protobuf");
    assert.deepEqual(importsOf(graph, "better-sqlite3"), [], "better-sqlite3 imported from ./protobuf");
  });

  for (const [subpath, entry, sample] of [
    ["./presence", "src/presence/index.ts", "src/presence/presence-store.ts"],
    ["./resilience", "src/resilience/index.ts", "src/socket/backoff.ts"],
  ] as const) {
    test(`the optional "${subpath}" entry reaches no server code, no protobufjs and no better-sqlite3`, async () => {
      const graph = await packageGraph(entry);
      assert.ok(graph.inputs.includes(sample), `the ${subpath} graph was not read`);
      assert.deepEqual(serverCode(graph), [], `server code reachable from ${subpath}`);
      assert.deepEqual(
        graph.inputs.filter((f) => f === "src/protocol/protobuf-codec.ts"),
        [],
        `the protobuf codec reachable from ${subpath}`,
      );
      assert.deepEqual(importsOf(graph, "protobufjs"), [], `protobufjs imported from ${subpath}`);
      assert.deepEqual(importsOf(graph, "better-sqlite3"), [], `better-sqlite3 imported from ${subpath}`);
    });
  }

  test("the SDK core does not carry the optional presence store or resilient socket", async () => {
    const graph = await packageGraph("src/index.ts");
    assert.deepEqual(
      graph.inputs.filter((f) => f.startsWith("src/presence/") || f.startsWith("src/resilience/")),
      [],
      "optional feature code reachable from the core",
    );
  });

  test('the server ("./server") is where better-sqlite3 is imported, kept external', async () => {
    const graph = await packageGraph("src/server/index.ts");
    assert.notDeepEqual(serverCode(graph), []);
    assert.notDeepEqual(importsOf(graph, "better-sqlite3"), [], "better-sqlite3 not seen from ./server");
    assert.ok(
      graph.inputs.every((f) => !f.startsWith("node_modules/")),
      "a dependency was bundled into ./server instead of staying external",
    );
  });
});
