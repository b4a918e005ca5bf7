import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import {
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import { startTestServer, type TestServer } from "../../src/testing/index.js";
import { repo } from "../build/bundle-graph.js";
import {
  asCommonJs,
  assertFirstLookOutput,
  assertRanThrough,
  firstLook,
  run,
  withPort,
} from "./readme-example.js";

const nodeModules = path.join(repo, "node_modules");

/**
 * Packs the package the way a fresh clone would: a copy of the repository's files (tracked and
 * new, nothing git ignores, so no dist/) with the installed node_modules, then `npm pack`, whose
 * `prepack` must build. Returns the tarball's path.
 */
async function packFreshClone(work: string): Promise<string> {
  const clone = path.join(work, "clone");
  const files = execFileSync("git", ["ls-files", "-z", "--cached", "--others", "--exclude-standard"], {
    cwd: repo,
    encoding: "utf8",
  })
    .split("\0")
    .filter((f) => f && !f.startsWith("node_modules"));
  for (const file of files) {
    mkdirSync(path.dirname(path.join(clone, file)), { recursive: true });
    try {
      copyFileSync(path.join(repo, file), path.join(clone, file));
    } catch (err) {
      // A file deleted but not yet committed is still listed: skip it, as a clone would not have it.
      if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err;
    }
  }
  symlinkSync(nodeModules, path.join(clone, "node_modules"), "dir");
  const packed = await run("npm", ["pack", "--json", "--pack-destination", work], {
    cwd: clone,
    timeoutMs: 240_000,
    env: {
      ...process.env,
      npm_config_audit: "false",
      npm_config_fund: "false",
      npm_config_update_notifier: "false",
    },
  });
  assertRanThrough(packed, "npm pack");
  const json = packed.stdout.slice(packed.stdout.indexOf("["));
  const [info] = JSON.parse(json) as { filename: string; files: { path: string }[] }[];
  assert.ok(info, "npm pack printed no result");
  const inside = new Set(info.files.map((f) => f.path));
  for (const built of [
    "dist/index.js",
    "dist/index.cjs",
    "dist/index.d.ts",
    "dist/server/cli.js",
    "dist/herald.min.js",
  ]) {
    assert.ok(inside.has(built), `${built} is not in the tarball: prepack did not build`);
  }
  // The package says Apache-2.0, whose section 4 asks that every copy carry the license's text.
  assert.ok(inside.has("LICENSE"), "LICENSE is not in the tarball");
  return path.join(work, info.filename);
}

/**
 * What a TypeScript app installs beside herald, as the docs say: Node's types, React with its types
 * for herald/react (docs/react.md) and ws's types for herald/testing (docs/testing.md).
 */
const typesTheDocsName = ["@types/node", "react", "@types/react", "@types/ws"];

/**
 * A fresh app with the tarball installed: node_modules/herald is the tarball's content, and each
 * dependency it declares (plus better-sqlite3, the server's peer, and the packages of
 * `typesTheDocsName`) is linked from this repository's install, so no network is needed.
 */
function installInto(app: string, tarball: string): void {
  const herald = path.join(app, "node_modules", "herald");
  mkdirSync(herald, { recursive: true });
  execFileSync("tar", ["-xzf", tarball, "-C", herald, "--strip-components=1"]);
  const pkg = JSON.parse(readFileSync(path.join(herald, "package.json"), "utf8"));
  const linked = [...Object.keys(pkg.dependencies ?? {}), "better-sqlite3", ...typesTheDocsName];
  for (const name of linked) {
    const target = path.join(app, "node_modules", name);
    mkdirSync(path.dirname(target), { recursive: true });
    symlinkSync(path.join(nodeModules, name), target, "dir");
  }
  writeFileSync(
    path.join(app, "package.json"),
    JSON.stringify({
      name: "first-look-app",
      private: true,
      type: "module",
      dependencies: { herald: `file:${tarball}` },
    }),
  );
}

const tsc = path.join(nodeModules, "typescript", "bin", "tsc");
const tsx = path.join(nodeModules, "tsx", "dist", "cli.mjs");

/** tsconfig.json of the app's TypeScript project, for one module resolution. */
function tsconfig(resolution: "nodenext" | "bundler"): object {
  return {
    compilerOptions: {
      target: "ES2022",
      module: resolution === "nodenext" ? "nodenext" : "esnext",
      moduleResolution: resolution,
      lib: ["ES2022"],
      types: ["node"],
      strict: true,
      // test/build/consumer-types.test.ts checks the declarations with skipLibCheck off; here it is the
      // example that is checked, and checking all of @types/node again would only cost time.
      skipLibCheck: true,
      outDir: "out",
      ...(resolution === "bundler" && { noEmit: true }),
    },
    files: ["first-look.ts"],
  };
}

/**
 * An app's code over every entry point of the package, written from the docs: the types it names
 * must exist, and be what the docs say (a `Date` where they say so, arrays that are arrays).
 */
const everyEntryApp = `
import {
  ChannelType, Client, HeraldError, Session, type Channel, type ChannelMessage, type HeraldErrorCode,
  type Socket, type SocketState, type StatusPresenceEvent,
} from "herald";
import { protobufCodec } from "herald/protobuf";
import { PresenceStore, isInvisible, setInvisible, type PresenceChange } from "herald/presence";
import {
  HeraldProvider, useChannel, useConnection, useConnectionState, useEvent, usePresence, useSocket, useStatus,
} from "herald/react";
import { createResilientSocket } from "herald/resilience";
import { createServer, DEFAULT_CONSOLE_CREDENTIAL, type HeraldServer, type ServerOptions } from "herald/server";
import {
  cuttableWebSocket, inbox, nextEvent, startFakeServer, startFaultProxy, startTestServer, waitFor,
} from "herald/testing";

interface Chat { text: string }

export function Lobby({ friendIds }: { friendIds: string[] }) {
  const state: SocketState = useConnectionState();
  const { error } = useConnection();
  const { messages, status } = useChannel<Chat>("lobby", ChannelType.Room, { persistence: true });
  const { users } = usePresence(friendIds);
  const statuses = useStatus(friendIds);
  const socket = useSocket();
  useEvent("channelMessage", (m) => console.log(m.content));
  const lastActive: (Date | undefined)[] = users.map((u) => u.lastActive);
  return (
    <p onClick={() => void socket.updateStatus("Playing")}>
      {state} {status} {error?.code} {messages.map((m) => m.content.text).join(" ")} {lastActive.length}
      {friendIds.map((id) => statuses[id] ?? "offline").join(" ")}
    </p>
  );
}

export const root = (client: Client, session: Session) => (
  <HeraldProvider client={client} session={session} connectOptions={{ appearOnline: true }}>
    <Lobby friendIds={[]} />
  </HeraldProvider>
);

export async function main(): Promise<string> {
  const options: ServerOptions = { port: 0, db: ":memory:", logLevel: "warn" };
  const server: HeraldServer = await createServer(options);
  const url: string = server.url;
  const client = new Client({ host: "127.0.0.1", port: server.port, ssl: false, serverKey: "defaultkey" });
  const session: Session = await client.authenticateDevice({ id: "device-0001", username: "ada" });
  const expires: Date = session.expiresAt;
  const socket: Socket = client.createSocket({ codec: protobufCodec });
  await socket.connect(session, { appearOnline: true });
  socket.onStatusPresence(({ joins }: StatusPresenceEvent) => joins.map((p) => p.status));
  await socket.followUsers([session.userId]);
  await socket.updateStatus("Playing level 3");
  const room: Channel = await socket.joinChat("lobby", ChannelType.Room, { persistence: true });
  const ack = await socket.writeChatMessage<Chat>(room.id, { text: "hi" });
  const page = await client.listChannelMessages(session, room.id, { limit: 10, forward: false });
  const first: ChannelMessage | undefined = page.messages[0];
  const created: Date | undefined = first?.createTime;
  const presence = new PresenceStore(socket, client, session);
  presence.onChange(({ current }: PresenceChange) => current.online);
  await presence.watch([session.userId]);
  await presence.close();
  try {
    await client.getUsers(session, { ids: ["not-an-id"] });
  } catch (error) {
    if (HeraldError.is(error)) {
      const code: HeraldErrorCode = error.code;
      console.log(code, error.serverCode, error.status);
    }
  }
  const old = createResilientSocket(client, { reconnect: false });
  await socket.disconnect();
  await server.close();

  await using testServer = await startTestServer();
  const [ada, bob] = await testServer.users(2);
  const heard = inbox(bob?.socket ?? old, "channelMessage");
  await using fake = await startFakeServer();
  fake.onRequest("ping", () => "silence");
  await using proxy = await startFaultProxy(testServer.port);
  const net = cuttableWebSocket();
  await waitFor(() => heard.received.length === 0, { what: "nothing heard" });
  console.log(url, expires, created, ada?.userId, proxy.port, net.count(), DEFAULT_CONSOLE_CREDENTIAL);
  console.log(nextEvent, isInvisible, setInvisible);
  return ack.messageId;
}
`;

/** tsconfig.json of a strict app (the strictest options, declarations checked too). */
function strictTsconfig(resolution: "node16" | "bundler"): object {
  return {
    compilerOptions: {
      target: "ES2022",
      module: resolution === "node16" ? "node16" : "esnext",
      moduleResolution: resolution,
      lib: ["ES2022", "DOM", "ESNext.Disposable"],
      jsx: "react-jsx",
      types: ["node"],
      strict: true,
      noUncheckedIndexedAccess: true,
      exactOptionalPropertyTypes: true,
      skipLibCheck: false,
      noEmit: true,
    },
    files: ["app.tsx"],
  };
}

// The runs are independent: they share the app but write files of their own, so they run at once.
describe("the packed package in a fresh app", { concurrency: true }, () => {
  let work: string;
  let app: string;
  const servers: TestServer[] = [];

  /** The README example pointed at a server of its own (the runs go at once; their users must not meet). */
  async function example(): Promise<string> {
    const server = await startTestServer();
    servers.push(server);
    return withPort(firstLook(), server.port);
  }

  before(async () => {
    work = mkdtempSync(path.join(tmpdir(), "herald-first-hour-"));
    const tarball = await packFreshClone(work);
    app = path.join(work, "app");
    installInto(app, tarball);
  });
  after(async () => {
    await Promise.all(servers.map((server) => server.close()));
    if (work) rmSync(work, { recursive: true, force: true });
  });

  test("runs the README example as an ES module", async () => {
    writeFileSync(path.join(app, "first-look.mjs"), await example());
    const result = await run(process.execPath, ["first-look.mjs"], { cwd: app });
    assertRanThrough(result, "first-look.mjs");
    assertFirstLookOutput(result.stdout);
  });

  test("runs the README example as CommonJS", async () => {
    writeFileSync(path.join(app, "first-look.cjs"), asCommonJs(await example()));
    const result = await run(process.execPath, ["first-look.cjs"], { cwd: app });
    assertRanThrough(result, "first-look.cjs");
    assertFirstLookOutput(result.stdout);
  });

  /** A TypeScript project of the README example with `moduleResolution` set, type-checked by tsc. */
  async function typeCheckedExample(resolution: "nodenext" | "bundler"): Promise<string> {
    const project = path.join(app, `ts-${resolution}`);
    mkdirSync(project);
    writeFileSync(path.join(project, "first-look.ts"), await example());
    writeFileSync(path.join(project, "tsconfig.json"), JSON.stringify(tsconfig(resolution)));
    assertRanThrough(
      await run(process.execPath, [tsc, "-p", "."], { cwd: project, timeoutMs: 240_000 }),
      `tsc (${resolution})`,
    );
    return project;
  }

  test("the README example type-checks with moduleResolution nodenext, and its output runs", async () => {
    const project = await typeCheckedExample("nodenext");
    const result = await run(process.execPath, [path.join("out", "first-look.js")], { cwd: project });
    assertRanThrough(result, "the compiled example");
    assertFirstLookOutput(result.stdout);
  });

  for (const [kind, resolution] of [
    ["module", "node16"],
    ["commonjs", "node16"],
    ["module", "bundler"],
  ] as const) {
    test(`an app using every entry point type-checks, strict and with skipLibCheck off (${kind}, moduleResolution ${resolution})`, async () => {
      const project = path.join(app, `every-entry-${kind}-${resolution}`);
      mkdirSync(project);
      writeFileSync(path.join(project, "package.json"), JSON.stringify({ name: "every-entry", type: kind }));
      writeFileSync(path.join(project, "app.tsx"), everyEntryApp);
      writeFileSync(path.join(project, "tsconfig.json"), JSON.stringify(strictTsconfig(resolution)));
      assertRanThrough(
        await run(process.execPath, [tsc, "-p", "."], { cwd: project, timeoutMs: 240_000 }),
        `tsc over every entry point (${kind}, ${resolution})`,
      );
    });
  }

  test("the README example type-checks with moduleResolution bundler, and runs as TypeScript", async () => {
    const project = await typeCheckedExample("bundler");
    const result = await run(process.execPath, [tsx, "first-look.ts"], { cwd: project });
    assertRanThrough(result, "the example under tsx");
    assertFirstLookOutput(result.stdout);
  });
});
