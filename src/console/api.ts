import type { ConsoleSnapshot } from "../server/console/console-snapshot.js";
import type { InspectorEntry } from "../server/console/inspector-entry.js";

const STORAGE_KEY = "herald-console-credential";

/** What `/console/api/info` says before signing in. */
export interface ConsoleInfo {
  enabled: boolean;
  reason?: string;
  defaultCredential?: string;
}

/** A refusal of the console API, with the server's message. */
export class ConsoleApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = "ConsoleApiError";
  }
}

/** The credential kept for this tab only (sessionStorage), so closing the tab signs out. */
export const credentialStore = {
  get: (): string | null => sessionStorage.getItem(STORAGE_KEY),
  set: (value: string) => sessionStorage.setItem(STORAGE_KEY, value),
  clear: () => sessionStorage.removeItem(STORAGE_KEY),
};

async function refusal(res: Response): Promise<ConsoleApiError> {
  let message = `HTTP ${res.status}`;
  try {
    const body = (await res.json()) as { message?: string };
    if (body.message) message = body.message;
  } catch {
    // Not JSON: keep the status line.
  }
  return new ConsoleApiError(res.status, message);
}

export async function fetchInfo(): Promise<ConsoleInfo> {
  const res = await fetch("/console/api/info");
  if (!res.ok) throw await refusal(res);
  return (await res.json()) as ConsoleInfo;
}

/** Checks a credential by asking for a snapshot with it. */
export async function fetchSnapshot(credential: string): Promise<ConsoleSnapshot> {
  const res = await fetch("/console/api/snapshot", { headers: { Authorization: `Bearer ${credential}` } });
  if (!res.ok) throw await refusal(res);
  return (await res.json()) as ConsoleSnapshot;
}

/** Handlers of the live feed. */
export interface FeedHandlers {
  snapshot(snapshot: ConsoleSnapshot): void;
  envelopes(entries: InspectorEntry[]): void;
  state(state: "connecting" | "live" | "retrying", detail?: string): void;
  /** The credential stopped working (changed on the server): the feed has stopped. */
  unauthorized(message: string): void;
}

/**
 * Follows `/console/api/events` (server-sent events read through fetch, which, unlike
 * EventSource, can send the credential in a header), reconnecting after a drop.
 */
export function openFeed(credential: string, handlers: FeedHandlers): () => void {
  const abort = new AbortController();
  let retryMs = 500;
  const run = async () => {
    while (!abort.signal.aborted) {
      handlers.state("connecting");
      try {
        const res = await fetch("/console/api/events", {
          headers: { Authorization: `Bearer ${credential}` },
          signal: abort.signal,
        });
        if (res.status === 401 || res.status === 403) {
          handlers.unauthorized((await refusal(res)).message);
          return;
        }
        if (!res.ok || res.body === null) throw await refusal(res);
        handlers.state("live");
        retryMs = 500;
        await readEvents(res.body, (event, data) => {
          if (event === "snapshot") handlers.snapshot(JSON.parse(data) as ConsoleSnapshot);
          else if (event === "envelopes") handlers.envelopes(JSON.parse(data) as InspectorEntry[]);
        });
        handlers.state("retrying", "the server closed the feed");
      } catch (err) {
        if (abort.signal.aborted) return;
        handlers.state("retrying", err instanceof Error ? err.message : String(err));
      }
      await new Promise((resolve) => setTimeout(resolve, retryMs));
      retryMs = Math.min(retryMs * 2, 10_000);
    }
  };
  void run();
  return () => abort.abort();
}

async function readEvents(
  body: ReadableStream<Uint8Array>,
  onEvent: (event: string, data: string) => void,
): Promise<void> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let buffer = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buffer += decoder.decode(value, { stream: true });
    for (let end = buffer.indexOf("\n\n"); end >= 0; end = buffer.indexOf("\n\n")) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      let event = "message";
      const data: string[] = [];
      for (const line of block.split("\n")) {
        if (line.startsWith("event: ")) event = line.slice(7);
        else if (line.startsWith("data: ")) data.push(line.slice(6));
      }
      if (data.length > 0) onEvent(event, data.join("\n"));
    }
  }
}
