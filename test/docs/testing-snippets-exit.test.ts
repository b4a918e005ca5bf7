import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import { repo } from "../build/bundle-graph.js";
import { assertRanThrough, run } from "../first-hour/readme-example.js";
import { docSnippets } from "../helpers/doc-snippets.js";

// The snippets of docs/testing.md that are whole programs, run as a reader runs them: in a process
// of their own, which must exit by itself. A socket left reconnecting to a closed fake server keeps
// a process (and a reader's test run) alive, which a check in this process could not see.

const PAGE = "docs/testing.md";
// tsx as a loader of this one process (its command would start a second one, which a kill after the
// deadline would leave running with the output pipes open).
const tsx = ["--import", "tsx"];
const sources: Record<string, string> = {
  herald: "src/index.ts",
  "herald/protobuf": "src/protobuf.ts",
  "herald/testing": "src/testing/index.ts",
};

/** The snippet holding `line`, its imports pointed at the sources, `imports` put first. */
function program(line: string, imports = ""): string {
  const found = docSnippets(PAGE).filter((s) => s.code.includes(line));
  assert.equal(found.length, 1, `${PAGE} should have one snippet holding ${line}`);
  return `${imports}${found[0]?.code ?? ""}`.replace(
    /(from\s+)"(herald(?:\/[a-z]+)?)"/g,
    (all, from: string, name: string) => {
      const target = sources[name];
      return target ? `${from}${JSON.stringify(path.join(repo, target))}` : all;
    },
  );
}

describe(`${PAGE}: the fake server's snippets run and exit by themselves`, { concurrency: true }, () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(path.join(repo, "test", "__snippet-"));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  async function runs(name: string, code: string): Promise<string> {
    const file = path.join(dir, `${name}.ts`);
    writeFileSync(file, `${code}\nexport {};\n`);
    const result = await run(process.execPath, [...tsx, file], { cwd: repo, timeoutMs: 30_000 });
    assertRanThrough(result, `the snippet "${name}"`);
    return result.stdout;
  }

  test('"The fake server": a socket in protobuf, a pushed status', async () => {
    const stdout = await runs(
      "fake-server",
      program("startFakeServer({ codecs: [jsonCodec, protobufCodec] })"),
    );
    assert.match(stdout, /^u-ada true protobuf$/m);
  });

  test("signing in on a test server and connecting to a fake one", async () => {
    await runs(
      "test-and-fake-server",
      program(
        'authenticateDevice({ id: "device-0001-test"',
        'import { startFakeServer, startTestServer } from "herald/testing";\n',
      ),
    );
  });
});
