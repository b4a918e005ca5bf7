import assert from "node:assert/strict";
import { test } from "node:test";
import { checkDocSnippets } from "../helpers/doc-snippets.js";

// The server docs' snippets compile against the server's sources (see test/helpers/doc-snippets.ts).

test("every TypeScript snippet in the server docs type-checks against herald/server", () => {
  const { count, problems } = checkDocSnippets({
    pages: ["docs/server.md", "docs/hooks.md"],
    paths: { "herald/server": ["src/server/index.ts"] },
  });
  assert.ok(count >= 2, `expected snippets in the server docs, found ${count}`);
  assert.deepEqual(problems, []);
});
