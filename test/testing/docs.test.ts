import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { test } from "node:test";
import ts from "typescript";
import { repo } from "../build/bundle-graph.js";
import { checkDocSnippets } from "../helpers/doc-snippets.js";

// docs/testing.md holds two kinds of code: short ```ts snippets, type-checked one by one against
// the sources (test/helpers/doc-snippets.ts), and the worked example's ```typescript files (each
// starting with a `// NAME.ts` line), which are type-checked together and then run as the tests
// they are.

const paths = {
  herald: ["src/index.ts"],
  "herald/protobuf": ["src/protobuf.ts"],
  "herald/testing": ["src/testing/index.ts"],
};

// What a reader has at hand by the time a snippet uses it.
const ambient = `
import type * as H from "herald";
import type * as T from "herald/testing";
declare global {
  const Client: typeof H.Client;
  const client: H.Client;
  const session: H.Session;
  const socket: H.Socket;
  const fake: T.FakeServer;
  const connection: T.FakeConnection;
  const startTestServer: typeof T.startTestServer;
  const startFakeServer: typeof T.startFakeServer;
  const startFaultProxy: typeof T.startFaultProxy;
  const cuttableWebSocket: typeof T.cuttableWebSocket;
  const inbox: typeof T.inbox;
  const nextEvent: typeof T.nextEvent;
  const waitFor: typeof T.waitFor;
  const openRawSocket: typeof T.openRawSocket;
  const endlessHistory: typeof T.endlessHistory;
}
export {};
`;

test("every TypeScript snippet of docs/testing.md type-checks against the SDK and the kit", () => {
  const { count, problems } = checkDocSnippets({ pages: ["docs/testing.md"], paths, ambient });
  assert.ok(count >= 8, `expected the page to hold snippets, found ${count}`);
  assert.deepEqual(problems, []);
});

test("the worked example of docs/testing.md type-checks and its tests pass against the kit", () => {
  const text = readFileSync(path.join(repo, "docs/testing.md"), "utf8");
  const files = [...text.matchAll(/```typescript\n\/\/ ([\w.-]+\.ts)\n([\s\S]*?)```/g)].map((m) => ({
    name: m[1] as string,
    code: m[2] as string,
  }));
  assert.deepEqual(
    files.map((f) => f.name),
    ["lobby-chat.ts", "lobby-chat.test.ts"],
  );
  const dir = mkdtempSync(path.join(tmpdir(), "herald-docs-"));
  try {
    // Written as an app would have them, with the package's names pointed at the sources.
    const source = (name: string) => path.join(repo, (paths as Record<string, string[]>)[name]?.[0] ?? "");
    for (const { name, code } of files) {
      const resolved = code.replace(
        /from "(herald(?:\/\w+)?)"/g,
        (_m, spec: string) => `from ${JSON.stringify(source(spec))}`,
      );
      writeFileSync(path.join(dir, name), resolved);
    }
    const program = ts.createProgram(
      files.map((f) => path.join(dir, f.name)),
      {
        target: ts.ScriptTarget.ES2022,
        module: ts.ModuleKind.NodeNext,
        moduleResolution: ts.ModuleResolutionKind.NodeNext,
        lib: ["lib.es2022.d.ts", "lib.dom.d.ts"],
        types: ["node"],
        typeRoots: [path.join(repo, "node_modules", "@types")],
        strict: true,
        noUncheckedIndexedAccess: true,
        exactOptionalPropertyTypes: true,
        skipLibCheck: true,
        noEmit: true,
        allowImportingTsExtensions: true,
      },
    );
    const problems = ts
      .getPreEmitDiagnostics(program)
      .filter((d) => d.file?.fileName.startsWith(dir))
      .map(
        (d) =>
          `${path.basename(d.file?.fileName ?? "")}: ${ts.flattenDiagnosticMessageText(d.messageText, "\n")}`,
      );
    assert.deepEqual(problems, []);
    const run = spawnSync(
      process.execPath,
      ["--import", "tsx", "--test", "--test-reporter=spec", path.join(dir, "lobby-chat.test.ts")],
      // Without the parent's test context, the child reports as a test run of its own.
      { cwd: repo, encoding: "utf8", timeout: 60_000, env: { ...process.env, NODE_TEST_CONTEXT: undefined } },
    );
    assert.equal(run.status, 0, `the worked example's tests failed:\n${run.stdout}\n${run.stderr}`);
    assert.match(run.stdout, /pass 2/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
