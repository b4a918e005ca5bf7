// The stock-mode tests against a real stock Nakama server. HERALD_TEST_STOCK_URL (for example
// http://127.0.0.1:7350) makes the "nakama" server mode's server that external server instead of
// the bundled one in stock-faithful mode; HERALD_TEST_STOCK_KEY is its server key (default
// "defaultkey", stock's default); HERALD_TEST_STOCK_ONLY=1 leaves herald's own mode out of the
// mode-matrix tests. Tests that need the bundled server itself skip there (see `bundledOnly` in
// server-modes.ts).

import type { HeraldServer, ServerOptions } from "../../src/server/index.js";
import type { TestServer } from "./server.js";

/** The external server the stock-mode tests run against. */
export interface ExternalServer {
  /** Base HTTP URL, without a trailing slash. */
  url: string;
  port: number;
  /** Its server key (HERALD_TEST_STOCK_KEY). */
  serverKey: string;
}

/** The server key of herald's bundled server, and of a stock server left at its default. */
export const DEFAULT_SERVER_KEY = "defaultkey";

/**
 * The external stock server named by HERALD_TEST_STOCK_URL, or undefined when the variable is
 * unset (the stock mode then runs on the bundled server). A URL that is not plain `http` on the
 * loopback address is refused: the SDK tests make their clients from the port alone, and a
 * client's default host is 127.0.0.1.
 */
export function externalStockServer(): ExternalServer | undefined {
  const raw = process.env.HERALD_TEST_STOCK_URL;
  if (raw === undefined || raw === "") return undefined;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new Error(`HERALD_TEST_STOCK_URL is not a URL: "${raw}" (expected e.g. http://127.0.0.1:7350)`);
  }
  if (url.protocol !== "http:" || !["127.0.0.1", "localhost"].includes(url.hostname)) {
    throw new Error(
      `HERALD_TEST_STOCK_URL must be http://127.0.0.1:PORT (the tests' clients connect to 127.0.0.1 ` +
        `on the port given, without TLS), got "${raw}"`,
    );
  }
  if (url.pathname !== "/" || url.search !== "" || url.hash !== "") {
    throw new Error(`HERALD_TEST_STOCK_URL must be a server's base URL, without a path: "${raw}"`);
  }
  const port = url.port === "" ? 80 : Number(url.port);
  const key = process.env.HERALD_TEST_STOCK_KEY;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    serverKey: key === undefined || key === "" ? DEFAULT_SERVER_KEY : key,
  };
}

/** True when HERALD_TEST_STOCK_ONLY=1: the mode-matrix tests run the stock mode only. */
export function stockModeOnly(): boolean {
  return process.env.HERALD_TEST_STOCK_ONLY === "1";
}

/**
 * The server key of the test server at `server` (a base URL or a port): the external stock
 * server's when it is that one, else the bundled server's default.
 */
export function serverKeyOf(server: string | number): string {
  const external = externalStockServer();
  if (external === undefined) return DEFAULT_SERVER_KEY;
  const port = typeof server === "number" ? server : Number(new URL(server).port || 80);
  return port === external.port ? external.serverKey : DEFAULT_SERVER_KEY;
}

/** True for the options of the "nakama" server mode: stock-faithful, with 3.26's history cursors. */
export function isStockModeOptions(options: ServerOptions): boolean {
  const compat = options.compat;
  return typeof compat === "object" && compat.nakama === true && compat.historyCursors === "3.26";
}

// Options a stock-mode test may pass with the mode's own: the values stock has anyway.
const stockDefaults: Partial<Record<keyof ServerOptions, unknown>> = {
  compat: undefined,
  maxFrameBytes: 4096,
  maxBodyBytes: 256 * 1024,
};

/**
 * What `startServer` returns for the stock mode's options when HERALD_TEST_STOCK_URL is set: the
 * external server, which close() leaves running. Options an external server cannot be given (a
 * database, hooks, limits, a token secret...) fail here, so that a test that needs them is marked
 * `bundledOnly` rather than run against a server without them.
 */
export function useExternalServer(
  external: ExternalServer,
  options: ServerOptions & { file?: boolean },
): TestServer {
  const asked = Object.entries(options)
    .filter(
      ([name, value]) =>
        value !== undefined &&
        !(name in stockDefaults && stockDefaults[name as keyof ServerOptions] === value),
    )
    .map(([name]) => name)
    .filter((name) => name !== "compat");
  if (asked.length > 0) {
    throw new Error(
      `the stock-mode server is the external one at ${external.url} (HERALD_TEST_STOCK_URL), which ` +
        `cannot be given ${asked.join(", ")}: a test that needs them must skip there ` +
        "(bundledOnly in test/helpers/server-modes.ts)",
    );
  }
  const absent = (what: string) => () => {
    throw new Error(`the external stock server (HERALD_TEST_STOCK_URL) has no ${what} a test can reach`);
  };
  const close = async () => {};
  const server = Object.defineProperties(
    { url: external.url, port: external.port, host: "127.0.0.1", close } as HeraldServer,
    {
      dbPath: { get: absent("database file"), enumerable: true },
      consoleUrl: { get: absent("console URL"), enumerable: true },
      sessionCount: { get: absent("session count"), enumerable: true },
      metricsPort: { get: absent("metrics port"), enumerable: true },
      nodeId: { get: absent("node id"), enumerable: true },
    },
  );
  return Object.defineProperties(
    { server, url: external.url, port: external.port, serverKey: external.serverKey, close } as TestServer,
    { dbPath: { get: absent("database file"), enumerable: true } },
  );
}
