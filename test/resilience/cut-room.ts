import type { TestContext } from "node:test";
import {
  type Channel,
  type ChannelMessage,
  ChannelType,
  type Client,
  type Codec,
  type GapEvent,
  type Session,
  type Socket,
  type SocketChannelMessage,
} from "../../src/index.js";
import { waitFor } from "../../src/testing/wait-for.js";
import { cuttableSocket } from "../helpers/cuttable-websocket.js";
import { serverWithClient, uniqueName } from "../helpers/server.js";
import type { ServerMode } from "../helpers/server-modes.js";
import { nextEvent } from "../sdk/helpers.js";

/** A room ada is in over a connection the test cuts, and bob in it to write. */
export interface CutRoom {
  client: Client;
  signIn(name: string): Promise<Session>;
  ada: Session;
  /** Ada's socket, over the cuttable connection. */
  socket: Socket;
  channel: Channel;
  /** Bob's socket (no reconnection), in the room. */
  sender: Socket;
  /** What ada's socket delivered, in order, and its gap events. */
  got: SocketChannelMessage[];
  gaps: GapEvent[];
  /** Waits until ada's socket delivered a message that `match` accepts. */
  received(what: string, match: (m: ChannelMessage) => boolean): Promise<unknown>;
  /** Cuts ada's connection, keeps it from coming back, and waits for the socket to notice. */
  goAway(): Promise<void>;
  /** Lets the connection come back and waits for the socket's reconnection. */
  comeBack(): Promise<void>;
}

export async function cutRoom(t: TestContext, mode: ServerMode, codec: Codec): Promise<CutRoom> {
  const { client, signIn } = await serverWithClient(t, mode.options);
  const [ada, bob] = await Promise.all([signIn("ada"), signIn("bob")]);
  const { socket, cut, refuse, restore } = await cuttableSocket(t, client, ada, { codec });
  const room = uniqueName("room");
  const channel = await socket.joinChat(room, ChannelType.Room);
  const got: SocketChannelMessage[] = [];
  const gaps: GapEvent[] = [];
  socket.onChannelMessage((m) => got.push(m));
  socket.onGap((g) => gaps.push(g));
  const sender = client.createSocket({ codec, reconnect: false });
  t.after(() => sender.disconnect());
  await sender.connect(bob);
  await sender.joinChat(room, ChannelType.Room);
  return {
    client,
    signIn,
    ada,
    socket,
    channel,
    sender,
    got,
    gaps,
    received: (what, match) => waitFor(() => got.some(match), { what }),
    async goAway() {
      refuse();
      const away = nextEvent(socket.onState.bind(socket), "reconnecting", (c) => c.state === "reconnecting");
      cut();
      await away;
    },
    async comeBack() {
      const back = nextEvent(socket.onReconnected.bind(socket), "reconnected");
      restore();
      await back;
    },
  };
}

/** Runs `fn` with `Date.now` (the in-process server's clock) `ms` ahead, or behind when negative. */
export async function withClockShifted<T>(ms: number, fn: () => Promise<T>): Promise<T> {
  const realNow = Date.now;
  Date.now = () => realNow() + ms;
  try {
    return await fn();
  } finally {
    Date.now = realNow;
  }
}
