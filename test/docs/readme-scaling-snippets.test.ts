import assert from "node:assert/strict";
import { test } from "node:test";
import { checkDocSnippets } from "../helpers/doc-snippets.js";

// The pages whose snippets no feature's own check covers: the README (its "A first look" also runs,
// in test/first-hour/) and docs/scaling.md. They compile against the sources with the strict options
// of test/helpers/doc-snippets.ts, exactOptionalPropertyTypes included, as an app with those set would.

test("every TypeScript snippet of README.md and docs/scaling.md type-checks against herald and herald/server", () => {
  const { count, problems } = checkDocSnippets({
    pages: ["README.md", "docs/scaling.md"],
    paths: { herald: ["src/index.ts"], "herald/server": ["src/server/index.ts"] },
  });
  assert.ok(count >= 3, `expected snippets in README.md and docs/scaling.md, found ${count}`);
  assert.deepEqual(problems, []);
});
