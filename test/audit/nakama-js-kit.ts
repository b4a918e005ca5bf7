// What the audit of the stock nakama-js client's calls shares: a client and signed-in users against
// a server mode, the two socket adapters, callback properties turned into awaitable events, and
// a rejection read back as what the client threw (a fetch Response for REST, an error envelope's
// body for the socket).
import assert from "node:assert/strict";
import { Client, type Session, type Socket, WebSocketAdapterText } from "@heroiclabs/nakama-js";
import { WebSocketAdapterPb } from "@heroiclabs/nakama-js-protobuf";
import WebSocket from "ws";
import { startServer, type TestServer, uniqueName } from "../helpers/server.js";
import type { ServerMode } from "../helpers/server-modes.js";

// nakama-js expects a browser-style global WebSocket, which Node 20 lacks.
(globalThis as { WebSocket?: unknown }).WebSocket ??= WebSocket;

/** The client's two socket adapters: JSON text frames and protobuf binary frames. */
export const adapters = [
  { name: "json", make: () => new WebSocketAdapterText() },
  { name: "protobuf", make: () => new WebSocketAdapterPb() },
] as const;

export type Adapter = (typeof adapters)[number];

/** A started server and a stock client pointed at it. */
export interface StockClientKit {
  srv: TestServer;
  client: Client;
  /** A new user, signed in by device. */
  signIn(prefix?: string): Promise<Session>;
  /** A new user with a connected socket (`createSocket(false, false, adapter)`). */
  connect(adapter: Adapter, appearOnline?: boolean): Promise<{ session: Session; socket: Socket }>;
  close(): Promise<void>;
}

export async function stockClientKit(mode: ServerMode): Promise<StockClientKit> {
  const srv = await startServer(mode.options);
  // The client's own default timeout, auto refresh off: a call that hangs fails the test.
  const client = new Client(srv.serverKey, "127.0.0.1", String(srv.port), false, 7000, false);
  const sockets: Socket[] = [];
  const signIn = (prefix = "nk") =>
    client.authenticateDevice(`device-${uniqueName()}`, true, uniqueName(prefix));
  return {
    srv,
    client,
    signIn,
    async connect(adapter, appearOnline = false) {
      const session = await signIn();
      // The third argument is typed as the client's own adapter interface; the protobuf one fits it.
      const socket = client.createSocket(false, false, adapter.make() as never, 5000);
      await socket.connect(session, appearOnline);
      sockets.push(socket);
      return { session, socket };
    },
    async close() {
      for (const socket of sockets) socket.disconnect(false);
      await srv.close();
    },
  };
}

/** What a REST call that the client rejected answered: its status and JSON body. */
export async function restRefusal(
  call: Promise<unknown>,
): Promise<{ status: number; body: { code?: number; message?: string } }> {
  const err = await call.then(
    (value) => assert.fail(`expected a refusal, got ${JSON.stringify(value)}`),
    (e: unknown) => e,
  );
  assert.ok(err instanceof Response, `the client rejects with the fetch Response, got ${String(err)}`);
  return { status: err.status, body: (await err.json()) as { code?: number; message?: string } };
}

/** The error envelope a socket call was rejected with. */
export async function socketRefusal(call: Promise<unknown>): Promise<{ code: number; message: string }> {
  const err = await call.then(
    (value) => assert.fail(`expected an error reply, got ${JSON.stringify(value)}`),
    (e: unknown) => e,
  );
  // A string is the client's own timeout ("The socket timed out while waiting for a response.").
  assert.equal(typeof err, "object", `an error reply, not ${String(err)}`);
  const { code, message } = err as { code: number; message: string };
  return { code, message };
}

type EventProperty = "onstatuspresence" | "onchannelmessage" | "onchannelpresence" | "onnotification";

/** Turns a nakama-js callback property into an awaitable queue of events. */
export function events<T>(socket: Socket, property: EventProperty) {
  const queue: T[] = [];
  let wake: (() => void) | undefined;
  (socket as unknown as Record<string, (e: T) => void>)[property] = (e: T) => {
    queue.push(e);
    wake?.();
  };
  const next = async (match: (e: T) => boolean = () => true, ms = 5000): Promise<T> => {
    const deadline = Date.now() + ms;
    for (;;) {
      const i = queue.findIndex(match);
      if (i >= 0) return queue.splice(i, 1)[0] as T;
      const left = deadline - Date.now();
      if (left <= 0)
        throw new Error(`no matching ${property} event within ${ms} ms (${queue.length} others)`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
  };
  return Object.assign(next, { queue });
}

/**
 * A timestamp as the client hands it over: RFC 3339 text from REST and the JSON adapter, a Date
 * from the protobuf adapter (its decoder makes Timestamps Dates, whatever the types say).
 */
export function assertTimestamp(value: unknown, what: string): void {
  if (value instanceof Date) {
    assert.ok(!Number.isNaN(value.getTime()), `${what} is a valid Date`);
    return;
  }
  assert.equal(typeof value, "string", `${what} is a string`);
  assert.match(value as string, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/, `${what} is RFC 3339 UTC`);
}

/** Asserts a REST user as the client maps it (edge_count a number, metadata parsed). */
export function assertUser(user: Record<string, unknown> | undefined, id: string, username: string): void {
  assert.ok(user, "a user");
  assert.equal(user.id, id);
  assert.equal(user.username, username);
  assert.equal(typeof user.edge_count, "number");
  assert.deepEqual(user.metadata, {});
  assertTimestamp(user.create_time, "create_time");
  assertTimestamp(user.update_time, "update_time");
}
