import assert from "node:assert/strict";
import path from "node:path";
import { describe, test } from "node:test";
import {
  builtinImportsForPlatform,
  isBuiltin,
  packageGraph,
  packageName,
  repo,
} from "../build/bundle-graph.js";

// What "herald/testing" loads when a test file imports it, as opposed to what it loads later
// through a dynamic import (the bundled server, on the first startTestServer call).
const staticGraph = (entry: string) => packageGraph(entry, { staticOnly: true });

// The parts of the kit that run wherever the SDK runs (a browser test, React Native): they
// must not reach Node built-ins. The others say "Node only" in their first line.
const portable = [
  "src/testing/inbox.ts",
  "src/testing/wait-for.ts",
  "src/testing/cuttable-websocket.ts",
  "src/testing/fake-session.ts",
  "src/testing/fake-reply.ts",
];

const nodeOnly = [
  "src/testing/fake-connection.ts",
  "src/testing/fake-rest.ts",
  "src/testing/fake-server.ts",
  "src/testing/fault-proxy.ts",
  "src/testing/raw-socket.ts",
  "src/testing/test-server.ts",
];

describe('the test kit entry ("./testing")', () => {
  test("importing it loads no server code, no better-sqlite3 and no protobufjs; the server comes by a dynamic import", async () => {
    const graph = await staticGraph("src/testing/index.ts");
    assert.ok(graph.inputs.includes("src/testing/fake-server.ts"), "the kit's graph was not read");
    assert.deepEqual(
      graph.inputs.filter((f) => f.startsWith("src/server/") || f.startsWith("src/gen/pb.")),
      [],
    );
    const packages = [
      ...new Set(graph.externals.filter((i) => !isBuiltin(i.path)).map((i) => packageName(i.path))),
    ];
    assert.deepEqual(packages.sort(), ["isomorphic-ws", "ws"]);
    // The server comes on demand (cross-fetch too, where a platform has no fetch of its own, by a
    // name bundlers do not follow).
    assert.deepEqual(
      graph.dynamic.filter((d) => !isBuiltin(d.path)),
      [{ path: "../server/index.js", importer: "src/testing/test-server.ts" }],
    );
  });

  test("Node built-ins are imported only by the parts marked Node only", async () => {
    const graph = await staticGraph("src/testing/index.ts");
    const importers = [...new Set(graph.externals.filter((i) => isBuiltin(i.path)).map((i) => i.importer))];
    assert.ok(importers.includes("src/testing/fault-proxy.ts"), "no built-in import seen");
    assert.deepEqual(
      importers.filter((f) => !nodeOnly.includes(f)),
      [],
      "a part not marked Node only imports a Node built-in",
    );
    const { readFileSync } = await import("node:fs");
    for (const file of nodeOnly) {
      assert.match(
        readFileSync(path.join(repo, file), "utf8"),
        /^\/\/ Node only/,
        `${file} is not marked Node only`,
      );
    }
  });

  for (const file of portable) {
    test(`${path.basename(file)} bundles for a browser without Node built-ins`, async () => {
      const { inputs, builtins } = await builtinImportsForPlatform(file);
      assert.ok(inputs.includes(file));
      assert.deepEqual(builtins, []);
    });
  }
});
