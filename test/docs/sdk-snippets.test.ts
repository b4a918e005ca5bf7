import assert from "node:assert/strict";
import { type TestContext, test } from "node:test";
import { ChannelType, Client, HeraldError, Session, type Socket } from "../../src/index.js";
import { nextEvent } from "../../src/testing/wait-for.js";
import { pairedSnippets, runSnippet, type SnippetScope } from "../helpers/doc-snippets.js";
import { serverWithClient } from "../helpers/server.js";
import { bundledOnly, type ServerMode, serverModes } from "../helpers/server-modes.js";

// Every snippet of docs/sdk.md runs against the bundled server, in both of its modes, and does
// what the page says. The snippets use the docs' address (127.0.0.1:7350): the test server's port
// stands in for 7350. Names a snippet uses without declaring (`client`, `session`, `socket`,
// `channelId`, `friendId`) are what a reader has at hand by then, set up fresh for each snippet.

const PAGE = "docs/sdk.md";

interface World {
  t: TestContext;
  mode: ServerMode;
  port: number;
  client: Client;
  /** Signs a new user in. */
  signIn(name: string): Promise<Session>;
  /** What the snippet printed with console.log, one array of arguments per call. */
  logs: unknown[][];
  /** Sets the names the snippet reads from the global scope. */
  ambient(values: Record<string, unknown>): void;
  /** Runs the snippet (its address rewritten to the test server). */
  run(): Promise<SnippetScope>;
  /** A socket of `session` connected and in a new room: its id. */
  inRoom(session: Session): Promise<{ socket: Socket; channelId: string }>;
}

type Check = (w: World) => Promise<void>;

const texts = async (w: World, session: Session, channelId: string) =>
  (await w.client.listChannelMessages(session, channelId, { limit: 100, forward: true })).messages.map(
    (m) => (m.content as { text?: string }).text,
  );

/** Each snippet, found by a line it holds, with what running it must do. */
const checks: [string, Check][] = [
  [
    'const client = new Client({ host: "127.0.0.1", port: 7350',
    async (w) => {
      const { session, socket } = (await w.run()) as { session: Session; socket: Socket };
      assert.equal(session.username, "ada");
      assert.equal(socket.state, "open");
      await socket.disconnect();
    },
  ],
  [
    "const byDevice = await client.authenticateDevice",
    async (w) => {
      w.ambient({ client: w.client });
      const scope = await w.run();
      const byDevice = scope.byDevice as Session;
      assert.equal(byDevice.username, "ada");
      assert.ok((scope.byCustom as Session).userId);
      assert.notEqual((scope.byEmail as Session).userId, byDevice.userId);
      assert.deepEqual(w.logs, [[byDevice.userId, "ada", byDevice.created, byDevice.expiresAt]]);
      assert.ok(byDevice.expiresAt instanceof Date);
    },
  ],
  [
    'localStorage.setItem("tokens"',
    async (w) => {
      const session = await w.signIn("ada");
      const stored = new Map<string, string>();
      w.ambient({
        session,
        localStorage: {
          setItem: (k: string, v: string) => stored.set(k, v),
          getItem: (k: string) => stored.get(k) ?? null,
        },
      });
      const { restored } = (await w.run()) as { restored: Session };
      assert.equal(restored.userId, session.userId);
      assert.equal(restored.token, session.token);
      assert.equal(restored.isExpired(), false);
      // The restored session works as the original does.
      assert.equal((await w.client.getAccount(restored)).user?.id, session.userId);
    },
  ],
  [
    "await client.sessionRefresh(session);",
    async (w) => {
      const session = await w.signIn("ada");
      w.ambient({ client: w.client, session });
      await w.run();
      // Logged out: the refresh token is refused.
      await assert.rejects(w.client.sessionRefresh(session), (e: unknown) =>
        HeraldError.is(e, "unauthenticated"),
      );
    },
  ],
  [
    'await socket.connect(session, { appearOnline: false, lang: "en"',
    async (w) => {
      const session = await w.signIn("ada");
      const socket = w.client.createSocket();
      w.ambient({ session, socket });
      await w.run();
      assert.deepEqual(w.logs, [["open"], ["open -> closed"]], "a requested disconnect logs no loss");
      assert.equal(socket.state, "closed");
    },
  ],
  [
    'const off = socket.on("channelMessage"',
    async (w) => {
      const ada = await w.signIn("ada");
      const { socket, channelId } = await w.inRoom(ada);
      w.ambient({ socket });
      await w.run();
      // `off()` removed the message listener; the presence listener stays.
      const bob = await w.signIn("bob");
      const bobSocket = w.client.createSocket();
      await bobSocket.connect(bob);
      w.t.after(() => bobSocket.disconnect());
      const channel = await bobSocket.joinChat(channelId.split(".")[3] ?? "", ChannelType.Room);
      // The push reaches ada's socket a moment after bob's ack: checked once a listener of the
      // test's own has it (the removed one would have been called in the same turn).
      const delivered = nextEvent(socket, "channelMessage", {
        match: (m) => JSON.stringify(m.content).includes("after off"),
      });
      await bobSocket.writeChatMessage(channel.id, { text: "after off" });
      await waitFor("the presence log", () => w.logs.some((l) => l[0] === channelId));
      await delivered;
      assert.ok(
        !w.logs.some((l) => JSON.stringify(l).includes("after off")),
        "the removed listener stays quiet",
      );
    },
  ],
  [
    "for await (const message of socket.events",
    async (w) => {
      const ada = await w.signIn("ada");
      const { socket, channelId } = await w.inRoom(ada);
      w.ambient({ socket });
      const ran = w.run();
      let done = false;
      void ran.finally(() => {
        done = true;
      });
      // The loop ends at "bye", whenever it started listening.
      for (let i = 0; !done && i < 200; i++) {
        await socket.writeChatMessage(channelId, { text: i % 2 ? "bye" : "hi" });
        await new Promise((r) => setTimeout(r, 25));
      }
      await ran;
      assert.ok(done);
    },
  ],
  [
    'await socket.writeChatMessage(channelId, { text: "hi" });',
    async (w) => {
      const ada = await w.signIn("ada");
      const { socket, channelId } = await w.inRoom(ada);
      w.ambient({ socket, channelId });
      await w.run();
      assert.deepEqual(await texts(w, ada, channelId), ["hi"]);
      // Refused: a channel never joined.
      w.ambient({ channelId: "2...not-joined" });
      await w.run();
      assert.equal(w.logs.at(-1)?.[0], "refused:");
    },
  ],
  [
    "const page = client.listChannelMessages(session, channelId, { limit: 20, signal",
    async (w) => {
      const ada = await w.signIn("ada");
      const { socket, channelId } = await w.inRoom(ada);
      w.ambient({ client: w.client, session: ada, socket, channelId });
      await w.run();
      assert.deepEqual(w.logs, [[true]], "the aborted page rejected with `aborted`");
    },
  ],
  [
    "const custom = new Client({ fetch",
    async (w) => {
      const { custom, customSocket } = (await w.run()) as { custom: Client; customSocket: Socket };
      assert.ok(custom instanceof Client);
      assert.equal(customSocket.state, "closed");
    },
  ],
  [
    "const binarySocket = client.createSocket({ codec: protobufCodec });",
    async (w) => {
      w.ambient({ client: w.client });
      const { binarySocket } = (await w.run()) as { binarySocket: Socket };
      await binarySocket.connect(await w.signIn("ada"));
      assert.equal(binarySocket.state, "open");
      await binarySocket.disconnect();
    },
  ],
  [
    "const { server, extensions } = await client.capabilities();",
    async (w) => {
      const ada = await w.signIn("ada");
      const { socket, channelId } = await w.inRoom(ada);
      w.ambient({ client: w.client, socket, channelId });
      await w.run();
      const herald = w.mode.name === "herald";
      assert.deepEqual(w.logs, [[herald ? "herald" : ""]]);
      assert.deepEqual(await texts(w, ada, channelId), herald ? ["once"] : []);
    },
  ],
  [
    "const { users } = await client.getUsers(session, { ids: [friendId] });",
    async (w) => {
      const [ada, bob] = await Promise.all([w.signIn("ada"), w.signIn("bob")]);
      w.ambient({ client: w.client, session: ada, friendId: bob.userId });
      await w.run();
      const [online, members] = w.logs[0] ?? [];
      assert.equal(online, false, "bob has no socket");
      assert.deepEqual(
        (members as [string, number][]).sort((a, b) => a[1] - b[1]),
        [
          [ada.username, 0],
          [bob.username, 2],
        ],
      );
    },
  ],
];

function importsOfThePage(globals: Record<string, unknown>, set: Set<string>): void {
  for (const [name, value] of Object.entries({ Client, Session, HeraldError, ChannelType })) {
    set.add(name);
    globals[name] = value;
  }
}

async function waitFor(what: string, check: () => boolean, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** The check of a snippet: exactly one, so that a new snippet without one fails the suite. */
const { snippets, checkOf } = pairedSnippets(PAGE, checks);

for (const mode of serverModes) {
  for (const snippet of snippets) {
    const first = snippet.code.split("\n").find((l) => l.trim() && !l.startsWith("import")) ?? "";
    // The page's own sign-ins and groups (fixed device ids, usernames, group names) work once per
    // server.
    const fixedNames = /(authenticate\w*|createGroup)\([^)]*\{[^}]*\b(id|username|name): "/.test(
      snippet.code,
    );
    const options = fixedNames ? bundledOnly(mode, "the page's sign-ins and groups have fixed names") : {};
    test(
      `${PAGE}:${snippet.line} runs as written (${mode.name} server): ${first.trim()}`,
      options,
      async (t) => {
        const check = checkOf(snippet);
        const { server, client, signIn } = await serverWithClient(t, mode.options);
        const logs: unknown[][] = [];
        t.mock.method(console, "log", (...args: unknown[]) => logs.push(args));
        const globals = globalThis as Record<string, unknown>;
        const set = new Set<string>();
        t.after(() => {
          for (const name of set) delete globals[name];
        });
        // What the page's first snippet imported.
        importsOfThePage(globals, set);
        const world: World = {
          t,
          mode,
          port: server.port,
          client,
          signIn,
          logs,
          ambient(values) {
            for (const [name, value] of Object.entries(values)) {
              set.add(name);
              globals[name] = value;
            }
          },
          run: () => runSnippet(snippet, (code) => code.replaceAll("port: 7350", `port: ${server.port}`)),
          async inRoom(session) {
            const socket = client.createSocket();
            await socket.connect(session);
            t.after(() => socket.disconnect());
            const { id } = await socket.joinChat(
              `room-${Math.random().toString(36).slice(2, 8)}`,
              ChannelType.Room,
            );
            return { socket, channelId: id };
          },
        };
        await check(world);
      },
    );
  }
}
