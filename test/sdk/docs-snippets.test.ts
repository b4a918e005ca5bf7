import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import path from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import ts from "typescript";

// The TypeScript snippets of the SDK's docs are compiled against the SDK's sources, so a renamed
// method or a changed shape breaks this test rather than the docs' readers.

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const pages = ["docs/sdk.md", "docs/status.md", "docs/chat.md", "docs/history.md"];

// Names the snippets use without declaring: what an app would have at hand by then.
const ambient = `
import type * as H from "herald";
declare global {
  const Client: typeof H.Client;
  type Client = H.Client;
  const Session: typeof H.Session;
  type Session = H.Session;
  const HeraldError: typeof H.HeraldError;
  const ChannelType: typeof H.ChannelType;
  const ChannelMessageCode: typeof H.ChannelMessageCode;
  const NotificationCode: typeof H.NotificationCode;
  const FriendState: typeof H.FriendState;
  const client: H.Client;
  const session: H.Session;
  const socket: H.Socket;
  const friendId: string;
  const channelId: string;
  const room: H.Channel;
  const ack: H.ChannelMessageAck;
}
export {};
`;

function snippets(page: string): { name: string; code: string }[] {
  const text = readFileSync(path.join(repo, page), "utf8");
  const found: { name: string; code: string }[] = [];
  const fence = /```ts\n([\s\S]*?)```/g;
  for (let m = fence.exec(text); m; m = fence.exec(text)) {
    const line = text.slice(0, m.index).split("\n").length;
    found.push({ name: `${page.replace(/[/.]/g, "_")}_line${line}.ts`, code: `${m[1]}\nexport {};\n` });
  }
  return found;
}

test("every TypeScript snippet in the SDK docs type-checks against the SDK", () => {
  const dir = path.join(repo, "test", "sdk", "__snippets__");
  const files = new Map<string, string>([[path.join(dir, "ambient.ts"), ambient]]);
  let count = 0;
  for (const page of pages) {
    for (const { name, code } of snippets(page)) {
      files.set(path.join(dir, name), code);
      count++;
    }
  }
  assert.ok(count > 30, `expected the docs to hold snippets, found ${count}`);
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
    allowImportingTsExtensions: false,
    baseUrl: repo,
    paths: { herald: ["src/index.ts"], "herald/protobuf": ["src/protobuf.ts"] },
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
