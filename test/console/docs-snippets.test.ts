import assert from "node:assert/strict";
import { test } from "node:test";
import { checkDocSnippets } from "../helpers/doc-snippets.js";

test("every TypeScript snippet of the console docs type-checks against herald/server", () => {
  const { count, problems } = checkDocSnippets({
    pages: ["docs/console.md"],
    paths: { "herald/server": ["src/server/index.ts"] },
  });
  assert.ok(count >= 1, `expected snippets in docs/console.md, found ${count}`);
  assert.deepEqual(problems, []);
});
