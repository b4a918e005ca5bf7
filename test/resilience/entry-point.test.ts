import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { packageGraph, packageName } from "../build/bundle-graph.js";

describe("herald/resilience entry point", () => {
  test("the SDK core does not carry the resilience layer", async () => {
    const graph = await packageGraph("src/index.ts");
    assert.ok(graph.inputs.includes("src/socket.ts"), "the core graph was not read");
    assert.deepEqual(
      graph.inputs.filter((f) => f.startsWith("src/resilience/")),
      [],
    );
  });

  test("the resilience layer reaches no server code, no protobuf codec and no better-sqlite3", async () => {
    const graph = await packageGraph("src/resilience/index.ts");
    assert.ok(
      graph.inputs.includes("src/resilience/resilient-socket.ts"),
      "the resilience graph was not read",
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
