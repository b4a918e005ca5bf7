import { readFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";

/** A local HTTP server for the browser tests: a blank page plus the scripts it may load. */
export interface PageServer {
  /** Origin of the page, e.g. "http://127.0.0.1:41234". */
  origin: string;
  close(): Promise<void>;
}

/**
 * Serves `/` (an empty HTML page, so a test can compare globals before and after loading a script)
 * and each of `scripts` (URL path -> file), read on every request so a rebuilt file is picked up.
 */
export async function startPageServer(scripts: Record<string, string>): Promise<PageServer> {
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://localhost");
    const file = scripts[url.pathname];
    if (url.pathname === "/") {
      res.writeHead(200, { "content-type": "text/html; charset=utf-8" });
      res.end(
        '<!doctype html><html><head><meta charset="utf-8"><title>herald</title></head><body></body></html>',
      );
    } else if (file) {
      res.writeHead(200, { "content-type": "text/javascript; charset=utf-8" });
      res.end(readFileSync(file));
    } else {
      // Includes /favicon.ico: a 404 there would show up as a console error in the page.
      res.writeHead(url.pathname === "/favicon.ico" ? 204 : 404);
      res.end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((err) => (err ? reject(err) : resolve()));
      }),
  };
}
