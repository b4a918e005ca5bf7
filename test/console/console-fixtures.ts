// Shared by the console's tests: reading its API, and signing SDK users in against a test server.

import { ChannelType, Client, type Session, type Socket } from "../../src/index.js";
import type { ConsoleSnapshot } from "../../src/server/console/console-snapshot.js";
import { DEFAULT_CONSOLE_CREDENTIAL } from "../../src/server/index.js";
import { uniqueName } from "../helpers/server.js";

export { ChannelType, DEFAULT_CONSOLE_CREDENTIAL };

/** Calls the console API; `credential: null` sends no Authorization header. */
export async function consoleGet(
  baseUrl: string,
  pathAndQuery: string,
  credential: string | null = DEFAULT_CONSOLE_CREDENTIAL,
): Promise<{ status: number; headers: Headers; body: Record<string, unknown> }> {
  const headers: Record<string, string> = {};
  if (credential !== null) headers.authorization = `Bearer ${credential}`;
  const res = await fetch(`${baseUrl}${pathAndQuery}`, { headers });
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: JSON.parse(text) as Record<string, unknown> };
}

/** The console's snapshot, read with the default credential. */
export async function snapshotOf(baseUrl: string): Promise<ConsoleSnapshot> {
  const res = await consoleGet(baseUrl, "/console/api/snapshot");
  if (res.status !== 200) throw new Error(`snapshot: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body as unknown as ConsoleSnapshot;
}

/** A user signed in with herald's SDK and connected. */
export interface SdkUser {
  client: Client;
  session: Session;
  socket: Socket;
  userId: string;
  username: string;
}

/** Signs a new user in and connects a socket (appearing online unless told otherwise). */
export async function sdkUser(
  baseUrl: string,
  prefix: string,
  connect: { appearOnline?: boolean; invisible?: boolean } = { appearOnline: true },
): Promise<SdkUser> {
  const url = new URL(baseUrl);
  const client = new Client({ host: url.hostname, port: Number(url.port), ssl: false });
  const username = uniqueName(prefix);
  const session = await client.authenticateCustom({ id: `custom-${username}`, username });
  const socket = client.createSocket();
  await socket.connect(session, connect);
  return { client, session, socket, userId: session.userId, username };
}

/** Polls `read` until `done` holds for its result, failing after `ms`. */
export async function eventually<T>(
  read: () => Promise<T>,
  done: (value: T) => boolean,
  ms = 5000,
): Promise<T> {
  const deadline = Date.now() + ms;
  let last: T;
  for (;;) {
    last = await read();
    if (done(last)) return last;
    if (Date.now() > deadline)
      throw new Error(`condition not met within ${ms} ms; last: ${JSON.stringify(last)}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
