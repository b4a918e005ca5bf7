// Docs' TypeScript snippets are compiled against the sources, so a renamed method or a changed
// shape breaks a test rather than the docs' readers: each page's ```ts fences become files of an
// in-memory program, with an optional ambient file declaring what a reader has at hand by then.
// `runSnippet` also runs one, as a module, for tests that check it does what its page says.
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { test } from "node:test";
import { fileURLToPath, pathToFileURL } from "node:url";
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

/** One fenced TypeScript snippet of a docs page. */
export interface DocSnippet {
  page: string;
  /** The line of the opening fence. */
  line: number;
  lang: "ts" | "tsx";
  code: string;
}

/** The ```ts and ```tsx snippets of a page, in order. */
export function docSnippets(page: string): DocSnippet[] {
  const text = readFileSync(path.join(repo, page), "utf8");
  const out: DocSnippet[] = [];
  const fence = /```(tsx?)\n([\s\S]*?)```/g;
  for (let m = fence.exec(text); m; m = fence.exec(text)) {
    const line = text.slice(0, m.index).split("\n").length;
    out.push({ page, line, lang: m[1] as "ts" | "tsx", code: m[2] ?? "" });
  }
  return out;
}

/**
 * The snippets of `page`, each paired with the one check of `checks` whose key line it holds; also
 * registers a test that every snippet has exactly one check and every check a snippet, so that a
 * snippet added to the page without a check (or a check left after its snippet went) fails.
 */
export function pairedSnippets<C>(
  page: string,
  checks: readonly (readonly [line: string, check: C])[],
): { snippets: DocSnippet[]; checkOf(snippet: DocSnippet): C; nameOf(snippet: DocSnippet): string } {
  const snippets = docSnippets(page);
  const pairOf = (snippet: DocSnippet) => {
    const found = checks.filter(([line]) => snippet.code.includes(line));
    assert.equal(found.length, 1, `${page}:${snippet.line} needs exactly one check, has ${found.length}`);
    return found[0] as readonly [string, C];
  };
  test(`every snippet of ${page} has a check, and every check a snippet`, () => {
    for (const s of snippets) pairOf(s);
    for (const [line] of checks)
      assert.ok(
        snippets.some((s) => s.code.includes(line)),
        `no snippet holds ${line}`,
      );
  });
  return {
    snippets,
    checkOf: (snippet) => pairOf(snippet)[1],
    nameOf: (snippet) => checks.find(([line]) => snippet.code.includes(line))?.[0] ?? "?",
  };
}

/** Where a snippet's imports of the package go when it runs: the sources. */
const entryPoints: Record<string, string> = {
  herald: "src/index.ts",
  "herald/react": "src/react/index.ts",
  "herald/protobuf": "src/protobuf.ts",
  "herald/resilience": "src/resilience/index.ts",
};

/** What a snippet left behind: its exports and its top-level names (constants, functions). */
export type SnippetScope = Record<string, unknown>;

/** Names a module declares at its top level, except those it exports itself. */
function topLevelNames(code: string, lang: "ts" | "tsx"): string[] {
  const kind = lang === "tsx" ? ts.ScriptKind.TSX : ts.ScriptKind.TS;
  const file = ts.createSourceFile(`snippet.${lang}`, code, ts.ScriptTarget.ES2022, false, kind);
  const names: string[] = [];
  const bind = (name: ts.BindingName) => {
    if (ts.isIdentifier(name)) names.push(name.text);
    else for (const e of name.elements) if (!ts.isOmittedExpression(e)) bind(e.name);
  };
  for (const s of file.statements) {
    const exported =
      ts.canHaveModifiers(s) && ts.getModifiers(s)?.some((m) => m.kind === ts.SyntaxKind.ExportKeyword);
    if (exported) continue;
    if (ts.isVariableStatement(s)) for (const d of s.declarationList.declarations) bind(d.name);
    else if ((ts.isFunctionDeclaration(s) || ts.isClassDeclaration(s)) && s.name) names.push(s.name.text);
  }
  return names;
}

/**
 * Runs a snippet as a module, as written but for two things a reader's set-up decides: the
 * package's entry points resolve to the sources, and `rewrite` (e.g. the server's port) is
 * applied. Names it uses without declaring must be on `globalThis` already. Resolves, once the
 * module has run (top-level awaits included), with its exports and top-level names.
 */
export async function runSnippet(
  snippet: DocSnippet,
  rewrite: (code: string) => string = (code) => code,
): Promise<SnippetScope> {
  let code = rewrite(snippet.code);
  code = code.replace(/(from\s+)"(herald(?:\/[a-z]+)?)"/g, (all, from: string, name: string) => {
    const target = entryPoints[name];
    return target ? `${from}${JSON.stringify(path.join(repo, target))}` : all;
  });
  const names = topLevelNames(code, snippet.lang);
  code += `\nexport const __scope = { ${names.join(", ")} };\n`;
  // Inside the repository, in a folder its tsconfig includes, so that its JSX setting and its
  // node_modules (react) apply.
  const dir = mkdtempSync(path.join(repo, "test", "__snippet-"));
  const file = path.join(dir, `${snippet.page.replace(/[/.]/g, "_")}_line${snippet.line}.${snippet.lang}`);
  writeFileSync(file, code);
  try {
    const mod = (await import(pathToFileURL(file).href)) as Record<string, unknown>;
    return { ...(mod.__scope as SnippetScope), ...mod };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
