import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import path from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import ts from "typescript";

// The server docs' TypeScript snippets compile against the server's sources, so an option or hook
// renamed in code breaks this test instead of misleading readers.

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const pages = ["docs/server.md", "docs/hooks.md"];

test("every TypeScript snippet in the server docs type-checks against herald/server", () => {
  const dir = path.join(repo, "test", "server", "__snippets__");
  const files = new Map<string, string>();
  for (const page of pages) {
    const text = readFileSync(path.join(repo, page), "utf8");
    const fence = /```ts\n([\s\S]*?)```/g;
    for (let m = fence.exec(text); m; m = fence.exec(text)) {
      const line = text.slice(0, m.index).split("\n").length;
      files.set(path.join(dir, `${page.replace(/[/.]/g, "_")}_line${line}.ts`), `${m[1]}\nexport {};\n`);
    }
  }
  assert.ok(files.size >= 2, `expected snippets in the server docs, found ${files.size}`);
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
    paths: { "herald/server": ["src/server/index.ts"] },
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
