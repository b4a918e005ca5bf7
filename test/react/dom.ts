// A DOM for react-dom in Node: happy-dom's window, with the globals react-dom reads.
// First: react-dom decides when it loads whether it runs in a DOM (and which events it can use).
import "./dom-globals.js";
import type { ReactNode } from "react";
import { createRoot, type Root } from "react-dom/client";
import { win } from "./dom-globals.js";

/** A React root in a fresh element of the document. */
export interface Mounted {
  container: HTMLElement;
  root: Root;
  render(node: ReactNode): void;
  unmount(): void;
}

/** Renders `node` into a new element with react-dom's client renderer. */
export function mount(node: ReactNode): Mounted {
  const container = win.document.createElement("div") as unknown as HTMLElement;
  win.document.body.appendChild(container as never);
  const root = createRoot(container);
  root.render(node);
  return {
    container,
    root,
    render: (next) => root.render(next),
    unmount: () => {
      root.unmount();
      container.remove();
    },
  };
}

/**
 * Waits until `check` returns something other than undefined/false; fails after `ms` saying `what`.
 * Measured on the monotonic clock, so that a test may hold `Date.now()` still.
 */
export async function until<T>(what: string, check: () => T | undefined | false, ms = 5000): Promise<T> {
  const deadline = performance.now() + ms;
  for (;;) {
    const value = check();
    if (value !== undefined && value !== false) return value;
    if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
