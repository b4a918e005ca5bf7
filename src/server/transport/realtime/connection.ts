import { randomUUID } from "node:crypto";
import type WebSocket from "ws";
import type { EnvelopeInit, UserPresenceInit } from "../../../gen/wire.js";
import type { Codec } from "../../../protocol/codec.js";
import { RemoteFrame } from "../../cluster/remote-frame.js";
import type { ConsoleTap } from "../../console/console-tap.js";
import { Outgoing } from "../../services/outgoing.js";
import type { Membership, Peer } from "../../services/peer.js";
import type { SocketWriter, WriteTarget } from "./writer.js";

/** One connected socket of one user: its status, follows and channel memberships. */
export class Connection implements Peer, WriteTarget {
  readonly id = randomUUID();
  readonly binary: boolean;
  corkTurn = 0;
  turnBytes = 0;
  writtenBytes = 0;
  checkedUnsent = 0;
  checkedWritten = 0;
  takeRate = 0;
  status: string | undefined;
  readonly follows = new Set<string>();
  readonly channels = new Map<string, Membership>();
  /** Cleared by each keepalive ping and set again by the pong (or any frame). */
  alive = true;
  closed = false;
  /**
   * Set when a frame of this socket was refused with a close: the frames read after it are dropped,
   * as stock Nakama stops reading there, so nothing the client sent after it is carried out.
   */
  refused = false;
  /** Closes the socket when its session token expires. */
  expiry: NodeJS.Timeout | undefined;

  constructor(
    readonly ws: WebSocket,
    readonly codec: Codec,
    readonly userId: string,
    readonly username: string,
    readonly vars: Readonly<Record<string, string>>,
    private readonly writer: SocketWriter,
    private readonly tap?: ConsoleTap | undefined,
  ) {
    this.binary = codec.binary;
  }

  send(message: Outgoing | RemoteFrame | EnvelopeInit): void {
    if (this.closed) return;
    const out =
      message instanceof Outgoing || message instanceof RemoteFrame ? message : new Outgoing(message);
    this.tap?.sent(this, out);
    this.writer.write(this, out.bytes(this.codec), out.envelope.kind);
  }

  /** Answers a request that succeeded with nothing to return. */
  sendEmptyReply(cid: string | undefined): void {
    if (cid !== undefined) this.send({ cid, kind: "empty", body: {} });
  }

  presence(persistence: boolean): UserPresenceInit {
    return { userId: this.userId, sessionId: this.id, username: this.username, persistence };
  }
}
