import IsomorphicWebSocket from "isomorphic-ws";

// Handler properties are declared through a method so that the platform's own WebSocket types
// (whose handlers take richer event objects) are accepted as they are.
type Handler<E> = { bivariance(event: E): void }["bivariance"] | null;

/** What the SDK reads from a close event. */
export interface CloseEventLike {
  code: number;
  reason: string;
  wasClean?: boolean;
}

/**
 * The part of the standard WebSocket API the SDK uses. Browser, React Native and Web Worker
 * WebSockets and the `ws` package (Node) all provide it.
 */
export interface WebSocketLike {
  binaryType: string;
  readonly readyState: number;
  onopen: Handler<unknown>;
  onclose: Handler<CloseEventLike>;
  onerror: Handler<unknown>;
  onmessage: Handler<{ data: unknown }>;
  send(data: string | Uint8Array): void;
  close(code?: number, reason?: string): void;
}

/** A WebSocket constructor, as `client.createSocket({ WebSocket })` takes it. */
export type WebSocketConstructor = new (url: string) => WebSocketLike;

/** The platform's WebSocket: the global one in browsers, React Native and workers; `ws` in Node. */
export const defaultWebSocket = IsomorphicWebSocket as unknown as WebSocketConstructor;
