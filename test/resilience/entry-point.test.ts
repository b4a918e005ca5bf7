import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { packageGraph, packageName } from "../build/bundle-graph.js";

describe("herald/resilience entry point", () => {
  test("the SDK core carries the reconnecting socket's layers and no module of herald/resilience", async () => {
    const graph = await packageGraph("src/index.ts");
    for (const layer of ["reconnect", "restore", "outbox", "catch-up", "heartbeat", "connection"]) {
      assert.ok(graph.inputs.includes(`src/socket/${layer}.ts`), `src/socket/${layer}.ts in the core`);
    }
    assert.deepEqual(
      graph.inputs.filter((f) => f.startsWith("src/resilience/")),
      [],
    );
  });

  test("herald/resilience is only a re-export of the core: no module of its own but its index, no server code, no protobuf, no better-sqlite3", async () => {
    const graph = await packageGraph("src/resilience/index.ts");
    assert.deepEqual(
      graph.inputs.filter((f) => f.startsWith("src/resilience/")),
      ["src/resilience/index.ts"],
    );
    assert.deepEqual(
      graph.inputs.filter((f) => f.startsWith("src/server/") || f === "src/protocol/protobuf-codec.ts"),
      [],
    );
    assert.deepEqual(
      graph.externals.filter((i) => ["protobufjs", "better-sqlite3"].includes(packageName(i.path))),
      [],
    );
  });
});
