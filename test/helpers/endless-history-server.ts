// A fake server whose channel history never ends (the kit's fake server with its endless
// history), set up as the SDK's catch-up tests need it: both wire formats, and a capabilities
// answer that tells the SDK history cursors are exact.
import type { WebSocket } from "ws";
import { jsonCodec } from "../../src/protocol/json-codec.js";
import { protobufCodec } from "../../src/protocol/protobuf-codec.js";
import { endlessHistory } from "../../src/testing/fake-history.js";
import { startFakeServer } from "../../src/testing/fake-server.js";

/** The channel a socket gets by joining room "endless" (the fake server's default answer). */
export const ENDLESS_CHANNEL = "2...endless";

export interface EndlessHistoryServer {
  port: number;
  /** History requests answered so far (the one with limit 1 at join included). */
  readonly historyRequests: number;
  /** Open WebSocket connections, newest last. */
  readonly sockets: WebSocket[];
  /** How long each history answer waits, in milliseconds. */
  delayMs: number;
  close(): Promise<void>;
}

export async function startEndlessHistoryServer(): Promise<EndlessHistoryServer> {
  const fake = await startFakeServer({
    codecs: [jsonCodec, protobufCodec],
    capabilities: { server: "herald", version: "0", extensions: ["exact_cursors"] },
  });
  const history = endlessHistory();
  fake.onHistory(history);
  return {
    port: fake.port,
    get historyRequests() {
      return history.pages;
    },
    get sockets() {
      return fake.connections.filter((c) => c.open).map((c) => c.ws);
    },
    get delayMs() {
      return history.delayMs;
    },
    set delayMs(ms: number) {
      history.delayMs = ms;
    },
    close: () => fake.close(),
  };
}
