// Integration harness: the SDK against the bundled server, once per wire format.
import { after, before } from "node:test";
import { Client, type Session, type Socket } from "../../src/index.js";
import { protobufCodec } from "../../src/protobuf.js";
import type { Codec } from "../../src/protocol/codec.js";
import { jsonCodec } from "../../src/protocol/json-codec.js";
import type { ServerOptions } from "../../src/server/index.js";
import { Inbox as KitInbox, type WaitOptions } from "../../src/testing/inbox.js";
import { startServer, type TestServer, uniqueName } from "../helpers/server.js";

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
  const sockets: Socket[] = [];
  before(async () => {
    server = await startServer(options);
    client = new Client({ port: server.port });
  });
  after(async () => {
    await Promise.all(sockets.map((s) => s.disconnect()));
    await server?.close();
  });
  const world: World = {
    get server() {
      if (!server) throw new Error("the server is not started yet");
      return server;
    },
    get client() {
      if (!client) throw new Error("the server is not started yet");
      return client;
    },
    signIn(prefix = "user") {
      return world.client.authenticateDevice({ id: `device-${uniqueName()}`, username: uniqueName(prefix) });
    },
    async connect(session, codec, options = {}) {
      const socket = world.client.createSocket({ codec });
      sockets.push(socket);
      await socket.connect(session, { appearOnline: options.appearOnline ?? false });
      return socket;
    },
    async peer(codec, options = {}) {
      const session = await world.client.authenticateDevice({
        id: `device-${uniqueName()}`,
        username: options.username ?? uniqueName("user"),
      });
      const socket = await world.connect(session, codec, options);
      return { session, socket, userId: session.userId, username: session.username };
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
