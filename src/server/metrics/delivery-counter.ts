/** Envelope kinds the server sends unprompted: what a delivery is. */
export const PUSH_KINDS = [
  "channelMessage",
  "channelPresenceEvent",
  "statusPresenceEvent",
  "notifications",
] as const;

/** One of {@link PUSH_KINDS}. */
export type PushKind = (typeof PUSH_KINDS)[number];

/**
 * Pushes written to sockets, by kind, counted once per recipient socket: a chat message to a room
 * of 50 is 50 deliveries. Replies to requests are not deliveries.
 */
export class DeliveryCounter {
  /** Deliveries so far, by push kind. */
  readonly byKind: Record<PushKind, number> = {
    channelMessage: 0,
    channelPresenceEvent: 0,
    statusPresenceEvent: 0,
    notifications: 0,
  };

  /** Counts one frame written to one socket; frames of any other kind are ignored. */
  count(kind: string): void {
    switch (kind) {
      case "channelMessage":
      case "channelPresenceEvent":
      case "statusPresenceEvent":
      case "notifications":
        this.byKind[kind] += 1;
        return;
      default:
        return;
    }
  }
}
