// First: react-dom must find the DOM when it loads.

import assert from "node:assert/strict";
import { type TestContext, test } from "node:test";
import { createElement as h, type ReactNode } from "react";
import { ChannelType, Client, type Session } from "../../src/index.js";
import { type ChannelResult, useChannel, useConnectionState } from "../../src/react/index.js";
import { pairedSnippets, runSnippet, type SnippetScope } from "../helpers/doc-snippets.js";
import { serverWithClient, uniqueName } from "../helpers/server.js";
import { type ServerMode, serverModes } from "../helpers/server-modes.js";
import { type Mounted, mount, until } from "../react/dom.js";
import { win } from "../react/dom-globals.js";
import { App } from "../react/probe.js";
import { tracking } from "../react/tracking.js";

// Every snippet of docs/react.md runs: its components render (in strict mode) against the bundled
// server, in both of its modes, and show what the page says. The docs' address (127.0.0.1:7350)
// is the test server's; names a snippet uses without declaring are what a reader has at hand.

const PAGE = "docs/react.md";

interface World {
  t: TestContext;
  mode: ServerMode;
  client: Client;
  signIn(name: string): Promise<Session>;
  run(): Promise<SnippetScope>;
  /** Renders `node` and unmounts it when the test ends. */
  show(node: ReactNode): Mounted;
  ambient(values: Record<string, unknown>): void;
}

type Check = (w: World) => Promise<void>;
type Component<P = Record<string, never>> = (props: P) => ReactNode;

/** Clicks the button reading `label`. */
function click(view: Mounted, label: string): void {
  const button = Array.from(view.container.querySelectorAll("button")).find((b) => b.textContent === label);
  assert.ok(button, `a "${label}" button in: ${view.container.textContent}`);
  button.click();
}

/** Writes `count` messages `{ text: "mN" }` into a room as another user. */
async function fill(w: World, room: string, count: number): Promise<void> {
  const socket = w.client.createSocket({ reconnect: false });
  await socket.connect(await w.signIn("bob"));
  const { id } = await socket.joinChat(room, ChannelType.Room);
  for (let n = 1; n <= count; n++) await socket.writeChatMessage(id, { text: `m${n}` });
  await socket.disconnect();
}

const checks: [string, Check][] = [
  [
    "export function Root()",
    async (w) => {
      const seen: string[] = [];
      w.ambient({
        deviceId: `device-${uniqueName()}`,
        App: () => {
          seen.push(useConnectionState());
          return null;
        },
      });
      const { Root } = (await w.run()) as { Root: Component };
      w.show(h(Root));
      await until("the provider's socket to open", () => seen.at(-1) === "open");
    },
  ],
  [
    "function ConnectError()",
    async (w) => {
      const { Banner, ConnectError } = (await w.run()) as { Banner: Component; ConnectError: Component };
      const ada = await w.signIn("ada");
      const live = w.show(h(App, { client: w.client, session: ada }, h(Banner), h(ConnectError)));
      assert.equal(live.container.textContent, "", "nothing before the first render's effects");
      // Every text the banner shows, however briefly: on a quick machine the socket can open
      // between two polls, and "connecting" would be missed.
      const shown: string[] = [];
      const observer = new win.MutationObserver(() => shown.push(live.container.textContent ?? ""));
      // The container is happy-dom's, typed as the DOM library's element.
      observer.observe(live.container as unknown as Parameters<typeof observer.observe>[0], {
        childList: true,
        subtree: true,
        characterData: true,
      });
      await until("the banner to say connecting", () => shown.includes("connecting"));
      await until("the banner to go once open", () => live.container.textContent === "");
      observer.disconnect();
      // A server that cannot be reached: the error shows, and "Try again" tries again.
      const dead = w.show(h(App, { client: new Client({ port: 1 }), session: ada }, h(ConnectError)));
      await until(
        "the connect error",
        () => dead.container.textContent === "Cannot connect (disconnected). Try again",
      );
      click(dead, "Try again");
      await until("the error again", () => dead.container.textContent?.startsWith("Cannot connect"));
    },
  ],
  [
    "function FriendList(",
    async (w) => {
      const { FriendList, FriendStatus } = (await w.run()) as {
        FriendList: Component<{ friendIds: string[] }>;
        FriendStatus: Component<{ friendId: string }>;
      };
      const [ada, bob] = await Promise.all([w.signIn("ada"), w.signIn("bob")]);
      const bobSocket = w.client.createSocket({ reconnect: false });
      await bobSocket.connect(bob, { appearOnline: true });
      await bobSocket.updateStatus("Playing");
      const view = w.show(
        h(
          App,
          { client: w.client, session: ada },
          h(FriendList, { friendIds: [bob.userId] }),
          h(FriendStatus, { friendId: bob.userId }),
        ),
      );
      await until("bob playing", () => view.container.textContent === `${bob.username}: PlayingPlaying`);
      await bobSocket.disconnect();
      // herald's server knows when bob was last active; stock Nakama does not.
      const lastSeen = w.mode.name === "herald" ? /last seen \d/ : /last seen never/;
      await until("bob offline", () => {
        const text = view.container.textContent ?? "";
        return text.endsWith("offline") && lastSeen.test(text);
      });
    },
  ],
  [
    "function NewMessages(",
    async (w) => {
      const { NewMessages } = (await w.run()) as { NewMessages: Component<{ name: string }> };
      const room = uniqueName("room");
      const ada = await w.signIn("ada");
      const Visible = () => {
        useChannel(room, ChannelType.Room);
        return null;
      };
      const view = w.show(
        h(App, { client: w.client, session: ada }, h(Visible), h(NewMessages, { name: room })),
      );
      await until("the conflict shown", () => view.container.textContent?.startsWith("useChannel: channel"));
      assert.match(
        view.container.textContent ?? "",
        /in use by another component with hidden: false; this one asks for hidden: true\. /,
      );
    },
  ],
  [
    "function Room(",
    async (w) => {
      const { Room } = (await w.run()) as { Room: Component<{ name: string }> };
      const room = uniqueName("room");
      await fill(w, room, 35);
      const ada = await w.signIn("ada");
      const view = w.show(h(App, { client: w.client, session: ada }, h(Room, { name: room })));
      const lines = () => Array.from(view.container.querySelectorAll("p")).map((p) => p.textContent);
      await until("the newest 30", () => lines().length === 30);
      assert.equal(view.container.querySelector("h2")?.textContent, `#${room}: 1 here`);
      assert.match(lines()[0] ?? "", /: m6$/);
      click(view, "Older messages");
      await until("all 35", () => lines().length === 35);
      assert.match(lines()[0] ?? "", /: m1$/);
      click(view, "Say hello");
      await until("ada's hello", () => lines().at(-1) === `${ada.username}: hello`);
    },
  ],
  [
    "function OlderMessages(",
    async (w) => {
      const { OlderMessages } = (await w.run()) as { OlderMessages: Component<{ chat: ChannelResult }> };
      const room = uniqueName("room");
      await fill(w, room, 101);
      const ada = await w.signIn("ada");
      const Chat = () => h(OlderMessages, { chat: useChannel(room, ChannelType.Room) });
      const view = w.show(h(App, { client: w.client, session: ada }, h(Chat)));
      await until("the button", () => view.container.textContent === "Older messages");
      const end =
        w.mode.name === "herald"
          ? "This is the start of the conversation."
          : "Older messages are not available on this server.";
      // Fifty a page: on herald's server three pages reach the first message; stock Nakama
      // gives the newest 100 and no further.
      for (let i = 0; i < 5 && view.container.textContent !== end; i++) {
        await until("a page read", () => !view.container.querySelector("button")?.disabled);
        if (view.container.textContent === "Older messages") click(view, "Older messages");
        await new Promise((r) => setTimeout(r, 100));
      }
      await until(end, () => view.container.textContent === end);
    },
  ],
  [
    "function Toasts(",
    async (w) => {
      const { Toasts } = (await w.run()) as { Toasts: Component<{ show: (text: string) => void }> };
      const ada = await w.signIn("ada");
      const shown: string[] = [];
      const track = tracking({ resilient: true });
      const warn = w.t.mock.method(console, "warn", () => {});
      let status = "";
      const room = uniqueName("room");
      const InRoom = () => {
        status = useChannel(room, ChannelType.Room).status;
        return null;
      };
      w.show(
        h(
          App,
          { client: w.client, session: ada, createSocket: track.createSocket },
          h(Toasts, { show: (text: string) => shown.push(text) }),
          h(InRoom),
        ),
      );
      await until("the room joined", () => status === "joined");
      track.cut();
      await until("the toast", () => shown.includes("back online, 1 channels restored"));
      assert.equal(warn.mock.callCount(), 0, "no error event on a clean reconnection");
    },
  ],
  [
    "function Profile()",
    async (w) => {
      const { Profile } = (await w.run()) as { Profile: Component };
      const [ada, bob] = await Promise.all([w.signIn("ada"), w.signIn("bob")]);
      const grace = await w.client.authenticateDevice({ id: `device-${uniqueName()}`, username: "grace" });
      const bobSocket = w.client.createSocket({ reconnect: false });
      await bobSocket.connect(bob);
      w.t.after(() => bobSocket.disconnect());
      const statuses: string[] = [];
      bobSocket.onStatusPresence(({ joins }) => {
        for (const j of joins) statuses.push(j.status ?? "");
      });
      await bobSocket.followUsers([ada.userId]);
      let state = "";
      const State = () => {
        state = useConnectionState();
        return null;
      };
      const view = w.show(h(App, { client: w.client, session: ada }, h(Profile), h(State)));
      await until("ada's socket open", () => state === "open");
      click(view, "Away");
      await until("bob to see ada away", () => statuses.includes("Away"));
      click(view, "Add Grace");
      for (let i = 0; i < 100; i++) {
        const { friends } = await w.client.listFriends(ada);
        if (friends.some((f) => f.user?.id === grace.userId)) return;
        await new Promise((r) => setTimeout(r, 20));
      }
      assert.fail("grace was never invited");
    },
  ],
];

const { snippets, checkOf, nameOf } = pairedSnippets(PAGE, checks);

for (const mode of serverModes) {
  for (const snippet of snippets) {
    const name = nameOf(snippet);
    test(`${PAGE}:${snippet.line} runs as written (${mode.name} server): ${name}`, async (t) => {
      const check = checkOf(snippet);
      const { server, client, signIn } = await serverWithClient(t, mode.options);
      const globals = globalThis as Record<string, unknown>;
      const set = new Set<string>();
      t.after(() => {
        for (const n of set) delete globals[n];
      });
      const views: Mounted[] = [];
      t.after(() => {
        for (const v of views) v.unmount();
      });
      await check({
        t,
        mode,
        client,
        signIn,
        run: () => runSnippet(snippet, (code) => code.replaceAll("port: 7350", `port: ${server.port}`)),
        show(node) {
          const view = mount(node);
          views.push(view);
          return view;
        },
        ambient(values) {
          for (const [n, value] of Object.entries(values)) {
            set.add(n);
            globals[n] = value;
          }
        },
      });
    });
  }
}
