import { HeraldError } from "../errors.js";
import type { ChannelMessageInit } from "../gen/wire.js";
import { encodeRestResponse, parseRestRequest } from "../protocol/rest.js";
import { channelMessageBody, type FakeContent } from "./fake-pushes.js";
import type { FakeHttpReply, FakeHttpRequest } from "./fake-rest.js";

/** A read of a channel's history (`GET /v2/channel/ID`) that a fake server received. */
export interface FakeHistoryRequest {
  channelId: string;
  /** Messages asked for (the REST default when the client sent none). @default 1 */
  limit: number;
  /** True lists oldest first (the REST default when the client sent none, as on stock). @default true */
  forward: boolean;
  /** The cursor the client sent ("" for the first page). */
  cursor: string;
  /** The HTTP request it came in. */
  http: FakeHttpRequest;
}

/** A history message a test serves: `channelId` defaults to the one read, `content` may be an object. */
export type FakeHistoryMessage = Omit<ChannelMessageInit, "content" | "channelId"> & {
  channelId?: string | undefined;
  content?: FakeContent;
};

/**
 * A page of history: its messages (newest first unless the request was `forward`) and cursors.
 * Message ids, times, `persistent: true` and code 0 are filled in unless given.
 */
export interface FakeHistoryPage {
  messages?: readonly FakeHistoryMessage[] | undefined;
  nextCursor?: string | undefined;
  prevCursor?: string | undefined;
  cacheableCursor?: string | undefined;
}

/**
 * Answers history reads: a page, undefined to leave the read to older handlers (and in the end
 * to the default empty history), or a promise of either (a slow server).
 */
export type FakeHistoryHandler = (
  request: FakeHistoryRequest,
) => FakeHistoryPage | undefined | Promise<FakeHistoryPage | undefined>;

const HISTORY_PATH = /^\/v2\/channel\/([^/]+)$/;

/**
 * Turns a history handler into an HTTP hook: reads the request as herald's REST API defines it
 * and writes the page in its JSON shape. A malformed read is answered 400, as the server does.
 */
export function historyHook(
  handler: FakeHistoryHandler,
): (request: FakeHttpRequest) => Promise<FakeHttpReply | undefined> | undefined {
  return (http) => {
    const match = http.method === "GET" ? HISTORY_PATH.exec(http.path) : null;
    if (!match) return undefined;
    let read: { channelId: string; limit?: number; forward?: boolean; cursor: string };
    try {
      read = parseRestRequest(
        "listChannelMessages",
        { channel_id: decodeURIComponent(match[1] as string) },
        new URLSearchParams(http.url.slice(http.path.length)),
        undefined,
      );
    } catch (error) {
      const refusal = HeraldError.from(error, "bad_input");
      return Promise.resolve({ status: 400, body: { code: 3, message: refusal.message } });
    }
    const request: FakeHistoryRequest = {
      channelId: read.channelId,
      limit: read.limit || 1,
      // As stock: a listing that leaves `forward` out reads oldest first.
      forward: read.forward ?? true,
      cursor: read.cursor,
      http,
    };
    return Promise.resolve(handler(request)).then((page) => {
      if (page === undefined) return undefined;
      const messages = (page.messages ?? []).map((m) =>
        channelMessageBody({ ...m, channelId: m.channelId ?? request.channelId }),
      );
      return {
        raw: encodeRestResponse("listChannelMessages", { ...page, messages }),
      };
    });
  };
}

/** Options of {@link endlessHistory}. */
export interface EndlessHistoryOptions {
  /** Milliseconds before each page is answered (a slow server); may be changed later. @default 0 */
  delayMs?: number | undefined;
  /** The sender of every message. @default { senderId: "u-endless", username: "endless" } */
  sender?: { senderId: string; username: string } | undefined;
}

/** A history handler whose history never ends, with what it served. See {@link endlessHistory}. */
export interface EndlessHistory extends FakeHistoryHandler {
  /** Pages served so far. */
  readonly pages: number;
  /** Messages made so far (each has a new id: `endless-1`, `endless-2`, ...). */
  readonly messages: number;
  /** Milliseconds before each page is answered. */
  delayMs: number;
}

/**
 * A channel history whose cursor never settles, for testing that an app (or the SDK's catch-up)
 * bounds how far it reads: every page is full (as many messages as asked for), of new messages,
 * with a new cursor. The first page served lies at the bottom of the history (year 2000); every
 * later page, read newest first, is older than the page before it yet newer than that first
 * page, so a reader who saw the first page and then reads back from the newest never reaches it.
 *
 * ```ts
 * const history = endlessHistory();
 * fake.onHistory(history);
 * // ... the app reads history, then:
 * console.log(history.pages, history.messages);
 * ```
 */
export function endlessHistory(options: EndlessHistoryOptions = {}): EndlessHistory {
  let pages = 0;
  let made = 0;
  let delayMs = options.delayMs ?? 0;
  const sender = options.sender ?? { senderId: "u-endless", username: "endless" };
  const bottom = Date.UTC(2000, 0, 1);
  const top = Date.UTC(2030, 0, 1);
  const handler = (request: FakeHistoryRequest): Promise<FakeHistoryPage> => {
    const first = pages === 0;
    pages++;
    const messages = Array.from({ length: request.limit }, (): FakeHistoryMessage => {
      made++;
      // A second apart, going back from 2030: thirty years of pages before the bottom is reached.
      const time = new Date(first ? bottom : top - made * 1000);
      return {
        ...sender,
        messageId: `endless-${made}`,
        content: { n: made },
        createTime: time,
        updateTime: time,
      };
    });
    const page = { messages, nextCursor: `endless-next-${made}`, cacheableCursor: `endless-cache-${made}` };
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve(page), delayMs);
      // A page held back for a client that gave up must not keep the test process alive.
      (timer as { unref?: () => void }).unref?.();
    });
  };
  return Object.defineProperties(handler, {
    pages: { get: () => pages },
    messages: { get: () => made },
    delayMs: {
      get: () => delayMs,
      set: (ms: number) => {
        delayMs = ms;
      },
    },
  }) as EndlessHistory;
}
