import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import path from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import ts from "typescript";

// The snippets of docs/resilience.md are compiled against the SDK's sources, so a renamed method
// or a changed shape breaks this test rather than the page's readers.

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const page = "docs/resilience.md";

// What an app has at hand by the time it reads this page.
const ambient = `
import type * as H from "herald";
import type * as R from "herald/resilience";
declare global {
  const client: H.Client;
  const session: H.Session;
  /** The socket the page creates first. */
  const socket: R.ResilientSocket;
  function render(message: H.ChannelMessage, options: { missed: boolean }): void;
  function refreshFriendList(presences: H.UserPresence[]): void;
}
export {};
`;

test("every TypeScript snippet of the resilience docs type-checks against the SDK", () => {
  const dir = path.join(repo, "test", "resilience", "__snippets__");
  const files = new Map<string, string>([[path.join(dir, "ambient.ts"), ambient]]);
  const text = readFileSync(path.join(repo, page), "utf8");
  const fence = /```ts\n([\s\S]*?)```/g;
  for (let m = fence.exec(text); m; m = fence.exec(text)) {
    const line = text.slice(0, m.index).split("\n").length;
    files.set(path.join(dir, `resilience_line${line}.ts`), `${m[1]}\nexport {};\n`);
  }
  assert.ok(files.size > 3, `expected the page to hold snippets, found ${files.size - 1}`);
  const options: ts.CompilerOptions = {
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.ESNext,
    moduleResolution: ts.ModuleResolutionKind.Bundler,
    lib: ["lib.es2022.d.ts", "lib.dom.d.ts"],
    types: ["node"],
    strict: true,
    noUncheckedIndexedAccess: true,
    exactOptionalPropertyTypes: true,
    skipLibCheck: true,
    noEmit: true,
    baseUrl: repo,
    paths: { herald: ["src/index.ts"], "herald/resilience": ["src/resilience/index.ts"] },
  };
  const host = ts.createCompilerHost(options);
  const { getSourceFile, fileExists, readFile } = host;
  host.fileExists = (f) => files.has(f) || fileExists.call(host, f);
  host.readFile = (f) => files.get(f) ?? readFile.call(host, f);
  host.getSourceFile = (f, lang, ...rest) => {
    const code = files.get(f);
    return code === undefined
      ? getSourceFile.call(host, f, lang, ...rest)
      : ts.createSourceFile(f, code, lang);
  };
  const program = ts.createProgram([...files.keys()], options, host);
  const problems = ts
    .getPreEmitDiagnostics(program)
    .filter((d) => d.file === undefined || files.has(d.file.fileName))
    .map((d) => {
      const where = d.file
        ? `${path.basename(d.file.fileName)}:${d.file.getLineAndCharacterOfPosition(d.start ?? 0).line + 1}`
        : "";
      return `${where} ${ts.flattenDiagnosticMessageText(d.messageText, "\n")}`;
    });
  assert.deepEqual(problems, []);
});
