// Integration harness: the SDK against the bundled server, once per wire format.
import { after, before } from "node:test";
import { Client, type Session, type Socket } from "../../src/index.js";
import { protobufCodec } from "../../src/protobuf.js";
import type { Codec } from "../../src/protocol/codec.js";
import { jsonCodec } from "../../src/protocol/json-codec.js";
import type { ServerOptions } from "../../src/server/index.js";
import { Inbox as KitInbox, type WaitOptions } from "../../src/testing/inbox.js";
import { userSignIn } from "../../src/testing/test-server.js";
import { startServer, type TestServer, uniqueName } from "../helpers/server.js";
import { serverKeyOf } from "../helpers/stock-server.js";

/** Both wire formats, by name. */
export const formats: readonly [string, Codec][] = [
  ["json", jsonCodec],
  ["protobuf", protobufCodec],
];

/** A signed-in user with a connected socket. */
export interface Peer {
  session: Session;
  socket: Socket;
  userId: string;
  username: string;
}

/** The server of the current test file and helpers to sign users in against it. */
export interface World {
  readonly server: TestServer;
  readonly client: Client;
  /** Signs a new user in (REST only). */
  signIn(prefix?: string): Promise<Session>;
  /** Signs a new user in and connects a socket in `codec`. */
  peer(codec: Codec, options?: { appearOnline?: boolean; username?: string }): Promise<Peer>;
  /** Connects another socket (another device) for an existing session. */
  connect(session: Session, codec: Codec, options?: { appearOnline?: boolean }): Promise<Socket>;
}

/**
 * Starts one server for the enclosing test file; every socket opened through it is closed after.
 * The server comes from `startServer`, not the kit's `startTestServer`, so that these suites run
 * on whatever storage or cluster the server helpers are switched to.
 */
export function worldForSuite(options: ServerOptions = {}): World {
  let server: TestServer | undefined;
  let client: Client | undefined;
  let users: ReturnType<typeof userSignIn> | undefined;
  const sockets = new Set<Socket>();
  before(async () => {
    server = await startServer(options);
    client = new Client({ port: server.port, serverKey: serverKeyOf(server.port) });
    users = userSignIn(client, sockets);
  });
  after(async () => {
    await Promise.all([...sockets].map((s) => s.disconnect()));
    await server?.close();
  });
  const started = () => {
    if (!server || !client || !users) throw new Error("the server is not started yet");
    return { server, client, users };
  };
  const world: World = {
    get server() {
      return started().server;
    },
    get client() {
      return started().client;
    },
    signIn(prefix = "user") {
      return world.client.authenticateDevice({ id: `device-${uniqueName()}`, username: uniqueName(prefix) });
    },
    connect(session, codec, options = {}) {
      return started().users.socket(session, {
        codec,
        connectOptions: { appearOnline: options.appearOnline ?? false },
      });
    },
    async peer(codec, options = {}) {
      const { session, socket, userId, username } = await started().users.user({
        codec,
        username: options.username ?? "user",
        exactUsername: options.username !== undefined,
        connectOptions: { appearOnline: options.appearOnline ?? false },
      });
      return { session, socket, userId, username };
    },
  };
  return world;
}

/**
 * The test kit's inbox over a socket's events of one kind, made from a subscribe function:
 * `next(match)` consumes the first matching event, waiting (bounded) for it; `none(match)` proves
 * none arrived, after a ping round trip (the server sends anything it had queued for this socket
 * before the pong).
 */
export class Inbox<T> extends KitInbox<T> {
  constructor(socket: Pick<Socket, "ping">, subscribe: (fn: (value: T) => void) => unknown, what: string) {
    super(
      (fn) => {
        const off = subscribe(fn);
        return typeof off === "function" ? (off as () => void) : () => {};
      },
      what,
      { ping: (options) => socket.ping(options) },
    );
  }

  /** As the kit's `next`; a number as second argument is the time limit in milliseconds. */
  override next(match: (value: T) => boolean = () => true, options: WaitOptions | number = {}): Promise<T> {
    return super.next(match, typeof options === "number" ? { timeoutMs: options } : options);
  }

  /** Unread events. */
  get items(): readonly T[] {
    return this.unread;
  }
}
