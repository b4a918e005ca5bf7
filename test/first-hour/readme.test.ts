import { after, before, describe, test } from "node:test";
import { startTestServer, type TestServer } from "../../src/testing/index.js";
import { repo, requireBuild } from "../build/bundle-graph.js";
import {
  asCommonJs,
  assertFirstLookOutput,
  assertRanThrough,
  firstLook,
  run,
  withPort,
} from "./readme-example.js";

describe('the README\'s "A first look"', () => {
  let server: TestServer;
  before(async () => {
    requireBuild();
    server = await startTestServer();
  });
  after(() => server.close());

  // Run from the repository, where `herald` resolves to the built package (dist/) by its own name.
  test("runs as pasted, as an ES module, and exits by itself", async () => {
    const code = withPort(firstLook(), server.port);
    const result = await run(process.execPath, ["--input-type=module", "-e", code], { cwd: repo });
    assertRanThrough(result, "the example");
    assertFirstLookOutput(result.stdout);
  });

  test("runs in CommonJS too, and exits by itself", async () => {
    const code = asCommonJs(withPort(firstLook(), server.port));
    const result = await run(process.execPath, ["--input-type=commonjs", "-e", code], { cwd: repo });
    assertRanThrough(result, "the example (CommonJS)");
    assertFirstLookOutput(result.stdout);
  });
});
