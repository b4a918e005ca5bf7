import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { ServerMetrics } from "./server-metrics.js";

/** Serves `GET /metrics` on its own port, away from the public one. */
export class MetricsServer {
  private constructor(
    private readonly http: Server,
    /** The port it listens on. */
    readonly port: number,
  ) {}

  /** Starts listening on `host`:`port` (0 picks a free port). */
  static async start(metrics: ServerMetrics, host: string, port: number): Promise<MetricsServer> {
    const http = createServer((req, res) => {
      const path = (req.url ?? "").split("?")[0];
      if (req.method !== "GET" || path !== "/metrics") {
        res.writeHead(404, { "Content-Type": "text/plain" }).end("Not found: try GET /metrics\n");
        return;
      }
      const body = metrics.render();
      res
        .writeHead(200, {
          "Content-Type": "text/plain; version=0.0.4; charset=utf-8",
          "Content-Length": Buffer.byteLength(body),
        })
        .end(body);
    });
    await new Promise<void>((resolve, reject) => {
      http.once("error", reject);
      http.listen(port, host, () => {
        http.off("error", reject);
        resolve();
      });
    });
    return new MetricsServer(http, (http.address() as AddressInfo).port);
  }

  /** Stops listening and drops open connections. */
  close(): Promise<void> {
    const closed = new Promise<void>((resolve) => this.http.close(() => resolve()));
    this.http.closeAllConnections();
    return closed;
  }
}
