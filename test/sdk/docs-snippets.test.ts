import assert from "node:assert/strict";
import { test } from "node:test";
import { checkDocSnippets } from "../helpers/doc-snippets.js";

// The snippets of the SDK's docs compile against the sources (see test/helpers/doc-snippets.ts);
// test/docs/sdk-snippets.test.ts runs those of docs/sdk.md.

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

test("every TypeScript snippet in the SDK docs type-checks against the SDK", () => {
  const { count, problems } = checkDocSnippets({
    pages: ["docs/sdk.md", "docs/status.md", "docs/chat.md", "docs/history.md"],
    paths: { herald: ["src/index.ts"], "herald/protobuf": ["src/protobuf.ts"] },
    ambient,
  });
  assert.ok(count > 30, `expected the docs to hold snippets, found ${count}`);
  assert.deepEqual(problems, []);
});
