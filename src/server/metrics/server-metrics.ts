import { type IntervalHistogram, monitorEventLoopDelay } from "node:perf_hooks";
import type { HeraldErrorCode } from "../../protocol/error-codes.js";
import type { LimitHits } from "../limits/limits.js";
import type { PushKind } from "./delivery-counter.js";
import { Histogram } from "./histogram.js";

/**
 * Upper bounds of the commit-duration buckets, in seconds: a commit on a local SQLite file takes
 * well under a millisecond, one that waits on a held lock or a remote database up to seconds.
 */
export const COMMIT_SECONDS_BUCKETS = [
  0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
] as const;

/** Upper bounds of the commit batch-size buckets (messages per commit). */
export const COMMIT_BATCH_BUCKETS = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000] as const;

/** Live values the metrics read on each scrape rather than count. */
export interface MetricGauges {
  /** Open WebSockets. */
  sockets(): number;
  /** Distinct users with at least one open socket. */
  users(): number;
  /** Realtime frames written (replies and pushes). */
  framesOut(): number;
  /** Rate-limit refusals by limit. */
  limitHits(): LimitHits;
  /** Pushes written to sockets, by kind, one per recipient socket. */
  deliveries(): Readonly<Record<PushKind, number>>;
}

/**
 * The server's counters, rendered in the Prometheus text format (version 0.0.4). Counting is a
 * field increment so that the hot paths pay nothing measurable for it.
 */
export class ServerMetrics {
  /** Realtime requests received. */
  messagesIn = 0;
  /** REST requests answered. */
  httpRequests = 0;
  /** Sockets opened since start. */
  socketsOpened = 0;
  /** Sockets closed as slow readers (1013). */
  slowReadersClosed = 0;
  /** Sockets closed because their session token expired. */
  sessionsExpired = 0;
  /** Message batches that failed to commit (their senders got an error). */
  commitsFailed = 0;
  /** Gaps in a channel's live messages filled from storage (a cluster node only). */
  gapFills = 0;
  private readonly commitSeconds = new Histogram(COMMIT_SECONDS_BUCKETS);
  private readonly commitBatch = new Histogram(COMMIT_BATCH_BUCKETS);
  private readonly refusals = new Map<HeraldErrorCode, number>();
  private readonly loopDelay: IntervalHistogram;

  constructor(private readonly gauges: MetricGauges) {
    this.loopDelay = monitorEventLoopDelay({ resolution: 20 });
    this.loopDelay.enable();
  }

  /** Counts a refused request (realtime or REST) by its precise code. */
  countRefusal(code: HeraldErrorCode): void {
    this.refusals.set(code, (this.refusals.get(code) ?? 0) + 1);
  }

  /** Records one committed batch of chat messages: how long it took and how many it held. */
  observeCommit(durationMs: number, batchSize: number): void {
    this.commitSeconds.observe(durationMs / 1000);
    this.commitBatch.observe(batchSize);
  }

  /** The metrics as Prometheus text. */
  render(): string {
    const lines: string[] = [];
    const metric = (name: string, type: string, help: string, samples: [string, number][]) => {
      lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);
      for (const [labels, value] of samples) lines.push(`${name}${labels} ${value}`);
    };
    metric("herald_sockets", "gauge", "Open WebSockets.", [["", this.gauges.sockets()]]);
    metric("herald_sessions", "gauge", "Users with at least one open WebSocket.", [
      ["", this.gauges.users()],
    ]);
    metric("herald_sockets_opened_total", "counter", "WebSockets opened since start.", [
      ["", this.socketsOpened],
    ]);
    metric("herald_messages_in_total", "counter", "Realtime requests received.", [["", this.messagesIn]]);
    metric("herald_messages_out_total", "counter", "Realtime frames sent (replies and pushes).", [
      ["", this.gauges.framesOut()],
    ]);
    metric(
      "herald_deliveries_total",
      "counter",
      "Pushes written to sockets, one per recipient socket, by envelope kind.",
      Object.entries(this.gauges.deliveries()).map(([kind, n]) => [`{kind="${kind}"}`, n]),
    );
    lines.push(
      ...this.commitSeconds.render(
        "herald_message_commit_duration_seconds",
        "Time to commit a batch of chat messages, waits for a held write lock included.",
      ),
      ...this.commitBatch.render("herald_message_commit_batch_size", "Chat messages per committed batch."),
    );
    metric(
      "herald_message_commits_failed_total",
      "counter",
      "Batches of chat messages that failed to commit; their senders got a retryable error.",
      [["", this.commitsFailed]],
    );
    metric(
      "herald_channel_gap_fills_total",
      "counter",
      "Gaps in a channel's live messages that a cluster node filled from storage (a publish late or lost).",
      [["", this.gapFills]],
    );
    metric("herald_http_requests_total", "counter", "REST requests answered.", [["", this.httpRequests]]);
    metric(
      "herald_refusals_total",
      "counter",
      "Requests refused, realtime and REST, by herald error code.",
      [...this.refusals].map(([code, n]) => [`{code="${code}"}`, n]),
    );
    metric(
      "herald_rate_limit_hits_total",
      "counter",
      "Requests refused by a rate limit, by limit.",
      Object.entries(this.gauges.limitHits()).map(([limit, n]) => [`{limit="${limit}"}`, n]),
    );
    metric("herald_slow_readers_closed_total", "counter", "Sockets closed with 1013 as slow readers.", [
      ["", this.slowReadersClosed],
    ]);
    metric("herald_sessions_expired_total", "counter", "Sockets closed because their session expired.", [
      ["", this.sessionsExpired],
    ]);
    const d = this.loopDelay;
    const seconds = (ns: number) => (Number.isFinite(ns) ? ns / 1e9 : 0);
    metric("herald_event_loop_delay_seconds", "gauge", "Event-loop delay since the last scrape.", [
      ['{quantile="0.5"}', seconds(d.percentile(50))],
      ['{quantile="0.99"}', seconds(d.percentile(99))],
      ['{quantile="1"}', seconds(d.max)],
    ]);
    // Each scrape reports the delay since the previous one, so a past stall does not linger.
    d.reset();
    return `${lines.join("\n")}\n`;
  }

  /** Stops the event-loop monitor. */
  close(): void {
    this.loopDelay.disable();
  }
}
