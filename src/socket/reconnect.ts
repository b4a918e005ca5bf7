import { HeraldError } from "../errors.js";
import { type ReconnectOptions, retryDelay } from "./backoff.js";
import type { Layer, LayerHost } from "./layer.js";

interface PlatformEvents {
  addEventListener?(name: string, fn: () => void): void;
  removeEventListener?(name: string, fn: () => void): void;
}

/** What the reconnect layer tells the Socket. */
export interface ReconnectHooks {
  /** A connection is open again; `attempts` counts the tries, the successful one included. */
  reconnected(attempts: number): void;
  /** The server refused the session: give up. */
  refused(error: HeraldError): void;
}

/**
 * Restores lost connections: retries with full-jitter backoff (the session is refreshed first if
 * it expired), at once when a browser comes back online or a page becomes visible, and gives up
 * only when the server refuses the session.
 */
export function reconnectLayer(host: LayerHost, options: ReconnectOptions, hooks: ReconnectHooks): Layer {
  let timer: ReturnType<typeof setTimeout> | undefined;
  let attempts = 0;
  let unwatch: (() => void) | undefined;

  const schedule = (now: boolean) => {
    clearTimeout(timer);
    const delay = now ? 0 : retryDelay(attempts + 1, options);
    timer = setTimeout(() => {
      timer = undefined;
      void retry();
    }, delay);
  };

  const retry = async () => {
    if (host.state !== "reconnecting") return;
    attempts++;
    try {
      await host.redial();
    } catch (error) {
      if (host.state !== "reconnecting") return;
      const e = HeraldError.from(error, "disconnected");
      if (e.code === "unauthenticated") hooks.refused(e);
      else schedule(false);
      return;
    }
    const made = attempts;
    attempts = 0;
    hooks.reconnected(made);
  };

  // A browser coming back online or a page becoming visible retries at once, not after the backoff.
  const watch = () => {
    if (unwatch) return;
    const g = globalThis as PlatformEvents & { document?: PlatformEvents & { visibilityState?: string } };
    const wake = () => {
      if (timer !== undefined && g.document?.visibilityState !== "hidden") schedule(true);
    };
    g.addEventListener?.("online", wake);
    g.document?.addEventListener?.("visibilitychange", wake);
    unwatch = () => {
      g.removeEventListener?.("online", wake);
      g.document?.removeEventListener?.("visibilitychange", wake);
    };
  };

  return {
    opened: watch,
    lost: () => schedule(false),
    closed: () => {
      clearTimeout(timer);
      timer = undefined;
      attempts = 0;
      unwatch?.();
      unwatch = undefined;
    },
  };
}
