import assert from "node:assert/strict";
import { test } from "node:test";
import { checkDocSnippets } from "../helpers/doc-snippets.js";

// The snippets of docs/react.md compile against the sources (see test/helpers/doc-snippets.ts);
// test/docs/react-snippets.test.ts runs them.

// What an app has at hand by the time it reads this page.
const ambient = `
import type { ReactNode } from "react";
declare global {
  const deviceId: string;
  function App(): ReactNode;
}
export {};
`;

test("every TypeScript snippet of the React docs type-checks against the SDK", () => {
  const { count, problems } = checkDocSnippets({
    pages: ["docs/react.md"],
    paths: {
      herald: ["src/index.ts"],
      "herald/react": ["src/react/index.ts"],
      "herald/resilience": ["src/resilience/index.ts"],
    },
    ambient,
  });
  assert.ok(count >= 6, `expected the page to hold snippets, found ${count}`);
  assert.deepEqual(problems, []);
});
