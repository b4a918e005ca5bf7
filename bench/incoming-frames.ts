// The stand-in WebSocket and the frames of `npm run bench:incoming`.

/**
 * A WebSocket that opens at once and lets the bench push frames into whoever listens. Everything
 * the SDKs send is dropped: the bench only measures what they do with incoming frames.
 */
export class FrameFeed {
  static readonly CONNECTING = 0;
  static readonly OPEN = 1;
  static readonly CLOSING = 2;
  static readonly CLOSED = 3;
  static #last: FrameFeed | undefined;
  binaryType = "blob";
  readyState = 0;
  onopen: ((event: unknown) => void) | null = null;
  onclose: ((event: { code: number; reason: string }) => void) | null = null;
  onerror: ((event: unknown) => void) | null = null;
  onmessage: ((event: { data: unknown }) => void) | null = null;

  constructor(readonly url: string) {
    FrameFeed.#last = this;
    setTimeout(() => {
      this.readyState = 1;
      this.onopen?.({});
    }, 0);
  }

  /** The feed the SDK opened last. */
  static last(): FrameFeed {
    if (!FrameFeed.#last) throw new Error("no WebSocket was opened");
    return FrameFeed.#last;
  }

  /** Delivers one frame, as a WebSocket's message event does. */
  push(data: string): void {
    this.onmessage?.({ data });
  }

  send(_data: unknown): void {}

  close(code = 1000, reason = ""): void {
    this.readyState = 3;
    this.onclose?.({ code, reason });
  }
}

const b64url = (text: string) => Buffer.from(text).toString("base64url");

/** A session token that expires in a day; nothing verifies it here. */
export function fakeToken(): string {
  const now = Math.floor(Date.now() / 1000);
  const claims = { uid: "5f0c52a8-8a7c-4b5e-9d2e-3f1b2c4d5e6f", usn: "ada", exp: now + 86400, iat: now };
  return `${b64url('{"alg":"HS256","typ":"JWT"}')}.${b64url(JSON.stringify(claims))}.c2ln`;
}

/**
 * `count` distinct chat-message pushes as a Nakama-compatible server sends them in JSON: a room
 * message with content, both timestamps, persistence and the room name.
 */
export function chatFrames(count: number): string[] {
  const frames: string[] = [];
  const base = Date.parse("2026-11-30T08:00:00.000Z");
  for (let i = 0; i < count; i++) {
    const time = new Date(base + i * 1037).toISOString();
    frames.push(
      JSON.stringify({
        channel_message: {
          channel_id: "2...lobby",
          message_id: `0b1c7a52-5a3e-4e8b-9f6c-${String(100000000000 + i)}`,
          code: 0,
          sender_id: i % 2 ? "9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d" : "5f0c52a8-8a7c-4b5e-9d2e-3f1b2c4d5e6f",
          username: i % 2 ? "bob" : "ada",
          content: JSON.stringify({ text: `message number ${i}: see you at the usual place`, n: i }),
          create_time: time,
          update_time: time,
          persistent: true,
          room_name: "lobby",
        },
      }),
    );
  }
  return frames;
}
