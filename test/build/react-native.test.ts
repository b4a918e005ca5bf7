import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { builtinImportsForPlatform } from "./bundle-graph.js";

const listing = (found: { path: string; importer: string }[]) =>
  `Node built-in modules pulled in:\n${found.map((i) => `  ${i.importer} imports ${i.path}`).join("\n")}`;

describe("bundling for platforms without Node", () => {
  for (const entry of [
    "src/index.ts",
    "src/protobuf.ts",
    "src/presence/index.ts",
    "src/resilience/index.ts",
  ]) {
    test(`${entry} bundled for React Native pulls in no Node built-in module`, async () => {
      const { inputs, builtins } = await builtinImportsForPlatform(entry, { reactNative: true });
      assert.ok(inputs.length > 1, "nothing was bundled");
      assert.deepEqual(builtins, [], listing(builtins));
    });

    test(`${entry} bundled for the browser pulls in no Node built-in module`, async () => {
      const { inputs, builtins } = await builtinImportsForPlatform(entry);
      assert.ok(inputs.length > 1, "nothing was bundled");
      assert.deepEqual(builtins, [], listing(builtins));
    });
  }

  test("the React Native bundle takes isomorphic-ws's platform build and no fetch ponyfill (React Native has fetch)", async () => {
    const { inputs } = await builtinImportsForPlatform("src/index.ts", { reactNative: true });
    // A module that a `browser` field maps to nothing is listed as "(disabled):<path>": not bundled.
    const defaults = inputs.filter(
      (f) => /node_modules\/(cross-fetch|node-fetch|isomorphic-ws)\//.test(f) && !f.startsWith("(disabled):"),
    );
    assert.deepEqual(
      defaults.map((f) => f.replace(/^.*node_modules\//, "")).sort(),
      ["isomorphic-ws/browser.js"],
      "the SDK's default WebSocket should come from isomorphic-ws resolved for React Native, and fetch from the platform",
    );
  });
});
