import assert from "node:assert/strict";
import { test } from "node:test";
import { checkDocSnippets } from "../helpers/doc-snippets.js";

// The snippets of docs/resilience.md compile against the sources (see test/helpers/doc-snippets.ts).

// What an app has at hand by the time it reads this page.
const ambient = `
import type * as H from "herald";
declare global {
  const client: H.Client;
  const session: H.Session;
  /** The socket the page creates first. */
  const socket: H.Socket;
  function render(message: H.ChannelMessage, options: { missed: boolean }): void;
  function refreshFriendList(presences: H.UserPresence[]): void;
}
export {};
`;

test("every TypeScript snippet of the resilience docs type-checks against the SDK", () => {
  const { count, problems } = checkDocSnippets({
    pages: ["docs/resilience.md"],
    paths: { herald: ["src/index.ts"], "herald/resilience": ["src/resilience/index.ts"] },
    ambient,
  });
  assert.ok(count >= 3, `expected the page to hold snippets, found ${count}`);
  assert.deepEqual(problems, []);
});
