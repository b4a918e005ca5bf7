// Docs' TypeScript snippets are compiled against the sources, so a renamed method or a changed
// shape breaks a test rather than the docs' readers. Each page's ```ts fences become files of an
// in-memory program, with an optional ambient file declaring what a reader has at hand by then.
import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import ts from "typescript";

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

export interface DocSnippetCheck {
  /** Markdown pages, relative to the repository. */
  pages: string[];
  /** Module names the snippets import, mapped to source files (e.g. `herald` -> src/index.ts). */
  paths: Record<string, string[]>;
  /** Declarations the snippets use without declaring them. */
  ambient?: string;
}

/** Type-checks every snippet of the pages; returns how many there were and each problem found. */
export function checkDocSnippets(check: DocSnippetCheck): { count: number; problems: string[] } {
  const dir = path.join(repo, "test", "__snippets__");
  const files = new Map<string, string>();
  if (check.ambient) files.set(path.join(dir, "ambient.ts"), check.ambient);
  let count = 0;
  for (const page of check.pages) {
    const text = readFileSync(path.join(repo, page), "utf8");
    // ```tsx fences hold JSX (React pages) and compile as .tsx files.
    const fence = /```(tsx?)\n([\s\S]*?)```/g;
    for (let m = fence.exec(text); m; m = fence.exec(text)) {
      const line = text.slice(0, m.index).split("\n").length;
      const file = `${page.replace(/[/.]/g, "_")}_line${line}.${m[1]}`;
      files.set(path.join(dir, file), `${m[2]}\nexport {};\n`);
      count++;
    }
  }
  const options: ts.CompilerOptions = {
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.ESNext,
    moduleResolution: ts.ModuleResolutionKind.Bundler,
    lib: ["lib.es2022.d.ts", "lib.dom.d.ts"],
    jsx: ts.JsxEmit.ReactJSX,
    types: ["node"],
    strict: true,
    noUncheckedIndexedAccess: true,
    exactOptionalPropertyTypes: true,
    skipLibCheck: true,
    noEmit: true,
    baseUrl: repo,
    paths: check.paths,
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
  return { count, problems };
}
