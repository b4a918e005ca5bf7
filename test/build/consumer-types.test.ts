import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import { assertTypeChecks, repo, requireBuild } from "./bundle-graph.js";

// An app's TypeScript project that installed herald: the published declarations must type-check
// under the strictest settings, without the DOM lib (a Node app) and with skipLibCheck off, for both
// an ES module and a CommonJS app. The code below uses the SDK the way the README shows it.
const app = `
import { ChannelType, Client, HeraldError, type ChannelMessage, type Session } from "herald";
import { PresenceStore, type PresenceChange } from "herald/presence";
import { protobufCodec } from "herald/protobuf";
import { createServer, type ServerOptions } from "herald/server";

interface Chat { text: string }

export async function main(): Promise<string> {
  const options: ServerOptions = { port: 0, db: ":memory:" };
  const server = await createServer(options);
  const client = new Client({ host: "127.0.0.1", port: server.port, ssl: false, serverKey: "defaultkey" });
  const session: Session = await client.authenticateDevice({ id: "device-0001", create: true, username: "ada" });
  const socket = client.createSocket({ codec: protobufCodec });
  await socket.connect(session, { appearOnline: true });
  const off = socket.onChannelMessage((m: ChannelMessage) => {
    const when: Date | undefined = m.createTime;
    void when;
  });
  const presence = new PresenceStore(socket, client, session);
  const stop = presence.onChange((change: PresenceChange) => {
    const online: boolean = change.current.online;
    void online;
  });
  await presence.watch([session.userId]);
  stop();
  await presence.close();
  const channel = await socket.joinChat("lobby", ChannelType.Room, { persistence: true, hidden: false });
  const ack = await socket.writeChatMessage<Chat>(channel.id, { text: "hi" });
  off();
  try {
    await client.getUsers(session, { ids: [session.userId] });
  } catch (err) {
    if (HeraldError.is(err)) return err.code;
  }
  await socket.disconnect();
  await server.close();
  return ack.messageId;
}
`;

const compilerOptions = (module: "node16" | "nodenext") => ({
  compilerOptions: {
    target: "ES2022",
    module,
    moduleResolution: module,
    lib: ["ES2022"],
    types: ["node"],
    typeRoots: [path.join(repo, "node_modules", "@types")],
    strict: true,
    noUncheckedIndexedAccess: true,
    exactOptionalPropertyTypes: true,
    skipLibCheck: false,
    noEmit: true,
  },
  files: ["app.ts"],
});

describe("the published type declarations, as an app's TypeScript sees them", () => {
  let dir: string;
  before(() => {
    requireBuild();
    dir = mkdtempSync(path.join(tmpdir(), "herald-consumer-"));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  for (const kind of ["module", "commonjs"] as const) {
    test(`${kind === "module" ? "an ES module" : "a CommonJS"} app type-checks against herald, herald/protobuf, herald/presence and herald/server without the DOM lib`, () => {
      const project = path.join(dir, kind);
      mkdirSync(path.join(project, "node_modules"), { recursive: true });
      symlinkSync(repo, path.join(project, "node_modules", "herald"), "dir");
      writeFileSync(path.join(project, "package.json"), JSON.stringify({ name: `app-${kind}`, type: kind }));
      writeFileSync(path.join(project, "tsconfig.json"), JSON.stringify(compilerOptions("node16")));
      writeFileSync(path.join(project, "app.ts"), app);
      assertTypeChecks(project);
    });
  }
});
