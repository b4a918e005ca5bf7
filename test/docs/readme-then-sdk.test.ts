import assert from "node:assert/strict";
import { test } from "node:test";
import type { Session, Socket } from "../../src/index.js";
import { startTestServer } from "../../src/testing/index.js";
import { docSnippets, runSnippet } from "../helpers/doc-snippets.js";

// A reader runs the README's "A first look", then the first snippet of docs/sdk.md, against the one
// server they started (which keeps its users). A username belongs to one user: had the two pages
// signed "ada" in with different device ids, the second would be refused with already_exists.

/** The snippet of `page` holding `line`. */
function snippet(page: string, line: string) {
  const found = docSnippets(page).filter((s) => s.code.includes(line));
  assert.equal(found.length, 1, `${page} should have one snippet holding ${line}`);
  return found[0] as (typeof found)[number];
}

test("the README's first look and docs/sdk.md's first snippet run one after the other on one server", async () => {
  await using server = await startTestServer();
  const onTestServer = (code: string) => code.replace("port: 7350", `port: ${server.port}`);
  const log = console.log;
  console.log = () => {};
  try {
    await runSnippet(snippet("README.md", "Ada follows Bob"), onTestServer);
  } finally {
    console.log = log;
  }
  const { session, socket } = (await runSnippet(
    snippet("docs/sdk.md", 'const client = new Client({ host: "127.0.0.1", port: 7350'),
    onTestServer,
  )) as { session: Session; socket: Socket };
  assert.equal(session.username, "ada");
  assert.equal(session.created, false, "docs/sdk.md should sign in the README's ada again");
  await socket.disconnect();
});
