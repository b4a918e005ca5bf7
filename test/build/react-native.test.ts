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

  test("the React Native bundle takes the platform builds of cross-fetch and isomorphic-ws, not their Node builds", async () => {
    const { inputs } = await builtinImportsForPlatform("src/index.ts", { reactNative: true });
    const defaults = inputs.filter((f) => /node_modules\/(cross-fetch|isomorphic-ws)\//.test(f));
    assert.deepEqual(
      defaults.map((f) => f.replace(/^.*node_modules\//, "")).sort(),
      ["cross-fetch/dist/react-native-ponyfill.js", "isomorphic-ws/browser.js"],
      "the SDK's default fetch and WebSocket should come from cross-fetch and isomorphic-ws, resolved for React Native",
    );
  });
});
