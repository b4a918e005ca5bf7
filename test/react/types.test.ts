import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import path from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import ts from "typescript";

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");
const fixture = path.join(repo, "test", "react", "fixtures", "usage.tsx");

test("wrong uses of the hooks fail to compile, right ones compile", () => {
  const config = ts.getParsedCommandLineOfConfigFile(
    path.join(repo, "tsconfig.json"),
    {},
    {
      ...ts.sys,
      onUnRecoverableConfigFileDiagnostic: (d) => {
        throw new Error(ts.flattenDiagnosticMessageText(d.messageText, "\n"));
      },
    },
  );
  assert.ok(config, "tsconfig.json not read");
  const program = ts.createProgram([fixture], { ...config.options, noEmit: true });
  const problems = ts
    .getPreEmitDiagnostics(program)
    .filter((d) => d.file?.fileName === fixture)
    .map((d) => {
      const line = d.file ? d.file.getLineAndCharacterOfPosition(d.start ?? 0).line + 1 : 0;
      return `usage.tsx:${line} ${ts.flattenDiagnosticMessageText(d.messageText, "\n")}`;
    });
  // An expected error that does not happen is itself an error (TS2578), so none at all means every
  // wrong use was refused and every right one accepted.
  assert.deepEqual(problems, []);
  const expected = readFileSync(fixture, "utf8").match(/@ts-expect-error/g)?.length ?? 0;
  assert.ok(expected >= 10, `expected the fixture to hold wrong uses, found ${expected}`);
});
