import assert from "node:assert/strict";
import { test } from "node:test";
import { checkDocSnippets } from "../helpers/doc-snippets.js";

// The snippets of docs/presence.md compile against the sources (see test/helpers/doc-snippets.ts).

// What an app has at hand by the time it reads this page.
const ambient = `
import type * as H from "herald";
import type * as P from "herald/presence";
declare global {
  const client: H.Client;
  const session: H.Session;
  const socket: H.Socket;
  const friendId: string;
  const PresenceStore: typeof P.PresenceStore;
  /** The store the page creates in "Listen to presence changes". */
  const presence: P.PresenceStore;
}
export {};
`;

test("every TypeScript snippet of the presence docs type-checks against the SDK", () => {
  const { count, problems } = checkDocSnippets({
    pages: ["docs/presence.md"],
    paths: { herald: ["src/index.ts"], "herald/presence": ["src/presence/index.ts"] },
    ambient,
  });
  assert.ok(count >= 10, `expected the page to hold snippets, found ${count}`);
  assert.deepEqual(problems, []);
});
